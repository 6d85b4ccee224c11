//! Adverse-event queries.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{auth_users, patient_adverse_events as events};

use std::{collections::HashMap, sync::Arc};

use super::{
    direct::{EventConnection, ListedEvent, PageShared},
    types::{
        AdverseEvent, AdverseEventFilter, AdverseEventOrder, AdverseEventStats, EventAttachment,
        Preloaded,
    },
};
use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        loaders::load_map,
        pagination::{PageArgs, RelayConnection, SortValue, connection},
        stats::CountBy,
    },
    services::{
        attachments::{self as attachment_service, AttachmentSummary, SummaryColumns},
        events::{
            self as event_service,
            list::{self, EventColumns, EventOrderField, severity_rank},
            policy::{EventRights, GuardedField, field_denied},
        },
        pagination::{Direction, Page},
    },
};

/// Who may read statistics: COORDINATOR, GOVERNMENT, ADMIN, `events:stats`, and
/// MANUFACTURER (for its own devices).
pub const READ_STATS: Access = Access::Allow {
    user_types: &[
        UserType::Coordinator,
        UserType::Government,
        UserType::Admin,
        UserType::Manufacturer,
    ],
    permissions: &[Permission::EventsStats],
};

/// Adverse-event queries.
#[derive(Default)]
pub struct EventQuery;

impl RootAccess for EventQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "adverseEvent" | "adverseEvents" => Access::Authenticated,
            "adverseEventStats" => READ_STATS,
            _ => return None,
        })
    }
}

fn counts(rows: Vec<(String, i64)>, enum_keys: bool) -> Vec<CountBy> {
    rows.into_iter()
        .map(|(k, n)| {
            if enum_keys {
                CountBy::from_enum(&k, n)
            } else {
                CountBy {
                    key: k,
                    count: i32::try_from(n).unwrap_or(i32::MAX),
                }
            }
        })
        .collect()
}

/// Adverse-event queries.
#[Object]
impl EventQuery {
    /// One report: `NOT_FOUND` when it does not exist, `FORBIDDEN` when you may not see
    /// it. Reading someone else's report is audited.
    async fn adverse_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AdverseEvent> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let event =
            event_service::view(ctx.state()?, viewer, id, &ctx.request_context().client).await?;
        Ok(event.into())
    }

    /// The reports you may see (SPEC §5), filtered and ordered (default: newest first),
    /// at most 100 a page.
    #[allow(clippy::too_many_arguments)]
    async fn adverse_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdverseEventFilter>,
        order_by: Option<AdverseEventOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<EventConnection> {
        let viewer = ctx.viewer()?;
        let state = ctx.state()?;
        let rights = EventRights::of(viewer);
        let shared = PageShared::new(rights.clone(), state.direct_nodes_counter());
        let select = list::select(&rights, &filter.unwrap_or_default().into())?;
        let (field, direction) = order_by
            .map(|o| o.parts())
            .unwrap_or((EventOrderField::CreatedAt, Direction::Desc));
        let ordering = list::ordering(field, direction);
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let reader = state.reader();
        let columns = list_columns(ctx, field);
        // The sort value's type differs per ordering; each branch pages with its own.
        let (models, mut connection) = match field {
            EventOrderField::CreatedAt => {
                let page: Page<events::Model, DateTime<Utc>> = list::page(
                    reader,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    &columns,
                    |m| m.created_at,
                )
                .await?;
                finish(page, &ordering, &rights, &shared)
            }
            EventOrderField::EventDate => {
                let page: Page<events::Model, NaiveDate> = list::page(
                    reader,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    &columns,
                    |m| m.event_date,
                )
                .await?;
                finish(page, &ordering, &rights, &shared)
            }
            EventOrderField::Severity => {
                let page: Page<events::Model, i32> = list::page(
                    reader,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    &columns,
                    |m| severity_rank(m.severity),
                )
                .await?;
                finish(page, &ordering, &rights, &shared)
            }
        };
        let mut relations = PageRelations::load(ctx, &models).await?;
        for (edge, keys) in connection.edges.iter_mut().zip(&models) {
            edge.node.event.preloaded = relations.take(keys);
        }
        let others: Vec<i32> = models
            .iter()
            .filter(|m| m.patient_id != viewer.user_id)
            .map(|m| m.id)
            .collect();
        event_service::audit_view(state, viewer, &others, &ctx.request_context().client).await?;
        Ok(EventConnection::new(connection, shared))
    }

    /// Counts by status, severity, device category, manufacturer and month over the
    /// reports in your scope (manufacturers: their own devices), drafts excluded.
    async fn adverse_event_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdverseEventFilter>,
    ) -> async_graphql::Result<AdverseEventStats> {
        let viewer = ctx.viewer()?;
        let rights = EventRights::for_stats(viewer);
        let stats = list::stats(
            ctx.state()?.db(),
            &rights,
            &filter.unwrap_or_default().into(),
        )
        .await?;
        Ok(AdverseEventStats {
            total: i32::try_from(stats.total).unwrap_or(i32::MAX),
            by_status: counts(stats.by_status, true),
            by_severity: counts(stats.by_severity, true),
            by_device_category: counts(stats.by_device_category, false),
            by_manufacturer: counts(stats.by_manufacturer, false),
            by_month: counts(stats.by_month, false),
        })
    }
}

