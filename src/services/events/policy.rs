//! Who sees which adverse events, and which of their fields (SPEC §5 table).
//!
//! | viewer | sees | hidden fields |
//! |---|---|---|
//! | PATIENT | own events, every status | — |
//! | COORDINATOR, or `events:review` | all non-draft events | — |
//! | GOVERNMENT, or `events:read_all` | all non-draft events | `patient`, `witnesses` |
//! | MANUFACTURER | non-draft events of its own devices | `patient`, `witnesses`, `eventLocation` |
//! | HOSPITAL | approved events | `patient`, `witnesses` |
//! | ADMIN | everything | — |
//!
//! A viewer's rights are the union of what its type and its permissions allow. The
//! same rules exist twice, on purpose and next to each other: as a SQL condition
//! ([`visible_condition`], so lists never load or count what the viewer may not see) and
//! as a predicate on one loaded row ([`can_see`], for single reads and subscriptions).
//! A test checks they agree.

use entity::{enums::EventStatus, patient_adverse_events as events};
use sea_orm::{
    ColumnTrait, Condition, ExprTrait,
    sea_query::{Expr, Func},
};

use crate::auth::{
    permission::{Permission, UserType},
    viewer::Viewer,
};

/// The manufacturer key of a string: trimmed and lowercased, as stored names are
/// matched (`MedTech Inc.` matches ` medtech inc. ` but not `MedTech Inc. Holdings`).
pub fn manufacturer_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// What a viewer's type and permissions give it over events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRights {
    /// The viewer's own account (patients see their own events in every status).
    pub owner_id: i32,
    /// `ADMIN`: everything.
    pub all: bool,
    /// Reviewer rights (COORDINATOR or `events:review`): every non-draft event, all fields.
    pub review: bool,
    /// Regulator rights (GOVERNMENT or `events:read_all`): every non-draft event,
    /// without patient identity.
    pub read_all: bool,
    /// Manufacturer rights: non-draft events of this manufacturer key.
    pub manufacturer: Option<String>,
    /// Hospital rights: approved events.
    pub approved: bool,
}

impl EventRights {
    /// The rights of `viewer`.
    pub fn of(viewer: &Viewer) -> Self {
        Self {
            owner_id: viewer.user_id,
            all: viewer.is(UserType::Admin),
            review: viewer.is(UserType::Coordinator) || viewer.has(Permission::EventsReview),
            read_all: viewer.is(UserType::Government) || viewer.has(Permission::EventsReadAll),
            manufacturer: viewer
                .is(UserType::Manufacturer)
                .then(|| viewer.organization_name.as_deref().map(manufacturer_key))
                .flatten()
                .filter(|k| !k.is_empty()),
            approved: viewer.is(UserType::Hospital),
        }
    }
}

impl EventRights {
    /// The scope of `adverseEventStats`: every non-draft event for COORDINATOR,
    /// GOVERNMENT, ADMIN and `events:stats`; a manufacturer's own devices otherwise.
    pub fn for_stats(viewer: &Viewer) -> Self {
        let mut rights = Self::of(viewer);
        if viewer.is(UserType::Coordinator)
            || viewer.is(UserType::Government)
            || viewer.has(Permission::EventsStats)
        {
            rights.read_all = true;
        }
        // A patient's own drafts never enter statistics (drafts are excluded anyway),
        // and own submitted events count only through the rights above.
        rights.owner_id = 0;
        rights
    }
}

/// The SQL condition selecting exactly the events `rights` may see.
pub fn visible_condition(rights: &EventRights) -> Condition {
    if rights.all {
        return Condition::all();
    }
    let not_draft = || events::Column::Status.ne(EventStatus::Draft);
    let mut any = Condition::any().add(events::Column::PatientId.eq(rights.owner_id));
    if rights.review || rights.read_all {
        any = any.add(not_draft());
    }
    if let Some(key) = &rights.manufacturer {
        // Stored names are trimmed on write, so `lower(manufacturer)` (indexed) is the key.
        any =
            any.add(Condition::all().add(not_draft()).add(
                Expr::expr(Func::lower(Expr::col(events::Column::Manufacturer))).eq(key.clone()),
            ));
    }
    if rights.approved {
        any = any.add(events::Column::Status.eq(EventStatus::Approved));
    }
    any
}

/// Whether `rights` may see `event`.
pub fn can_see(rights: &EventRights, event: &events::Model) -> bool {
    let draft = event.status == EventStatus::Draft;
    rights.all
        || event.patient_id == rights.owner_id
        || ((rights.review || rights.read_all) && !draft)
        || rights
            .manufacturer
            .as_deref()
            .is_some_and(|key| !draft && manufacturer_key(&event.manufacturer) == key)
        || (rights.approved && event.status == EventStatus::Approved)
}

/// Fields some viewers may not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardedField {
    /// The reporting patient.
    Patient,
    /// Witnesses (names of third parties).
    Witnesses,
    /// Where it happened.
    EventLocation,
}

impl GuardedField {
    /// The GraphQL field name.
    pub const fn name(self) -> &'static str {
        match self {
            GuardedField::Patient => "patient",
            GuardedField::Witnesses => "witnesses",
            GuardedField::EventLocation => "eventLocation",
        }
    }
}

