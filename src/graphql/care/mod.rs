//! Care records in the schema (SPEC §8): `PatientRecord`, `Doctor`,
//! `DoctorAssignment` and `PatientDocument` (read side), their queries and mutations.

pub mod mutation;
pub mod query;
pub mod types;

pub use mutation::CareMutation;
pub use query::CareQuery;
pub use types::{Doctor, DoctorAssignment, PatientDocument, PatientRecord};
