//! DataLoaders: every relation resolved in a list goes through one of these, so a page
//! of N objects costs a constant number of statements instead of N+1. Loaders are
//! created per request (their cache must not outlive the viewer's rights).

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{auth_roles, auth_users};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::{error::AppError, services};

/// Loads users by id.
pub struct UserById {
    db: DatabaseConnection,
}

impl Loader<i32> for UserById {
    /// Shared: every field that loads a user clones the value out of the cache.
    type Value = Arc<auth_users::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = auth_users::Entity::find()
            .filter(auth_users::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows.into_iter().map(|u| (u.id, Arc::new(u))).collect())
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

/// Loads the attachments of each event (by event id), oldest first, every summary
/// field read (a list that needs fewer reads them itself, `events::query`).
pub struct AttachmentsByEvent {
    db: DatabaseConnection,
}

impl Loader<i32> for AttachmentsByEvent {
    /// Shared rows: resolving a list clones the value out of the cache.
    type Value = Vec<Arc<services::attachments::AttachmentSummary>>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = services::attachments::summaries_of_events(
            crate::db::reads::Reader::orm(&self.db),
            keys,
            services::attachments::SummaryColumns::ALL,
        )
        .await
        .map_err(Arc::new)?;
        let mut by_event: HashMap<i32, Self::Value> = HashMap::new();
        for row in rows {
            by_event
                .entry(row.event_id)
                .or_default()
                .push(Arc::new(row));
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

/// A request's loader: batches by key and caches what it loaded for the rest of the
/// request (queries; mutations turn the cache off, see [`Loaders::disable_caches`]).
pub type RequestLoader<T> = DataLoader<T, HashMapCache>;

fn loader<T: Send + Sync + 'static>(inner: T) -> RequestLoader<T> {
    DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default())
}

/// Declares [`Loaders`]: one lazily created loader per field.
macro_rules! request_loaders {
    ($($(#[$doc:meta])* $name:ident: $ty:ident,)*) => {
        /// The loaders of one request. Each is created on first use: a request builds
        /// only the loaders its fields need.
        pub struct Loaders {
            db: DatabaseConnection,
            caches: bool,
            $($name: OnceLock<RequestLoader<$ty>>,)*
        }

        impl Loaders {
            /// Fresh loaders (empty caches) over `db`.
            pub fn new(db: &DatabaseConnection) -> Self {
                Self {
                    db: db.clone(),
                    caches: true,
                    $($name: OnceLock::new(),)*
                }
            }

            $(
                $(#[$doc])*
                pub fn $name(&self) -> &RequestLoader<$ty> {
                    self.$name.get_or_init(|| {
                        let loader = loader($ty { db: self.db.clone() });
                        if !self.caches {
                            loader.enable_all_cache(false);
                        }
                        loader
                    })
                }
            )*
        }
    };
}

request_loaders! {
    /// Users by id.
    users: UserById,
    /// Roles by id.
    roles: RoleById,
    /// Roles held, by user id.
    roles_by_user: RolesByUser,
    /// Live sessions, by user id.
    sessions_by_user: SessionsByUser,
    /// Attachments, by event id.
    attachments_by_event: AttachmentsByEvent,
    /// Doctors by id.
    doctors: DoctorById,
    /// Patient records by id.
    patient_records: PatientRecordById,
    /// Doctor assignments, by patient record id.
    assignments_by_patient: AssignmentsByPatient,
    /// Patient documents, by patient record id.
    documents_by_patient: DocumentsByPatient,
}

impl Loaders {
    /// Turns every cache off (call it before the first load): in a mutation, a field may
    /// change what an earlier field loaded, so each load reads the database again
    /// (batching still applies).
    pub fn disable_caches(&mut self) {
        self.caches = false;
    }
}

/// The values of `keys` that exist, loaded through `loader` at once — one statement for
/// the keys its cache does not hold (the viewer's own account, at the start of a request,
/// is not read again), no batching delay — and kept in its cache for the rest of the
/// request. A list resolver calls it for a relation its selection asks for and hands each
/// item its value, which keeps the statements per page constant and the items free of
/// loader calls.
pub async fn load_map<T>(
    loader: &RequestLoader<T>,
    keys: &[i32],
) -> async_graphql::Result<HashMap<i32, T::Value>>
where
    T: Loader<i32, Error = Arc<AppError>>,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut values = loader.get_cached_values::<i32>();
    let mut missing: Vec<i32> = keys
        .iter()
        .copied()
        .filter(|k| !values.contains_key(k))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let loaded = loader.loader().load(&missing).await.map_err(loader_error)?;
        loader
            .feed_many(loaded.iter().map(|(k, v)| (*k, v.clone())))
            .await;
        values.extend(loaded);
    }
    Ok(values)
}

/// Turns a loader error back into a GraphQL error without losing its code.
pub fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    match Arc::try_unwrap(err) {
        Ok(e) => e.into(),
        Err(shared) => AppError::internal("data loader", anyhow::anyhow!("{shared:?}")).into(),
    }
}
