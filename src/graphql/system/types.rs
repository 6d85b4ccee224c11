//! System statistics.

use async_graphql::SimpleObject;

use crate::graphql::{scalars::Long, stats::CountBy};

/// Operational numbers for administrators.
#[derive(SimpleObject)]
pub struct SystemStats {
    /// Accounts per user type.
    pub users_by_type: Vec<CountBy>,
    /// Accounts whose phone number is not verified.
    pub unverified_users: i32,
    /// Signed-in sessions that are neither revoked nor expired.
    pub active_sessions: i32,
    /// Adverse events per status.
    pub events_by_status: Vec<CountBy>,
    /// Bytes stored as event attachments.
    pub attachment_bytes: Long,
}
