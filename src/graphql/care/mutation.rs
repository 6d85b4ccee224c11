//! Care mutations: patient records and doctors (create, partial update, delete) and
//! doctor assignments. Each writes its audit row in the same transaction.

use async_graphql::{Context, ID, Object, Upload};

use super::{
    query::CARE_MANAGE,
    types::{
        AssignDoctorInput, CreateDoctorInput, CreatePatientRecordInput, Doctor, DoctorAssignment,
        DocumentType, PatientDocument, PatientRecord, UpdateDoctorInput, UpdatePatientRecordInput,
    },
};
use crate::{
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::{parse_id, to_id},
    },
    services::care::{
        assignments as assignment_service, doctors as doctor_service, patients as patient_service,
    },
};

/// Care mutations.
#[derive(Default)]
pub struct CareMutation;

impl RootAccess for CareMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            // Which records and doctors a caller may change (creator or ADMIN) is
            // decided per object by the services.
            "createPatientRecord"
            | "updatePatientRecord"
            | "deletePatientRecord"
            | "createDoctor"
            | "updateDoctor"
            | "deleteDoctor"
            | "assignDoctor"
            | "unassignDoctor"
            | "uploadPatientDocument"
            | "deletePatientDocument" => CARE_MANAGE,
            _ => return None,
        })
    }
}

/// Care mutations.
#[Object]
impl CareMutation {
    /// Creates a patient record; you become its creator (only you and `ADMIN` see it).
    async fn create_patient_record(
        &self,
        ctx: &Context<'_>,
        input: CreatePatientRecordInput,
    ) -> async_graphql::Result<PatientRecord> {
        let viewer = ctx.viewer()?;
        let record = patient_service::create(
            ctx.state()?.db(),
            viewer,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(record.into())
    }

    /// Changes a record you created (`ADMIN`: any record); omitted fields stay, `null`
    /// clears an optional one.
    async fn update_patient_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePatientRecordInput,
    ) -> async_graphql::Result<PatientRecord> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let input = input.into_service().map_err(AppError::invalid_input)?;
        let record = patient_service::update(
            ctx.state()?.db(),
            viewer,
            id,
            input,
            &ctx.request_context().client,
        )
        .await?;
        Ok(record.into())
    }

    /// Deletes a record you created (`ADMIN`: any record), with its doctor assignments
    /// and documents. Returns its id.
    async fn delete_patient_record(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let deleted =
            patient_service::delete(ctx.state()?.db(), viewer, id, &ctx.request_context().client)
                .await?;
        // The documents' rows went with the record; their files go now.
        crate::services::patient_documents::remove_objects(ctx.state()?, &deleted.document_keys)
            .await;
        Ok(to_id(deleted.id))
    }

    /// Adds a doctor to the directory; you become the entry's creator. `CONFLICT` on
    /// `licenseNumber` when the licence number is already listed.
    async fn create_doctor(
        &self,
        ctx: &Context<'_>,
        input: CreateDoctorInput,
    ) -> async_graphql::Result<Doctor> {
        let viewer = ctx.viewer()?;
        let doctor = doctor_service::create(
            ctx.state()?.db(),
            viewer,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(doctor.into())
    }

    /// Changes a directory entry you created (`ADMIN`: any entry); omitted fields stay,
    /// `null` clears an optional one.
    async fn update_doctor(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDoctorInput,
    ) -> async_graphql::Result<Doctor> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let input = input.into_service().map_err(AppError::invalid_input)?;
        let doctor = doctor_service::update(
            ctx.state()?.db(),
            viewer,
            id,
            input,
            &ctx.request_context().client,
        )
        .await?;
        Ok(doctor.into())
    }

    /// Removes a directory entry you created (`ADMIN`: any entry), with its
    /// assignments. Returns its id.
    async fn delete_doctor(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let id =
            doctor_service::delete(ctx.state()?.db(), viewer, id, &ctx.request_context().client)
                .await?;
        Ok(to_id(id))
    }

    /// Assigns a doctor to a patient record you may see. `CONFLICT` when the doctor is
    /// already assigned to it; `isPrimary: true` demotes the current primary doctor.
    async fn assign_doctor(
        &self,
        ctx: &Context<'_>,
        input: AssignDoctorInput,
    ) -> async_graphql::Result<DoctorAssignment> {
        let viewer = ctx.viewer()?;
        let input = input.into_service()?;
        let assignment = assignment_service::assign(
            ctx.state()?.db(),
            viewer,
            input,
            &ctx.request_context().client,
        )
        .await?;
        Ok(assignment.into())
    }

    /// Removes a doctor assignment from a patient record you may see. Returns its id.
    async fn unassign_doctor(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let id = parse_id("id", &id)?;
        let id = assignment_service::unassign(
            ctx.state()?.db(),
            viewer,
            id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(to_id(id))
    }

    /// Attaches a document to a patient record you manage: the same upload rules as
    /// event attachments (type from content, matching extension, `MAX_UPLOAD_BYTES`).
    async fn upload_patient_document(
        &self,
        ctx: &Context<'_>,
        patient_id: ID,
        document_type: DocumentType,
        file: Upload,
    ) -> async_graphql::Result<PatientDocument> {
        let viewer = ctx.viewer()?;
        let patient_id = parse_id("patientId", &patient_id)?;
        let value = file
            .value(ctx)
            .map_err(|e| AppError::internal("reading the upload", e))?;
        let name = value.filename.clone();
        let document = crate::services::patient_documents::upload(
            ctx.state()?,
            viewer,
            patient_id,
            document_type.into(),
            &name,
            std::io::Cursor::new(value.content),
            &ctx.request_context().client,
        )
        .await?;
        Ok(document.into())
    }

    /// Deletes a document of a record you manage, with its stored file.
    async fn delete_patient_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let document_id = parse_id("id", &id)?;
        crate::services::patient_documents::delete(
            ctx.state()?,
            viewer,
            document_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(id)
    }
}
