//! Integration tests: one binary, a module per area. Each test starts its own server on
//! an ephemeral port with its own database (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` is set).

mod common;

mod access;
mod accounts;
mod admin_users;
mod attachments;
mod audit_log;
mod auth;
mod bus;
mod care;
mod care_documents;
mod cli;
mod events;
mod limits;
mod migrations;
mod notify;
mod otp;
mod platform;
mod roles;
mod schema_sdl;
mod selfservice;
mod session_cache;
mod storage;
mod subscriptions;
mod system;
