//! `adverseEventStatusChanged`: live status changes of one report, for viewers who may
//! see it, delivered across replicas by the event bus.

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt};

use super::types::AdverseEvent;
use crate::{
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
    },
    services::events as event_service,
};

/// Live updates of adverse events.
#[derive(Default)]
pub struct EventSubscription;

impl RootAccess for EventSubscription {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "adverseEventStatusChanged" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Live updates of adverse events.
#[Subscription]
impl EventSubscription {
    /// The report, each time its status changes. `NOT_FOUND` / `FORBIDDEN` at once when
    /// it does not exist or you may not see it; the same field guards apply to every
    /// update, and updates you may no longer see are not sent.
    async fn adverse_event_status_changed(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = AdverseEvent> + use<>> {
        let viewer = ctx.viewer()?.clone();
        let state = ctx.state()?.clone();
        let id = parse_id("eventId", &event_id)?;
        event_service::find_visible(state.db(), &viewer, id).await?;
        let changes = state.bus().subscribe_event(id);
        Ok(changes.filter_map(move |_change| {
            let state = state.clone();
            let viewer = viewer.clone();
            async move {
                match event_service::find_visible(state.db(), &viewer, id).await {
                    Ok(event) => Some(AdverseEvent::from(event)),
                    Err(crate::error::AppError::Internal(err)) => {
                        crate::error::log_internal(&err);
                        None
                    }
                    // Deleted, or no longer visible to this viewer.
                    Err(_) => None,
                }
            }
        }))
    }
}
