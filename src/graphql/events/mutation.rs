//! Adverse-event mutations: the patient's edits and the review workflow.

use async_graphql::{Context, ID, Object};

use super::types::{AdverseEvent, CreateAdverseEventInput, UpdateAdverseEventInput};
use crate::{
    auth::permission::{Permission, UserType},
    domain::workflow::Transition,
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
    },
    services::events as event_service,
};

/// Patients write reports.
pub const PATIENTS: Access = Access::Allow {
    user_types: &[UserType::Patient],
    permissions: &[],
};

/// Reviewers: COORDINATOR or `events:review` (ADMIN holds every permission).
pub const REVIEWERS: Access = Access::Allow {
    user_types: &[UserType::Coordinator],
    permissions: &[Permission::EventsReview],
};

/// Adverse-event mutations.
#[derive(Default)]
pub struct EventMutation;

impl RootAccess for EventMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "createAdverseEvent" | "updateAdverseEvent" | "deleteAdverseEvent"
            | "submitAdverseEvent" => PATIENTS,
            "startReview" | "approveAdverseEvent" | "rejectAdverseEvent" => REVIEWERS,
            _ => return None,
        })
    }
}

async fn run(
    ctx: &Context<'_>,
    id: &ID,
    transition: Transition,
    note: Option<String>,
) -> async_graphql::Result<AdverseEvent> {
    let viewer = ctx.viewer()?;
    let id = parse_id("id", id)?;
    let event = event_service::transition(
        ctx.state()?,
        viewer,
        id,
        transition,
        note,
        &ctx.request_context().client,
    )
    .await?;
    Ok(event.into())
}

/// Adverse-event mutations.
#[Object]
impl EventMutation {
    /// Reports an adverse event, as a `DRAFT` only you can see.
    async fn create_adverse_event(
        &self,
        ctx: &Context<'_>,
        input: CreateAdverseEventInput,
    ) -> async_graphql::Result<AdverseEvent> {
        let viewer = ctx.viewer()?;
        let event = event_service::create(
            ctx.state()?,
            viewer,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(event.into())
    }

    /// Changes your report while it is `DRAFT` or `SUBMITTED`.
    async fn update_adverse_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAdverseEventInput,
    ) -> async_graphql::Result<AdverseEvent> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let input = input.into_service().map_err(AppError::invalid_input)?;
        let event = event_service::update(
            ctx.state()?,
            viewer,
            id,
            input,
            &ctx.request_context().client,
        )
        .await?;
        Ok(event.into())
    }

    /// Deletes your report while it is a `DRAFT`, with its attachments.
    async fn delete_adverse_event(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let event_id = parse_id("id", &id)?;
        event_service::delete(
            ctx.state()?,
            viewer,
            event_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(id)
    }

    /// `DRAFT → SUBMITTED` (needs a verified phone number).
    async fn submit_adverse_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AdverseEvent> {
        run(ctx, &id, Transition::Submit, None).await
    }

    /// `SUBMITTED → UNDER_REVIEW`; you become its reviewer.
    async fn start_review(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AdverseEvent> {
        run(ctx, &id, Transition::StartReview, None).await
    }

    /// `UNDER_REVIEW → APPROVED`, with an optional note.
    async fn approve_adverse_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: Option<String>,
    ) -> async_graphql::Result<AdverseEvent> {
        run(ctx, &id, Transition::Approve, note).await
    }

    /// `UNDER_REVIEW → REJECTED`, with the reason (required).
    async fn reject_adverse_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<AdverseEvent> {
        run(ctx, &id, Transition::Reject, Some(reason)).await
    }
}
