//! Account mutations. The public ones (`register`, `login`, `refreshToken`) count
//! against the rate limits on every execution, so aliases cannot multiply attempts.

use async_graphql::{Context, ID, MaybeUndefined, Object};

use super::types::{
    AuthPayload, ChangePasswordInput, LoginInput, MessagePayload, RegisterInput, RegisterPayload,
    UpdateProfileInput,
};
use crate::{
    auth::cookies,
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        users::User,
    },
    ratelimit::limit_public,
    services::{
        accounts::{self, ProfileUpdate, RegisterInput as ServiceRegister, SignedIn},
        users::{NewUserInput, ProfileInput},
    },
};

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

impl RootAccess for AccountMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "register" | "login" | "refreshToken" => Access::Public,
            "logout" | "logoutAll" | "revokeSession" | "updateProfile" | "changePassword" => {
                Access::Authenticated
            }
            _ => return None,
        })
    }

    /// Everything but signing up and signing in (which change no cached session).
    fn changes_sessions(field: &str) -> bool {
        !matches!(field, "register" | "login")
    }
}

fn payload(ctx: &Context<'_>, signed: SignedIn) -> async_graphql::Result<AuthPayload> {
    let secure = ctx.state()?.config().is_production();
    let _ = ctx.request_context().signed_in_as.set(signed.user.id);
    for cookie in cookies::session_cookies(
        &signed.access_token,
        signed.access_expires_at,
        &signed.refresh_token,
        signed.refresh_expires_at,
        secure,
    ) {
        ctx.request_context().set_cookie(cookie);
    }
    Ok(AuthPayload {
        access_token: signed.access_token,
        refresh_token: signed.refresh_token,
        access_token_expires_at: signed.access_expires_at,
        refresh_token_expires_at: signed.refresh_expires_at,
        user: signed.user.into(),
    })
}

/// `Some(value)` for a set value, `Some(None)` for an explicit null, `None` when absent.
fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// Account mutations.
#[Object]
impl AccountMutation {
    /// Creates a `PATIENT`, `HOSPITAL` or `MANUFACTURER` account and sends a code to
    /// its phone number to verify it.
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> async_graphql::Result<RegisterPayload> {
        let state = ctx.state()?;
        let client = &ctx.request_context().client;
        limit_public(
            state.rate_limiter(),
            state.config(),
            client,
            "register",
            Some(&input.email),
        )
        .await?;
        let registered = accounts::register(
            state,
            ServiceRegister {
                account: NewUserInput {
                    username: input.username,
                    email: input.email,
                    phone_number: input.phone_number,
                    password: input.password,
                    user_type: input.user_type,
                },
                profile: ProfileInput {
                    first_name: input.first_name,
                    last_name: input.last_name,
                    organization_name: input.organization_name,
                    designation: input.designation,
                    address: input.address,
                },
            },
            client,
        )
        .await?;
        let message = if registered.otp_sent {
            "Registration successful. A verification code was sent to your phone."
        } else {
            "Registration successful, but the verification code could not be sent. Request a new code to verify your phone."
        };
        let _ = ctx.request_context().signed_in_as.set(registered.user.id);
        Ok(RegisterPayload {
            user: registered.user.into(),
            message: message.to_owned(),
        })
    }

    /// Signs in with a username, email or phone number. Also sets HttpOnly cookies
    /// for cookie mode.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state()?;
        let client = &ctx.request_context().client;
        limit_public(
            state.rate_limiter(),
            state.config(),
            client,
            "login",
            Some(&input.login),
        )
        .await?;
        let signed = accounts::login(state, &input.login, &input.password, client).await?;
        payload(ctx, signed)
    }

    /// Exchanges a refresh token (argument, or the `refresh_token` cookie) for new
    /// tokens. The old refresh token stops working; presenting it again revokes the
    /// session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: Option<String>,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state()?;
        let request = ctx.request_context();
        let token = refresh_token
            .filter(|t| !t.trim().is_empty())
            .or_else(|| request.refresh_cookie.clone())
            .ok_or_else(|| AppError::Unauthenticated("A refresh token is required".to_owned()))?;
        let session_key = token.split('.').next().map(str::to_owned);
        limit_public(
            state.rate_limiter(),
            state.config(),
            &request.client,
            "refresh",
            session_key.as_deref(),
        )
        .await?;
        let signed = accounts::refresh(state, &token, &request.client).await?;
        payload(ctx, signed)
    }

    /// Ends the current session at once and clears the cookies.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<MessagePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state()?;
        accounts::logout(state, viewer, &ctx.request_context().client).await?;
        for cookie in cookies::clearing_cookies(state.config().is_production()) {
            ctx.request_context().set_cookie(cookie);
        }
        Ok(MessagePayload::ok("Logged out"))
    }

    /// Ends every session of the viewer, this one included; returns how many.
    async fn logout_all(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let viewer = ctx.viewer()?;
        let state = ctx.state()?;
        let count = accounts::logout_all(state, viewer, &ctx.request_context().client).await?;
        for cookie in cookies::clearing_cookies(state.config().is_production()) {
            ctx.request_context().set_cookie(cookie);
        }
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// Ends one of the viewer's sessions.
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let viewer = ctx.viewer()?;
        let session_id = parse_id("id", &id)?;
        accounts::revoke_session(
            ctx.state()?,
            viewer,
            session_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(true)
    }

    /// Updates the viewer's profile. Changing the email or phone resets its verified
    /// flag.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<User> {
        let viewer = ctx.viewer()?;
        let mut required_null = crate::error::FieldErrors::new();
        for (field, value) in [
            ("email", &input.email),
            ("phoneNumber", &input.phone_number),
        ] {
            if value.is_null() {
                required_null.add(field, "This field cannot be cleared.");
            }
        }
        required_null.into_result()?;
        let update = ProfileUpdate {
            email: input.email.take(),
            phone_number: input.phone_number.take(),
            first_name: patch(input.first_name),
            last_name: patch(input.last_name),
            organization_name: patch(input.organization_name),
            designation: patch(input.designation),
            address: patch(input.address),
        };
        let user =
            accounts::update_profile(ctx.state()?, viewer, update, &ctx.request_context().client)
                .await?;
        Ok(user.into())
    }

    /// Changes the viewer's password; every other session is revoked.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<MessagePayload> {
        let viewer = ctx.viewer()?;
        let revoked = accounts::change_password(
            ctx.state()?,
            viewer,
            &input.old_password,
            &input.new_password,
            &ctx.request_context().client,
        )
        .await?;
        Ok(MessagePayload::ok(format!(
            "Password changed; {revoked} other session(s) signed out"
        )))
    }
}
