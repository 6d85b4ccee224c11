//! Self-service queries: the viewer's settings and the public help topics.

use async_graphql::{Context, Object};

use super::types::{HelpTopic, Settings};
use crate::{
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
    },
    services,
};

/// Self-service queries.
#[derive(Default)]
pub struct SelfServiceQuery;

impl RootAccess for SelfServiceQuery {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "mySettings" => Access::Authenticated,
            "helpTopics" => Access::Public,
            _ => return None,
        })
    }
}

/// Self-service queries.
#[Object]
impl SelfServiceQuery {
    /// The viewer's settings. The first read creates them with the defaults
    /// (`notificationPreference: EMAIL`, `language: "en"`).
    async fn my_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<Settings> {
        let viewer = ctx.viewer()?;
        let settings = services::settings::get_or_create(ctx.state()?.db(), viewer.user_id).await?;
        Ok(settings.into())
    }

    /// The help/FAQ, ordered by category, then position, then id. Public.
    async fn help_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words that must each appear in the question or the answer \
                    (case-insensitive, matched literally); at most 200 characters.")]
        search: Option<String>,
        #[graphql(desc = "Only topics of this category (case-insensitive).")] category: Option<
            String,
        >,
    ) -> async_graphql::Result<Vec<HelpTopic>> {
        let filter = services::help::HelpTopicFilter { search, category };
        let topics = services::help::list(ctx.state()?.db(), &filter).await?;
        Ok(topics.into_iter().map(HelpTopic::from).collect())
    }
}
