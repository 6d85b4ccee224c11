//! Adverse-event types, inputs and the field guards of SPEC §5.

use std::sync::Arc;

use async_graphql::{Context, Enum, Guard, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    auth_users, patient_adverse_events as events, patient_event_attachments as attachments,
};

use crate::{
    error::AppError,
    graphql::{
        context::ContextExt,
        loaders::loader_error,
        scalars::{Date, Long},
        stats::CountBy,
        users::User,
    },
    services::{
        attachments::{AttachmentSummary, SummaryColumns},
        events::{
            self as event_service, EventInput,
            list::{EventFilter, EventOrderField},
            policy::{EventRights, GuardedField, field_denied},
        },
        pagination::Direction,
    },
};

/// How bad the adverse event was.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Severity")]
pub enum Severity {
    /// No lasting effect.
    Mild,
    /// Needed attention.
    Moderate,
    /// Serious harm.
    Severe,
    /// Life-threatening.
    Critical,
}

/// Where a report is in the review workflow.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::EventStatus")]
pub enum EventStatus {
    /// Being written; only the patient sees it.
    Draft,
    /// Sent for review.
    Submitted,
    /// A reviewer is on it.
    UnderReview,
    /// Accepted.
    Approved,
    /// Refused, with a reason.
    Rejected,
}

/// Kind of a file.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FileType")]
pub enum FileType {
    /// PNG, JPEG, GIF, WebP, HEIC.
    Image,
    /// PDF, office documents, plain text, CSV.
    Document,
    /// MP4, WebM, MOV.
    Video,
    /// MP3, WAV, OGG, M4A.
    Audio,
}

/// A document the patient says supports the report (declared, not uploaded).
#[derive(SimpleObject, InputObject, Debug, Clone)]
#[graphql(input_name = "SupportingDocumentInput")]
pub struct SupportingDocument {
    /// File name (≤ 255 characters).
    pub file_name: String,
    /// Kind of file.
    pub file_type: FileType,
    /// Size in bytes (≤ 10 MiB).
    pub file_size: i32,
}

impl From<event_service::SupportingDocument> for SupportingDocument {
    fn from(d: event_service::SupportingDocument) -> Self {
        Self {
            file_name: d.file_name,
            file_type: d.file_type.into(),
            file_size: i32::try_from(d.file_size).unwrap_or(i32::MAX),
        }
    }
}

impl From<SupportingDocument> for event_service::SupportingDocument {
    fn from(d: SupportingDocument) -> Self {
        Self {
            file_name: d.file_name,
            file_type: d.file_type.into(),
            file_size: i64::from(d.file_size),
        }
    }
}

/// A file uploaded for an adverse event.
pub struct EventAttachment(pub Arc<AttachmentSummary>);

impl From<attachments::Model> for EventAttachment {
    fn from(model: attachments::Model) -> Self {
        Self(Arc::new(model.into()))
    }
}

impl EventAttachment {
    /// The summary fields the field `name` of this type resolves from, besides `id` and
    /// `eventId` (always read); `None` for a field it does not know, which makes a list
    /// read every summary field. Keep it next to the resolvers below.
    pub fn columns_of(name: &str) -> Option<SummaryColumns> {
        Some(match name {
            "id" | "eventId" | "downloadUrl" | "__typename" => SummaryColumns::KEYS,
            "fileName" => SummaryColumns::FILE_NAME,
            "fileType" => SummaryColumns::FILE_TYPE,
            "fileSize" => SummaryColumns::FILE_SIZE,
            "contentType" => SummaryColumns::CONTENT_TYPE,
            "sha256" => SummaryColumns::SHA256,
            "uploadedAt" => SummaryColumns::UPLOADED_AT,
            _ => return None,
        })
    }
}

/// A file uploaded for an adverse event.
#[Object]
impl EventAttachment {
    /// Attachment id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The event it belongs to.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// Sanitised original file name.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// Kind of file (decided from its content).
    async fn file_type(&self) -> FileType {
        self.0.file_type.into()
    }
    /// Size in bytes.
    async fn file_size(&self) -> Long {
        Long(self.0.file_size)
    }
    /// MIME type (decided from its content).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.uploaded_at
    }
    /// A link that downloads the file: absolute, signed, valid for
    /// `DOWNLOAD_URL_TTL_SECONDS` (5 minutes), for this attachment only.
    async fn download_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(crate::services::attachments::download_url(
            ctx.state()?,
            crate::storage::tokens::FileKind::Attachment,
            self.0.id,
            Utc::now(),
        ))
    }
}

