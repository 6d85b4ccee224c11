//! Account flows: registration, login with lockout, refresh-token rotation with reuse
//! detection, logout, sessions, profile and password changes. Every change is written
//! with its audit row in one transaction.

use chrono::{DateTime, Utc};
use entity::{
    auth_sessions, auth_users,
    enums::{AuditAction, OtpChannel, OtpPurpose},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use serde_json::json;

use super::{
    audit::{self, AuditEntry},
    otp,
    sessions::{self, IssuedSession},
    users::{self, NewUserInput, ProfileInput},
};
use crate::{
    auth::{
        keys::{constant_time_eq, sha256_hex},
        permission::UserType,
        request::ClientInfo,
        viewer::Viewer,
    },
    domain::{self, Email, Password, Phone},
    error::{AppError, AppResult, FieldErrors},
    state::AppState,
};

/// The one message for every failed login, whatever the cause, so that a caller cannot
/// tell an unknown account from a wrong password or a locked account.
pub const INVALID_CREDENTIALS: &str = "Invalid login or password";

/// Input of `register`.
#[derive(Debug, Clone)]
pub struct RegisterInput {
    /// Account fields.
    pub account: NewUserInput,
    /// Optional profile fields.
    pub profile: ProfileInput,
}

/// Outcome of `register`.
#[derive(Debug)]
pub struct Registered {
    /// The new account.
    pub user: auth_users::Model,
    /// Whether the phone verification code went out.
    pub otp_sent: bool,
}

/// Registers a self-service account (`PATIENT`, `HOSPITAL`, `MANUFACTURER`) and sends
/// the phone verification code.
pub async fn register(
    state: &AppState,
    input: RegisterInput,
    client: &ClientInfo,
) -> AppResult<Registered> {
    let mut errors = FieldErrors::new();
    if !input.account.user_type.self_registrable() {
        errors.add(
            "userType",
            "This account type is created by an administrator, not by registration.",
        );
    }
    let valid = match users::validate_new_user(&input.account) {
        Ok(valid) => Some(valid),
        Err(AppError::BadUserInput { field_errors, .. }) => {
            errors.merge(field_errors);
            None
        }
        Err(other) => return Err(other),
    };
    let profile = users::validate_profile(&mut errors, &input.profile, input.account.user_type);
    errors.clone().into_result()?;
    let Some(valid) = valid else {
        return Err(AppError::invalid_input(errors));
    };

    let hash = state
        .passwords()
        .hash(valid.password.expose().to_owned())
        .await?;
    let txn = crate::db::begin_write(state.db()).await?;
    let user = users::insert_with_profile(&txn, &valid, &profile, hash).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(user.id),
            action: AuditAction::Create,
            resource_type: "user",
            resource_id: Some(user.id.to_string()),
            details: json!({ "via": "register", "username": user.username, "userType": user.user_type.as_str() }),
            client,
        },
    )
    .await?;
    txn.commit().await?;

    // The account exists now; a failed SMS does not undo it (the user can ask for a
    // new code), but the answer says the code did not go out.
    let otp_sent = match otp::issue(
        state.db(),
        &state.keys().otp,
        state.notifier(),
        state.config().otp.ttl,
        otp::IssueRequest {
            target: &user.phone_number,
            user_id: Some(user.id),
            purpose: OtpPurpose::PhoneVerification,
            channel: OtpChannel::Sms,
        },
        Utc::now(),
    )
    .await
    {
        Ok(()) => true,
        Err(AppError::Internal(err)) => {
            crate::error::log_internal(&err);
            false
        }
        Err(other) => return Err(other),
    };
    Ok(Registered { user, otp_sent })
}

/// A successful login or refresh: the account, its session and both tokens.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub user: auth_users::Model,
    /// Access token (JWT).
    pub access_token: String,
    /// When the access token expires.
    pub access_expires_at: DateTime<Utc>,
    /// Refresh token (opaque).
    pub refresh_token: String,
    /// When the refresh token (session) expires.
    pub refresh_expires_at: DateTime<Utc>,
}

fn sign_in(
    state: &AppState,
    user: auth_users::Model,
    issued: IssuedSession,
    now: DateTime<Utc>,
) -> AppResult<SignedIn> {
    let (access_token, access_expires_at) = state.jwt().sign(
        user.id,
        issued.session.id,
        now,
        state.config().access_token_ttl,
    )?;
    Ok(SignedIn {
        user,
        access_token,
        access_expires_at,
        refresh_token: issued.refresh_token,
        refresh_expires_at: issued.session.expires_at,
    })
}