/// Whether `rights` may see `field` of `event` (which it can see at all). `None` when
/// it may; otherwise the permission that would allow it.
pub fn field_denied(
    rights: &EventRights,
    event: &events::Model,
    field: GuardedField,
) -> Option<Permission> {
    if rights.all || rights.review || event.patient_id == rights.owner_id {
        return None;
    }
    match field {
        GuardedField::Patient | GuardedField::Witnesses => Some(Permission::EventsReview),
        // Only a viewer whose sole access is as the device's manufacturer loses it.
        GuardedField::EventLocation => {
            let other_access =
                rights.read_all || (rights.approved && event.status == EventStatus::Approved);
            (!other_access).then_some(Permission::EventsReadAll)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::permission::PermissionSet;

    fn viewer(user_type: UserType, perms: &[Permission], org: Option<&str>) -> Viewer {
        Viewer::new(
            7,
            1,
            user_type,
            perms.iter().copied().collect::<PermissionSet>(),
            org.map(str::to_owned),
        )
    }

    fn event(owner: i32, status: EventStatus, manufacturer: &str) -> events::Model {
        let now = chrono::Utc::now();
        events::Model {
            id: 1,
            patient_id: owner,
            title: "t".into(),
            description: "d".into(),
            severity: entity::enums::Severity::Mild,
            status,
            device_name: "x".into(),
            device_category: "y".into(),
            manufacturer: manufacturer.into(),
            model_number: None,
            serial_number: None,
            event_date: now.date_naive(),
            event_location: "z".into(),
            symptoms: "s".into(),
            treatment_received: None,
            outcome: None,
            witnesses: None,
            additional_notes: None,
            supporting_documents: serde_json::json!([]),
            review_note: None,
            created_at: now,
            updated_at: now,
            reviewed_by: None,
            reviewed_at: None,
        }
    }

    #[test]
    fn the_visibility_table_holds() {
        use EventStatus::*;
        let cases: Vec<(Viewer, Vec<(events::Model, bool)>)> = vec![
            (
                viewer(UserType::Patient, &[], None),
                vec![
                    (event(7, Draft, "M"), true),
                    (event(8, Approved, "M"), false),
                ],
            ),
            (
                viewer(UserType::Coordinator, &[], None),
                vec![
                    (event(8, Draft, "M"), false),
                    (event(8, Submitted, "M"), true),
                ],
            ),
            (
                viewer(UserType::Patient, &[Permission::EventsReview], None),
                vec![(event(8, Submitted, "M"), true)],
            ),
            (
                viewer(UserType::Government, &[], None),
                vec![
                    (event(8, Draft, "M"), false),
                    (event(8, Rejected, "M"), true),
                ],
            ),
            (
                viewer(UserType::Manufacturer, &[], Some(" MedTech Inc. ")),
                vec![
                    (event(8, Submitted, "medtech inc."), true),
                    (event(8, Submitted, "MedTech Inc. Holdings"), false),
                    (event(8, Draft, "MedTech Inc."), false),
                ],
            ),
            (
                viewer(UserType::Manufacturer, &[], None),
                vec![(event(8, Approved, ""), false)],
            ),
            (
                viewer(UserType::Hospital, &[], None),
                vec![
                    (event(8, Approved, "M"), true),
                    (event(8, UnderReview, "M"), false),
                ],
            ),
            (
                viewer(UserType::Admin, &[], None),
                vec![(event(8, Draft, "M"), true)],
            ),
        ];
        for (v, checks) in cases {
            let rights = EventRights::of(&v);
            for (e, expected) in checks {
                assert_eq!(
                    can_see(&rights, &e),
                    expected,
                    "{:?} on {:?}/{}",
                    v.user_type,
                    e.status,
                    e.manufacturer
                );
            }
        }
    }

    #[test]
    fn hidden_fields_follow_the_viewer_class() {
        let approved = event(8, EventStatus::Approved, "MedTech Inc.");
        let gov = EventRights::of(&viewer(UserType::Government, &[], None));
        assert_eq!(
            field_denied(&gov, &approved, GuardedField::Patient),
            Some(Permission::EventsReview)
        );
        assert_eq!(
            field_denied(&gov, &approved, GuardedField::EventLocation),
            None
        );
        let maker = EventRights::of(&viewer(UserType::Manufacturer, &[], Some("MedTech Inc.")));
        assert!(field_denied(&maker, &approved, GuardedField::EventLocation).is_some());
        assert!(field_denied(&maker, &approved, GuardedField::Witnesses).is_some());
        let hospital = EventRights::of(&viewer(UserType::Hospital, &[], None));
        assert_eq!(
            field_denied(&hospital, &approved, GuardedField::EventLocation),
            None
        );
        assert!(field_denied(&hospital, &approved, GuardedField::Patient).is_some());
        let coordinator = EventRights::of(&viewer(UserType::Coordinator, &[], None));
        assert_eq!(
            field_denied(&coordinator, &approved, GuardedField::Witnesses),
            None
        );
        let owner = EventRights::of(&Viewer::new(
            8,
            1,
            UserType::Patient,
            PermissionSet::EMPTY,
            None,
        ));
        assert_eq!(field_denied(&owner, &approved, GuardedField::Patient), None);
    }
}