/// The columns a page must read for the node fields the client selected (fragments
/// included; `@skip`/`@include` are not evaluated, so a skipped field only costs its
/// column), in the ordering by `order`. A field [`AdverseEvent::columns_of`] does not
/// know reads every column.
fn list_columns(ctx: &Context<'_>, order: EventOrderField) -> EventColumns {
    let mut columns = EventColumns::keys(order);
    for node in ctx
        .look_ahead()
        .field("edges")
        .field("node")
        .selection_fields()
    {
        for field in node.selection_set() {
            match AdverseEvent::columns_of(field.name()) {
                Some(more) => columns.add(more),
                None => return EventColumns::all(),
            }
        }
    }
    columns
}

/// The summary fields the selection's `attachments` (every occurrence, aliases and
/// fragments included) asks for; `None` when it does not select `attachments`.
fn attachment_columns(node: &async_graphql::Lookahead<'_>) -> Option<SummaryColumns> {
    let attachments = node.field("attachments");
    if !attachments.exists() {
        return None;
    }
    let mut columns = SummaryColumns::KEYS;
    for occurrence in attachments.selection_fields() {
        for field in occurrence.selection_set() {
            columns = columns
                .with(EventAttachment::columns_of(field.name()).unwrap_or(SummaryColumns::ALL));
        }
    }
    Some(columns)
}

/// The keys of a listed event that its relations are loaded by.
struct EventKeys {
    id: i32,
    patient_id: i32,
    /// Read only when the selection asks for `reviewedBy`.
    reviewed_by: Option<i32>,
    /// Whether the viewer may see `patient` (otherwise it is not loaded).
    patient_visible: bool,
}

/// The connection of a page, and the keys of its rows (relations, view audit).
fn finish<V: SortValue>(
    page: Page<events::Model, V>,
    ordering: &crate::services::pagination::Ordering,
    rights: &EventRights,
    shared: &Arc<PageShared>,
) -> (Vec<EventKeys>, RelayConnection<ListedEvent>) {
    let keys = page
        .items
        .iter()
        .map(|(_, m)| EventKeys {
            id: m.id,
            patient_id: m.patient_id,
            reviewed_by: m.reviewed_by,
            patient_visible: field_denied(rights, m, GuardedField::Patient).is_none(),
        })
        .collect();
    (
        keys,
        connection(page, ordering, |m| {
            ListedEvent::new(AdverseEvent::from(m), shared.clone())
        }),
    )
}

/// The relations a page's selection asks for (`patient`, `reviewedBy`, `attachments`),
/// loaded for the whole page at once, one statement each, and handed to each node, so
/// resolving the nodes makes no loader call. Attachments are read with the summary
/// fields selected only; they go to these nodes and never into the request's loader
/// cache, where another field could find them without the fields it needs.
struct PageRelations {
    /// Patients (of the events whose patient the viewer may see) and reviewers.
    users: HashMap<i32, Arc<auth_users::Model>>,
    patients: bool,
    reviewers: bool,
    /// By event id; `None` when `attachments` is not selected.
    attachments: Option<HashMap<i32, Vec<Arc<AttachmentSummary>>>>,
}

impl PageRelations {
    async fn load(ctx: &Context<'_>, rows: &[EventKeys]) -> async_graphql::Result<Self> {
        let node = ctx.look_ahead().field("edges").field("node");
        let patients = node.field("patient").exists();
        let reviewers = node.field("reviewedBy").exists();
        let mut user_ids = Vec::new();
        if patients {
            user_ids.extend(
                rows.iter()
                    .filter(|r| r.patient_visible)
                    .map(|r| r.patient_id),
            );
        }
        if reviewers {
            user_ids.extend(rows.iter().filter_map(|r| r.reviewed_by));
        }
        let users = load_map(ctx.loaders()?.users(), &user_ids);
        let attachments = async {
            let Some(columns) = attachment_columns(&node) else {
                return Ok(None);
            };
            let mut by_event: HashMap<i32, Vec<Arc<AttachmentSummary>>> = HashMap::new();
            if !rows.is_empty() {
                let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
                let reader = ctx.state()?.reader();
                for summary in
                    attachment_service::summaries_of_events(reader, &ids, columns).await?
                {
                    by_event
                        .entry(summary.event_id)
                        .or_default()
                        .push(Arc::new(summary));
                }
            }
            Ok::<_, async_graphql::Error>(Some(by_event))
        };
        let (users, attachments) = futures_util::try_join!(users, attachments)?;
        Ok(Self {
            users,
            patients,
            reviewers,
            attachments,
        })
    }

    /// What the node of `row` gets (its attachments move out of here).
    fn take(&mut self, row: &EventKeys) -> Preloaded {
        let user = |id: i32| self.users.get(&id).cloned();
        Preloaded {
            // Not loaded for a hidden patient: the field's guard refuses it first.
            patient: (self.patients && row.patient_visible).then(|| user(row.patient_id)),
            reviewed_by: self.reviewers.then(|| row.reviewed_by.and_then(user)),
            attachments: self
                .attachments
                .as_mut()
                .map(|by_event| by_event.remove(&row.id).unwrap_or_default()),
        }
    }
}
