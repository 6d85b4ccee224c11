//! Lists and statistics of adverse events. The visibility condition is part of every
//! query, so rows the viewer may not see are never loaded and never counted.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{EventStatus, Severity},
    patient_adverse_events as events,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, IntoSimpleExpr,
    QueryFilter, QuerySelect, QueryTrait, Select,
    sea_query::{Expr, Func},
};

use super::policy::{self, EventRights};
use crate::{
    db::reads::{Reader, RowRef},
    error::{AppResult, FieldErrors},
    services::pagination::{
        self, Direction, Ordering, Page, PageRequest, Position, check_range, contains_pattern,
        ilike,
    },
};

/// Longest accepted search text.
pub const SEARCH_MAX: usize = 200;

/// Which events to list. Empty lists and `None` leave a criterion out.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Any of these statuses.
    pub status: Vec<EventStatus>,
    /// Any of these severities.
    pub severity: Vec<Severity>,
    /// Device category (case-insensitive equality).
    pub device_category: Option<String>,
    /// Manufacturer (trimmed, case-insensitive equality).
    pub manufacturer: Option<String>,
    /// Event date on or after.
    pub event_date_from: Option<NaiveDate>,
    /// Event date on or before.
    pub event_date_to: Option<NaiveDate>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_to: Option<DateTime<Utc>>,
    /// Every word must occur in the title, description or device name
    /// (case-insensitive).
    pub search: Option<String>,
}

/// The filtered, visibility-restricted query.
pub fn select(rights: &EventRights, filter: &EventFilter) -> AppResult<Select<events::Entity>> {
    let mut errors = FieldErrors::new();
    let search = filter.search.as_deref().map(str::trim).unwrap_or_default();
    if search.chars().count() > SEARCH_MAX {
        errors.add(
            "search",
            format!("Ensure this field has no more than {SEARCH_MAX} characters."),
        );
    }
    check_range(
        &mut errors,
        "eventDateTo",
        filter.event_date_from,
        filter.event_date_to,
    );
    check_range(
        &mut errors,
        "createdTo",
        filter.created_from,
        filter.created_to,
    );
    errors.into_result()?;

    let mut select = events::Entity::find().filter(policy::visible_condition(rights));
    if !filter.status.is_empty() {
        select = select.filter(events::Column::Status.is_in(filter.status.iter().copied()));
    }
    if !filter.severity.is_empty() {
        select = select.filter(events::Column::Severity.is_in(filter.severity.iter().copied()));
    }
    if let Some(category) = filter
        .device_category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(events::Column::DeviceCategory)))
                .eq(category.to_lowercase()),
        );
    }
    if let Some(maker) = filter
        .manufacturer
        .as_deref()
        .map(policy::manufacturer_key)
        .filter(|m| !m.is_empty())
    {
        select = select
            .filter(Expr::expr(Func::lower(Expr::col(events::Column::Manufacturer))).eq(maker));
    }
    if let Some(from) = filter.event_date_from {
        select = select.filter(events::Column::EventDate.gte(from));
    }
    if let Some(to) = filter.event_date_to {
        select = select.filter(events::Column::EventDate.lte(to));
    }
    if let Some(from) = filter.created_from {
        select = select.filter(events::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(events::Column::CreatedAt.lte(to));
    }
    for word in search.split_whitespace() {
        let pattern = contains_pattern(word);
        let mut any = Condition::any();
        for column in [
            events::Column::Title,
            events::Column::Description,
            events::Column::DeviceName,
        ] {
            any = any.add(ilike(column.into_simple_expr(), pattern.clone()));
        }
        select = select.filter(any);
    }
    Ok(select)
}

/// The orderings a list offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOrderField {
    /// When it was reported (default, newest first).
    CreatedAt,
    /// When it happened.
    EventDate,
    /// By severity rank (mild < moderate < severe < critical).
    Severity,
}

/// The sort rank of a severity (stored strings do not sort by severity).
pub fn severity_rank(severity: Severity) -> i32 {
    match severity {
        Severity::Mild => 1,
        Severity::Moderate => 2,
        Severity::Severe => 3,
        Severity::Critical => 4,
    }
}

fn severity_rank_expr() -> Expr {
    Expr::cust(
        "(CASE severity WHEN 'mild' THEN 1 WHEN 'moderate' THEN 2 WHEN 'severe' THEN 3 WHEN 'critical' THEN 4 ELSE 0 END)",
    )
}

