//! Accounts whose phone is still unverified (SPEC §6, seed 002's pending users): the
//! admin's list, removal, code resend, and the periodic purge.

use chrono::{DateTime, Utc};
use entity::{
    auth_users,
    enums::{AuditAction, OtpChannel, OtpPurpose, UserType},
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

use super::{
    audit::{self, AuditEntry},
    otp, users,
};
use crate::{
    auth::request::ClientInfo,
    error::{AppError, AppResult},
    state::AppState,
};

/// The condition "phone unverified".
pub fn unverified() -> Condition {
    Condition::all().add(auth_users::Column::IsPhoneVerified.eq(false))
}

/// Which unverified accounts the purge may delete: self-registrable types (staff
/// accounts are created by an admin and never self-verify), created before `cutoff`,
/// and never signed in — an account that was used may hold reports, and health data is
/// never deleted by a timer.
pub fn purgeable(cutoff: DateTime<Utc>) -> Condition {
    unverified()
        .add(auth_users::Column::CreatedAt.lt(cutoff))
        .add(auth_users::Column::LastLoginAt.is_null())
        .add(auth_users::Column::UserType.is_in([
            UserType::Patient,
            UserType::Hospital,
            UserType::Manufacturer,
        ]))
}

/// Deletes the purgeable accounts older than `ttl`; returns how many.
pub async fn purge(
    state: &AppState,
    ttl: std::time::Duration,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let cutoff = now - chrono::Duration::from_std(ttl).map_err(|e| AppError::internal("ttl", e))?;
    let txn = crate::db::begin_write(state.db()).await?;
    let ids: Vec<i32> = auth_users::Entity::find()
        .select_only()
        .column(auth_users::Column::Id)
        .filter(purgeable(cutoff))
        .into_tuple()
        .all(&txn)
        .await?;
    if ids.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let deleted = auth_users::Entity::delete_many()
        .filter(auth_users::Column::Id.is_in(ids.clone()))
        .filter(purgeable(cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(
        &txn,
        AuditEntry {
            user_id: None,
            action: AuditAction::Delete,
            resource_type: "user",
            resource_id: None,
            details: json!({ "via": "unverified-purge", "userIds": ids, "olderThanSeconds": ttl.as_secs() }),
            client: &ClientInfo::default(),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!(deleted, "purged unverified accounts");
    Ok(deleted)
}

/// Runs [`purge`] every `every` until the task is dropped.
pub async fn purge_forever(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let ttl = state.config().unverified_account_ttl;
        if let Err(AppError::Internal(e)) = purge(&state, ttl, Utc::now()).await {
            crate::error::log_internal(&e);
        }
    }
}

async fn unverified_user(state: &AppState, id: i32) -> AppResult<auth_users::Model> {
    let user = users::find(state.db(), id)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    if user.is_phone_verified {
        return Err(AppError::invalid_state(
            "The account's phone number is already verified",
            "VERIFIED",
        ));
    }
    Ok(user)
}

/// Deletes an unverified account (admin).
pub async fn delete(state: &AppState, actor: i32, id: i32, client: &ClientInfo) -> AppResult<()> {
    let user = unverified_user(state, id).await?;
    let txn = crate::db::begin_write(state.db()).await?;
    let deleted = auth_users::Entity::delete_many()
        .filter(auth_users::Column::Id.eq(user.id))
        .filter(unverified())
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(AppError::invalid_state(
            "The account's phone number is already verified",
            "VERIFIED",
        ));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor),
            action: AuditAction::Delete,
            resource_type: "user",
            resource_id: Some(user.id.to_string()),
            details: json!({ "via": "deleteUnverifiedUser", "username": user.username }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sends a new phone verification code to an unverified account (admin), under the
/// same cool-down and hourly cap as any request.
pub async fn resend(state: &AppState, id: i32) -> AppResult<()> {
    let user = unverified_user(state, id).await?;
    let phone = crate::domain::Phone::parse(&user.phone_number)
        .map_err(|m| AppError::internal("stored phone", anyhow::anyhow!(m)))?;
    let target = otp::OtpTarget::Phone(phone);
    debug_assert_eq!(target.channel(), OtpChannel::Sms);
    otp::request(state, &target, OtpPurpose::PhoneVerification).await
}
