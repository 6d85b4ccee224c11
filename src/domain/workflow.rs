//! The adverse-event review workflow as one explicit state machine (SPEC §7).
//!
//! ```text
//!   DRAFT ──submit (owner)──▶ SUBMITTED ──startReview (reviewer)──▶ UNDER_REVIEW
//!                                                                   │        │
//!                                              approve (reviewer) ◀─┘        └─▶ reject (reviewer)
//!                                                   APPROVED                      REJECTED
//! ```
//!
//! Each [`Transition`] names who may make it and from which states. The service
//! applies it as a conditional update (`WHERE status IN from_states`), so two actors
//! racing for the same event cannot both win; an illegal transition is
//! `INVALID_STATE` carrying the current status.
//!
//! Edits follow the same table: the owner may update an event in `DRAFT` or `SUBMITTED`
//! (not yet picked up) and delete it only in `DRAFT`.

use entity::enums::EventStatus;

/// Who may perform a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The patient who reported the event.
    Owner,
    /// A coordinator, or anyone holding `events:review` (admins included) — never on
    /// their own report.
    Reviewer,
}

/// A status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `DRAFT → SUBMITTED`, by the owner (phone verified).
    Submit,
    /// `SUBMITTED → UNDER_REVIEW`, by a reviewer.
    StartReview,
    /// `UNDER_REVIEW → APPROVED`, by a reviewer.
    Approve,
    /// `UNDER_REVIEW → REJECTED`, by a reviewer, with a reason.
    Reject,
}

impl Transition {
    /// The states the transition may start from.
    pub const fn from_states(self) -> &'static [EventStatus] {
        match self {
            Transition::Submit => &[EventStatus::Draft],
            Transition::StartReview => &[EventStatus::Submitted],
            Transition::Approve | Transition::Reject => &[EventStatus::UnderReview],
        }
    }

    /// The state it ends in.
    pub const fn to_state(self) -> EventStatus {
        match self {
            Transition::Submit => EventStatus::Submitted,
            Transition::StartReview => EventStatus::UnderReview,
            Transition::Approve => EventStatus::Approved,
            Transition::Reject => EventStatus::Rejected,
        }
    }

    /// Who may make it.
    pub const fn actor(self) -> Actor {
        match self {
            Transition::Submit => Actor::Owner,
            Transition::StartReview | Transition::Approve | Transition::Reject => Actor::Reviewer,
        }
    }

    /// The operation's name, for messages and audit rows.
    pub const fn name(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::StartReview => "startReview",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
        }
    }

    /// Whether a reviewer is recorded (`reviewed_by`) by this transition.
    pub const fn records_reviewer(self) -> bool {
        matches!(
            self,
            Transition::StartReview | Transition::Approve | Transition::Reject
        )
    }

    /// Whether it closes the review (`reviewed_at`, `review_note`).
    pub const fn closes_review(self) -> bool {
        matches!(self, Transition::Approve | Transition::Reject)
    }
}

/// States in which the owner may edit the report.
pub const EDITABLE: &[EventStatus] = &[EventStatus::Draft, EventStatus::Submitted];
/// States in which the owner may delete the report.
pub const DELETABLE: &[EventStatus] = &[EventStatus::Draft];

/// The GraphQL spelling of a status (`UNDER_REVIEW`), used in `currentStatus`.
pub fn status_name(status: EventStatus) -> String {
    status.as_str().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_is_linear_and_ends_in_approved_or_rejected() {
        let all = [
            Transition::Submit,
            Transition::StartReview,
            Transition::Approve,
            Transition::Reject,
        ];
        // No transition leaves a final state.
        for t in all {
            assert!(!t.from_states().contains(&EventStatus::Approved));
            assert!(!t.from_states().contains(&EventStatus::Rejected));
        }
        assert_eq!(Transition::Submit.to_state(), EventStatus::Submitted);
        assert!(Transition::StartReview.from_states() == [EventStatus::Submitted]);
        assert_eq!(Transition::Reject.actor(), Actor::Reviewer);
        assert_eq!(status_name(EventStatus::UnderReview), "UNDER_REVIEW");
    }
}
