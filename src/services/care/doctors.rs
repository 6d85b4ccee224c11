//! The doctor directory: validation, create / partial update / delete (creator or
//! `ADMIN`) with their audit rows, reads and the filtered list.
//!
//! The consultation fee is money: a `Decimal` with at most two decimals, never a float
//! in this code. PostgreSQL stores it as `NUMERIC(10, 2)`; SQLite has no decimal type
//! and keeps a REAL, which SeaORM reads back through `f64` (`19.99` may come back as
//! `19.989999…`, `250.00` as `250`). Every model leaving this module has been through
//! [`normalized`], which rounds the fee to two decimals and gives it scale 2, so it reads
//! back exactly as written on both back-ends and prints as `"250.00"`.

use chrono::Utc;
use entity::{care_doctors as doctors, care_patient_doctors as assignments, enums::AuditAction};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, IntoSimpleExpr, PaginatorTrait, QueryFilter, QuerySelect, Select,
    Set,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;

use super::{
    TEXT_MAX, apply_columns, changed_columns, ensure_creator_or_admin, name_sort_expr,
    name_sort_key, optional_contact_phone, optional_email, search_words,
};
use crate::{
    auth::{request::ClientInfo, viewer::Viewer},
    domain,
    error::{AppError, AppResult, FieldErrors},
    services::{
        audit::{self, AuditEntry},
        pagination::{
            self, Direction, Ordering, Page, PageRequest, Position, contains_pattern, ilike,
        },
    },
};

/// The audit `resource_type` of doctors.
pub const RESOURCE: &str = "doctor";
/// Longest first or last name.
pub const NAME_MAX: usize = 100;
/// Longest licence number (the column's width).
pub const LICENSE_MAX: usize = 50;
/// Most years of experience accepted.
pub const EXPERIENCE_MAX: i32 = 70;

/// The largest fee `NUMERIC(10, 2)` holds.
pub fn fee_max() -> Decimal {
    // 99,999,999.99: ten digits, two of them decimals.
    Decimal::new(9_999_999_999, 2)
}

/// A fee as presented and compared: rounded to two decimals, with scale 2.
pub fn fee(value: Decimal) -> Decimal {
    let mut fee = value.round_dp(2);
    fee.rescale(2);
    fee
}

/// A stored doctor with its fee normalised (see the module docs).
pub fn normalized(mut doctor: doctors::Model) -> doctors::Model {
    doctor.consultation_fee = fee(doctor.consultation_fee);
    doctor
}

/// "Dr. First Last".
pub fn display_name(doctor: &doctors::Model) -> String {
    format!("Dr. {} {}", doctor.first_name, doctor.last_name)
}

/// Parses a consultation fee: not negative, at most two decimals, at most
/// 99,999,999.99.
pub fn parse_fee(value: Decimal) -> Result<Decimal, String> {
    if value.is_zero() {
        // `-0` parses as a negative zero; store a plain one.
        return Ok(fee(Decimal::ZERO));
    }
    if value.is_sign_negative() {
        return Err("The consultation fee cannot be negative.".to_owned());
    }
    if value.normalize().scale() > 2 {
        return Err("Ensure the consultation fee has no more than 2 decimal places.".to_owned());
    }
    if value > fee_max() {
        return Err("Ensure the consultation fee is at most 99999999.99.".to_owned());
    }
    Ok(fee(value))
}

/// Doctor fields as entered. On create the required fields must be present (the rest
/// default: 0 years, fee 0.00, available); on update `None` leaves a field unchanged and
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct DoctorInput {
    /// First name (required, ≤ 100).
    pub first_name: Option<String>,
    /// Last name (required, ≤ 100).
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<Option<String>>,
    /// Phone number (lenient rule).
    pub phone: Option<Option<String>>,
    /// Specialization (required).
    pub specialization: Option<entity::enums::Specialization>,
    /// Licence number (required, unique, ≤ 50).
    pub license_number: Option<String>,
    /// Years of experience, 0–70.
    pub years_of_experience: Option<i32>,
    /// Qualification (≤ 200).
    pub qualification: Option<Option<String>>,
    /// Biography.
    pub bio: Option<Option<String>>,
    /// Consultation fee.
    pub consultation_fee: Option<Decimal>,
    /// Accepting patients.
    pub is_available: Option<bool>,
    /// Hospital (≤ 200).
    pub hospital_name: Option<Option<String>>,
    /// City (≤ 100).
    pub city: Option<Option<String>>,
    /// State (≤ 100).
    pub state: Option<Option<String>>,
    /// Country (≤ 100).
    pub country: Option<Option<String>>,
}

