//! The `log` delivery: the code goes to the server log. Development only — the
//! configuration refuses it in production (SPEC §11).

use super::OtpMessage;

/// Logs `message`, code included.
pub(super) fn deliver(message: &OtpMessage) {
    tracing::info!(
        channel = ?message.channel,
        to = %message.to,
        purpose = %message.purpose,
        code = %message.code,
        "OTP (development log delivery)"
    );
}