/// The ordering for `field` and `direction`. Its name binds cursors to it.
pub fn ordering(field: EventOrderField, direction: Direction) -> Ordering {
    let (name, sort) = match (field, direction) {
        (EventOrderField::CreatedAt, Direction::Desc) => (
            "events.createdAt.desc",
            events::Column::CreatedAt.into_simple_expr(),
        ),
        (EventOrderField::CreatedAt, Direction::Asc) => (
            "events.createdAt.asc",
            events::Column::CreatedAt.into_simple_expr(),
        ),
        (EventOrderField::EventDate, Direction::Desc) => (
            "events.eventDate.desc",
            events::Column::EventDate.into_simple_expr(),
        ),
        (EventOrderField::EventDate, Direction::Asc) => (
            "events.eventDate.asc",
            events::Column::EventDate.into_simple_expr(),
        ),
        (EventOrderField::Severity, Direction::Desc) => {
            ("events.severity.desc", severity_rank_expr())
        }
        (EventOrderField::Severity, Direction::Asc) => {
            ("events.severity.asc", severity_rank_expr())
        }
    };
    Ordering {
        name,
        sort,
        id: events::Column::Id.into_simple_expr(),
        direction,
    }
}

/// The stored columns a list page reads. Always the keys that cursors, the visibility
/// rules, field guards and relations work from; besides them only what the client
/// selected, so a page of titles does not carry every report's free text out of the
/// database and through the decoder. A model read this way holds empty placeholders in
/// the columns left out: only the fields the columns were chosen for may be resolved
/// from it.
#[derive(Debug, Clone)]
pub struct EventColumns(Vec<events::Column>);

impl EventColumns {
    /// What every page in the ordering by `order` reads: the id, the owner and the
    /// status (field guards and the view audit decide by them) and the sort value.
    pub fn keys(order: EventOrderField) -> Self {
        use events::Column as C;
        let sort = match order {
            EventOrderField::CreatedAt => C::CreatedAt,
            EventOrderField::EventDate => C::EventDate,
            EventOrderField::Severity => C::Severity,
        };
        Self(vec![C::Id, C::PatientId, C::Status, sort])
    }

    /// Every column (a full model).
    pub fn all() -> Self {
        use sea_orm::Iterable;
        Self(events::Column::iter().collect())
    }

    /// Reads `columns` too.
    pub fn add(&mut self, columns: &[events::Column]) {
        for column in columns {
            // `Column` has no `PartialEq`; its discriminant identifies it.
            if !self.0.iter().any(|c| *c as u8 == *column as u8) {
                self.0.push(*column);
            }
        }
    }

    /// The rows of `select` (ordered and limited), reading only these columns.
    async fn rows(
        &self,
        reader: Reader<'_>,
        select: Select<events::Entity>,
    ) -> Result<Vec<events::Model>, sea_orm::DbErr> {
        let statement = select
            .select_only()
            .columns(self.0.iter().copied())
            .build(reader.connection().get_database_backend());
        reader.all(statement).await?.decode(|row| self.decode(row))
    }

