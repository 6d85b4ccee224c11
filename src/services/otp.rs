//! One-time codes: issued from a CSPRNG, stored only as an HMAC digest keyed by a
//! server secret, delivered through the [`Notifier`].

use chrono::{DateTime, Utc};
use entity::{
    auth_otps, auth_users,
    enums::{AuditAction, OtpChannel, OtpPurpose},
};
use rand::RngExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde_json::json;

use super::audit::{self, AuditEntry};
use crate::{
    auth::{
        keys::{constant_time_eq, hmac_hex},
        request::ClientInfo,
    },
    error::{AppError, AppResult, FieldErrors},
    notify::{Channel, Notifier, OtpMessage},
};

/// A new six-digit code from the operating system's CSPRNG (through `rand`'s
/// thread-local generator, which is a CSPRNG seeded from the OS).
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// The stored digest of `code` for `target` and `purpose` (binding the digest to both,
/// so a code cannot be replayed for another target or purpose).
pub fn digest(key: &[u8], target: &str, purpose: OtpPurpose, code: &str) -> String {
    hmac_hex(
        key,
        format!("{}|{target}|{code}", purpose.as_str()).as_bytes(),
    )
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    /// Normalised phone number or lowercased email.
    pub target: &'a str,
    /// The account the target belongs to, if any.
    pub user_id: Option<i32>,
    /// Why.
    pub purpose: OtpPurpose,
    /// How it travels.
    pub channel: OtpChannel,
}

/// Issues a code: older unused codes of the same target and purpose stop working, the
/// new digest is stored, and the code is delivered. When delivery fails the new row is
/// deleted and the error returned.
pub async fn issue(
    conn: &impl ConnectionTrait,
    key: &[u8],
    notifier: &Notifier,
    ttl: std::time::Duration,
    request: IssueRequest<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let code = new_code();
    auth_otps::Entity::update_many()
        .col_expr(auth_otps::Column::IsUsed, Expr::value(true))
        .filter(auth_otps::Column::Target.eq(request.target))
        .filter(auth_otps::Column::Purpose.eq(request.purpose))
        .filter(auth_otps::Column::IsUsed.eq(false))
        .exec(conn)
        .await?;
    let expires_at =
        now + chrono::Duration::from_std(ttl).map_err(|e| AppError::internal("otp ttl", e))?;
    let row = auth_otps::ActiveModel {
        user_id: Set(request.user_id),
        target: Set(request.target.to_owned()),
        otp_code: Set(digest(key, request.target, request.purpose, &code)),
        purpose: Set(request.purpose),
        channel: Set(request.channel),
        attempts: Set(0),
        is_used: Set(false),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let message = OtpMessage {
        channel: match request.channel {
            OtpChannel::Sms => Channel::Sms,
            OtpChannel::Email => Channel::Email,
        },
        to: request.target.to_owned(),
        purpose: request.purpose.as_str().to_owned(),
        code,
        created_at: now,
    };
    if let Err(err) = notifier.send(&message).await {
        auth_otps::Entity::delete_by_id(row.id).exec(conn).await?;
        return Err(AppError::internal("delivering a one-time code", err));
    }
    Ok(())
}

/// Who a code is for: a normalised phone number or a lowercased email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpTarget {
    /// A phone number (SMS).
    Phone(crate::domain::Phone),
    /// An email address (email).
    Email(crate::domain::Email),
}

