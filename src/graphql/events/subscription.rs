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
        /// What one change turns into for this subscriber.
        enum Step {
            Push(Box<AdverseEvent>),
            Skip,
            End,
        }
        Ok(changes
            .then(move |_change| {
                let state = state.clone();
                let viewer = viewer.clone();
                async move {
                    // A signed-out (or deactivated) subscriber gets nothing more.
                    let live =
                        crate::services::sessions::is_live(state.db(), &viewer, chrono::Utc::now())
                            .await;
                    match live {
                        Ok(true) => {}
                        Ok(false) => return Step::End,
                        Err(err) => {
                            if let crate::error::AppError::Internal(e) = &err {
                                crate::error::log_internal(e);
                            }
                            return Step::Skip;
                        }
                    }
                    match event_service::find_visible(state.db(), &viewer, id).await {
                        Ok(event) => Step::Push(Box::new(AdverseEvent::from(event))),
                        Err(crate::error::AppError::Internal(err)) => {
                            crate::error::log_internal(&err);
                            Step::Skip
                        }
                        // Deleted, or no longer visible to this viewer.
                        Err(_) => Step::Skip,
                    }
                }
            })
            .take_while(|step| std::future::ready(!matches!(step, Step::End)))
            .filter_map(|step| {
                std::future::ready(match step {
                    Step::Push(event) => Some(*event),
                    _ => None,
                })
            }))
    }
}
