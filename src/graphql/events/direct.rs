//! The nodes of an `adverseEvents` page, resolved directly from their rows.
//!
//! async-graphql resolves every field of every object as a boxed future with a context
//! of its own and an index-map entry: about 2,500 instructions a field, most of the cost
//! of a 50-event page, whose fields are almost all plain reads of the loaded row. So a
//! page compiles its node selection once into a [`Plan`] and builds each node's value
//! straight from the row and the relations the page loaded, with the same conversions
//! the resolvers use. The connection around them ([`EventConnection`]: `edges`,
//! `cursor`, `pageInfo`, `totalCount`) is built the same way when every node of the
//! page can be; otherwise the generic connection resolves, and each node still tries
//! the direct way on its own.
//!
//! Only what this path can answer exactly as the resolvers would takes it: fields,
//! fragments and inline fragments on the node's own type, without arguments or
//! directives (async-graphql has already evaluated `@skip`/`@include` and removed what
//! they skip; no other directive exists in the schema), from the vocabulary below (every field of `AdverseEvent`; of `User` the
//! fields any viewer of the event may see; of `EventAttachment` all but `downloadUrl`);
//! and, per node, only when the viewer may see every guarded field selected and the
//! relations selected were loaded with the page. Anything else goes through the generic
//! resolvers, so a refused field still gets its guard's `FORBIDDEN` error at its path.
//! The events tests compare list pages with single reads (always generic) field by
//! field, and count the nodes that took this path.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
    connection::CursorType,
    indexmap::IndexMap,
    parser::types::{Field, FragmentDefinition, Selection, SelectionSet},
    registry::Registry,
    resolver_utils::enum_value,
};
use entity::auth_users;

use super::types::{AdverseEvent, EventStatus, FileType, Severity};
use crate::{
    auth::permission::UserType,
    graphql::{
        pagination::RelayConnection,
        scalars::{Date, Long},
    },
    services::{
        attachments::AttachmentSummary,
        events::{
            self as event_service,
            policy::{EventRights, GuardedField, field_denied},
        },
    },
};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// What every node of one page shares: the viewer's rights and the compiled selection.
pub struct PageShared {
    rights: EventRights,
    /// The plan of the first node selection seen, by the selection set's address (one
    /// page can be selected twice, `a: edges { … } b: edges { … }`; a second selection
    /// is compiled per node).
    plan: OnceLock<(usize, Option<Plan<EventField>>)>,
    /// Nodes that took this path, for the tests ([`crate::state::AppState::direct_nodes`]).
    direct: Arc<AtomicU64>,
}

impl PageShared {
    /// The shared part of a page listed for a viewer with `rights`.
    pub fn new(rights: EventRights, direct: Arc<AtomicU64>) -> Arc<Self> {
        Arc::new(Self {
            rights,
            plan: OnceLock::new(),
            direct,
        })
    }
}

/// An `AdverseEvent` node of a list page: the same type in the schema, resolved
/// directly when it can be (see the module documentation).
pub struct ListedEvent {
    /// The node as the generic resolvers see it.
    pub event: AdverseEvent,
    page: Arc<PageShared>,
}

impl ListedEvent {
    /// `event`, listed in the page `page`.
    pub fn new(event: AdverseEvent, page: Arc<PageShared>) -> Self {
        Self { event, page }
    }

    fn direct(&self, set: &SelectionSet, fragments: &Fragments) -> Option<Value> {
        let address = std::ptr::from_ref(set) as usize;
        let (compiled_for, plan) = self
            .page
            .plan
            .get_or_init(|| (address, compile(set, fragments)));
        let value = if *compiled_for == address {
            event_value(plan.as_ref()?, &self.event, &self.page.rights)
        } else {
            event_value(&compile(set, fragments)?, &self.event, &self.page.rights)
        }?;
        self.page.direct.fetch_add(1, Ordering::Relaxed);
        Some(value)
    }
}

/// The `adverseEvents` connection: the same types in the schema, built directly when
/// the whole page can be (see the module documentation).
pub struct EventConnection {
    page: RelayConnection<ListedEvent>,
    shared: Arc<PageShared>,
}