impl OtpTarget {
    /// Exactly one of `phone_number` and `email` must be given (field errors otherwise).
    pub fn parse(phone_number: Option<&str>, email: Option<&str>) -> Result<Self, FieldErrors> {
        let phone_number = phone_number.filter(|p| !p.trim().is_empty());
        let email = email.filter(|e| !e.trim().is_empty());
        match (phone_number, email) {
            (Some(phone), None) => crate::domain::Phone::parse(phone)
                .map(OtpTarget::Phone)
                .map_err(|m| FieldErrors::single("phoneNumber", m)),
            (None, Some(email)) => crate::domain::Email::parse(email)
                .map(OtpTarget::Email)
                .map_err(|m| FieldErrors::single("email", m)),
            (Some(_), Some(_)) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "phoneNumber",
                    "Give a phone number or an email address, not both.",
                );
                errors.add(
                    "email",
                    "Give a phone number or an email address, not both.",
                );
                Err(errors)
            }
            (None, None) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "phoneNumber",
                    "A phone number or an email address is required.",
                );
                errors.add("email", "A phone number or an email address is required.");
                Err(errors)
            }
        }
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            OtpTarget::Phone(p) => p.as_str(),
            OtpTarget::Email(e) => e.as_str(),
        }
    }

    /// The channel codes for this target travel on.
    pub fn channel(&self) -> OtpChannel {
        match self {
            OtpTarget::Phone(_) => OtpChannel::Sms,
            OtpTarget::Email(_) => OtpChannel::Email,
        }
    }

    /// The verification purpose of this kind of target.
    pub fn verification_purpose(&self) -> OtpPurpose {
        match self {
            OtpTarget::Phone(_) => OtpPurpose::PhoneVerification,
            OtpTarget::Email(_) => OtpPurpose::EmailVerification,
        }
    }

    /// Whether `purpose` makes sense for this target (a phone cannot verify an email).
    pub fn check_purpose(&self, purpose: OtpPurpose) -> AppResult<()> {
        match (self, purpose) {
            (OtpTarget::Email(_), OtpPurpose::PhoneVerification) => Err(AppError::invalid_field(
                "purpose",
                "PHONE_VERIFICATION needs a phone number.",
            )),
            (OtpTarget::Phone(_), OtpPurpose::EmailVerification) => Err(AppError::invalid_field(
                "purpose",
                "EMAIL_VERIFICATION needs an email address.",
            )),
            _ => Ok(()),
        }
    }

    /// The account this target belongs to, if any.
    pub async fn account(
        &self,
        conn: &impl ConnectionTrait,
    ) -> AppResult<Option<auth_users::Model>> {
        let column = match self {
            OtpTarget::Phone(_) => auth_users::Column::PhoneNumber,
            OtpTarget::Email(_) => auth_users::Column::Email,
        };
        Ok(auth_users::Entity::find()
            .filter(column.eq(self.as_str()))
            .one(conn)
            .await?)
    }
}

/// The one answer of `requestOtp`, whether or not the target has an account.
pub const REQUEST_ANSWER: &str =
    "If an account matches, a verification code has been sent. It is valid for a few minutes.";

/// The one error of a wrong, expired, used or unknown code.
pub const INVALID_CODE: &str = "The code is invalid or has expired.";