/// Finds the account a login identifier names: a username, an email or a phone number.
async fn find_by_login(
    conn: &impl ConnectionTrait,
    login: &str,
) -> AppResult<Option<auth_users::Model>> {
    let login = login.trim();
    let mut any = Condition::any()
        .add(auth_users::Column::Username.eq(login))
        .add(auth_users::Column::Email.eq(login.to_lowercase()));
    if let Ok(phone) = Phone::parse(login) {
        any = any.add(auth_users::Column::PhoneNumber.eq(phone.as_str()));
    }
    // A username could equal someone else's email; prefer the exact username.
    let mut found = auth_users::Entity::find().filter(any).all(conn).await?;
    found.sort_by_key(|u| u.username != login);
    Ok(found.into_iter().next())
}

/// Why a login failed (audited, never shown).
fn failure(reason: &'static str) -> (&'static str, AppError) {
    (
        reason,
        AppError::Unauthenticated(INVALID_CREDENTIALS.to_owned()),
    )
}

/// Logs in with a username, email or phone number and a password. Unknown accounts,
/// wrong passwords, deactivated and locked accounts all get the same error after the
/// same Argon2 work; five consecutive failures lock the account.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    client: &ClientInfo,
) -> AppResult<SignedIn> {
    let config = state.config();
    let user = find_by_login(state.db(), login).await?;
    let password_ok = state
        .passwords()
        .verify(
            password.to_owned(),
            user.as_ref().map(|u| u.password.clone()),
        )
        .await?;
    let now = Utc::now();

    let Some(user) = user else {
        let (reason, err) = failure("unknown_account");
        let txn = crate::db::begin_write(state.db()).await?;
        audit::record(
            &txn,
            AuditEntry {
                user_id: None,
                action: AuditAction::Login,
                resource_type: "session",
                resource_id: None,
                details: json!({ "success": false, "reason": reason, "login": login.trim().chars().take(254).collect::<String>() }),
                client,
            },
        )
        .await?;
        txn.commit().await?;
        return Err(err);
    };

    let locked = user.locked_until.is_some_and(|until| until > now);
    let outcome = if !user.is_active {
        Err(failure("inactive_account"))
    } else if locked {
        Err(failure("account_locked"))
    } else if !password_ok {
        Err(failure("wrong_password"))
    } else {
        Ok(())
    };

    let txn = crate::db::begin_write(state.db()).await?;
    match outcome {
        Err((reason, err)) => {
            let mut details = json!({ "success": false, "reason": reason });
            if reason == "wrong_password" {
                let count = register_failure(
                    &txn,
                    &user,
                    now,
                    config.login_max_failures,
                    config.login_lockout,
                )
                .await?;
                details["failedAttempts"] = json!(count);
                if count >= config.login_max_failures as i32 {
                    details["locked"] = json!(true);
                }
            }
            audit::record(
                &txn,
                AuditEntry {
                    user_id: Some(user.id),
                    action: AuditAction::Login,
                    resource_type: "session",
                    resource_id: None,
                    details,
                    client,
                },
            )
            .await?;
            txn.commit().await?;
            Err(err)
        }
        Ok(()) => {
            let mut active = user.clone().into_active_model();
            active.failed_login_count = Set(0);
            active.locked_until = Set(None);
            active.last_login_at = Set(Some(now));
            let user = active.update(&txn).await?;
            let issued =
                sessions::create(&txn, user.id, client, config.refresh_token_ttl, now).await?;
            audit::record(
                &txn,
                AuditEntry {
                    user_id: Some(user.id),
                    action: AuditAction::Login,
                    resource_type: "session",
                    resource_id: Some(issued.session.id.to_string()),
                    details: json!({ "success": true }),
                    client,
                },
            )
            .await?;
            txn.commit().await?;
            sign_in(state, user, issued, now)
        }
    }
}

