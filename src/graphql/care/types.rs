//! Care types, inputs, filters and orderings (SPEC §8).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    care_doctors as doctors, care_patient_doctors as assignments,
    care_patient_documents as documents, care_patients as patients,
};
use rust_decimal::Decimal;

use crate::{
    error::{AppError, FieldErrors},
    graphql::{
        context::ContextExt,
        events::types::{FileType, SortDirection},
        ids::{collect_id, to_id},
        loaders::loader_error,
        scalars::{Date, Long},
        users::User,
    },
    services::{
        care::{
            assignments::{AssignmentFilter, NewAssignment},
            doctors::{self as doctor_service, DoctorFilter, DoctorInput, DoctorOrderField},
            documents::{DocumentStats as Stats, TypeStats},
            patients::{self as patient_service, PatientFilter, PatientInput, PatientOrderField},
        },
        pagination::Direction,
    },
};

/// Gender of a patient record.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Gender")]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Other.
    Other,
    /// Prefers not to say.
    Undisclosed,
}

/// ABO/Rh blood group (stored as `A+` … `O-`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BloodGroup")]
pub enum BloodGroup {
    /// A+
    APositive,
    /// A-
    ANegative,
    /// B+
    BPositive,
    /// B-
    BNegative,
    /// AB+
    AbPositive,
    /// AB-
    AbNegative,
    /// O+
    OPositive,
    /// O-
    ONegative,
}

/// Medical specialization of a doctor (the 22 choices of seed 001).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Specialization")]
pub enum Specialization {
    /// General practice.
    General,
    /// Cardiology.
    Cardiology,
    /// Dermatology.
    Dermatology,
    /// Endocrinology.
    Endocrinology,
    /// Gastroenterology.
    Gastroenterology,
    /// Hematology.
    Hematology,
    /// Infectious disease.
    InfectiousDisease,
    /// Internal medicine.
    InternalMedicine,
    /// Nephrology.
    Nephrology,
    /// Neurology.
    Neurology,
    /// Obstetrics and gynecology.
    ObstetricsGynecology,
    /// Oncology.
    Oncology,
    /// Ophthalmology.
    Ophthalmology,
    /// Orthopedics.
    Orthopedics,
    /// Pediatrics.
    Pediatrics,
    /// Psychiatry.
    Psychiatry,
    /// Pulmonology.
    Pulmonology,
    /// Radiology.
    Radiology,
    /// Rheumatology.
    Rheumatology,
    /// Surgery.
    Surgery,
    /// Urology.
    Urology,
    /// Anything else.
    Other,
}

/// Kind of a patient document.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::DocumentType")]
pub enum DocumentType {
    /// A medical report.
    MedicalReport,
    /// A lab result.
    LabResult,
    /// A prescription.
    Prescription,
    /// X-ray, scan or other imaging.
    Imaging,
    /// A discharge summary.
    DischargeSummary,
    /// Insurance paperwork.
    Insurance,
    /// A signed consent form.
    ConsentForm,
    /// Anything else.
    Other,
}

/// A patient record kept by care staff (not an account).
pub struct PatientRecord(pub patients::Model);

impl From<patients::Model> for PatientRecord {
    fn from(model: patients::Model) -> Self {
        Self(model)
    }
}

