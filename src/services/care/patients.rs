//! Patient records: validation, create / partial update / delete with their audit
//! rows, reads under the "creator or `ADMIN`" rule with `view` audit rows, the filtered
//! list and the summary.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entity::{
    care_doctors, care_patient_doctors as assignments, care_patient_documents as documents,
    care_patients as patients,
    enums::{AuditAction, BloodGroup, Gender},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, IntoSimpleExpr, PaginatorTrait, QueryFilter, QuerySelect, Select,
    Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    ADDRESS_MAX, TEXT_MAX, apply_columns, changed_columns, ensure_creator_or_admin, name_sort_expr,
    name_sort_key, optional_contact_phone, optional_email, search_words, visible_patients,
};
use crate::{
    auth::{request::ClientInfo, viewer::Viewer},
    domain,
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, AuditEntry},
        pagination::{
            self, Direction, Ordering, Page, PageRequest, Position, check_range, contains_pattern,
            ilike,
        },
    },
};

/// The audit `resource_type` of patient records.
pub const RESOURCE: &str = "patient_record";
/// Longest first or last name.
pub const NAME_MAX: usize = 100;
/// The earliest accepted date of birth.
pub const EARLIEST_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
/// Largest age a filter accepts.
pub const AGE_MAX: i32 = 150;

/// Patient fields as entered. On create every required field must be present; on
/// update `None` leaves a field unchanged and `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct PatientInput {
    /// First name (required, ≤ 100).
    pub first_name: Option<String>,
    /// Last name (required, ≤ 100).
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<Option<String>>,
    /// Phone number (lenient rule, see [`super::parse_contact_phone`]).
    pub phone: Option<Option<String>>,
    /// Date of birth (not in the future, not before 1900).
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// Gender.
    pub gender: Option<Option<Gender>>,
    /// Blood group.
    pub blood_group: Option<Option<BloodGroup>>,
    /// Known allergies.
    pub allergies: Option<Option<String>>,
    /// Medical history.
    pub medical_history: Option<Option<String>>,
    /// Current medications.
    pub current_medications: Option<Option<String>>,
    /// Emergency contact's name (≤ 200).
    pub emergency_contact_name: Option<Option<String>>,
    /// Emergency contact's phone.
    pub emergency_contact_phone: Option<Option<String>>,
    /// Postal address.
    pub address: Option<Option<String>>,
    /// City (≤ 100).
    pub city: Option<Option<String>>,
    /// State (≤ 100).
    pub state: Option<Option<String>>,
    /// Country (≤ 100).
    pub country: Option<Option<String>>,
}