/// Refuses a field the viewer's class may not see on this event (SPEC §5).
pub struct EventFieldGuard<'a> {
    event: &'a events::Model,
    field: GuardedField,
}

impl<'a> EventFieldGuard<'a> {
    /// Guards `field` of `event`.
    pub fn new(event: &'a events::Model, field: GuardedField) -> Self {
        Self { event, field }
    }
}

impl Guard for EventFieldGuard<'_> {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let viewer = ctx.viewer()?;
        match field_denied(&EventRights::of(viewer), self.event, self.field) {
            None => Ok(()),
            Some(permission) => Err(AppError::missing_permission(
                format!(
                    "the {} of an adverse event is hidden from your account type",
                    self.field.name()
                ),
                permission,
            )
            .into()),
        }
    }
}

/// A medical-device adverse-event report.
pub struct AdverseEvent {
    /// The stored row (in a list, only the columns the selection needs; see
    /// [`AdverseEvent::columns_of`]).
    pub model: events::Model,
    /// Relations a list loaded for its whole page; a relation that is not here (a
    /// single read, a mutation's result) goes through the request's loaders.
    pub preloaded: Preloaded,
}

/// The relations of one listed event, loaded with its page (`events::query`).
#[derive(Default)]
pub struct Preloaded {
    /// `patient`: the user, or `Some(None)` when there is no such user.
    pub patient: Option<Option<Arc<auth_users::Model>>>,
    /// `reviewedBy`: the reviewer, or `Some(None)` when there is none.
    pub reviewed_by: Option<Option<Arc<auth_users::Model>>>,
    /// `attachments`, read with the summary fields the selection asks for only.
    pub attachments: Option<Vec<Arc<AttachmentSummary>>>,
}

impl AdverseEvent {
    /// The stored columns the field `name` of this type resolves from, besides the keys
    /// every list reads ([`EventColumns::keys`]); `None` for a field this table does not
    /// know, which makes a list read every column. Keep it next to the resolvers below:
    /// a field resolved from a column missing here would see a placeholder.
    ///
    /// [`EventColumns::keys`]: crate::services::events::list::EventColumns::keys
    pub fn columns_of(name: &str) -> Option<&'static [events::Column]> {
        use events::Column as C;
        Some(match name {
            // From the keys alone (`patient` and `attachments` load by them).
            "id" | "status" | "patient" | "attachments" | "__typename" => &[],
            "severity" => &[C::Severity],
            "manufacturer" => &[C::Manufacturer],
            "eventDate" => &[C::EventDate],
            "createdAt" => &[C::CreatedAt],
            "reviewedBy" => &[C::ReviewedBy],
            "title" => &[C::Title],
            "description" => &[C::Description],
            "deviceName" => &[C::DeviceName],
            "deviceCategory" => &[C::DeviceCategory],
            "modelNumber" => &[C::ModelNumber],
            "serialNumber" => &[C::SerialNumber],
            "eventLocation" => &[C::EventLocation],
            "symptoms" => &[C::Symptoms],
            "treatmentReceived" => &[C::TreatmentReceived],
            "outcome" => &[C::Outcome],
            "witnesses" => &[C::Witnesses],
            "additionalNotes" => &[C::AdditionalNotes],
            "supportingDocuments" => &[C::SupportingDocuments],
            "reviewNote" => &[C::ReviewNote],
            "reviewedAt" => &[C::ReviewedAt],
            "updatedAt" => &[C::UpdatedAt],
            _ => return None,
        })
    }
}

impl From<events::Model> for AdverseEvent {
    fn from(model: events::Model) -> Self {
        Self {
            model,
            preloaded: Preloaded::default(),
        }
    }
}