/// A patient record kept by care staff: visible to the user who created it and to
/// `ADMIN`.
#[Object]
impl PatientRecord {
    /// Record id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// "First Last".
    async fn full_name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
    }
    /// Email address (lowercased).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number, as entered.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Date of birth.
    async fn date_of_birth(&self) -> Option<Date> {
        self.0.date_of_birth.map(Date)
    }
    /// Age in whole years today (UTC), from the date of birth.
    async fn age(&self) -> Option<i32> {
        self.0
            .date_of_birth
            .map(|d| patient_service::age_on(d, Utc::now().date_naive()))
    }
    /// Gender.
    async fn gender(&self) -> Option<Gender> {
        self.0.gender.map(Into::into)
    }
    /// Blood group.
    async fn blood_group(&self) -> Option<BloodGroup> {
        self.0.blood_group.map(Into::into)
    }
    /// Known allergies.
    async fn allergies(&self) -> Option<&str> {
        self.0.allergies.as_deref()
    }
    /// Medical history.
    async fn medical_history(&self) -> Option<&str> {
        self.0.medical_history.as_deref()
    }
    /// Current medications.
    async fn current_medications(&self) -> Option<&str> {
        self.0.current_medications.as_deref()
    }
    /// Emergency contact's name.
    async fn emergency_contact_name(&self) -> Option<&str> {
        self.0.emergency_contact_name.as_deref()
    }
    /// Emergency contact's phone number.
    async fn emergency_contact_phone(&self) -> Option<&str> {
        self.0.emergency_contact_phone.as_deref()
    }
    /// Postal address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// City.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// State.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    /// Country.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Who created the record (`null` once that account is deleted).
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        User::load(ctx, self.0.created_by).await
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The doctors assigned, primary first, then oldest assignment first.
    async fn doctors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DoctorAssignment>> {
        let list = ctx
            .loaders()?
            .assignments_by_patient()
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(list.into_iter().map(DoctorAssignment).collect())
    }
    /// Documents attached to the record, oldest first.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PatientDocument>> {
        let list = ctx
            .loaders()?
            .documents_by_patient()
            .load_one(self.0.id)
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        Ok(list.into_iter().map(PatientDocument).collect())
    }
}

/// An entry of the doctor directory.
pub struct Doctor(pub doctors::Model);

impl From<doctors::Model> for Doctor {
    fn from(model: doctors::Model) -> Self {
        Self(model)
    }
}

/// An entry of the doctor directory, readable by every signed-in user.
#[Object]
impl Doctor {
    /// Doctor id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// "Dr. First Last".
    async fn display_name(&self) -> String {
        doctor_service::display_name(&self.0)
    }
    /// Email address (lowercased).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number, as entered.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Specialization.
    async fn specialization(&self) -> Specialization {
        self.0.specialization.into()
    }
    /// Medical licence number (unique).
    async fn license_number(&self) -> &str {
        &self.0.license_number
    }
    /// Years of experience (0–70).
    async fn years_of_experience(&self) -> i32 {
        self.0.years_of_experience
    }
    /// Qualification.
    async fn qualification(&self) -> Option<&str> {
        self.0.qualification.as_deref()
    }
    /// Biography.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// Consultation fee, with two decimals (`"250.00"`).
    async fn consultation_fee(&self) -> Decimal {
        doctor_service::fee(self.0.consultation_fee)
    }
    /// Accepting patients.
    async fn is_available(&self) -> bool {
        self.0.is_available
    }
    /// Hospital.
    async fn hospital_name(&self) -> Option<&str> {
        self.0.hospital_name.as_deref()
    }
    /// City.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// State.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    /// Country.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Who added the entry (they, and `ADMIN`, may change or remove it).
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        User::load(ctx, self.0.created_by).await
    }
    /// When the entry was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the entry last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A doctor assigned to a patient record.
pub struct DoctorAssignment(pub assignments::Model);

impl From<assignments::Model> for DoctorAssignment {
    fn from(model: assignments::Model) -> Self {
        Self(model)
    }
}

