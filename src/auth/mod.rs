//! Authentication: who is calling. Authorization (what they may do) lives in
//! `graphql::access`; the two meet only through [`viewer::Viewer`].

pub mod cookies;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod permission;
pub mod preempt;
pub mod request;
pub mod session_cache;
pub mod viewer;