/// A medical-device adverse-event report. Some fields are hidden from some viewers
/// (SPEC §5): they resolve to `null` with a `FORBIDDEN` error at their path.
#[Object]
impl AdverseEvent {
    /// Event id.
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// What happened.
    async fn description(&self) -> &str {
        &self.model.description
    }
    /// How bad it was.
    async fn severity(&self) -> Severity {
        self.model.severity.into()
    }
    /// Where the report is in the review workflow.
    async fn status(&self) -> EventStatus {
        self.model.status.into()
    }
    /// The device involved.
    async fn device_name(&self) -> &str {
        &self.model.device_name
    }
    /// Its category.
    async fn device_category(&self) -> &str {
        &self.model.device_category
    }
    /// Its manufacturer.
    async fn manufacturer(&self) -> &str {
        &self.model.manufacturer
    }
    /// Model number.
    async fn model_number(&self) -> Option<&str> {
        self.model.model_number.as_deref()
    }
    /// Serial number.
    async fn serial_number(&self) -> Option<&str> {
        self.model.serial_number.as_deref()
    }
    /// When it happened.
    async fn event_date(&self) -> Date {
        Date(self.model.event_date)
    }
    /// Where it happened. Hidden from manufacturers.
    #[graphql(guard = "EventFieldGuard::new(&self.model, GuardedField::EventLocation)")]
    async fn event_location(&self) -> Option<&str> {
        Some(&self.model.event_location)
    }
    /// Symptoms observed.
    async fn symptoms(&self) -> &str {
        &self.model.symptoms
    }
    /// Treatment received.
    async fn treatment_received(&self) -> Option<&str> {
        self.model.treatment_received.as_deref()
    }
    /// Outcome.
    async fn outcome(&self) -> Option<&str> {
        self.model.outcome.as_deref()
    }
    /// Witnesses. Hidden from regulators, manufacturers and hospitals.
    #[graphql(guard = "EventFieldGuard::new(&self.model, GuardedField::Witnesses)")]
    async fn witnesses(&self) -> Option<&str> {
        self.model.witnesses.as_deref()
    }
    /// Anything else.
    async fn additional_notes(&self) -> Option<&str> {
        self.model.additional_notes.as_deref()
    }
    /// Documents the patient declared.
    async fn supporting_documents(&self) -> Vec<SupportingDocument> {
        event_service::supporting_documents(&self.model)
            .into_iter()
            .map(Into::into)
            .collect()
    }
    /// The reviewer's note on approval, or the reason of a rejection.
    async fn review_note(&self) -> Option<&str> {
        self.model.review_note.as_deref()
    }
    /// When the review closed.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.model.reviewed_at
    }
    /// Who reviewed it.
    async fn reviewed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if let Some(user) = &self.preloaded.reviewed_by {
            return Ok(user.clone().map(User::from));
        }
        User::load(ctx, self.model.reviewed_by).await
    }
    /// The reporting patient. Hidden from regulators, manufacturers and hospitals.
    #[graphql(guard = "EventFieldGuard::new(&self.model, GuardedField::Patient)")]
    async fn patient(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        if let Some(user) = &self.preloaded.patient {
            return Ok(user.clone().map(User::from));
        }
        User::load(ctx, Some(self.model.patient_id)).await
    }
    /// Uploaded files, oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EventAttachment>> {
        if let Some(list) = &self.preloaded.attachments {
            return Ok(list.iter().cloned().map(EventAttachment).collect());
        }
        let list = ctx
            .loaders()?
            .attachments_by_event()
            .load_one(self.model.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(list.into_iter().map(EventAttachment).collect())
    }
    /// When it was reported.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// A new report (created as `DRAFT`).
#[derive(InputObject)]
pub struct CreateAdverseEventInput {
    /// Short title (≤ 200).
    pub title: String,
    /// What happened.
    pub description: String,
    /// How bad it was.
    pub severity: Severity,
    /// Device name (≤ 200).
    pub device_name: String,
    /// Device category (≤ 100).
    pub device_category: String,
    /// Manufacturer (≤ 200), as on the device.
    pub manufacturer: String,
    /// Model number (≤ 100).
    pub model_number: Option<String>,
    /// Serial number (≤ 100).
    pub serial_number: Option<String>,
    /// When it happened (not in the future).
    pub event_date: Date,
    /// Where it happened (≤ 200).
    pub event_location: String,
    /// Symptoms observed.
    pub symptoms: String,
    /// Treatment received.
    pub treatment_received: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Witnesses.
    pub witnesses: Option<String>,
    /// Anything else.
    pub additional_notes: Option<String>,
    /// Documents you can provide (at most 20).
    #[graphql(default)]
    pub supporting_documents: Vec<SupportingDocument>,
}

