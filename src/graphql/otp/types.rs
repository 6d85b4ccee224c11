//! OTP inputs.

use async_graphql::{Enum, InputObject};

/// What a one-time code is for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::OtpPurpose")]
pub enum OtpPurpose {
    /// Confirms a phone number (SMS).
    PhoneVerification,
    /// Confirms an email address.
    EmailVerification,
    /// Allows `resetPassword`.
    PasswordReset,
}

/// Asks for a code, sent to a phone number or an email address.
#[derive(InputObject)]
pub struct RequestOtpInput {
    /// The phone number to send the code to (or give `email`).
    pub phone_number: Option<String>,
    /// The email address to send the code to (or give `phoneNumber`).
    pub email: Option<String>,
    /// What the code is for.
    pub purpose: OtpPurpose,
}

/// Checks a code.
#[derive(InputObject)]
pub struct VerifyOtpInput {
    /// The phone number the code was sent to (or give `email`).
    pub phone_number: Option<String>,
    /// The email address the code was sent to (or give `phoneNumber`).
    pub email: Option<String>,
    /// The 6-digit code.
    pub otp_code: String,
    /// Defaults to the target's verification purpose.
    pub purpose: Option<OtpPurpose>,
}

/// Sets a new password with a `PASSWORD_RESET` code.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The phone number the code was sent to (or give `email`).
    pub phone_number: Option<String>,
    /// The email address the code was sent to (or give `phoneNumber`).
    pub email: Option<String>,
    /// The 6-digit code.
    pub otp_code: String,
    /// The new password (same policy as registration).
    pub new_password: String,
}
