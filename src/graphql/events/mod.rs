//! Adverse events in the schema: the type with its field guards, queries, workflow
//! mutations and the live status subscription.

pub mod attachments;
pub mod direct;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;

pub use attachments::AttachmentMutation;
pub use mutation::EventMutation;
pub use query::EventQuery;
pub use subscription::EventSubscription;
pub use types::AdverseEvent;