impl EventConnection {
    /// `page`, whose nodes share `shared`.
    pub fn new(page: RelayConnection<ListedEvent>, shared: Arc<PageShared>) -> Self {
        Self { page, shared }
    }

    fn direct(&self, set: &SelectionSet, fragments: &Fragments) -> Option<Value> {
        let plan: Plan<ConnectionField> = compile(set, fragments)?;
        let page = &self.page;
        let nodes = std::cell::Cell::new(0u64);
        let cursor = |edge: Option<&Edge>| {
            edge.map_or(Value::Null, |e| Value::String(e.cursor.encode_cursor()))
        };
        let value = object(&plan, |field| {
            Some(match field {
                ConnectionField::Typename => string(ConnectionField::TYPE),
                ConnectionField::TotalCount => Value::from(page.additional_fields.total_count),
                ConnectionField::PageInfo(plan) => object(plan, |field| {
                    Some(match field {
                        PageInfoField::Typename => string(PageInfoField::TYPE),
                        PageInfoField::HasPreviousPage => Value::Boolean(page.has_previous_page),
                        PageInfoField::HasNextPage => Value::Boolean(page.has_next_page),
                        PageInfoField::StartCursor => cursor(page.edges.first()),
                        PageInfoField::EndCursor => cursor(page.edges.last()),
                    })
                })?,
                ConnectionField::Edges(plan) => Value::List(
                    page.edges
                        .iter()
                        .map(|edge| {
                            object(plan, |field| {
                                Some(match field {
                                    EdgeField::Typename => string(EdgeField::TYPE),
                                    EdgeField::Cursor => cursor(Some(edge)),
                                    EdgeField::Node(plan) => {
                                        nodes.set(nodes.get() + 1);
                                        event_value(plan, &edge.node.event, &self.shared.rights)?
                                    }
                                })
                            })
                        })
                        .collect::<Option<_>>()?,
                ),
            })
        })?;
        self.shared.direct.fetch_add(nodes.get(), Ordering::Relaxed);
        Some(value)
    }
}

type Edge = async_graphql::connection::Edge<
    crate::graphql::pagination::Cursor,
    ListedEvent,
    async_graphql::connection::EmptyFields,
>;

/// `OutputType` for a wrapper of `$generic` (the type the schema knows it as): the
/// wrapper's `direct` value when it has one, else `$generic`'s resolvers on `$inner`.
macro_rules! direct_or_generic {
    ($wrapper:ty, $generic:ty, |$this:ident| $inner:expr) => {
        impl OutputType for $wrapper {
            fn type_name() -> Cow<'static, str> {
                <$generic>::type_name()
            }

            fn qualified_type_name() -> String {
                <$generic>::qualified_type_name()
            }

            fn create_type_info(registry: &mut Registry) -> String {
                <$generic>::create_type_info(registry)
            }

            async fn resolve(
                &self,
                ctx: &ContextSelectionSet<'_>,
                field: &Positioned<Field>,
            ) -> ServerResult<Value> {
                let set = &field.node.selection_set.node;
                if let Some(value) = self.direct(set, &ctx.query_env.fragments) {
                    return Ok(value);
                }
                let $this = self;
                OutputType::resolve($inner, ctx, field).await
            }
        }
    };
}

direct_or_generic!(ListedEvent, AdverseEvent, |this| &this.event);
direct_or_generic!(EventConnection, RelayConnection<ListedEvent>, |this| &this
    .page);

/// A compiled selection set: response keys and what each resolves to, in query order.
type Plan<F> = Vec<(Name, F)>;

/// The fields of one object type this path can resolve.
trait Vocabulary: Sized + PartialEq {
    /// The GraphQL type name (`__typename`, fragment type conditions).
    const TYPE: &'static str;
    /// The field `name` with the sub-selection `set`; `None` when this path does not
    /// resolve it.
    fn field(name: &str, set: &SelectionSet, fragments: &Fragments) -> Option<Self>;
}

/// `set` compiled, or `None` when any part of it is not for this path.
fn compile<F: Vocabulary>(set: &SelectionSet, fragments: &Fragments) -> Option<Plan<F>> {
    let mut plan = Vec::with_capacity(set.items.len());
    collect(set, fragments, &mut plan)?;
    Some(plan)
}