/// Refuses a new code within the cool-down after the last one, or past the hourly cap —
/// per target, across purposes, for unknown targets exactly as for known ones.
async fn check_request_limits(
    conn: &impl ConnectionTrait,
    config: &crate::config::OtpConfig,
    target: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let hour_ago = now - chrono::Duration::hours(1);
    let recent: Vec<DateTime<Utc>> = auth_otps::Entity::find()
        .select_only()
        .column(auth_otps::Column::CreatedAt)
        .filter(auth_otps::Column::Target.eq(target))
        .filter(auth_otps::Column::CreatedAt.gt(hour_ago))
        .order_by_desc(auth_otps::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?;
    let cooldown = chrono::Duration::from_std(config.resend_cooldown)
        .map_err(|e| AppError::internal("otp cooldown", e))?;
    if let Some(last) = recent.first()
        && now - *last < cooldown
    {
        let wait = (cooldown - (now - *last)).num_milliseconds();
        return Err(AppError::RateLimited {
            message: "A code was sent recently. Wait before asking for another.".to_owned(),
            retry_after_seconds: (wait as f64 / 1000.0).ceil().max(1.0) as u64,
        });
    }
    if recent.len() >= config.max_per_hour as usize
        && let Some(oldest) = recent.get(config.max_per_hour as usize - 1)
    {
        let wait = std::cmp::max(
            (*oldest + chrono::Duration::hours(1) - now).num_seconds(),
            1,
        );
        return Err(AppError::RateLimited {
            message: "Too many codes requested for this target. Try again later.".to_owned(),
            retry_after_seconds: wait as u64,
        });
    }
    Ok(())
}

/// `requestOtp`: issues a code for `target` and `purpose`. Unknown targets get the same
/// answer after about the same time; no code is sent to them, but the request is
/// recorded so that the cool-down and hourly cap apply to them too.
pub async fn request(
    state: &crate::state::AppState,
    target: &OtpTarget,
    purpose: OtpPurpose,
) -> AppResult<()> {
    target.check_purpose(purpose)?;
    let now = Utc::now();
    let config = &state.config().otp;
    check_request_limits(state.db(), config, target.as_str(), now).await?;
    match target.account(state.db()).await? {
        Some(user) => {
            issue(
                state.db(),
                &state.keys().otp,
                state.notifier(),
                config.ttl,
                IssueRequest {
                    target: target.as_str(),
                    user_id: Some(user.id),
                    purpose,
                    channel: target.channel(),
                },
                now,
            )
            .await
        }
        None => {
            // Record a code nobody will ever receive: it counts for the limits and
            // costs the same database work as a real one.
            let decoy = new_code();
            auth_otps::ActiveModel {
                user_id: Set(None),
                target: Set(target.as_str().to_owned()),
                otp_code: Set(digest(&state.keys().otp, target.as_str(), purpose, &decoy)),
                purpose: Set(purpose),
                channel: Set(target.channel()),
                attempts: Set(0),
                is_used: Set(false),
                created_at: Set(now),
                expires_at: Set(now
                    + chrono::Duration::from_std(config.ttl)
                        .map_err(|e| AppError::internal("otp ttl", e))?),
                ..Default::default()
            }
            .insert(state.db())
            .await?;
            // Take about as long as a real delivery on this channel would.
            state
                .notifier()
                .pretend(match target.channel() {
                    OtpChannel::Sms => Channel::Sms,
                    OtpChannel::Email => Channel::Email,
                })
                .await;
            Ok(())
        }
    }
}

/// Checks `code` against the newest live code of `target` and `purpose` and consumes it
/// in `txn`. A wrong code counts an attempt; the last allowed wrong attempt burns the
/// code. Every failure is the same `BAD_USER_INPUT` on `otpCode`.
async fn consume(
    txn: &sea_orm::DatabaseTransaction,
    key: &[u8],
    max_attempts: u32,
    target: &OtpTarget,
    purpose: OtpPurpose,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<auth_otps::Model> {
    let invalid = || AppError::invalid_field("otpCode", INVALID_CODE);
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid_field(
            "otpCode",
            "Enter the 6-digit code.",
        ));
    }
    let Some(row) = auth_otps::Entity::find()
        .filter(auth_otps::Column::Target.eq(target.as_str()))
        .filter(auth_otps::Column::Purpose.eq(purpose))
        .filter(auth_otps::Column::IsUsed.eq(false))
        .filter(auth_otps::Column::ExpiresAt.gt(now))
        .order_by_desc(auth_otps::Column::CreatedAt)
        .order_by_desc(auth_otps::Column::Id)
        .one(txn)
        .await?
    else {
        return Err(invalid());
    };
    let expected = digest(key, target.as_str(), purpose, code);
    if !constant_time_eq(expected.as_bytes(), row.otp_code.as_bytes()) {
        return Err(invalid());
    }
    // Conditional: of two concurrent correct submissions exactly one consumes it.
    let result = auth_otps::Entity::update_many()
        .col_expr(auth_otps::Column::IsUsed, Expr::value(true))
        .filter(auth_otps::Column::Id.eq(row.id))
        .filter(auth_otps::Column::IsUsed.eq(false))
        .filter(auth_otps::Column::Attempts.lt(max_attempts as i32))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(invalid());
    }
    Ok(row)
}

/// Counts a wrong attempt against the newest live code of `target`/`purpose`, burning
/// it at `max_attempts`. Runs in its own statement so that it persists even though the
/// request fails.
async fn count_wrong_attempt(
    conn: &impl ConnectionTrait,
    max_attempts: u32,
    target: &OtpTarget,
    purpose: OtpPurpose,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(row) = auth_otps::Entity::find()
        .filter(auth_otps::Column::Target.eq(target.as_str()))
        .filter(auth_otps::Column::Purpose.eq(purpose))
        .filter(auth_otps::Column::IsUsed.eq(false))
        .filter(auth_otps::Column::ExpiresAt.gt(now))
        .order_by_desc(auth_otps::Column::CreatedAt)
        .order_by_desc(auth_otps::Column::Id)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    auth_otps::Entity::update_many()
        .col_expr(
            auth_otps::Column::Attempts,
            Expr::col(auth_otps::Column::Attempts).add(1),
        )
        .filter(auth_otps::Column::Id.eq(row.id))
        .exec(conn)
        .await?;
    auth_otps::Entity::update_many()
        .col_expr(auth_otps::Column::IsUsed, Expr::value(true))
        .filter(auth_otps::Column::Id.eq(row.id))
        .filter(auth_otps::Column::Attempts.gte(max_attempts as i32))
        .exec(conn)
        .await?;
    Ok(())
}