impl From<CreateAdverseEventInput> for EventInput {
    fn from(i: CreateAdverseEventInput) -> Self {
        Self {
            title: Some(i.title),
            description: Some(i.description),
            severity: Some(i.severity.into()),
            device_name: Some(i.device_name),
            device_category: Some(i.device_category),
            manufacturer: Some(i.manufacturer),
            model_number: Some(i.model_number),
            serial_number: Some(i.serial_number),
            event_date: Some(i.event_date.0),
            event_location: Some(i.event_location),
            symptoms: Some(i.symptoms),
            treatment_received: Some(i.treatment_received),
            outcome: Some(i.outcome),
            witnesses: Some(i.witnesses),
            additional_notes: Some(i.additional_notes),
            supporting_documents: Some(
                i.supporting_documents.into_iter().map(Into::into).collect(),
            ),
        }
    }
}

/// A partial update: omitted fields stay; `null` clears an optional field (a required
/// one cannot be cleared).
#[derive(InputObject, Default)]
pub struct UpdateAdverseEventInput {
    /// Short title.
    pub title: MaybeUndefined<String>,
    /// What happened.
    pub description: MaybeUndefined<String>,
    /// How bad it was.
    pub severity: MaybeUndefined<Severity>,
    /// Device name.
    pub device_name: MaybeUndefined<String>,
    /// Device category.
    pub device_category: MaybeUndefined<String>,
    /// Manufacturer.
    pub manufacturer: MaybeUndefined<String>,
    /// Model number.
    pub model_number: MaybeUndefined<String>,
    /// Serial number.
    pub serial_number: MaybeUndefined<String>,
    /// When it happened.
    pub event_date: MaybeUndefined<Date>,
    /// Where it happened.
    pub event_location: MaybeUndefined<String>,
    /// Symptoms.
    pub symptoms: MaybeUndefined<String>,
    /// Treatment received.
    pub treatment_received: MaybeUndefined<String>,
    /// Outcome.
    pub outcome: MaybeUndefined<String>,
    /// Witnesses.
    pub witnesses: MaybeUndefined<String>,
    /// Anything else.
    pub additional_notes: MaybeUndefined<String>,
    /// Replaces the declared documents.
    pub supporting_documents: MaybeUndefined<Vec<SupportingDocument>>,
}

fn opt(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl UpdateAdverseEventInput {
    /// Converts to the service input; `null` on a required field is an error. Every
    /// problem is reported at once, together with the service's own checks.
    pub fn into_service(self) -> Result<EventInput, crate::error::FieldErrors> {
        let mut errors = crate::error::FieldErrors::new();
        macro_rules! required {
            ($v:expr, $name:literal) => {
                match $v {
                    MaybeUndefined::Null => {
                        errors.add($name, "This field is required and cannot be cleared.");
                        None
                    }
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Value(v) => Some(v),
                }
            };
        }
        let input = EventInput {
            title: required!(self.title, "title"),
            description: required!(self.description, "description"),
            severity: required!(self.severity, "severity").map(Into::into),
            device_name: required!(self.device_name, "deviceName"),
            device_category: required!(self.device_category, "deviceCategory"),
            manufacturer: required!(self.manufacturer, "manufacturer"),
            model_number: opt(self.model_number),
            serial_number: opt(self.serial_number),
            event_date: required!(self.event_date, "eventDate").map(|d| d.0),
            event_location: required!(self.event_location, "eventLocation"),
            symptoms: required!(self.symptoms, "symptoms"),
            treatment_received: opt(self.treatment_received),
            outcome: opt(self.outcome),
            witnesses: opt(self.witnesses),
            additional_notes: opt(self.additional_notes),
            supporting_documents: match self.supporting_documents {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(Vec::new()),
                MaybeUndefined::Value(v) => Some(v.into_iter().map(Into::into).collect()),
            },
        };
        if errors.is_empty() {
            return Ok(input);
        }
        if let Err(crate::error::AppError::BadUserInput { field_errors, .. }) =
            event_service::check_update(&input)
        {
            errors.merge(field_errors);
        }
        Err(errors)
    }
}

/// Which reports to list. Enum filters take lists; ranges are inclusive.
#[derive(InputObject, Default)]
pub struct AdverseEventFilter {
    /// Any of these statuses.
    pub status: Option<Vec<EventStatus>>,
    /// Any of these severities.
    pub severity: Option<Vec<Severity>>,
    /// Device category (case-insensitive).
    pub device_category: Option<String>,
    /// Manufacturer (case-insensitive).
    pub manufacturer: Option<String>,
    /// Event date on or after.
    pub event_date_from: Option<Date>,
    /// Event date on or before.
    pub event_date_to: Option<Date>,
    /// Reported at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Reported at or before.
    pub created_to: Option<DateTime<Utc>>,
    /// Free text over title, description and device name (case-insensitive).
    pub search: Option<String>,
}

impl From<AdverseEventFilter> for EventFilter {
    fn from(f: AdverseEventFilter) -> Self {
        Self {
            status: f
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            severity: f
                .severity
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            device_category: f.device_category,
            manufacturer: f.manufacturer,
            event_date_from: f.event_date_from.map(|d| d.0),
            event_date_to: f.event_date_to.map(|d| d.0),
            created_from: f.created_from,
            created_to: f.created_to,
            search: f.search,
        }
    }
}

/// What to order reports by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdverseEventOrderField {
    /// When it was reported.
    CreatedAt,
    /// When it happened.
    EventDate,
    /// Severity (mild < moderate < severe < critical).
    Severity,
}

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    #[default]
    Desc,
}

