//! OTP mutations: public, rate-limited per client IP and per target on every
//! execution, with answers that do not reveal whether an account exists.

use async_graphql::{Context, Object};

use super::types::{RequestOtpInput, ResetPasswordInput, VerifyOtpInput};
use crate::{
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        accounts::types::MessagePayload,
        context::ContextExt,
    },
    ratelimit::limit_public,
    services::otp::{self, OtpTarget},
};

/// OTP mutations.
#[derive(Default)]
pub struct OtpMutation;

impl RootAccess for OtpMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "requestOtp" | "verifyOtp" | "resetPassword" => Access::Public,
            _ => return None,
        })
    }

    /// Verifying marks the account verified; a reset revokes every session.
    fn changes_sessions(field: &str) -> bool {
        matches!(field, "verifyOtp" | "resetPassword")
    }
}

fn target(phone_number: Option<&str>, email: Option<&str>) -> Result<OtpTarget, AppError> {
    OtpTarget::parse(phone_number, email).map_err(AppError::invalid_input)
}

/// OTP mutations.
#[Object]
impl OtpMutation {
    /// Sends a code to a phone number or email address. The answer is the same whether
    /// or not an account matches. At most one code a minute and five an hour per target.
    async fn request_otp(
        &self,
        ctx: &Context<'_>,
        input: RequestOtpInput,
    ) -> async_graphql::Result<MessagePayload> {
        let state = ctx.state()?;
        let client = &ctx.request_context().client;
        let target = target(input.phone_number.as_deref(), input.email.as_deref())?;
        limit_public(
            state.rate_limiter(),
            state.config(),
            client,
            "otp",
            Some(target.as_str()),
        )
        .await?;
        otp::request(state, &target, input.purpose.into()).await?;
        Ok(MessagePayload::ok(otp::REQUEST_ANSWER))
    }

    /// Checks a code and marks the phone number or email address verified.
    async fn verify_otp(
        &self,
        ctx: &Context<'_>,
        input: VerifyOtpInput,
    ) -> async_graphql::Result<MessagePayload> {
        let state = ctx.state()?;
        let client = &ctx.request_context().client;
        let target = target(input.phone_number.as_deref(), input.email.as_deref())?;
        limit_public(
            state.rate_limiter(),
            state.config(),
            client,
            "otp-verify",
            Some(target.as_str()),
        )
        .await?;
        let purpose = input
            .purpose
            .map_or_else(|| target.verification_purpose(), Into::into);
        otp::verify(state, &target, purpose, input.otp_code.trim(), client).await?;
        Ok(MessagePayload::ok("Verified"))
    }

    /// Sets a new password with a `PASSWORD_RESET` code; every session of the account
    /// is signed out.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> async_graphql::Result<MessagePayload> {
        let state = ctx.state()?;
        let client = &ctx.request_context().client;
        let target = target(input.phone_number.as_deref(), input.email.as_deref())?;
        limit_public(
            state.rate_limiter(),
            state.config(),
            client,
            "otp-verify",
            Some(target.as_str()),
        )
        .await?;
        otp::reset_password(
            state,
            &target,
            input.otp_code.trim(),
            &input.new_password,
            client,
        )
        .await?;
        Ok(MessagePayload::ok(
            "Password reset; sign in with the new password",
        ))
    }
}
