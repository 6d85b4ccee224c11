//! The `outbox` delivery: one JSON object a line (`channel`, `to`, `purpose`, `code`,
//! `createdAt`) appended to `OTP_OUTBOX_PATH`, for developers and tests. Development
//! only — the configuration refuses it in production (SPEC §11).

use std::path::PathBuf;

use tokio::{io::AsyncWriteExt, sync::Mutex};

use super::OtpMessage;

/// The JSON-lines outbox; writes are serialised so lines never interleave.
pub(super) struct Outbox {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Outbox {
    pub(super) fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }

    /// Appends `message` as one line.
    pub(super) async fn append(&self, message: &OtpMessage) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        let _guard = self.lock.lock().await;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| anyhow::anyhow!("opening the OTP outbox {}: {e}", self.path.display()))?;
        file.write_all(&line).await?;
        file.flush().await?;
        Ok(())
    }
}