/// Order of a report list (default: newest first).
#[derive(InputObject)]
pub struct AdverseEventOrder {
    /// The key.
    pub field: AdverseEventOrderField,
    /// The direction (default `DESC`).
    #[graphql(default)]
    pub direction: SortDirection,
}

impl AdverseEventOrder {
    /// The service's field and direction.
    pub fn parts(&self) -> (EventOrderField, Direction) {
        (
            match self.field {
                AdverseEventOrderField::CreatedAt => EventOrderField::CreatedAt,
                AdverseEventOrderField::EventDate => EventOrderField::EventDate,
                AdverseEventOrderField::Severity => EventOrderField::Severity,
            },
            match self.direction {
                SortDirection::Asc => Direction::Asc,
                SortDirection::Desc => Direction::Desc,
            },
        )
    }
}

/// Counts of adverse events (drafts excluded).
#[derive(SimpleObject)]
pub struct AdverseEventStats {
    /// Events in scope.
    pub total: i32,
    /// Per status.
    pub by_status: Vec<CountBy>,
    /// Per severity.
    pub by_severity: Vec<CountBy>,
    /// Per device category.
    pub by_device_category: Vec<CountBy>,
    /// Per manufacturer (lowercased).
    pub by_manufacturer: Vec<CountBy>,
    /// Per event month (`YYYY-MM`).
    pub by_month: Vec<CountBy>,
}

#[cfg(test)]
mod column_map_tests {
    use super::{AdverseEvent, EventAttachment};

    /// The field names of `type_name` in the published schema.
    fn fields_of(type_name: &str) -> Vec<&'static str> {
        let sdl = include_str!("../../../schema.graphql");
        let body = sdl
            .split(&format!("\ntype {type_name} {{"))
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .unwrap_or_else(|| panic!("schema.graphql has type {type_name}"));
        // Field lines, outside the `"""` description blocks.
        let mut in_description = false;
        let mut fields = Vec::new();
        for line in body.lines().map(str::trim) {
            if line == "\"\"\"" {
                in_description = !in_description;
            } else if !in_description && !line.is_empty() && !line.starts_with('"') {
                fields.extend(line.split([':', '(']).next());
            }
        }
        fields
    }

    /// Every field of `type_name` in the published schema is known to `known`.
    fn assert_all_known(type_name: &str, at_least: usize, known: impl Fn(&str) -> bool) {
        let fields = fields_of(type_name);
        assert!(fields.len() >= at_least, "parsed the fields: {fields:?}");
        for field in fields {
            assert!(
                known(field),
                "{type_name}: the column map does not know `{field}`"
            );
        }
    }

    /// Every field of `AdverseEvent` in the published schema has its columns listed, so
    /// a list selecting it reads no more than it needs (an unlisted field would still be
    /// correct, by reading every column, but this test makes the omission visible).
    #[test]
    fn every_adverse_event_field_names_its_columns() {
        assert_all_known("AdverseEvent", 25, |f| {
            AdverseEvent::columns_of(f).is_some()
        });
        assert!(AdverseEvent::columns_of("noSuchField").is_none());
    }

    /// The same for the summary fields of `EventAttachment`.
    #[test]
    fn every_attachment_field_names_its_summary_fields() {
        assert_all_known("EventAttachment", 9, |f| {
            EventAttachment::columns_of(f).is_some()
        });
        assert!(EventAttachment::columns_of("filePath").is_none());
    }
}