fn collect<F: Vocabulary>(
    set: &SelectionSet,
    fragments: &Fragments,
    plan: &mut Plan<F>,
) -> Option<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if !field.arguments.is_empty() || !field.directives.is_empty() {
                    return None;
                }
                let resolved = F::field(
                    field.name.node.as_str(),
                    &field.selection_set.node,
                    fragments,
                )?;
                let key = &field.response_key().node;
                match plan.iter().find(|(k, _)| k == key) {
                    // The same field twice (a fragment repeating `id`): one answer.
                    Some((_, earlier)) if *earlier == resolved => {}
                    // Different selections under one key merge; the generic path does that.
                    Some(_) => return None,
                    None => plan.push((key.clone(), resolved)),
                }
            }
            Selection::FragmentSpread(spread) => {
                if !spread.node.directives.is_empty() {
                    return None;
                }
                let fragment = &fragments.get(&spread.node.fragment_name.node)?.node;
                if fragment.type_condition.node.on.node != F::TYPE
                    || !fragment.directives.is_empty()
                {
                    return None;
                }
                collect(&fragment.selection_set.node, fragments, plan)?;
            }
            Selection::InlineFragment(inline) => {
                let inline = &inline.node;
                if !inline.directives.is_empty()
                    || inline
                        .type_condition
                        .as_ref()
                        .is_some_and(|c| c.node.on.node != F::TYPE)
                {
                    return None;
                }
                collect(&inline.selection_set.node, fragments, plan)?;
            }
        }
    }
    Some(())
}

/// Declares a vocabulary: the enum of a type's fields this path resolves (with
/// `Typename` for `__typename`), and the field names it answers for; a field with a
/// sub-selection carries that selection compiled in the vocabulary of its type.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $vocabulary:ident on $type:literal {
        $($name:literal => $field:ident $(($sub:ty))?,)*
    }) => {
        $(#[$doc])*
        #[derive(PartialEq)]
        enum $vocabulary {
            Typename,
            $($field $((Plan<$sub>))?,)*
        }

        impl Vocabulary for $vocabulary {
            const TYPE: &'static str = $type;

            #[allow(unused_variables)] // `set` and `fragments` serve sub-selections only
            fn field(name: &str, set: &SelectionSet, fragments: &Fragments) -> Option<Self> {
                Some(match name {
                    "__typename" => Self::Typename,
                    $($name => vocabulary!(@field Self::$field, set, fragments $(, $sub)?),)*
                    _ => return None,
                })
            }
        }
    };
    (@field $field:path, $set:ident, $fragments:ident) => {
        $field
    };
    (@field $field:path, $set:ident, $fragments:ident, $sub:ty) => {
        $field(compile::<$sub>($set, $fragments)?)
    };
}

vocabulary! {
    /// The fields of `AdverseEventConnection`.
    ConnectionField on "AdverseEventConnection" {
        "totalCount" => TotalCount,
        "pageInfo" => PageInfo(PageInfoField),
        "edges" => Edges(EdgeField),
    }
}

vocabulary! {
    /// The fields of `PageInfo`.
    PageInfoField on "PageInfo" {
        "hasPreviousPage" => HasPreviousPage,
        "hasNextPage" => HasNextPage,
        "startCursor" => StartCursor,
        "endCursor" => EndCursor,
    }
}

vocabulary! {
    /// The fields of `AdverseEventEdge`.
    EdgeField on "AdverseEventEdge" {
        "cursor" => Cursor,
        "node" => Node(EventField),
    }
}

vocabulary! {
    /// The fields of `AdverseEvent`.
    EventField on "AdverseEvent" {
        "id" => Id,
        "title" => Title,
        "description" => Description,
        "severity" => Severity,
        "status" => Status,
        "deviceName" => DeviceName,
        "deviceCategory" => DeviceCategory,
        "manufacturer" => Manufacturer,
        "modelNumber" => ModelNumber,
        "serialNumber" => SerialNumber,
        "eventDate" => EventDate,
        "eventLocation" => EventLocation,
        "symptoms" => Symptoms,
        "treatmentReceived" => TreatmentReceived,
        "outcome" => Outcome,
        "witnesses" => Witnesses,
        "additionalNotes" => AdditionalNotes,
        "supportingDocuments" => SupportingDocuments(DocumentField),
        "reviewNote" => ReviewNote,
        "reviewedAt" => ReviewedAt,
        "reviewedBy" => ReviewedBy(UserField),
        "patient" => Patient(UserField),
        "attachments" => Attachments(AttachmentField),
        "createdAt" => CreatedAt,
        "updatedAt" => UpdatedAt,
    }
}

