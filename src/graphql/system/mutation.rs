//! Administrator mutations on pending accounts.

use async_graphql::{Context, ID, Object};

use crate::{
    graphql::{
        access::{Access, RootAccess},
        accounts::types::MessagePayload,
        context::ContextExt,
        ids::parse_id,
    },
    services::unverified,
};

/// Administrator mutations on pending accounts.
#[derive(Default)]
pub struct SystemMutation;

impl RootAccess for SystemMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "deleteUnverifiedUser" | "resendVerificationOtp" => Access::ADMIN,
            _ => return None,
        })
    }

    /// Deleting an account ends its sessions.
    fn changes_sessions(field: &str) -> bool {
        field == "deleteUnverifiedUser"
    }
}

/// Administrator mutations on pending accounts.
#[Object]
impl SystemMutation {
    /// Deletes an account whose phone number is unverified (`INVALID_STATE` once it is
    /// verified). Returns the deleted id.
    async fn delete_unverified_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let user_id = parse_id("id", &id)?;
        unverified::delete(
            ctx.state()?,
            viewer.user_id,
            user_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(id)
    }

    /// Sends a new phone verification code to an unverified account (same cool-down and
    /// hourly cap as any request).
    async fn resend_verification_otp(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> async_graphql::Result<MessagePayload> {
        let id = parse_id("userId", &user_id)?;
        unverified::resend(ctx.state()?, id).await?;
        Ok(MessagePayload::ok("A new verification code was sent"))
    }
}
