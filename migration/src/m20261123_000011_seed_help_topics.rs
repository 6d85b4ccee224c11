//! Seeds `patient_help_topics` with the initial FAQ of the patient portal.
//!
//! `down` deletes exactly the seeded questions, so topics added later through the API
//! survive a rollback of this migration alone.

use sea_orm_migration::prelude::*;

use crate::m20261123_000010_create_patient_help_topics::PatientHelpTopics;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One seeded topic.
struct Topic {
    category: &'static str,
    sort_order: i32,
    question: &'static str,
    answer: &'static str,
}

const TOPICS: &[Topic] = &[
    Topic {
        category: "Reporting",
        sort_order: 1,
        question: "What counts as a medical-device adverse event?",
        answer: "Any unwanted or harmful occurrence while a medical device was being used, \
                 whether or not you are sure the device caused it. Examples: a glucose meter \
                 giving readings far from a laboratory result, an infusion pump delivering the \
                 wrong dose, a skin reaction to a sensor adhesive, an implant that broke or \
                 moved, or a device that stopped working during treatment. If in doubt, report \
                 it: reviewers decide whether the device was involved.",
    },
    Topic {
        category: "Reporting",
        sort_order: 2,
        question: "How do I report an adverse event?",
        answer: "Choose \"New report\" and describe what happened: the device name, its \
                 category and manufacturer (and the model and serial number if you have them, \
                 usually printed on the label or packaging), the date and place of the event, \
                 your symptoms, the treatment you received and how severe it was. The report \
                 is saved as a draft, so you can come back to it. When it is complete, submit \
                 it for review.",
    },
    Topic {
        category: "Reporting",
        sort_order: 3,
        question: "Why can't I submit my report?",
        answer: "A report can only be submitted once your phone number has been verified, \
                 so that reviewers can reach you if they need more information. All required \
                 fields must be filled in, and the event date cannot be in the future. Verify \
                 your phone number from your profile, then try again.",
    },
    Topic {
        category: "Reporting",
        sort_order: 4,
        question: "What happens after I submit a report?",
        answer: "Your report moves from \"Submitted\" to \"Under review\" when a coordinator \
                 picks it up, and is then either approved or rejected. A rejection always comes \
                 with a reason. You can follow the status of your report from its page, where \
                 changes appear as soon as they happen.",
    },
    Topic {
        category: "Reporting",
        sort_order: 5,
        question: "Can I change or delete a report?",
        answer: "You can edit a report while it is a draft or submitted, until a reviewer \
                 starts reviewing it. A draft can be deleted together with its attachments; \
                 once a report has been submitted it is kept as part of the safety record.",
    },
    Topic {
        category: "Reporting",
        sort_order: 6,
        question: "How do I choose the severity?",
        answer: "Mild: noticeable but needed no treatment. Moderate: needed treatment or a \
                 change in care but no hospital stay. Severe: led to a hospital stay, lasting \
                 harm or surgery. Critical: life-threatening or needed emergency intervention. \
                 Pick the closest one; reviewers may contact you for details.",
    },
    Topic {
        category: "Account",
        sort_order: 1,
        question: "How do I verify my phone number or email address?",
        answer: "Request a verification code from your profile. We send a 6-digit code by \
                 SMS or email; it is valid for 10 minutes and can be used once. You can ask \
                 for a new code after 60 seconds, at most 5 times per hour.",
    },
    Topic {
        category: "Account",
        sort_order: 2,
        question: "I forgot my password. How do I reset it?",
        answer: "Choose \"Forgot password\" and enter your phone number or email address. \
                 Enter the code you receive together with a new password. Resetting your \
                 password signs you out on every device.",
    },
    Topic {
        category: "Account",
        sort_order: 3,
        question: "Why is my account temporarily locked?",
        answer: "After 5 wrong passwords in a row, sign-in is blocked for 15 minutes to \
                 protect your account. Wait and try again, or reset your password. If you did \
                 not make these attempts, change your password once you are back in.",
    },
    Topic {
        category: "Privacy",
        sort_order: 1,
        question: "Who can see my report?",
        answer: "Drafts are visible only to you. Once submitted, your report is seen by the \
                 coordinators who review it. Regulators, hospitals and the device \
                 manufacturer may see the medical and device details of reports to monitor \
                 device safety, but never your identity or the names of witnesses, and \
                 manufacturers do not see where the event happened.",
    },
    Topic {
        category: "Privacy",
        sort_order: 2,
        question: "How is my personal information protected?",
        answer: "Your password is stored only as a strong one-way hash and verification \
                 codes are never stored in readable form. Every time someone other than you \
                 opens your report, the access is recorded in an audit log.",
    },
    Topic {
        category: "Attachments",
        sort_order: 1,
        question: "What files can I attach to a report?",
        answer: "Photos of the device or the injury, documents (PDF, office documents or \
                 text, such as discharge letters or test results), and short video or audio \
                 recordings. Each file can be up to 10 MB. The file type is checked from its \
                 content, so renamed files of another type are rejected.",
    },
    Topic {
        category: "Attachments",
        sort_order: 2,
        question: "When can I add or remove attachments?",
        answer: "While your report is a draft or submitted and not yet under review. Once \
                 review has started, the attachments are frozen along with the report; \
                 contact the coordinator if you have new evidence.",
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientHelpTopics as H;

        let mut insert = Query::insert();
        insert
            .into_table(H::Table)
            .columns([H::Category, H::SortOrder, H::Question, H::Answer]);
        for topic in TOPICS {
            insert
                .values([
                    topic.category.into(),
                    topic.sort_order.into(),
                    topic.question.into(),
                    topic.answer.into(),
                ])
                .map_err(|e| DbErr::Custom(format!("building help topic seed: {e}")))?;
        }
        manager.execute(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PatientHelpTopics as H;

        manager
            .execute(
                Query::delete()
                    .from_table(H::Table)
                    .and_where(Expr::col(H::Question).is_in(TOPICS.iter().map(|t| t.question)))
                    .take(),
            )
            .await
    }
}
