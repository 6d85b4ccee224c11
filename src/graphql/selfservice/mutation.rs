//! Self-service mutations: the viewer's settings (any signed-in user) and help-topic
//! editing (`ADMIN`, `help:manage`). Each writes its audit row in the same transaction.

use async_graphql::{Context, ID, Object};

use super::types::{
    CreateHelpTopicInput, HelpTopic, Settings, UpdateHelpTopicInput, UpdateMySettingsInput,
};
use crate::{
    auth::permission::{Permission, UserType},
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::{parse_id, to_id},
    },
    services,
};

/// Who may create, change and delete help topics: `ADMIN` or `help:manage`.
pub const MANAGE_HELP: Access = Access::Allow {
    user_types: &[UserType::Admin],
    permissions: &[Permission::HelpManage],
};

/// Self-service mutations.
#[derive(Default)]
pub struct SelfServiceMutation;

impl RootAccess for SelfServiceMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "updateMySettings" => Access::Authenticated,
            "createHelpTopic" | "updateHelpTopic" | "deleteHelpTopic" => MANAGE_HELP,
            _ => return None,
        })
    }
}

/// Self-service mutations.
#[Object]
impl SelfServiceMutation {
    /// Changes the viewer's settings; absent fields stay as they are. An unsupported
    /// language is `BAD_USER_INPUT` (`fieldErrors.language`).
    async fn update_my_settings(
        &self,
        ctx: &Context<'_>,
        input: UpdateMySettingsInput,
    ) -> async_graphql::Result<Settings> {
        let viewer = ctx.viewer()?;
        let settings = services::settings::update(
            ctx.state()?.db(),
            viewer.user_id,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(settings.into())
    }

    /// Creates a help topic.
    async fn create_help_topic(
        &self,
        ctx: &Context<'_>,
        input: CreateHelpTopicInput,
    ) -> async_graphql::Result<HelpTopic> {
        let viewer = ctx.viewer()?;
        let topic = services::help::create(
            ctx.state()?.db(),
            viewer.user_id,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(topic.into())
    }

    /// Changes a help topic; absent fields stay as they are.
    async fn update_help_topic(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateHelpTopicInput,
    ) -> async_graphql::Result<HelpTopic> {
        let id = parse_id("id", &id)?;
        let viewer = ctx.viewer()?;
        let topic = services::help::update(
            ctx.state()?.db(),
            viewer.user_id,
            id,
            input.into(),
            &ctx.request_context().client,
        )
        .await?;
        Ok(topic.into())
    }

    /// Deletes a help topic. Returns the deleted topic's id.
    async fn delete_help_topic(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let id = parse_id("id", &id)?;
        let viewer = ctx.viewer()?;
        let id = services::help::delete(
            ctx.state()?.db(),
            viewer.user_id,
            id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(to_id(id))
    }
}
