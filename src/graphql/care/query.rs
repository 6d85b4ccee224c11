//! Care queries: patient records (creator or `ADMIN`), the doctor directory (every
//! signed-in user), assignments and document statistics.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{care_doctors as doctors, care_patients as patients};

use super::types::{
    Doctor, DoctorAssignment, DoctorAssignmentFilter, DoctorFilterInput, DoctorOrder,
    DocumentStats, PatientRecord, PatientRecordFilter, PatientRecordOrder, PatientSummary,
};
use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
        pagination::{PageArgs, RelayConnection, SortValue, connection},
    },
    services::{
        care::{
            assignments as assignment_service,
            doctors::{self as doctor_service, DoctorOrderField},
            documents as document_service,
            patients::{self as patient_service, PatientOrderField, missing_birth_date},
        },
        pagination::{Ordering, Page},
    },
};

/// Who manages care records: `HOSPITAL`, `ADMIN` or `care:manage`. Which records they
/// may see and change is decided per object (creator or `ADMIN`) in the services.
pub const CARE_MANAGE: Access = Access::Allow {
    user_types: &[UserType::Hospital, UserType::Admin],
    permissions: &[Permission::CareManage],
};

/// Care queries.
#[derive(Default)]
pub struct CareQuery;

impl RootAccess for CareQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "patientRecord" | "patientRecords" | "patientSummary" | "doctorAssignments"
            | "documentStats" => CARE_MANAGE,
            "doctor" | "doctors" => Access::Authenticated,
            _ => return None,
        })
    }
}