/// A doctor assigned to a patient record; visible to whoever sees the record.
#[Object]
impl DoctorAssignment {
    /// Assignment id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// The patient record.
    async fn patient(&self, ctx: &Context<'_>) -> async_graphql::Result<PatientRecord> {
        let patient = ctx
            .loaders()?
            .patient_records()
            .load_one(self.0.patient_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("Patient record"))?;
        Ok(patient.into())
    }
    /// The doctor.
    async fn doctor(&self, ctx: &Context<'_>) -> async_graphql::Result<Doctor> {
        let doctor = ctx
            .loaders()?
            .doctors()
            .load_one(self.0.doctor_id)
            .await
            .map_err(loader_error)?
            .ok_or_else(|| AppError::not_found("Doctor"))?;
        Ok(doctor.into())
    }
    /// The patient's primary doctor (at most one per patient).
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
    /// Notes (e.g. why the doctor was assigned).
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Who made the assignment (`null` once that account is deleted).
    async fn assigned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        User::load(ctx, self.0.assigned_by).await
    }
    /// When the doctor was assigned.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
}

/// A file attached to a patient record.
pub struct PatientDocument(pub documents::Model);

impl From<documents::Model> for PatientDocument {
    fn from(model: documents::Model) -> Self {
        Self(model)
    }
}

/// A file attached to a patient record; visible to whoever sees the record.
#[Object]
impl PatientDocument {
    /// Document id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// What kind of document it is.
    async fn document_type(&self) -> DocumentType {
        self.0.document_type.into()
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
    /// `DOWNLOAD_URL_TTL_SECONDS` (5 minutes), for this document only.
    async fn download_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(crate::services::attachments::download_url(
            ctx.state()?,
            crate::storage::tokens::FileKind::Document,
            self.0.id,
            Utc::now(),
        ))
    }
}

/// A patient record at a glance.
#[derive(SimpleObject)]
pub struct PatientSummary {
    /// The record.
    pub patient: PatientRecord,
    /// Doctors assigned.
    pub doctor_count: i32,
    /// The primary doctor, if one is set.
    pub primary_doctor: Option<Doctor>,
    /// Documents attached.
    pub document_count: i32,
    /// The latest of the record's own update, its newest assignment and its newest
    /// document.
    pub last_updated_at: DateTime<Utc>,
}