struct Valid {
    active: doctors::ActiveModel,
    fields: Vec<(&'static str, doctors::Column)>,
}

fn validate(input: &DoctorInput, creating: bool) -> AppResult<Valid> {
    use doctors::Column as C;
    let mut errors = FieldErrors::new();
    let mut active = <doctors::ActiveModel as Default>::default();
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
    required_text!(
        license_number,
        "licenseNumber",
        C::LicenseNumber,
        LICENSE_MAX
    );
    optional!(email, "email", C::Email, optional_email);
    optional!(phone, "phone", C::Phone, optional_contact_phone);
    optional!(qualification, "qualification", C::Qualification, text(200));
    optional!(bio, "bio", C::Bio, text(TEXT_MAX));
    optional!(hospital_name, "hospitalName", C::HospitalName, text(200));
    optional!(city, "city", C::City, text(100));
    optional!(state, "state", C::State, text(100));
    optional!(country, "country", C::Country, text(100));
    match input.specialization {
        Some(s) => {
            active.specialization = Set(s);
            fields.push(("specialization", C::Specialization));
        }
        None if creating => errors.add("specialization", "This field is required."),
        None => {}
    }
    match input.years_of_experience {
        Some(y) if !(0..=EXPERIENCE_MAX).contains(&y) => errors.add(
            "yearsOfExperience",
            format!("Must be between 0 and {EXPERIENCE_MAX} (inclusive)."),
        ),
        Some(y) => {
            active.years_of_experience = Set(y);
            fields.push(("yearsOfExperience", C::YearsOfExperience));
        }
        None if creating => active.years_of_experience = Set(0),
        None => {}
    }
    match input.consultation_fee {
        Some(f) => {
            if let Some(f) = domain::collect(&mut errors, "consultationFee", parse_fee(f)) {
                active.consultation_fee = Set(f);
                fields.push(("consultationFee", C::ConsultationFee));
            }
        }
        None if creating => active.consultation_fee = Set(fee(Decimal::ZERO)),
        None => {}
    }
    match input.is_available {
        Some(a) => {
            active.is_available = Set(a);
            fields.push(("isAvailable", C::IsAvailable));
        }
        None if creating => active.is_available = Set(true),
        None => {}
    }
    errors.into_result()?;
    Ok(Valid { active, fields })
}

/// Checks an input's fields without touching the database.
pub fn check(input: &DoctorInput, creating: bool) -> AppResult<()> {
    validate(input, creating).map(|_| ())
}

/// Adds a doctor to the directory, created by `viewer`. A licence number already in
/// the directory is `CONFLICT` on `licenseNumber` (from the unique constraint).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: DoctorInput,
    client: &ClientInfo,
) -> AppResult<doctors::Model> {
    let Valid { mut active, .. } = validate(&input, true)?;
    let now = Utc::now();
    active.created_by = Set(Some(viewer.user_id));
    active.created_at = Set(now);
    active.updated_at = Set(now);
    let txn = crate::db::begin_write(db).await?;
    let doctor = normalized(active.insert(&txn).await?);
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Create,
            resource_type: RESOURCE,
            resource_id: Some(doctor.id.to_string()),
            details: json!({
                "displayName": display_name(&doctor),
                "licenseNumber": doctor.license_number,
                "specialization": doctor.specialization.as_str(),
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(doctor)
}

/// One doctor (`NOT_FOUND` when there is none).
pub async fn find(conn: &impl ConnectionTrait, id: i32) -> AppResult<doctors::Model> {
    doctors::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(normalized)
        .ok_or_else(|| AppError::not_found("Doctor"))
}

/// Doctors by id (DataLoader).
pub async fn find_many(conn: &impl ConnectionTrait, ids: &[i32]) -> AppResult<Vec<doctors::Model>> {
    Ok(doctors::Entity::find()
        .filter(doctors::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(normalized)
        .collect())
}

/// Loads a doctor for a change by `viewer` inside `txn`, locking its row:
/// `NOT_FOUND`, or `FORBIDDEN` unless `viewer` created it or is an `ADMIN`.
async fn for_change(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i32,
    action: &str,
) -> AppResult<doctors::Model> {
    let doctor = doctors::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .map(normalized)
        .ok_or_else(|| AppError::not_found("Doctor"))?;
    ensure_creator_or_admin(viewer, doctor.created_by, "doctor", action)?;
    Ok(doctor)
}

/// Applies a partial update (creator or `ADMIN`); only changed fields are written and
/// named in the audit row. An update that changes nothing writes nothing.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    input: DoctorInput,
    client: &ClientInfo,
) -> AppResult<doctors::Model> {
    let Valid { active, fields } = validate(&input, false)?;
    let txn = crate::db::begin_write(db).await?;
    let doctor = for_change(&txn, viewer, id, "update").await?;
    let changed = changed_columns(&active, &fields, &doctor);
    if changed.is_empty() {
        return Ok(doctor);
    }
    let mut updated = apply_columns(doctor.clone().into_active_model(), &active, &changed);
    updated.updated_at = Set(Utc::now());
    let updated = normalized(updated.update(&txn).await?);
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Update,
            resource_type: RESOURCE,
            resource_id: Some(doctor.id.to_string()),
            details: json!({ "changed": changed.iter().map(|(n, _)| *n).collect::<Vec<_>>() }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a doctor (creator or `ADMIN`); its assignments go with it (foreign-key
/// cascade). Returns the id.
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i32,
    client: &ClientInfo,
) -> AppResult<i32> {
    let txn = crate::db::begin_write(db).await?;
    let doctor = for_change(&txn, viewer, id, "delete").await?;
    let assignments_removed = assignments::Entity::find()
        .filter(assignments::Column::DoctorId.eq(doctor.id))
        .count(&txn)
        .await?;
    let deleted = doctors::Entity::delete_by_id(doctor.id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Doctor"));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(viewer.user_id),
            action: AuditAction::Delete,
            resource_type: RESOURCE,
            resource_id: Some(doctor.id.to_string()),
            details: json!({
                "displayName": display_name(&doctor),
                "licenseNumber": doctor.license_number,
                "assignmentsRemoved": assignments_removed,
            }),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(doctor.id)
}

/// Which doctors to list. Empty lists and `None` leave a criterion out.
#[derive(Debug, Clone, Default)]
pub struct DoctorFilter {
    /// Every word must occur in the first name, last name or hospital name
    /// (case-insensitive); a leading "Dr" / "Dr." is ignored.
    pub search: Option<String>,
    /// Any of these specializations.
    pub specialization: Vec<entity::enums::Specialization>,
    /// Available (or not).
    pub is_available: Option<bool>,
    /// City (trimmed, case-insensitive equality).
    pub city: Option<String>,
}

/// The filtered directory query.
pub fn select(filter: &DoctorFilter) -> AppResult<Select<doctors::Entity>> {
    let mut errors = FieldErrors::new();
    let words = search_words(&mut errors, filter.search.as_deref());
    errors.into_result()?;

    let mut select = doctors::Entity::find();
    if !filter.specialization.is_empty() {
        select = select
            .filter(doctors::Column::Specialization.is_in(filter.specialization.iter().copied()));
    }
    if let Some(available) = filter.is_available {
        select = select.filter(doctors::Column::IsAvailable.eq(available));
    }
    if let Some(city) = filter
        .city
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        // Both sides through the database's `lower`, so they fold alike; served by the
        // `lower(city)` expression index.
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(doctors::Column::City)))
                .eq(Func::lower(Expr::val(city.to_owned()))),
        );
    }
    let titles = ["dr", "dr."];
    for (i, word) in words.iter().enumerate() {
        if i == 0 && words.len() > 1 && titles.contains(&word.to_lowercase().as_str()) {
            continue;
        }
        let pattern = contains_pattern(word);
        let mut any = Condition::any();
        for column in [
            doctors::Column::FirstName,
            doctors::Column::LastName,
            doctors::Column::HospitalName,
        ] {
            any = any.add(ilike(column.into_simple_expr(), pattern.clone()));
        }
        select = select.filter(any);
    }
    Ok(select)
}

/// The orderings the directory offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoctorOrderField {
    /// Last name, case-insensitively (default, A–Z).
    LastName,
    /// When the entry was created.
    CreatedAt,
    /// Years of experience.
    YearsOfExperience,
}