/// Care queries.
#[Object]
impl CareQuery {
    /// One patient record: `NOT_FOUND` when it does not exist, `FORBIDDEN` when someone
    /// else created it (`ADMIN` sees every record; reading one you did not create is
    /// audited).
    async fn patient_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<PatientRecord> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let record =
            patient_service::view(ctx.state()?.db(), viewer, id, &ctx.request_context().client)
                .await?;
        Ok(record.into())
    }

    /// The patient records you may see (those you created; `ADMIN`: all), filtered and
    /// ordered (default: newest first), at most 100 a page.
    #[allow(clippy::too_many_arguments)]
    async fn patient_records(
        &self,
        ctx: &Context<'_>,
        filter: Option<PatientRecordFilter>,
        order_by: Option<PatientRecordOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RelayConnection<PatientRecord>> {
        let viewer = ctx.viewer()?;
        let db = ctx.state()?.db();
        let select = patient_service::select(
            viewer,
            &filter.unwrap_or_default().into(),
            Utc::now().date_naive(),
        )?;
        let (field, direction) = PatientRecordOrder::parts(order_by.as_ref());
        let ordering = patient_service::ordering(field, direction, db.get_database_backend());
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        // The sort value's type differs per ordering; each branch pages with its own.
        let (models, connection) = match field {
            PatientOrderField::CreatedAt => {
                let page: Page<patients::Model, DateTime<Utc>> = patient_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    |m| m.created_at,
                )
                .await?;
                finish(page, &ordering, PatientRecord::from)
            }
            PatientOrderField::LastName => {
                let page: Page<patients::Model, String> = patient_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    patient_service::last_name_key,
                )
                .await?;
                finish(page, &ordering, PatientRecord::from)
            }
            PatientOrderField::DateOfBirth => {
                let missing = missing_birth_date(direction);
                let page: Page<patients::Model, NaiveDate> = patient_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    |m| m.date_of_birth.unwrap_or(missing),
                )
                .await?;
                finish(page, &ordering, PatientRecord::from)
            }
        };
        let others = patient_service::not_created_by(viewer, &models);
        patient_service::audit_view(db, viewer, &others, &ctx.request_context().client).await?;
        Ok(connection)
    }

    /// A patient record with its doctor and document counts, its primary doctor and
    /// when anything about it last changed. Same visibility (and audit) as
    /// `patientRecord`.
    async fn patient_summary(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<PatientSummary> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let summary =
            patient_service::summary(ctx.state()?.db(), viewer, id, &ctx.request_context().client)
                .await?;
        Ok(summary.into())
    }

    /// One directory entry (`NOT_FOUND` when there is none).
    async fn doctor(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Doctor> {
        let id = parse_id("id", &id)?;
        Ok(doctor_service::find(ctx.state()?.db(), id).await?.into())
    }

    /// The doctor directory, filtered and ordered (default: by last name), at most 100
    /// a page.
    #[allow(clippy::too_many_arguments)]
    async fn doctors(
        &self,
        ctx: &Context<'_>,
        filter: Option<DoctorFilterInput>,
        order_by: Option<DoctorOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RelayConnection<Doctor>> {
        let db = ctx.state()?.db();
        let select = doctor_service::select(&filter.unwrap_or_default().into())?;
        let (field, direction) = DoctorOrder::parts(order_by.as_ref());
        let ordering = doctor_service::ordering(field, direction, db.get_database_backend());
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let list = match field {
            DoctorOrderField::LastName => {
                let page: Page<doctors::Model, String> = doctor_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    doctor_service::last_name_key,
                )
                .await?;
                connection(page, &ordering, Doctor::from)
            }
            DoctorOrderField::CreatedAt => {
                let page: Page<doctors::Model, DateTime<Utc>> = doctor_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    |m| m.created_at,
                )
                .await?;
                connection(page, &ordering, Doctor::from)
            }
            DoctorOrderField::YearsOfExperience => {
                let page: Page<doctors::Model, i32> = doctor_service::page(
                    db,
                    select,
                    &ordering,
                    args.request(ctx, &ordering)?,
                    |m| m.years_of_experience,
                )
                .await?;
                connection(page, &ordering, Doctor::from)
            }
        };
        Ok(list)
    }

    /// Doctor assignments of the patient records you may see, newest first, at most 100
    /// a page.
    async fn doctor_assignments(
        &self,
        ctx: &Context<'_>,
        filter: Option<DoctorAssignmentFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RelayConnection<DoctorAssignment>> {
        let viewer = ctx.viewer()?;
        let db = ctx.state()?.db();
        let filter = filter.unwrap_or_default().into_service()?;
        let select = assignment_service::select(viewer, &filter);
        let ordering = assignment_service::newest_first();
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let page = assignment_service::page(db, select, args.request(ctx, &ordering)?).await?;
        // Records reached through `patient` are read like a list of records: one `view`
        // row for those the viewer did not create (only an ADMIN can see such records).
        let shows_patients = ctx
            .look_ahead()
            .field("edges")
            .field("node")
            .field("patient")
            .exists();
        if viewer.is_admin() && shows_patients {
            let ids = assignment_service::patient_ids(page.items.iter().map(|(_, m)| m));
            let others = patient_service::ids_not_created_by(db, viewer, &ids).await?;
            patient_service::audit_view(db, viewer, &others, &ctx.request_context().client).await?;
        }
        Ok(connection(page, &ordering, DoctorAssignment::from))
    }

    /// Counts and total sizes of the documents of the patient records you may see,
    /// overall and per document type.
    async fn document_stats(&self, ctx: &Context<'_>) -> async_graphql::Result<DocumentStats> {
        let viewer = ctx.viewer()?;
        Ok(document_service::stats(ctx.state()?.db(), viewer)
            .await?
            .into())
    }
}

/// The connection of a page, and its models (for the `view` audit).
fn finish<M: Clone, V: SortValue, N: async_graphql::OutputType>(
    page: Page<M, V>,
    ordering: &Ordering,
    node: impl FnMut(M) -> N,
) -> (Vec<M>, RelayConnection<N>) {
    let models = page.items.iter().map(|(_, m)| m.clone()).collect();
    (models, connection(page, ordering, node))
}
