//! DataLoaders: every relation resolved in a list goes through one of these, so a page
//! of N objects costs a constant number of statements instead of N+1. Loaders are
//! created per request (their cache must not outlive the viewer's rights).

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{auth_roles, auth_users};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::{error::AppError, services};

/// Loads users by id.
pub struct UserById {
    db: DatabaseConnection,
}

impl Loader<i32> for UserById {
    type Value = auth_users::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = auth_users::Entity::find()
            .filter(auth_users::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Loads roles by id.
pub struct RoleById {
    db: DatabaseConnection,
}

impl Loader<i32> for RoleById {
    type Value = auth_roles::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::roles::find_many(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads the roles each user holds (by user id), ordered by role name: one statement
/// for a whole page of users. A user without roles has no entry.
pub struct RolesByUser {
    db: DatabaseConnection,
}

impl Loader<i32> for RolesByUser {
    type Value = Vec<auth_roles::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let pairs = services::roles::roles_of_users(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        let mut by_user: HashMap<i32, Self::Value> = HashMap::new();
        for (user_id, role) in pairs {
            by_user.entry(user_id).or_default().push(role);
        }
        Ok(by_user)
    }
}

/// Loads the live sessions of each user (by user id), most recently used first.
pub struct SessionsByUser {
    db: DatabaseConnection,
}

impl Loader<i32> for SessionsByUser {
    type Value = Vec<entity::auth_sessions::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let sessions = services::accounts::live_sessions_of(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        let mut by_user: HashMap<i32, Self::Value> = HashMap::new();
        for session in sessions {
            by_user.entry(session.user_id).or_default().push(session);
        }
        Ok(by_user)
    }
}

/// Loads the attachments of each event (by event id), oldest first.
pub struct AttachmentsByEvent {
    db: DatabaseConnection,
}

impl Loader<i32> for AttachmentsByEvent {
    type Value = Vec<entity::patient_event_attachments::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        use entity::patient_event_attachments as attachments;
        use sea_orm::QueryOrder;
        let rows = attachments::Entity::find()
            .filter(attachments::Column::EventId.is_in(keys.iter().copied()))
            .order_by_asc(attachments::Column::UploadedAt)
            .order_by_asc(attachments::Column::Id)
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut by_event: HashMap<i32, Self::Value> = HashMap::new();
        for row in rows {
            by_event.entry(row.event_id).or_default().push(row);
        }
        Ok(by_event)
    }
}

/// Loads doctors by id (fees normalised).
pub struct DoctorById {
    db: DatabaseConnection,
}

impl Loader<i32> for DoctorById {
    type Value = entity::care_doctors::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::care::doctors::find_many(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|d| (d.id, d)).collect())
    }
}

/// Loads patient records by id. Only for objects whose record the viewer already
/// sees (an assignment's `patient`); never a way around the record's visibility.
pub struct PatientRecordById {
    db: DatabaseConnection,
}

impl Loader<i32> for PatientRecordById {
    type Value = entity::care_patients::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::care::patients::find_many(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// Loads the doctor assignments of each patient record (by record id), primary first.
pub struct AssignmentsByPatient {
    db: DatabaseConnection,
}

impl Loader<i32> for AssignmentsByPatient {
    type Value = Vec<entity::care_patient_doctors::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::care::assignments::of_patients(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        let mut by_patient: HashMap<i32, Self::Value> = HashMap::new();
        for row in rows {
            by_patient.entry(row.patient_id).or_default().push(row);
        }
        Ok(by_patient)
    }
}

/// Loads the documents of each patient record (by record id), oldest first.
pub struct DocumentsByPatient {
    db: DatabaseConnection,
}

impl Loader<i32> for DocumentsByPatient {
    type Value = Vec<entity::care_patient_documents::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::care::documents::of_patients(&self.db, keys)
            .await
            .map_err(Arc::new)?;
        let mut by_patient: HashMap<i32, Self::Value> = HashMap::new();
        for row in rows {
            by_patient.entry(row.patient_id).or_default().push(row);
        }
        Ok(by_patient)
    }
}

/// The loaders of one request.
pub struct Loaders {
    /// Users by id.
    pub users: DataLoader<UserById>,
    /// Roles by id.
    pub roles: DataLoader<RoleById>,
    /// Roles held, by user id.
    pub roles_by_user: DataLoader<RolesByUser>,
    /// Live sessions, by user id.
    pub sessions_by_user: DataLoader<SessionsByUser>,
    /// Attachments, by event id.
    pub attachments_by_event: DataLoader<AttachmentsByEvent>,
    /// Doctors by id.
    pub doctors: DataLoader<DoctorById>,
    /// Patient records by id.
    pub patient_records: DataLoader<PatientRecordById>,
    /// Doctor assignments, by patient record id.
    pub assignments_by_patient: DataLoader<AssignmentsByPatient>,
    /// Patient documents, by patient record id.
    pub documents_by_patient: DataLoader<DocumentsByPatient>,
}

impl Loaders {
    /// Fresh loaders (empty caches) over `db`.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            users: DataLoader::new(UserById { db: db.clone() }, tokio::spawn),
            roles: DataLoader::new(RoleById { db: db.clone() }, tokio::spawn),
            roles_by_user: DataLoader::new(RolesByUser { db: db.clone() }, tokio::spawn),
            sessions_by_user: DataLoader::new(SessionsByUser { db: db.clone() }, tokio::spawn),
            attachments_by_event: DataLoader::new(
                AttachmentsByEvent { db: db.clone() },
                tokio::spawn,
            ),
            doctors: DataLoader::new(DoctorById { db: db.clone() }, tokio::spawn),
            patient_records: DataLoader::new(PatientRecordById { db: db.clone() }, tokio::spawn),
            assignments_by_patient: DataLoader::new(
                AssignmentsByPatient { db: db.clone() },
                tokio::spawn,
            ),
            documents_by_patient: DataLoader::new(
                DocumentsByPatient { db: db.clone() },
                tokio::spawn,
            ),
        }
    }
}

/// Turns a loader error back into a GraphQL error without losing its code.
pub fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    match Arc::try_unwrap(err) {
        Ok(e) => e.into(),
        Err(shared) => AppError::internal("data loader", anyhow::anyhow!("{shared:?}")).into(),
    }
}