/// Validated values to write: the fields given, with their input names.
struct Valid {
    active: patients::ActiveModel,
    fields: Vec<(&'static str, patients::Column)>,
}

fn validate(input: &PatientInput, creating: bool, today: NaiveDate) -> AppResult<Valid> {
    use patients::Column as C;
    let mut errors = FieldErrors::new();
    let mut active = <patients::ActiveModel as Default>::default();
    let mut fields = Vec::new();

    macro_rules! required_text {
        ($field:ident, $name:literal, $col:expr, $max:expr) => {
            match input.$field.as_deref() {
                Some(v) => {
                    if let Some(v) =
                        domain::collect(&mut errors, $name, domain::required_text(v, $max))
                    {
                        active.$field = Set(v);
                        fields.push(($name, $col));
                    }
                }
                None if creating => errors.add($name, "This field is required."),
                None => {}
            }
        };
    }
    macro_rules! optional {
        ($field:ident, $name:literal, $col:expr, $parse:expr) => {
            if let Some(v) = &input.$field {
                if let Some(v) = domain::collect(&mut errors, $name, $parse(v.as_deref())) {
                    active.$field = Set(v);
                    fields.push(($name, $col));
                }
            }
        };
    }
    let text = |max: usize| move |v: Option<&str>| domain::optional_text(v, max);

    required_text!(first_name, "firstName", C::FirstName, NAME_MAX);
    required_text!(last_name, "lastName", C::LastName, NAME_MAX);
    optional!(email, "email", C::Email, optional_email);
    optional!(phone, "phone", C::Phone, optional_contact_phone);
    optional!(allergies, "allergies", C::Allergies, text(TEXT_MAX));
    optional!(
        medical_history,
        "medicalHistory",
        C::MedicalHistory,
        text(TEXT_MAX)
    );
    optional!(
        current_medications,
        "currentMedications",
        C::CurrentMedications,
        text(TEXT_MAX)
    );
    optional!(
        emergency_contact_name,
        "emergencyContactName",
        C::EmergencyContactName,
        text(200)
    );
    optional!(
        emergency_contact_phone,
        "emergencyContactPhone",
        C::EmergencyContactPhone,
        optional_contact_phone
    );
    optional!(address, "address", C::Address, text(ADDRESS_MAX));
    optional!(city, "city", C::City, text(100));
    optional!(state, "state", C::State, text(100));
    optional!(country, "country", C::Country, text(100));
    match input.date_of_birth {
        Some(Some(d)) if d > today => {
            errors.add("dateOfBirth", "The date of birth cannot be in the future.");
        }
        Some(Some(d)) if d < EARLIEST_BIRTH => {
            errors.add(
                "dateOfBirth",
                "The date of birth cannot be before 1900-01-01.",
            );
        }
        Some(d) => {
            active.date_of_birth = Set(d);
            fields.push(("dateOfBirth", C::DateOfBirth));
        }
        None => {}
    }
    if let Some(g) = input.gender {
        active.gender = Set(g);
        fields.push(("gender", C::Gender));
    }
    if let Some(b) = input.blood_group {
        active.blood_group = Set(b);
        fields.push(("bloodGroup", C::BloodGroup));
    }
    errors.into_result()?;
    Ok(Valid { active, fields })
}

/// Checks an update's fields without touching the database (so a resolver can report
/// them together with its own errors).
pub fn check(input: &PatientInput, creating: bool) -> AppResult<()> {
    validate(input, creating, Utc::now().date_naive()).map(|_| ())
}

/// An emergency contact's phone number is only useful with a name: checked on the
/// record as it will be stored (after a partial update, too).
fn check_emergency_contact(name: Option<&str>, phone: Option<&str>) -> AppResult<()> {
    if phone.is_some() && name.is_none() {
        return Err(AppError::invalid_field(
            "emergencyContactName",
            "Give the emergency contact's name with their phone number.",
        ));
    }
    Ok(())
}

/// The age in whole years on `today` of someone born on `birth` (UTC dates).
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// `today` minus `years` (29 February becomes 28 February), or the earliest date.
fn years_before(today: NaiveDate, years: i32) -> NaiveDate {
    u32::try_from(years)
        .ok()
        .and_then(|y| y.checked_mul(12))
        .and_then(|m| today.checked_sub_months(Months::new(m)))
        .unwrap_or(NaiveDate::MIN)
}

/// Creates a record owned by `viewer`, with its audit row.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: PatientInput,
    client: &ClientInfo,
) -> AppResult<patients::Model> {
    let now = Utc::now();
    let Valid { mut active, fields } = validate(&input, true, now.date_naive())?;
    check_emergency_contact(
        active
            .emergency_contact_name
            .try_as_ref()
            .and_then(Option::as_deref),
        active
            .emergency_contact_phone
            .try_as_ref()
            .and_then(Option::as_deref),
    )?;
    active.created_by = Set(Some(viewer.user_id));
    active.created_at = Set(now);
    active.updated_at = Set(now);
    let txn = crate::db::begin_write(db).await?;
    let record = active.insert(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Create,
            resource_type: RESOURCE,
            resource_id: Some(record.id.to_string()),
            // Field names only: the audit log is no place for medical details.
            details: json!({ "fields": fields.iter().map(|(n, _)| *n).collect::<Vec<_>>() }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

/// Loads a record `viewer` may see: `NOT_FOUND` when it does not exist, `FORBIDDEN`
/// when it exists but belongs to someone else (and the viewer is not an `ADMIN`).
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i32,
) -> AppResult<patients::Model> {
    visible(
        viewer,
        patients::Entity::find_by_id(id).one(conn).await?,
        "see",
    )
}

fn visible(
    viewer: &Viewer,
    record: Option<patients::Model>,
    action: &str,
) -> AppResult<patients::Model> {
    let record = record.ok_or_else(|| AppError::not_found("Patient record"))?;
    ensure_creator_or_admin(viewer, record.created_by, "patient record", action)?;
    Ok(record)
}

/// Reads one record for `viewer`, writing a `view` audit row when they did not create
/// it.
pub async fn view(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<patients::Model> {
    let record = find_visible(db, viewer, id).await?;
    if record.created_by != Some(viewer.user_id) {
        audit_view(db, viewer, &[record.id], client).await?;
    }
    Ok(record)
}

/// One `view` audit row for records `viewer` was shown but did not create (`ids` are
/// those records; nothing is written when empty).
pub async fn audit_view(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[i32],
    client: &ClientInfo,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    audit::record(
        conn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::View,
            resource_type: RESOURCE,
            resource_id: (ids.len() == 1).then(|| ids[0].to_string()),
            details: json!({ "patientIds": ids }),
            client,
        },
    )
    .await
}

/// Applies a partial update (creator or `ADMIN`). Only fields whose value changes are
/// written; the audit row names them (not their values). An update that changes
/// nothing writes nothing.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    input: PatientInput,
    client: &ClientInfo,
) -> AppResult<patients::Model> {
    let now = Utc::now();
    let Valid { active, fields } = validate(&input, false, now.date_naive())?;
    let txn = crate::db::begin_write(db).await?;
    // Row lock on PostgreSQL so concurrent updates serialise and the audit row is exact
    // (SQLite's IMMEDIATE transaction already serialises writers).
    let record = visible(
        viewer,
        patients::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await?,
        "update",
    )?;
    let changed = changed_columns(&active, &fields, &record);
    if changed.is_empty() {
        return Ok(record);
    }
    let mut updated = apply_columns(record.clone().into_active_model(), &active, &changed);
    check_emergency_contact(
        updated
            .emergency_contact_name
            .try_as_ref()
            .and_then(Option::as_deref),
        updated
            .emergency_contact_phone
            .try_as_ref()
            .and_then(Option::as_deref),
    )?;
    updated.updated_at = Set(now);
    let updated = updated.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: RESOURCE,
            resource_id: Some(record.id.to_string()),
            details: json!({ "changed": changed.iter().map(|(n, _)| *n).collect::<Vec<_>>() }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// What deleting a record removed.
#[derive(Debug, Clone)]
pub struct DeletedPatient {
    /// The record's id.
    pub id: i32,
    /// Storage keys of the documents whose rows went with it (the files are the upload
    /// service's to remove once the deletion is committed).
    pub document_keys: Vec<String>,
}

/// Deletes a record (creator or `ADMIN`); its assignments and document rows go with it
/// (foreign-key cascade, in the same statement).
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<DeletedPatient> {
    let txn = crate::db::begin_write(db).await?;
    let record = visible(
        viewer,
        patients::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&txn)
            .await?,
        "delete",
    )?;
    let assignments_removed = assignments::Entity::find()
        .filter(assignments::Column::PatientId.eq(record.id))
        .count(&txn)
        .await?;
    let document_keys: Vec<String> = documents::Entity::find()
        .select_only()
        .column(documents::Column::FilePath)
        .filter(documents::Column::PatientId.eq(record.id))
        .into_tuple()
        .all(&txn)
        .await?;
    let deleted = patients::Entity::delete_by_id(record.id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Patient record"));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: RESOURCE,
            resource_id: Some(record.id.to_string()),
            details: json!({
                "createdBy": record.created_by,
                "assignmentsRemoved": assignments_removed,
                "documentsRemoved": document_keys.len(),
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(DeletedPatient {
        id: record.id,
        document_keys,
    })
}

/// Which records to list. Empty lists and `None` leave a criterion out.
#[derive(Debug, Clone, Default)]
pub struct PatientFilter {
    /// Every word must occur in the first name, last name or email (case-insensitive).
    pub search: Option<String>,
    /// Any of these genders.
    pub gender: Vec<Gender>,
    /// Aged at least this many whole years today (UTC); records without a date of
    /// birth are left out when an age bound is given.
    pub age_min: Option<i32>,
    /// Aged at most this many whole years today (UTC).
    pub age_max: Option<i32>,
}

/// The filtered query over the records `viewer` may see.
pub fn select(
    viewer: &Viewer,
    filter: &PatientFilter,
    today: NaiveDate,
) -> AppResult<Select<patients::Entity>> {
    let mut errors = FieldErrors::new();
    let words = search_words(&mut errors, filter.search.as_deref());
    for (name, value) in [("ageMin", filter.age_min), ("ageMax", filter.age_max)] {
        if value.is_some_and(|v| !(0..=AGE_MAX).contains(&v)) {
            errors.add(
                name,
                format!("Must be between 0 and {AGE_MAX} (inclusive)."),
            );
        }
    }
    check_range(&mut errors, "ageMax", filter.age_min, filter.age_max);
    errors.into_result()?;

    let mut select = patients::Entity::find().filter(visible_patients(viewer));
    if !filter.gender.is_empty() {
        select = select.filter(patients::Column::Gender.is_in(filter.gender.iter().copied()));
    }
    // Age bounds become date-of-birth bounds, so the date-of-birth index serves them:
    // age ≥ n ⇔ born on or before today − n years; age ≤ n ⇔ born after today − (n+1).
    if let Some(min) = filter.age_min {
        select = select.filter(patients::Column::DateOfBirth.lte(years_before(today, min)));
    }
    if let Some(max) = filter.age_max {
        select = select.filter(patients::Column::DateOfBirth.gt(years_before(today, max + 1)));
    }
    for word in words {
        let pattern = contains_pattern(&word);
        let mut any = Condition::any();
        for column in [
            patients::Column::FirstName,
            patients::Column::LastName,
            patients::Column::Email,
        ] {
            any = any.add(ilike(column.into_simple_expr(), pattern.clone()));
        }
        select = select.filter(any);
    }
    Ok(select)
}

/// The orderings a record list offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientOrderField {
    /// When the record was created (default, newest first).
    CreatedAt,
    /// Last name, case-insensitively.
    LastName,
    /// Date of birth; records without one come last in both directions.
    DateOfBirth,
}

/// Stand-in for a missing date of birth, so the sort key is never NULL and such
/// records come last in `direction`.
pub fn missing_birth_date(direction: Direction) -> NaiveDate {
    match direction {
        Direction::Asc => NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
        Direction::Desc => NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
    }
}

/// The ordering for `field` and `direction` on `backend`. Its name binds cursors to it.
pub fn ordering(field: PatientOrderField, direction: Direction, backend: DbBackend) -> Ordering {
    let asc = direction == Direction::Asc;
    let (name, sort) = match field {
        PatientOrderField::CreatedAt => (
            if asc {
                "patients.createdAt.asc"
            } else {
                "patients.createdAt.desc"
            },
            patients::Column::CreatedAt.into_simple_expr(),
        ),
        PatientOrderField::LastName => (
            if asc {
                "patients.lastName.asc"
            } else {
                "patients.lastName.desc"
            },
            name_sort_expr(backend, "last_name"),
        ),
        PatientOrderField::DateOfBirth => {
            let missing = missing_birth_date(direction).format("%Y-%m-%d").to_string();
            let fallback = match backend {
                DbBackend::Postgres => Expr::cust(format!("DATE '{missing}'")),
                _ => Expr::val(missing),
            };
            (
                if asc {
                    "patients.dateOfBirth.asc"
                } else {
                    "patients.dateOfBirth.desc"
                },
                Expr::col(patients::Column::DateOfBirth).if_null(fallback),
            )
        }
    };
    Ordering {
        name,
        sort,
        id: patients::Column::Id.into_simple_expr(),
        direction,
    }
}

/// The sort value of a record under [`PatientOrderField::LastName`].
pub fn last_name_key(record: &patients::Model) -> String {
    name_sort_key(&record.last_name)
}

/// One page, in an ordering whose sort value has type `V`.
pub async fn page<V>(
    conn: &impl ConnectionTrait,
    select: Select<patients::Entity>,
    ordering: &Ordering,
    request: PageRequest<V>,
    sort_value: impl Fn(&patients::Model) -> V,
) -> AppResult<Page<patients::Model, V>>
where
    V: Into<sea_orm::Value> + Clone,
{
    pagination::fetch(conn, select, ordering, request, |m| Position {
        sort: sort_value(m),
        id: m.id,
    })
    .await
}

/// The ids of `records` that `viewer` did not create (for the `view` audit row).
pub fn not_created_by(viewer: &Viewer, records: &[patients::Model]) -> Vec<i32> {
    records
        .iter()
        .filter(|r| r.created_by != Some(viewer.user_id))
        .map(|r| r.id)
        .collect()
}

/// Records by id (DataLoader). Callers reach them only through objects whose patient
/// the viewer may already see.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[i32],
) -> AppResult<Vec<patients::Model>> {
    Ok(patients::Entity::find()
        .filter(patients::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// Of `ids`, the records `viewer` did not create (one statement; for the `view` audit
/// of records reached through assignments).
pub async fn ids_not_created_by(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: &[i32],
) -> AppResult<Vec<i32>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(patients::Entity::find()
        .select_only()
        .column(patients::Column::Id)
        .filter(patients::Column::Id.is_in(ids.iter().copied()))
        .filter(
            Condition::any()
                .add(patients::Column::CreatedBy.is_null())
                .add(patients::Column::CreatedBy.ne(viewer.user_id)),
        )
        .into_tuple()
        .all(conn)
        .await?)
}

/// A record with counts of what hangs off it.
#[derive(Debug, Clone)]
pub struct PatientSummary {
    /// The record.
    pub patient: patients::Model,
    /// Doctors assigned.
    pub doctor_count: i64,
    /// The primary doctor, if one is set.
    pub primary_doctor: Option<care_doctors::Model>,
    /// Documents attached.
    pub document_count: i64,
    /// The latest of the record's own update, its newest assignment and its newest
    /// document.
    pub last_updated_at: DateTime<Utc>,
}

/// The summary of a record `viewer` may see (a `view` audit row when they did not
/// create it).
pub async fn summary(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<PatientSummary> {
    let patient = view(db, viewer, id, client).await?;
    let assigned = assignments::Entity::find()
        .filter(assignments::Column::PatientId.eq(patient.id))
        .all(db)
        .await?;
    let primary_doctor = match assigned.iter().find(|a| a.is_primary) {
        Some(a) => {
            care_doctors::Entity::find_by_id(a.doctor_id)
                .one(db)
                .await?
        }
        None => None,
    };
    let (document_count, last_upload): (i64, Option<DateTime<Utc>>) = documents::Entity::find()
        .select_only()
        .column_as(Expr::col(documents::Column::Id).count(), "n")
        .column_as(Expr::col(documents::Column::UploadedAt).max(), "latest")
        .filter(documents::Column::PatientId.eq(patient.id))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    let last_updated_at = assigned
        .iter()
        .map(|a| a.assigned_at)
        .chain(last_upload)
        .fold(patient.updated_at, std::cmp::Ord::max);
    Ok(PatientSummary {
        doctor_count: i64::try_from(assigned.len()).unwrap_or(i64::MAX),
        primary_doctor,
        document_count,
        last_updated_at,
        patient,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on(d(1985, 6, 15), d(2024, 6, 14)), 38);
        assert_eq!(age_on(d(1985, 6, 15), d(2024, 6, 15)), 39);
        assert_eq!(age_on(d(2000, 2, 29), d(2018, 2, 28)), 17);
        assert_eq!(age_on(d(2000, 2, 29), d(2018, 3, 1)), 18);
        assert_eq!(age_on(d(2024, 1, 1), d(2024, 1, 1)), 0);
    }

    #[test]
    fn age_bounds_agree_with_ages() {
        // For every birth date around a bound, "age ≥ n" and "born on or before
        // today − n years" must agree, leap days included.
        for today in [
            d(2024, 2, 29),
            d(2023, 2, 28),
            d(2024, 3, 1),
            d(2025, 12, 31),
        ] {
            for n in [0, 1, 17, 18, 65] {
                let bound = years_before(today, n);
                let mut birth = bound - chrono::Duration::days(400);
                while birth <= bound + chrono::Duration::days(400) && birth <= today {
                    assert_eq!(
                        age_on(birth, today) >= n,
                        birth <= bound,
                        "today {today}, n {n}, born {birth}"
                    );
                    birth += chrono::Duration::days(1);
                }
            }
        }
    }

    #[test]
    fn validation_reports_every_field() {
        let input = PatientInput {
            first_name: Some(" ".into()),
            last_name: Some("x".repeat(101)),
            email: Some(Some("not-an-email".into())),
            phone: Some(Some("12".into())),
            date_of_birth: Some(Some(d(1899, 12, 31))),
            emergency_contact_phone: Some(Some("abc".into())),
            city: Some(Some("c".repeat(101))),
            ..Default::default()
        };
        let Err(AppError::BadUserInput { field_errors, .. }) =
            validate(&input, true, d(2024, 1, 1))
        else {
            panic!("expected field errors");
        };
        for field in [
            "firstName",
            "lastName",
            "email",
            "phone",
            "dateOfBirth",
            "emergencyContactPhone",
            "city",
        ] {
            assert!(field_errors.get(field).is_some(), "{field}");
        }
    }
}
