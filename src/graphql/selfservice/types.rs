//! Self-service objects and inputs.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::{patient_help_topics, patient_settings};

use crate::{graphql::ids::to_id, services};

/// How a user wants to be notified.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::NotificationPreference")]
pub enum NotificationPreference {
    /// By email.
    Email,
    /// By text message.
    Sms,
    /// No notifications.
    None,
}

/// The viewer's own preferences.
pub struct Settings(pub patient_settings::Model);

impl From<patient_settings::Model> for Settings {
    fn from(model: patient_settings::Model) -> Self {
        Self(model)
    }
}

/// The viewer's own preferences.
#[Object]
impl Settings {
    /// How notifications are sent (`EMAIL` by default).
    async fn notification_preference(&self) -> NotificationPreference {
        self.0.notification_preference.into()
    }

    /// Interface language, a BCP 47 tag (`en` by default).
    async fn language(&self) -> &str {
        &self.0.language
    }

    /// When the settings were last changed (or created with the defaults).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Changes to the viewer's settings; absent fields stay as they are, `null` is refused.
#[derive(InputObject)]
pub struct UpdateMySettingsInput {
    /// How notifications are sent.
    pub notification_preference: MaybeUndefined<NotificationPreference>,
    /// Interface language, a BCP 47 tag from the supported list: en, en-IN, hi, hi-IN,
    /// bn, ta, te, mr, gu, kn, ml, pa, ur, or. Matched case-insensitively (`HI-in` is
    /// stored as `hi-IN`); any other tag is refused.
    pub language: MaybeUndefined<String>,
}

impl From<UpdateMySettingsInput> for services::settings::SettingsChanges {
    fn from(input: UpdateMySettingsInput) -> Self {
        let preference: Option<Option<NotificationPreference>> =
            input.notification_preference.into();
        Self {
            notification_preference: preference.map(|p| p.map(Into::into)),
            language: input.language.into(),
        }
    }
}

/// A help/FAQ entry.
pub struct HelpTopic(pub patient_help_topics::Model);

impl From<patient_help_topics::Model> for HelpTopic {
    fn from(model: patient_help_topics::Model) -> Self {
        Self(model)
    }
}

/// A help/FAQ entry.
#[Object]
impl HelpTopic {
    /// The topic id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The question.
    async fn question(&self) -> &str {
        &self.0.question
    }

    /// The answer (plain text).
    async fn answer(&self) -> &str {
        &self.0.answer
    }

    /// The grouping (`Reporting`, `Account`, `Privacy`, …).
    async fn category(&self) -> &str {
        &self.0.category
    }

    /// Position within the category, ascending.
    async fn sort_order(&self) -> i32 {
        self.0.sort_order
    }

    /// When the topic was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A new help topic.
#[derive(InputObject)]
pub struct CreateHelpTopicInput {
    /// The question, at most 300 characters.
    pub question: String,
    /// The answer, at most 10,000 characters.
    pub answer: String,
    /// The grouping, at most 100 characters.
    pub category: String,
    /// Position within the category, 0 to 10,000 (default 0).
    pub sort_order: Option<i32>,
}

impl From<CreateHelpTopicInput> for services::help::NewHelpTopic {
    fn from(input: CreateHelpTopicInput) -> Self {
        Self {
            question: input.question,
            answer: input.answer,
            category: input.category,
            sort_order: input.sort_order,
        }
    }
}

/// Changes to a help topic; absent fields stay as they are, `null` and blank text are
/// refused.
#[derive(InputObject)]
pub struct UpdateHelpTopicInput {
    /// New question, at most 300 characters.
    pub question: MaybeUndefined<String>,
    /// New answer, at most 10,000 characters.
    pub answer: MaybeUndefined<String>,
    /// New category, at most 100 characters.
    pub category: MaybeUndefined<String>,
    /// New position within the category, 0 to 10,000.
    pub sort_order: MaybeUndefined<i32>,
}

impl From<UpdateHelpTopicInput> for services::help::HelpTopicChanges {
    fn from(input: UpdateHelpTopicInput) -> Self {
        Self {
            question: input.question.into(),
            answer: input.answer.into(),
            category: input.category.into(),
            sort_order: input.sort_order.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The description of `UpdateMySettingsInput.language` lists exactly the supported
    /// tags, so clients read the real list.
    #[test]
    fn language_description_lists_the_supported_tags() {
        let sdl = crate::graphql::schema::sdl();
        let start = sdl
            .find("input UpdateMySettingsInput")
            .expect("input in the SDL");
        let input = &sdl[start..];
        let input = &input[..input.find('}').unwrap_or(input.len())];
        let list = input
            .split("supported list:")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .expect("the description states the list");
        let listed: Vec<&str> = list
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        assert_eq!(listed, crate::services::settings::SUPPORTED_LANGUAGES);
    }
}
