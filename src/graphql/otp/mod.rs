//! One-time codes: `requestOtp`, `verifyOtp`, `resetPassword` (SPEC §6).

pub mod mutation;
pub mod types;

pub use mutation::OtpMutation;