/// Runs `consume` in a transaction with `then`; a wrong code is counted outside it.
async fn with_code<T, F>(
    state: &crate::state::AppState,
    target: &OtpTarget,
    purpose: OtpPurpose,
    code: &str,
    then: F,
) -> AppResult<T>
where
    F: for<'t> FnOnce(
        &'t sea_orm::DatabaseTransaction,
        auth_otps::Model,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = AppResult<T>> + Send + 't>,
    >,
{
    let now = Utc::now();
    let config = &state.config().otp;
    let txn = crate::db::begin_write(state.db()).await?;
    match consume(
        &txn,
        &state.keys().otp,
        config.max_attempts,
        target,
        purpose,
        code,
        now,
    )
    .await
    {
        Ok(row) => {
            let out = then(&txn, row).await?;
            txn.commit().await?;
            Ok(out)
        }
        Err(err) => {
            txn.rollback().await?;
            if matches!(&err, AppError::BadUserInput { field_errors, .. } if field_errors.get("otpCode").is_some_and(|m| m[0] == INVALID_CODE))
            {
                count_wrong_attempt(state.db(), config.max_attempts, target, purpose, now).await?;
            }
            Err(err)
        }
    }
}

/// `verifyOtp`: consumes the code and marks the phone or email verified.
pub async fn verify(
    state: &crate::state::AppState,
    target: &OtpTarget,
    purpose: OtpPurpose,
    code: &str,
    client: &ClientInfo,
) -> AppResult<()> {
    target.check_purpose(purpose)?;
    let target_owned = target.clone();
    let client = client.clone();
    with_code(state, target, purpose, code, move |txn, _row| {
        Box::pin(async move {
            let (column, field) = match purpose {
                OtpPurpose::PhoneVerification => (auth_users::Column::IsPhoneVerified, "phone"),
                OtpPurpose::EmailVerification => (auth_users::Column::IsEmailVerified, "email"),
                // A reset code is consumed only by resetPassword.
                OtpPurpose::PasswordReset => return Ok(()),
            };
            let Some(user) = target_owned.account(txn).await? else {
                return Ok(());
            };
            auth_users::Entity::update_many()
                .col_expr(column, Expr::value(true))
                .col_expr(auth_users::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(auth_users::Column::Id.eq(user.id))
                .exec(txn)
                .await?;
            audit::record(
                txn,
                AuditEntry {
                    user_id: Some(user.id),
                    action: AuditAction::Update,
                    resource_type: "user",
                    resource_id: Some(user.id.to_string()),
                    details: json!({ "verified": field }),
                    client: &client,
                },
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// `resetPassword`: with a valid reset code, sets a new password (same policy as
/// registration), clears any lockout and revokes every session of the account.
pub async fn reset_password(
    state: &crate::state::AppState,
    target: &OtpTarget,
    code: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<()> {
    let user = target.account(state.db()).await?;
    let password = crate::domain::Password::parse(
        new_password,
        user.as_ref().map(|u| u.username.as_str()),
        user.as_ref().map(|u| u.email.as_str()),
    )
    .map_err(|m| AppError::invalid_field("newPassword", m))?;
    // Hash before opening the transaction: Argon2 is slow and must not hold a
    // connection (or SQLite's write lock).
    let hash = state.passwords().hash(password.into_inner()).await?;
    let client = client.clone();
    with_code(state, target, OtpPurpose::PasswordReset, code, move |txn, _row| {
        Box::pin(async move {
            let Some(user) = user else {
                return Err(AppError::invalid_field("otpCode", INVALID_CODE));
            };
            auth_users::Entity::update_many()
                .col_expr(auth_users::Column::Password, Expr::value(hash))
                .col_expr(auth_users::Column::FailedLoginCount, Expr::value(0))
                .col_expr(auth_users::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(auth_users::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(auth_users::Column::Id.eq(user.id))
                .exec(txn)
                .await?;
            let revoked = super::accounts::revoke_where(
                txn,
                sea_orm::Condition::all().add(entity::auth_sessions::Column::UserId.eq(user.id)),
            )
            .await?;
            audit::record(
                txn,
                AuditEntry {
                    user_id: Some(user.id),
                    action: AuditAction::Update,
                    resource_type: "user",
                    resource_id: Some(user.id.to_string()),
                    details: json!({ "changed": ["password"], "via": "resetPassword", "sessionsRevoked": revoked }),
                    client: &client,
                },
            )
            .await?;
            Ok(())
        })
    })
    .await
}