/// The ordering for `field` and `direction` on `backend`. Its name binds cursors to it.
pub fn ordering(field: DoctorOrderField, direction: Direction, backend: DbBackend) -> Ordering {
    let asc = direction == Direction::Asc;
    let (name, sort) = match field {
        DoctorOrderField::LastName => (
            if asc {
                "doctors.lastName.asc"
            } else {
                "doctors.lastName.desc"
            },
            name_sort_expr(backend, "last_name"),
        ),
        DoctorOrderField::CreatedAt => (
            if asc {
                "doctors.createdAt.asc"
            } else {
                "doctors.createdAt.desc"
            },
            doctors::Column::CreatedAt.into_simple_expr(),
        ),
        DoctorOrderField::YearsOfExperience => (
            if asc {
                "doctors.experience.asc"
            } else {
                "doctors.experience.desc"
            },
            doctors::Column::YearsOfExperience.into_simple_expr(),
        ),
    };
    Ordering {
        name,
        sort,
        id: doctors::Column::Id.into_simple_expr(),
        direction,
    }
}

/// The sort value of a doctor under [`DoctorOrderField::LastName`].
pub fn last_name_key(doctor: &doctors::Model) -> String {
    name_sort_key(&doctor.last_name)
}

/// One page (fees normalised), in an ordering whose sort value has type `V`.
pub async fn page<V>(
    conn: &impl ConnectionTrait,
    select: Select<doctors::Entity>,
    ordering: &Ordering,
    request: PageRequest<V>,
    sort_value: impl Fn(&doctors::Model) -> V,
) -> AppResult<Page<doctors::Model, V>>
where
    V: Into<sea_orm::Value> + Clone,
{
    let page = pagination::fetch(conn, select, ordering, request, |m| Position {
        sort: sort_value(m),
        id: m.id,
    })
    .await?;
    Ok(page.map(normalized))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn fees_have_two_decimals_and_bounds() {
        assert_eq!(parse_fee(dec("250")).unwrap().to_string(), "250.00");
        assert_eq!(parse_fee(dec("0.1")).unwrap().to_string(), "0.10");
        assert_eq!(parse_fee(dec("19.990")).unwrap().to_string(), "19.99");
        assert_eq!(parse_fee(dec("0")).unwrap().to_string(), "0.00");
        assert_eq!(parse_fee(dec("-0")).unwrap().to_string(), "0.00");
        assert_eq!(
            parse_fee(dec("99999999.99")).unwrap().to_string(),
            "99999999.99"
        );
        assert!(parse_fee(dec("-0.01")).is_err());
        assert!(parse_fee(dec("1.005")).is_err());
        assert!(parse_fee(dec("100000000")).is_err());
    }

    #[test]
    fn fees_read_back_through_f64_are_exact_after_normalising() {
        for s in ["0.10", "19.99", "1250.50", "250.00", "99999999.99", "0.07"] {
            let stored: f64 = s.parse().unwrap();
            let read = Decimal::try_from(stored).unwrap();
            assert_eq!(fee(read).to_string(), s);
        }
    }

    #[test]
    fn validation_reports_every_field_and_defaults_the_rest() {
        let input = DoctorInput {
            first_name: Some("".into()),
            years_of_experience: Some(71),
            consultation_fee: Some(dec("-1")),
            email: Some(Some("x@".into())),
            ..Default::default()
        };
        let Err(AppError::BadUserInput { field_errors, .. }) = validate(&input, true) else {
            panic!("expected field errors");
        };
        for field in [
            "firstName",
            "lastName",
            "licenseNumber",
            "specialization",
            "yearsOfExperience",
            "consultationFee",
            "email",
        ] {
            assert!(field_errors.get(field).is_some(), "{field}");
        }
    }
}
