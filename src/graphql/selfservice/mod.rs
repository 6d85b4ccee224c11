//! Patient self-service (SPEC §9): the viewer's own settings (`mySettings`,
//! `updateMySettings`) and the public help/FAQ (`helpTopics`), editable by `help:manage`.

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::SelfServiceMutation;
pub use query::SelfServiceQuery;
pub use types::{HelpTopic, NotificationPreference, Settings};