impl From<patient_service::PatientSummary> for PatientSummary {
    fn from(s: patient_service::PatientSummary) -> Self {
        Self {
            patient: s.patient.into(),
            doctor_count: clamp(s.doctor_count),
            primary_doctor: s.primary_doctor.map(Into::into),
            document_count: clamp(s.document_count),
            last_updated_at: s.last_updated_at,
        }
    }
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Documents of one type.
#[derive(SimpleObject)]
pub struct DocumentTypeStats {
    /// The type.
    pub document_type: DocumentType,
    /// How many.
    pub count: i32,
    /// Their total size in bytes.
    pub total_bytes: Long,
}

/// Counts and sizes of the documents of the patient records you may see.
#[derive(SimpleObject)]
pub struct DocumentStats {
    /// Documents in scope.
    pub total: i32,
    /// Their total size in bytes.
    pub total_bytes: Long,
    /// Per type, most documents first.
    pub by_type: Vec<DocumentTypeStats>,
}

impl From<Stats> for DocumentStats {
    fn from(s: Stats) -> Self {
        Self {
            total: clamp(s.total),
            total_bytes: Long(s.total_bytes),
            by_type: s
                .by_type
                .into_iter()
                .map(|t: TypeStats| DocumentTypeStats {
                    document_type: t.document_type.into(),
                    count: clamp(t.count),
                    total_bytes: Long(t.total_bytes),
                })
                .collect(),
        }
    }
}

fn opt<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// A required field of a partial update: absent leaves it, `null` is an error.
fn required<T>(errors: &mut FieldErrors, name: &str, v: MaybeUndefined<T>) -> Option<T> {
    match v {
        MaybeUndefined::Null => {
            errors.add(name, "This field is required and cannot be cleared.");
            None
        }
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Value(v) => Some(v),
    }
}

/// A new patient record.
#[derive(InputObject)]
pub struct CreatePatientRecordInput {
    /// First name (≤ 100).
    pub first_name: String,
    /// Last name (≤ 100).
    pub last_name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number: 7–20 characters of digits, spaces, `-`, parentheses and a leading
    /// `+`, with at least 7 digits (`555-1234`).
    pub phone: Option<String>,
    /// Date of birth (not in the future, not before 1900-01-01).
    pub date_of_birth: Option<Date>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Blood group.
    pub blood_group: Option<BloodGroup>,
    /// Known allergies (≤ 10000).
    pub allergies: Option<String>,
    /// Medical history (≤ 10000).
    pub medical_history: Option<String>,
    /// Current medications (≤ 10000).
    pub current_medications: Option<String>,
    /// Emergency contact's name (≤ 200; required with a contact phone).
    pub emergency_contact_name: Option<String>,
    /// Emergency contact's phone (same rule as `phone`).
    pub emergency_contact_phone: Option<String>,
    /// Postal address (≤ 500).
    pub address: Option<String>,
    /// City (≤ 100).
    pub city: Option<String>,
    /// State (≤ 100).
    pub state: Option<String>,
    /// Country (≤ 100).
    pub country: Option<String>,
}

impl From<CreatePatientRecordInput> for PatientInput {
    fn from(i: CreatePatientRecordInput) -> Self {
        Self {
            first_name: Some(i.first_name),
            last_name: Some(i.last_name),
            email: Some(i.email),
            phone: Some(i.phone),
            date_of_birth: Some(i.date_of_birth.map(|d| d.0)),
            gender: Some(i.gender.map(Into::into)),
            blood_group: Some(i.blood_group.map(Into::into)),
            allergies: Some(i.allergies),
            medical_history: Some(i.medical_history),
            current_medications: Some(i.current_medications),
            emergency_contact_name: Some(i.emergency_contact_name),
            emergency_contact_phone: Some(i.emergency_contact_phone),
            address: Some(i.address),
            city: Some(i.city),
            state: Some(i.state),
            country: Some(i.country),
        }
    }
}

/// A partial update: omitted fields stay; `null` clears an optional field (the names
/// cannot be cleared).
#[derive(InputObject, Default)]
pub struct UpdatePatientRecordInput {
    /// First name.
    pub first_name: MaybeUndefined<String>,
    /// Last name.
    pub last_name: MaybeUndefined<String>,
    /// Email address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Date of birth.
    pub date_of_birth: MaybeUndefined<Date>,
    /// Gender.
    pub gender: MaybeUndefined<Gender>,
    /// Blood group.
    pub blood_group: MaybeUndefined<BloodGroup>,
    /// Known allergies.
    pub allergies: MaybeUndefined<String>,
    /// Medical history.
    pub medical_history: MaybeUndefined<String>,
    /// Current medications.
    pub current_medications: MaybeUndefined<String>,
    /// Emergency contact's name.
    pub emergency_contact_name: MaybeUndefined<String>,
    /// Emergency contact's phone.
    pub emergency_contact_phone: MaybeUndefined<String>,
    /// Postal address.
    pub address: MaybeUndefined<String>,
    /// City.
    pub city: MaybeUndefined<String>,
    /// State.
    pub state: MaybeUndefined<String>,
    /// Country.
    pub country: MaybeUndefined<String>,
}

impl UpdatePatientRecordInput {
    /// Converts to the service input; `null` on a name is an error. Every problem is
    /// reported at once, together with the service's own checks.
    pub fn into_service(self) -> Result<PatientInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let input = PatientInput {
            first_name: required(&mut errors, "firstName", self.first_name),
            last_name: required(&mut errors, "lastName", self.last_name),
            email: opt(self.email),
            phone: opt(self.phone),
            date_of_birth: opt(self.date_of_birth).map(|d| d.map(|d| d.0)),
            gender: opt(self.gender).map(|g| g.map(Into::into)),
            blood_group: opt(self.blood_group).map(|b| b.map(Into::into)),
            allergies: opt(self.allergies),
            medical_history: opt(self.medical_history),
            current_medications: opt(self.current_medications),
            emergency_contact_name: opt(self.emergency_contact_name),
            emergency_contact_phone: opt(self.emergency_contact_phone),
            address: opt(self.address),
            city: opt(self.city),
            state: opt(self.state),
            country: opt(self.country),
        };
        if errors.is_empty() {
            return Ok(input);
        }
        if let Err(AppError::BadUserInput { field_errors, .. }) =
            patient_service::check(&input, false)
        {
            errors.merge(field_errors);
        }
        Err(errors)
    }
}

