//! Attachment mutations: `uploadAttachment` (GraphQL multipart request) and
//! `deleteAttachment`. The file goes through the shared upload service.

use async_graphql::{Context, ID, Object, Upload};

use super::{mutation::PATIENTS, types::EventAttachment};
use crate::{
    error::AppError,
    graphql::{
        access::{Access, RootAccess},
        context::ContextExt,
        ids::parse_id,
    },
    services::attachments,
};

/// Attachment mutations.
#[derive(Default)]
pub struct AttachmentMutation;

impl RootAccess for AttachmentMutation {
    fn access(field: &str) -> Option<Access> {
        Some(match field {
            "uploadAttachment" | "deleteAttachment" => PATIENTS,
            _ => return None,
        })
    }
}

/// Attachment mutations.
#[Object]
impl AttachmentMutation {
    /// Attaches a file to your report (while `DRAFT` or `SUBMITTED`): an image, a
    /// PDF/office/text document, a video or audio, at most `MAX_UPLOAD_BYTES`; the type
    /// is decided from the content and must match the file name's extension.
    async fn upload_attachment(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        file: Upload,
    ) -> async_graphql::Result<EventAttachment> {
        let viewer = ctx.viewer()?;
        let event_id = parse_id("eventId", &event_id)?;
        let value = file
            .value(ctx)
            .map_err(|e| AppError::internal("reading the upload", e))?;
        let name = value.filename.clone();
        // The multipart parser has already stopped at MAX_UPLOAD_BYTES.
        let reader = std::io::Cursor::new(value.content);
        let row = attachments::upload(
            ctx.state()?,
            viewer,
            event_id,
            &name,
            reader,
            &ctx.request_context().client,
        )
        .await?;
        Ok(EventAttachment::from(row))
    }

    /// Removes an attachment from your report (while `DRAFT` or `SUBMITTED`) and its
    /// stored file.
    async fn delete_attachment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        let viewer = ctx.viewer()?;
        let attachment_id = parse_id("id", &id)?;
        attachments::delete(
            ctx.state()?,
            viewer,
            attachment_id,
            &ctx.request_context().client,
        )
        .await?;
        Ok(id)
    }
}