vocabulary! {
    /// The fields of `SupportingDocument`.
    DocumentField on "SupportingDocument" {
        "fileName" => FileName,
        "fileType" => FileType,
        "fileSize" => FileSize,
    }
}

vocabulary! {
    /// The fields of `User` that carry no guard (contact fields, roles and sessions do).
    UserField on "User" {
        "id" => Id,
        "username" => Username,
        "userType" => UserType,
        "firstName" => FirstName,
        "lastName" => LastName,
        "organizationName" => OrganizationName,
        "designation" => Designation,
        "isPhoneVerified" => IsPhoneVerified,
        "isEmailVerified" => IsEmailVerified,
        "isActive" => IsActive,
        "lastLoginAt" => LastLoginAt,
        "createdAt" => CreatedAt,
        "updatedAt" => UpdatedAt,
    }
}

vocabulary! {
    /// The fields of `EventAttachment` but `downloadUrl` (signed per request).
    AttachmentField on "EventAttachment" {
        "id" => Id,
        "eventId" => EventId,
        "fileName" => FileName,
        "fileType" => FileType,
        "fileSize" => FileSize,
        "contentType" => ContentType,
        "sha256" => Sha256,
        "uploadedAt" => UploadedAt,
    }
}

fn string(s: &str) -> Value {
    Value::String(s.to_owned())
}

fn optional(s: Option<&str>) -> Value {
    s.map_or(Value::Null, string)
}

fn object<F>(plan: &Plan<F>, mut value: impl FnMut(&F) -> Option<Value>) -> Option<Value> {
    let mut map = IndexMap::with_capacity(plan.len());
    for (key, field) in plan {
        map.insert(key.clone(), value(field)?);
    }
    Some(Value::Object(map))
}

/// Whether the viewer may see `field` of `event`; a refusal is the guard's to report.
fn allowed(rights: &EventRights, event: &AdverseEvent, field: GuardedField) -> Option<()> {
    field_denied(rights, &event.model, field)
        .is_none()
        .then_some(())
}

/// The node's value, or `None` when it must go through the generic resolvers.
fn event_value(
    plan: &Plan<EventField>,
    event: &AdverseEvent,
    rights: &EventRights,
) -> Option<Value> {
    let m = &event.model;
    let loaded = &event.preloaded;
    object(plan, |field| {
        Some(match field {
            EventField::Typename => string(EventField::TYPE),
            EventField::Id => Value::String(m.id.to_string()),
            EventField::Title => string(&m.title),
            EventField::Description => string(&m.description),
            EventField::Severity => enum_value(Severity::from(m.severity)),
            EventField::Status => enum_value(EventStatus::from(m.status)),
            EventField::DeviceName => string(&m.device_name),
            EventField::DeviceCategory => string(&m.device_category),
            EventField::Manufacturer => string(&m.manufacturer),
            EventField::ModelNumber => optional(m.model_number.as_deref()),
            EventField::SerialNumber => optional(m.serial_number.as_deref()),
            EventField::EventDate => Date(m.event_date).to_value(),
            EventField::EventLocation => {
                allowed(rights, event, GuardedField::EventLocation)?;
                string(&m.event_location)
            }
            EventField::Symptoms => string(&m.symptoms),
            EventField::TreatmentReceived => optional(m.treatment_received.as_deref()),
            EventField::Outcome => optional(m.outcome.as_deref()),
            EventField::Witnesses => {
                allowed(rights, event, GuardedField::Witnesses)?;
                optional(m.witnesses.as_deref())
            }
            EventField::AdditionalNotes => optional(m.additional_notes.as_deref()),
            EventField::SupportingDocuments(plan) => Value::List(
                event_service::supporting_documents(m)
                    .iter()
                    .map(|d| document_value(plan, d))
                    .collect::<Option<_>>()?,
            ),
            EventField::ReviewNote => optional(m.review_note.as_deref()),
            EventField::ReviewedAt => m.reviewed_at.map_or(Value::Null, |t| t.to_value()),
            EventField::ReviewedBy(plan) => user_value(plan, loaded.reviewed_by.as_ref()?)?,
            EventField::Patient(plan) => {
                allowed(rights, event, GuardedField::Patient)?;
                user_value(plan, loaded.patient.as_ref()?)?
            }
            EventField::Attachments(plan) => Value::List(
                loaded
                    .attachments
                    .as_ref()?
                    .iter()
                    .map(|a| attachment_value(plan, a))
                    .collect::<Option<_>>()?,
            ),
            EventField::CreatedAt => m.created_at.to_value(),
            EventField::UpdatedAt => m.updated_at.to_value(),
        })
    })
}