/// Which patient records to list.
#[derive(InputObject, Default)]
pub struct PatientRecordFilter {
    /// Free text: every word must occur in the first name, last name or email
    /// (case-insensitive).
    pub search: Option<String>,
    /// Any of these genders.
    pub gender: Option<Vec<Gender>>,
    /// Aged at least this many whole years (0–150); records without a date of birth are
    /// left out when an age bound is given.
    pub age_min: Option<i32>,
    /// Aged at most this many whole years (0–150).
    pub age_max: Option<i32>,
}

impl From<PatientRecordFilter> for PatientFilter {
    fn from(f: PatientRecordFilter) -> Self {
        Self {
            search: f.search,
            gender: f
                .gender
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            age_min: f.age_min,
            age_max: f.age_max,
        }
    }
}

/// What to order patient records by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientRecordOrderField {
    /// When the record was created (default direction `DESC`).
    CreatedAt,
    /// Last name, case-insensitively (default direction `ASC`).
    LastName,
    /// Date of birth (default direction `ASC`); records without one come last.
    DateOfBirth,
}

/// Order of a patient record list (default: newest first).
#[derive(InputObject)]
pub struct PatientRecordOrder {
    /// The key.
    pub field: PatientRecordOrderField,
    /// The direction (default: `DESC` for `CREATED_AT`, `ASC` otherwise).
    pub direction: Option<SortDirection>,
}

fn direction(given: Option<SortDirection>, default: Direction) -> Direction {
    match given {
        Some(SortDirection::Asc) => Direction::Asc,
        Some(SortDirection::Desc) => Direction::Desc,
        None => default,
    }
}

impl PatientRecordOrder {
    /// The service's field and direction.
    pub fn parts(order: Option<&Self>) -> (PatientOrderField, Direction) {
        match order {
            None => (PatientOrderField::CreatedAt, Direction::Desc),
            Some(o) => match o.field {
                PatientRecordOrderField::CreatedAt => (
                    PatientOrderField::CreatedAt,
                    direction(o.direction, Direction::Desc),
                ),
                PatientRecordOrderField::LastName => (
                    PatientOrderField::LastName,
                    direction(o.direction, Direction::Asc),
                ),
                PatientRecordOrderField::DateOfBirth => (
                    PatientOrderField::DateOfBirth,
                    direction(o.direction, Direction::Asc),
                ),
            },
        }
    }
}

