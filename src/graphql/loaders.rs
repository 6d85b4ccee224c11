//! DataLoaders: every relation resolved in a list goes through one of these, so a page
//! of N objects costs a constant number of statements instead of N+1. Loaders are
//! created per request (their cache must not outlive the viewer's rights).

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::auth_users;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::error::AppError;

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

/// The loaders of one request.
pub struct Loaders {
    /// Users by id.
    pub users: DataLoader<UserById>,
}

impl Loaders {
    /// Fresh loaders (empty caches) over `db`.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            users: DataLoader::new(UserById { db: db.clone() }, tokio::spawn),
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