fn document_value(
    plan: &Plan<DocumentField>,
    d: &event_service::SupportingDocument,
) -> Option<Value> {
    object(plan, |field| {
        Some(match field {
            DocumentField::Typename => string(DocumentField::TYPE),
            DocumentField::FileName => string(&d.file_name),
            // As `SupportingDocument::from` converts it for the generic path.
            DocumentField::FileType => enum_value(FileType::from(d.file_type)),
            DocumentField::FileSize => Value::from(i32::try_from(d.file_size).unwrap_or(i32::MAX)),
        })
    })
}

fn user_value(plan: &Plan<UserField>, user: &Option<Arc<auth_users::Model>>) -> Option<Value> {
    let Some(u) = user else {
        return Some(Value::Null);
    };
    object(plan, |field| {
        Some(match field {
            UserField::Typename => string(UserField::TYPE),
            UserField::Id => Value::String(u.id.to_string()),
            UserField::Username => string(&u.username),
            UserField::UserType => enum_value(UserType::from(u.user_type)),
            UserField::FirstName => optional(u.first_name.as_deref()),
            UserField::LastName => optional(u.last_name.as_deref()),
            UserField::OrganizationName => optional(u.organization_name.as_deref()),
            UserField::Designation => optional(u.designation.as_deref()),
            UserField::IsPhoneVerified => Value::Boolean(u.is_phone_verified),
            UserField::IsEmailVerified => Value::Boolean(u.is_email_verified),
            UserField::IsActive => Value::Boolean(u.is_active),
            UserField::LastLoginAt => u.last_login_at.map_or(Value::Null, |t| t.to_value()),
            UserField::CreatedAt => u.created_at.to_value(),
            UserField::UpdatedAt => u.updated_at.to_value(),
        })
    })
}

fn attachment_value(plan: &Plan<AttachmentField>, a: &AttachmentSummary) -> Option<Value> {
    object(plan, |field| {
        Some(match field {
            AttachmentField::Typename => string(AttachmentField::TYPE),
            AttachmentField::Id => Value::String(a.id.to_string()),
            AttachmentField::EventId => Value::String(a.event_id.to_string()),
            AttachmentField::FileName => string(&a.file_name),
            AttachmentField::FileType => enum_value(FileType::from(a.file_type)),
            AttachmentField::FileSize => Long(a.file_size).to_value(),
            AttachmentField::ContentType => string(&a.content_type),
            AttachmentField::Sha256 => string(&a.sha256),
            AttachmentField::UploadedAt => a.uploaded_at.to_value(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The type names this path answers `__typename` with and matches fragments
    /// against are the schema's own.
    #[test]
    fn type_names_are_the_schemas() {
        type Connection = RelayConnection<ListedEvent>;
        assert_eq!(ConnectionField::TYPE, Connection::type_name());
        assert_eq!(EdgeField::TYPE, Edge::type_name());
        assert_eq!(
            PageInfoField::TYPE,
            async_graphql::connection::PageInfo::type_name()
        );
        assert_eq!(EventField::TYPE, AdverseEvent::type_name());
        assert_eq!(
            DocumentField::TYPE,
            super::super::types::SupportingDocument::type_name()
        );
        assert_eq!(UserField::TYPE, crate::graphql::users::User::type_name());
        assert_eq!(
            AttachmentField::TYPE,
            super::super::types::EventAttachment::type_name()
        );
    }
}