/// A new directory entry.
#[derive(InputObject)]
pub struct CreateDoctorInput {
    /// First name (≤ 100).
    pub first_name: String,
    /// Last name (≤ 100).
    pub last_name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number (same rule as a patient record's).
    pub phone: Option<String>,
    /// Specialization.
    pub specialization: Specialization,
    /// Medical licence number (≤ 50), unique in the directory.
    pub license_number: String,
    /// Years of experience, 0–70 (default 0).
    pub years_of_experience: Option<i32>,
    /// Qualification (≤ 200).
    pub qualification: Option<String>,
    /// Biography (≤ 10000).
    pub bio: Option<String>,
    /// Consultation fee: not negative, at most 2 decimals, at most 99999999.99
    /// (default 0.00). Send it as a string (`"250.00"`).
    pub consultation_fee: Option<Decimal>,
    /// Accepting patients (default true).
    pub is_available: Option<bool>,
    /// Hospital (≤ 200).
    pub hospital_name: Option<String>,
    /// City (≤ 100).
    pub city: Option<String>,
    /// State (≤ 100).
    pub state: Option<String>,
    /// Country (≤ 100).
    pub country: Option<String>,
}

impl From<CreateDoctorInput> for DoctorInput {
    fn from(i: CreateDoctorInput) -> Self {
        Self {
            first_name: Some(i.first_name),
            last_name: Some(i.last_name),
            email: Some(i.email),
            phone: Some(i.phone),
            specialization: Some(i.specialization.into()),
            license_number: Some(i.license_number),
            years_of_experience: i.years_of_experience,
            qualification: Some(i.qualification),
            bio: Some(i.bio),
            consultation_fee: i.consultation_fee,
            is_available: i.is_available,
            hospital_name: Some(i.hospital_name),
            city: Some(i.city),
            state: Some(i.state),
            country: Some(i.country),
        }
    }
}

/// A partial update of a directory entry: omitted fields stay; `null` clears an
/// optional field (names, specialization, licence number, experience, fee and
/// availability cannot be cleared).
#[derive(InputObject, Default)]
pub struct UpdateDoctorInput {
    /// First name.
    pub first_name: MaybeUndefined<String>,
    /// Last name.
    pub last_name: MaybeUndefined<String>,
    /// Email address.
    pub email: MaybeUndefined<String>,
    /// Phone number.
    pub phone: MaybeUndefined<String>,
    /// Specialization.
    pub specialization: MaybeUndefined<Specialization>,
    /// Licence number.
    pub license_number: MaybeUndefined<String>,
    /// Years of experience.
    pub years_of_experience: MaybeUndefined<i32>,
    /// Qualification.
    pub qualification: MaybeUndefined<String>,
    /// Biography.
    pub bio: MaybeUndefined<String>,
    /// Consultation fee.
    pub consultation_fee: MaybeUndefined<Decimal>,
    /// Accepting patients.
    pub is_available: MaybeUndefined<bool>,
    /// Hospital.
    pub hospital_name: MaybeUndefined<String>,
    /// City.
    pub city: MaybeUndefined<String>,
    /// State.
    pub state: MaybeUndefined<String>,
    /// Country.
    pub country: MaybeUndefined<String>,
}

impl UpdateDoctorInput {
    /// Converts to the service input; `null` on a required field is an error. Every
    /// problem is reported at once, together with the service's own checks.
    pub fn into_service(self) -> Result<DoctorInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let input = DoctorInput {
            first_name: required(&mut errors, "firstName", self.first_name),
            last_name: required(&mut errors, "lastName", self.last_name),
            email: opt(self.email),
            phone: opt(self.phone),
            specialization: required(&mut errors, "specialization", self.specialization)
                .map(Into::into),
            license_number: required(&mut errors, "licenseNumber", self.license_number),
            years_of_experience: required(
                &mut errors,
                "yearsOfExperience",
                self.years_of_experience,
            ),
            qualification: opt(self.qualification),
            bio: opt(self.bio),
            consultation_fee: required(&mut errors, "consultationFee", self.consultation_fee),
            is_available: required(&mut errors, "isAvailable", self.is_available),
            hospital_name: opt(self.hospital_name),
            city: opt(self.city),
            state: opt(self.state),
            country: opt(self.country),
        };
        if errors.is_empty() {
            return Ok(input);
        }
        if let Err(AppError::BadUserInput { field_errors, .. }) =
            doctor_service::check(&input, false)
        {
            errors.merge(field_errors);
        }
        Err(errors)
    }
}

/// Which doctors to list.
#[derive(InputObject, Default)]
#[graphql(name = "DoctorFilter")]
pub struct DoctorFilterInput {
    /// Free text: every word must occur in the first name, last name or hospital name
    /// (case-insensitive); a leading "Dr." is ignored.
    pub search: Option<String>,
    /// Any of these specializations.
    pub specialization: Option<Vec<Specialization>>,
    /// Available (or not).
    pub is_available: Option<bool>,
    /// City (case-insensitive).
    pub city: Option<String>,
}