    /// A model from a row of these columns, by position; the rest are placeholders.
    fn decode(&self, row: RowRef<'_>) -> Result<events::Model, sea_orm::DbErr> {
        use events::Column as C;
        let mut m = events::Model {
            id: 0,
            patient_id: 0,
            title: String::new(),
            description: String::new(),
            severity: Severity::Mild,
            status: EventStatus::Draft,
            device_name: String::new(),
            device_category: String::new(),
            manufacturer: String::new(),
            model_number: None,
            serial_number: None,
            event_date: NaiveDate::default(),
            event_location: String::new(),
            symptoms: String::new(),
            treatment_received: None,
            outcome: None,
            witnesses: None,
            additional_notes: None,
            supporting_documents: serde_json::Value::Array(Vec::new()),
            review_note: None,
            created_at: DateTime::<Utc>::default(),
            updated_at: DateTime::<Utc>::default(),
            reviewed_by: None,
            reviewed_at: None,
        };
        for (i, column) in self.0.iter().enumerate() {
            match column {
                C::Id => m.id = row.get(i)?,
                C::PatientId => m.patient_id = row.get(i)?,
                C::Title => m.title = row.text(i)?,
                C::Description => m.description = row.text(i)?,
                C::Severity => m.severity = row.text_enum(i)?,
                C::Status => m.status = row.text_enum(i)?,
                C::DeviceName => m.device_name = row.text(i)?,
                C::DeviceCategory => m.device_category = row.text(i)?,
                C::Manufacturer => m.manufacturer = row.text(i)?,
                C::ModelNumber => m.model_number = row.optional_text(i)?,
                C::SerialNumber => m.serial_number = row.optional_text(i)?,
                C::EventDate => m.event_date = row.get(i)?,
                C::EventLocation => m.event_location = row.text(i)?,
                C::Symptoms => m.symptoms = row.text(i)?,
                C::TreatmentReceived => m.treatment_received = row.optional_text(i)?,
                C::Outcome => m.outcome = row.optional_text(i)?,
                C::Witnesses => m.witnesses = row.optional_text(i)?,
                C::AdditionalNotes => m.additional_notes = row.optional_text(i)?,
                C::SupportingDocuments => m.supporting_documents = row.get(i)?,
                C::ReviewNote => m.review_note = row.optional_text(i)?,
                C::CreatedAt => m.created_at = row.get(i)?,
                C::UpdatedAt => m.updated_at = row.get(i)?,
                C::ReviewedBy => m.reviewed_by = row.get(i)?,
                C::ReviewedAt => m.reviewed_at = row.get(i)?,
            }
        }
        Ok(m)
    }
}

/// One page, in an ordering whose sort value has type `V`, reading `columns`.
pub async fn page<V>(
    reader: Reader<'_>,
    select: Select<events::Entity>,
    ordering: &Ordering,
    request: PageRequest<V>,
    columns: &EventColumns,
    sort_value: impl Fn(&events::Model) -> V,
) -> AppResult<Page<events::Model, V>>
where
    V: Into<sea_orm::Value> + Clone,
{
    pagination::fetch_rows(
        reader.connection(),
        select,
        ordering,
        request,
        |m| Position {
            sort: sort_value(m),
            id: m.id,
        },
        async |window| columns.rows(reader, window).await,
    )
    .await
}

/// Counts per group of an adverse-event statistic.
#[derive(Debug, Clone, Default)]
pub struct EventStats {
    /// Events in scope.
    pub total: i64,
    /// Per stored status.
    pub by_status: Vec<(String, i64)>,
    /// Per stored severity.
    pub by_severity: Vec<(String, i64)>,
    /// Per device category.
    pub by_device_category: Vec<(String, i64)>,
    /// Per manufacturer key (trimmed, lowercased: names are matched case-insensitively).
    pub by_manufacturer: Vec<(String, i64)>,
    /// Per event month, `YYYY-MM`.
    pub by_month: Vec<(String, i64)>,
}

async fn grouped(
    conn: &impl ConnectionTrait,
    select: &Select<events::Entity>,
    key: Expr,
) -> AppResult<Vec<(String, i64)>> {
    let mut rows: Vec<(String, i64)> = select
        .clone()
        .select_only()
        .column_as(key.clone(), "key")
        .column_as(Expr::col(events::Column::Id).count(), "n")
        .group_by(key)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}

/// Statistics over the events `rights` may see that match `filter`. Drafts are private
/// work in progress and never counted.
pub async fn stats(
    conn: &impl ConnectionTrait,
    rights: &EventRights,
    filter: &EventFilter,
) -> AppResult<EventStats> {
    let select = select(rights, filter)?.filter(events::Column::Status.ne(EventStatus::Draft));
    let month = match conn.get_database_backend() {
        DbBackend::Postgres => Expr::cust("to_char(event_date, 'YYYY-MM')"),
        _ => Expr::cust("strftime('%Y-%m', event_date)"),
    };
    let by_status = grouped(conn, &select, Expr::col(events::Column::Status)).await?;
    let total = by_status.iter().map(|(_, n)| n).sum();
    let mut by_month = grouped(conn, &select, month).await?;
    by_month.sort();
    Ok(EventStats {
        total,
        by_status,
        by_severity: grouped(conn, &select, Expr::col(events::Column::Severity)).await?,
        by_device_category: grouped(conn, &select, Expr::col(events::Column::DeviceCategory))
            .await?,
        by_manufacturer: grouped(
            conn,
            &select,
            Expr::expr(Func::lower(Expr::col(events::Column::Manufacturer))),
        )
        .await?,
        by_month,
    })
}
