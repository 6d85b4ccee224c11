//! Sessions: one `auth_sessions` row per refresh-token family. Access tokens name their
//! session, and a request is authenticated only while that session is live, so revoking
//! a session (logout, password change, deactivation) stops its access tokens at once.

use chrono::{DateTime, Utc};
use entity::{auth_roles, auth_sessions, auth_user_roles, auth_users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::{
    auth::{
        jwt::Claims,
        keys::sha256_hex,
        permission::{PermissionSet, UserType},
        request::ClientInfo,
        session_cache::CachedSession,
        viewer::Viewer,
    },
    error::{AppError, AppResult},
};

/// A freshly created session and its refresh token (shown to the client once).
#[derive(Debug)]
pub struct IssuedSession {
    /// The stored row.
    pub session: auth_sessions::Model,
    /// `<session id>.<secret>`; only the secret's SHA-256 is stored.
    pub refresh_token: String,
}

/// A new random refresh secret (256 bits, hex).
fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Opens a session for `user_id` lasting `ttl`.
pub async fn create(
    conn: &impl ConnectionTrait,
    user_id: i32,
    client: &ClientInfo,
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> AppResult<IssuedSession> {
    let secret = new_secret();
    let expires_at =
        now + chrono::Duration::from_std(ttl).map_err(|e| AppError::internal("session ttl", e))?;
    let session = auth_sessions::ActiveModel {
        user_id: Set(user_id),
        refresh_token_hash: Set(sha256_hex(secret.as_bytes())),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
        ip_address: Set(client.ip_string()),
        user_agent: Set(client.user_agent.clone()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let refresh_token = format!("{}.{secret}", session.id);
    Ok(IssuedSession {
        session,
        refresh_token,
    })
}

/// Whether the viewer's session is still live (not revoked, not expired, account
/// active): long-lived connections (subscriptions) re-check it before each push.
pub async fn is_live(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let found = auth_sessions::Entity::find_by_id(viewer.session_id)
        .filter(auth_sessions::Column::UserId.eq(viewer.user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(now))
        .find_also_related(auth_users::Entity)
        .one(conn)
        .await?;
    Ok(matches!(found, Some((_, Some(user))) if user.is_active))
}

/// Resolves verified token claims into the live session they name: the session must
/// exist, belong to the token's user, be unrevoked and unexpired, and the account must be
/// active. `None` otherwise. Two statements: the session with its account, and the
/// permissions of the account's roles (none for `ADMIN`, who holds them all).
pub async fn resolve_viewer(
    conn: &impl ConnectionTrait,
    claims: &Claims,
    now: DateTime<Utc>,
) -> AppResult<Option<CachedSession>> {
    let Some(user_id) = claims.user_id() else {
        return Ok(None);
    };
    let found = auth_sessions::Entity::find_by_id(claims.sid)
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(now))
        .find_also_related(auth_users::Entity)
        .one(conn)
        .await?;
    let Some((session, Some(user))) = found else {
        return Ok(None);
    };
    if !user.is_active {
        return Ok(None);
    }
    let user_type = UserType::from(user.user_type);
    let mut permissions = PermissionSet::EMPTY;
    if user_type != UserType::Admin {
        let grants: Vec<serde_json::Value> = auth_roles::Entity::find()
            .select_only()
            .column(auth_roles::Column::Permissions)
            .inner_join(auth_user_roles::Entity)
            .filter(auth_user_roles::Column::UserId.eq(user.id))
            .into_tuple()
            .all(conn)
            .await?;
        for grant in &grants {
            permissions.extend_from_json(grant);
        }
    }
    let viewer = Viewer::new(
        user.id,
        session.id,
        user_type,
        permissions,
        user.organization_name.clone(),
    );
    Ok(Some(CachedSession::new(viewer, user, session.expires_at)))
}