/// Counts one failed password for `user` atomically and locks the account when the
/// count reaches `max`. An expired lock starts a fresh count. Returns the new count.
async fn register_failure(
    conn: &impl ConnectionTrait,
    user: &auth_users::Model,
    now: DateTime<Utc>,
    max: u32,
    lockout: std::time::Duration,
) -> AppResult<i32> {
    // A lock that has run out starts a fresh count.
    auth_users::Entity::update_many()
        .col_expr(auth_users::Column::FailedLoginCount, Expr::value(0))
        .col_expr(
            auth_users::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(auth_users::Column::Id.eq(user.id))
        .filter(auth_users::Column::LockedUntil.lte(now))
        .exec(conn)
        .await?;
    auth_users::Entity::update_many()
        .col_expr(
            auth_users::Column::FailedLoginCount,
            Expr::col(auth_users::Column::FailedLoginCount).add(1),
        )
        .filter(auth_users::Column::Id.eq(user.id))
        .exec(conn)
        .await?;
    let count = auth_users::Entity::find_by_id(user.id)
        .one(conn)
        .await?
        .map_or(0, |u| u.failed_login_count);
    if count >= max as i32 {
        let until = now
            + chrono::Duration::from_std(lockout).map_err(|e| AppError::internal("lockout", e))?;
        auth_users::Entity::update_many()
            .col_expr(auth_users::Column::LockedUntil, Expr::value(Some(until)))
            .filter(auth_users::Column::Id.eq(user.id))
            .exec(conn)
            .await?;
    }
    Ok(count)
}

fn invalid_refresh() -> AppError {
    AppError::Unauthenticated("Invalid or expired refresh token".to_owned())
}

/// Rotates a refresh token: the presented token must be the session's current one; a
/// new one replaces it. Presenting an already rotated token revokes the whole session
/// (it has leaked, or is being replayed).
pub async fn refresh(state: &AppState, token: &str, client: &ClientInfo) -> AppResult<SignedIn> {
    let (sid, secret) = token.trim().split_once('.').ok_or_else(invalid_refresh)?;
    let sid: i32 = sid.parse().map_err(|_| invalid_refresh())?;
    let now = Utc::now();
    let Some(session) = auth_sessions::Entity::find_by_id(sid)
        .one(state.db())
        .await?
    else {
        return Err(invalid_refresh());
    };
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(invalid_refresh());
    }
    let presented = sha256_hex(secret.as_bytes());
    if !constant_time_eq(presented.as_bytes(), session.refresh_token_hash.as_bytes()) {
        revoke_for_reuse(state, &session, client).await?;
        return Err(AppError::Unauthenticated(
            "Refresh token reuse detected: the session has been revoked".to_owned(),
        ));
    }
    let Some(user) = users::find(state.db(), session.user_id).await? else {
        return Err(invalid_refresh());
    };
    if !user.is_active {
        return Err(invalid_refresh());
    }

    let new_secret = hex::encode(rand::random::<[u8; 32]>());
    let expires_at = now
        + chrono::Duration::from_std(state.config().refresh_token_ttl)
            .map_err(|e| AppError::internal("refresh ttl", e))?;
    // Conditional on the hash we checked: of two concurrent refreshes with one token,
    // exactly one rotates; the other is a reuse.
    let result = auth_sessions::Entity::update_many()
        .col_expr(
            auth_sessions::Column::RefreshTokenHash,
            Expr::value(sha256_hex(new_secret.as_bytes())),
        )
        .col_expr(auth_sessions::Column::LastUsedAt, Expr::value(now))
        .col_expr(auth_sessions::Column::ExpiresAt, Expr::value(expires_at))
        .col_expr(
            auth_sessions::Column::IpAddress,
            Expr::value(client.ip_string()),
        )
        .col_expr(
            auth_sessions::Column::UserAgent,
            Expr::value(client.user_agent.clone()),
        )
        .filter(auth_sessions::Column::Id.eq(session.id))
        .filter(auth_sessions::Column::RefreshTokenHash.eq(session.refresh_token_hash.clone()))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .exec(state.db())
        .await?;
    if result.rows_affected == 0 {
        revoke_for_reuse(state, &session, client).await?;
        return Err(AppError::Unauthenticated(
            "Refresh token reuse detected: the session has been revoked".to_owned(),
        ));
    }
    let issued = IssuedSession {
        session: auth_sessions::Model {
            expires_at,
            last_used_at: now,
            ..session
        },
        refresh_token: format!("{sid}.{new_secret}"),
    };
    sign_in(state, user, issued, now)
}