impl From<DoctorFilterInput> for DoctorFilter {
    fn from(f: DoctorFilterInput) -> Self {
        Self {
            search: f.search,
            specialization: f
                .specialization
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            is_available: f.is_available,
            city: f.city,
        }
    }
}

/// What to order doctors by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DoctorOrderField")]
pub enum DoctorOrderFieldInput {
    /// Last name, case-insensitively (default direction `ASC`).
    LastName,
    /// When the entry was created (default direction `DESC`).
    CreatedAt,
    /// Years of experience (default direction `DESC`).
    YearsOfExperience,
}

/// Order of the directory (default: by last name, A–Z).
#[derive(InputObject)]
pub struct DoctorOrder {
    /// The key.
    pub field: DoctorOrderFieldInput,
    /// The direction (default: `ASC` for `LAST_NAME`, `DESC` otherwise).
    pub direction: Option<SortDirection>,
}

impl DoctorOrder {
    /// The service's field and direction.
    pub fn parts(order: Option<&Self>) -> (DoctorOrderField, Direction) {
        match order {
            None => (DoctorOrderField::LastName, Direction::Asc),
            Some(o) => match o.field {
                DoctorOrderFieldInput::LastName => (
                    DoctorOrderField::LastName,
                    direction(o.direction, Direction::Asc),
                ),
                DoctorOrderFieldInput::CreatedAt => (
                    DoctorOrderField::CreatedAt,
                    direction(o.direction, Direction::Desc),
                ),
                DoctorOrderFieldInput::YearsOfExperience => (
                    DoctorOrderField::YearsOfExperience,
                    direction(o.direction, Direction::Desc),
                ),
            },
        }
    }
}

/// A doctor to assign to a patient record.
#[derive(InputObject)]
pub struct AssignDoctorInput {
    /// The patient record (one you may see).
    pub patient_id: ID,
    /// The doctor.
    pub doctor_id: ID,
    /// Make this the patient's primary doctor; the current primary, if any, is demoted.
    #[graphql(default)]
    pub is_primary: bool,
    /// Notes (≤ 2000).
    pub notes: Option<String>,
}

impl AssignDoctorInput {
    /// The service input; malformed ids are reported together.
    pub fn into_service(self) -> Result<NewAssignment, AppError> {
        let mut errors = FieldErrors::new();
        let patient_id = collect_id(&mut errors, "patientId", &self.patient_id);
        let doctor_id = collect_id(&mut errors, "doctorId", &self.doctor_id);
        match (patient_id, doctor_id) {
            (Some(patient_id), Some(doctor_id)) => Ok(NewAssignment {
                patient_id,
                doctor_id,
                is_primary: self.is_primary,
                notes: self.notes,
            }),
            _ => Err(AppError::invalid_input(errors)),
        }
    }
}

/// Which assignments to list (always within the patient records you may see).
#[derive(InputObject, Default)]
pub struct DoctorAssignmentFilter {
    /// Of this patient record.
    pub patient_id: Option<ID>,
    /// Of this doctor.
    pub doctor_id: Option<ID>,
    /// Primary (or not).
    pub is_primary: Option<bool>,
}

impl DoctorAssignmentFilter {
    /// The service filter; malformed ids are reported together.
    pub fn into_service(self) -> Result<AssignmentFilter, AppError> {
        let mut errors = FieldErrors::new();
        let patient_id = self
            .patient_id
            .as_ref()
            .and_then(|id| collect_id(&mut errors, "patientId", id));
        let doctor_id = self
            .doctor_id
            .as_ref()
            .and_then(|id| collect_id(&mut errors, "doctorId", id));
        errors.into_result()?;
        Ok(AssignmentFilter {
            patient_id,
            doctor_id,
            is_primary: self.is_primary,
        })
    }
}