async fn revoke_for_reuse(
    state: &AppState,
    session: &auth_sessions::Model,
    client: &ClientInfo,
) -> AppResult<()> {
    let txn = crate::db::begin_write(state.db()).await?;
    let revoked = revoke_where(
        &txn,
        Condition::all().add(auth_sessions::Column::Id.eq(session.id)),
    )
    .await?;
    if revoked > 0 {
        audit::record(
            &txn,
            AuditEntry {
                user_id: Some(session.user_id),
                action: AuditAction::Logout,
                resource_type: "session",
                resource_id: Some(session.id.to_string()),
                details: json!({ "reason": "refresh_token_reuse" }),
                client,
            },
        )
        .await?;
    }
    txn.commit().await?;
    tracing::warn!(
        session_id = session.id,
        "refresh token reuse: session revoked"
    );
    Ok(())
}

/// Revokes the live sessions matching `condition`; returns how many.
pub async fn revoke_where(conn: &impl ConnectionTrait, condition: Condition) -> AppResult<u64> {
    let result = auth_sessions::Entity::update_many()
        .col_expr(
            auth_sessions::Column::RevokedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(condition)
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

async fn audited_revoke(
    state: &AppState,
    viewer: &Viewer,
    condition: Condition,
    details: serde_json::Value,
    resource_id: Option<String>,
    client: &ClientInfo,
) -> AppResult<u64> {
    let txn = crate::db::begin_write(state.db()).await?;
    let count = revoke_where(&txn, condition).await?;
    if count > 0 {
        audit::record(
            &txn,
            AuditEntry {
                user_id: Some(viewer.user_id),
                action: AuditAction::Logout,
                resource_type: "session",
                resource_id,
                details,
                client,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(count)
}

/// Ends the viewer's current session.
pub async fn logout(state: &AppState, viewer: &Viewer, client: &ClientInfo) -> AppResult<()> {
    audited_revoke(
        state,
        viewer,
        Condition::all().add(auth_sessions::Column::Id.eq(viewer.session_id)),
        json!({ "scope": "current" }),
        Some(viewer.session_id.to_string()),
        client,
    )
    .await?;
    Ok(())
}

/// Ends every session of the viewer; returns how many were live.
pub async fn logout_all(state: &AppState, viewer: &Viewer, client: &ClientInfo) -> AppResult<u64> {
    audited_revoke(
        state,
        viewer,
        Condition::all().add(auth_sessions::Column::UserId.eq(viewer.user_id)),
        json!({ "scope": "all" }),
        None,
        client,
    )
    .await
}

/// Ends one of the viewer's sessions; `NOT_FOUND` unless it is theirs and live.
pub async fn revoke_session(
    state: &AppState,
    viewer: &Viewer,
    session_id: i32,
    client: &ClientInfo,
) -> AppResult<()> {
    let count = audited_revoke(
        state,
        viewer,
        Condition::all()
            .add(auth_sessions::Column::Id.eq(session_id))
            .add(auth_sessions::Column::UserId.eq(viewer.user_id)),
        json!({ "scope": "one" }),
        Some(session_id.to_string()),
        client,
    )
    .await?;
    if count == 0 {
        return Err(AppError::not_found("Session"));
    }
    Ok(())
}

/// The live sessions of `user_id`, most recently used first.
pub async fn live_sessions(
    conn: &impl ConnectionTrait,
    user_id: i32,
) -> AppResult<Vec<auth_sessions::Model>> {
    live_sessions_of(conn, &[user_id]).await
}

/// The live sessions of several users (one statement), most recently used first.
pub async fn live_sessions_of(
    conn: &impl ConnectionTrait,
    user_ids: &[i32],
) -> AppResult<Vec<auth_sessions::Model>> {
    Ok(auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(auth_sessions::Column::LastUsedAt)
        .order_by_desc(auth_sessions::Column::Id)
        .all(conn)
        .await?)
}

/// A partial profile update. `None` leaves a field as it is; `Some(None)` (or a blank
/// string) clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// New email (resets its verified flag when it changes).
    pub email: Option<String>,
    /// New phone (resets its verified flag when it changes).
    pub phone_number: Option<String>,
    /// Given name.
    pub first_name: Option<Option<String>>,
    /// Family name.
    pub last_name: Option<Option<String>>,
    /// Organisation.
    pub organization_name: Option<Option<String>>,
    /// Job title.
    pub designation: Option<Option<String>>,
    /// Postal address.
    pub address: Option<Option<String>>,
}

/// Applies a profile update for the viewer.
pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    update: ProfileUpdate,
    client: &ClientInfo,
) -> AppResult<auth_users::Model> {
    let Some(user) = users::find(state.db(), viewer.user_id).await? else {
        return Err(AppError::not_found("User"));
    };
    let mut errors = FieldErrors::new();
    let mut active = user.clone().into_active_model();
    let mut changed: Vec<&str> = Vec::new();

    if let Some(raw) = &update.email
        && let Some(email) = domain::collect(&mut errors, "email", Email::parse(raw))
        && email.as_str() != user.email
    {
        active.email = Set(email.as_str().to_owned());
        active.is_email_verified = Set(false);
        changed.push("email");
    }
    if let Some(raw) = &update.phone_number
        && let Some(phone) = domain::collect(&mut errors, "phoneNumber", Phone::parse(raw))
        && phone.as_str() != user.phone_number
    {
        active.phone_number = Set(phone.as_str().to_owned());
        active.is_phone_verified = Set(false);
        changed.push("phoneNumber");
    }
    // (input field, new value if given, max length, current value)
    type Patch<'a> = (
        &'a str,
        &'a Option<Option<String>>,
        usize,
        &'a Option<String>,
    );
    let fields: [Patch<'_>; 5] = [
        (
            "firstName",
            &update.first_name,
            users::FIRST_NAME_MAX,
            &user.first_name,
        ),
        (
            "lastName",
            &update.last_name,
            users::LAST_NAME_MAX,
            &user.last_name,
        ),
        (
            "organizationName",
            &update.organization_name,
            users::ORGANIZATION_NAME_MAX,
            &user.organization_name,
        ),
        (
            "designation",
            &update.designation,
            users::DESIGNATION_MAX,
            &user.designation,
        ),
        (
            "address",
            &update.address,
            users::ADDRESS_MAX,
            &user.address,
        ),
    ];
    let mut new_values: Vec<(&str, Option<String>)> = Vec::new();
    for (field, value, max, current) in fields {
        let Some(value) = value else { continue };
        if let Some(parsed) = domain::collect(
            &mut errors,
            field,
            domain::optional_text(value.as_deref(), max),
        ) && parsed != *current
        {
            new_values.push((field, parsed));
        }
    }
    let user_type = UserType::from(user.user_type);
    if matches!(user_type, UserType::Manufacturer | UserType::Hospital)
        && new_values
            .iter()
            .any(|(f, v)| *f == "organizationName" && v.is_none())
    {
        errors.add(
            "organizationName",
            "This field is required for manufacturer and hospital accounts.",
        );
    }
    errors.into_result()?;
    for (field, value) in new_values {
        match field {
            "firstName" => active.first_name = Set(value),
            "lastName" => active.last_name = Set(value),
            "organizationName" => active.organization_name = Set(value),
            "designation" => active.designation = Set(value),
            _ => active.address = Set(value),
        }
        changed.push(field);
    }
    if changed.is_empty() {
        return Ok(user);
    }
    active.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(state.db()).await?;
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(user.id.to_string()),
            details: json!({ "changed": changed, "via": "updateProfile" }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Changes the viewer's password after checking the old one; every other session of
/// the account is revoked.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    old_password: &str,
    new_password: &str,
    client: &ClientInfo,
) -> AppResult<u64> {
    let Some(user) = users::find(state.db(), viewer.user_id).await? else {
        return Err(AppError::not_found("User"));
    };
    let mut errors = FieldErrors::new();
    if old_password.is_empty() {
        errors.add("oldPassword", "This field is required.");
    }
    let new = domain::collect(
        &mut errors,
        "newPassword",
        Password::parse(new_password, Some(&user.username), Some(&user.email)),
    );
    if !old_password.is_empty() && old_password == new_password {
        errors.add(
            "newPassword",
            "The new password must differ from the old one.",
        );
    }
    errors.clone().into_result()?;
    let old_ok = state
        .passwords()
        .verify(old_password.to_owned(), Some(user.password.clone()))
        .await?;
    if !old_ok {
        return Err(AppError::invalid_field(
            "oldPassword",
            "The current password is wrong.",
        ));
    }
    let Some(new) = new else {
        return Err(AppError::invalid_input(errors));
    };
    let hash = state.passwords().hash(new.into_inner()).await?;
    let txn = crate::db::begin_write(state.db()).await?;
    let mut active = user.into_active_model();
    active.password = Set(hash);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let revoked = revoke_where(
        &txn,
        Condition::all()
            .add(auth_sessions::Column::UserId.eq(viewer.user_id))
            .add(auth_sessions::Column::Id.ne(viewer.session_id)),
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: "user",
            resource_id: Some(viewer.user_id.to_string()),
            details: json!({ "changed": ["password"], "otherSessionsRevoked": revoked }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(revoked)
}
