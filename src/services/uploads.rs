//! The one upload path for every stored file (event attachments, patient documents):
//! bounded concurrency, the size limit enforced while streaming, the type decided from
//! the content's magic bytes and checked against the declared name, a sanitised name,
//! a server-generated storage key, and SHA-256 computed on the way.
//!
//! Nothing here knows about GraphQL or HTTP: the GraphQL multipart mutation and the
//! REST upload route both hand an `AsyncRead` to [`store`].

use entity::enums::FileType;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::{
    error::{AppError, AppResult},
    state::AppState,
};

/// Bytes inspected to decide the type (enough for office formats, whose marker sits
/// in the first zip entries).
const SNIFF_BYTES: usize = 64 * 1024;
/// Bytes read per step while streaming to storage.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Longest stored file name.
const NAME_MAX: usize = 255;

/// A file after a successful upload.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Storage key (server-generated).
    pub key: String,
    /// Sanitised original name.
    pub file_name: String,
    /// Kind decided from the content.
    pub file_type: FileType,
    /// MIME type decided from the content.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// component, without control characters, path separators or leading dots, with
/// anything outside a conservative set replaced by `_`, at most 255 characters
/// (keeping the extension).
pub fn sanitize_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    let cleaned = if cleaned.is_empty() || cleaned.chars().all(|c| c == '.' || c == '_') {
        "file".to_owned()
    } else {
        cleaned
    };
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned;
    }
    let ext = extension(&cleaned)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let stem: String = cleaned
        .chars()
        .take(NAME_MAX - ext.chars().count())
        .collect();
    format!("{stem}{ext}")
}

/// The lowercased extension of a name, if any.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty() && ext.len() <= 8).then(|| ext.to_ascii_lowercase())
}

/// What an extension must contain: the file kind and the MIME types the content may be
/// sniffed as (`None` = text, which has no magic bytes).
fn expected(ext: &str) -> Option<(FileType, Option<&'static [&'static str]>)> {
    use FileType::*;
    Some(match ext {
        "png" => (Image, Some(&["image/png"])),
        "jpg" | "jpeg" => (Image, Some(&["image/jpeg"])),
        "gif" => (Image, Some(&["image/gif"])),
        "webp" => (Image, Some(&["image/webp"])),
        "heic" | "heif" => (Image, Some(&["image/heif"])),
        "pdf" => (Document, Some(&["application/pdf"])),
        "doc" => (
            Document,
            Some(&["application/msword", "application/x-ole-storage"]),
        ),
        "xls" => (
            Document,
            Some(&["application/vnd.ms-excel", "application/x-ole-storage"]),
        ),
        "ppt" => (
            Document,
            Some(&["application/vnd.ms-powerpoint", "application/x-ole-storage"]),
        ),
        "docx" => (
            Document,
            Some(&["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]),
        ),
        "xlsx" => (
            Document,
            Some(&["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]),
        ),
        "pptx" => (
            Document,
            Some(&["application/vnd.openxmlformats-officedocument.presentationml.presentation"]),
        ),
        "odt" => (Document, Some(&["application/vnd.oasis.opendocument.text"])),
        "ods" => (
            Document,
            Some(&["application/vnd.oasis.opendocument.spreadsheet"]),
        ),
        "odp" => (
            Document,
            Some(&["application/vnd.oasis.opendocument.presentation"]),
        ),
        "txt" | "csv" => (Document, None),
        "mp4" => (Video, Some(&["video/mp4"])),
        "webm" => (Video, Some(&["video/webm"])),
        "mov" => (Video, Some(&["video/quicktime"])),
        "mp3" => (Audio, Some(&["audio/mpeg"])),
        "wav" => (Audio, Some(&["audio/x-wav"])),
        "ogg" => (Audio, Some(&["audio/ogg"])),
        "m4a" => (Audio, Some(&["audio/m4a", "video/mp4"])),
        _ => return None,
    })
}

/// The MIME type recorded for a file of `ext` whose content was sniffed as `sniffed`.
fn content_type_for(ext: &str, sniffed: Option<&str>) -> String {
    match (ext, sniffed) {
        ("txt", _) => "text/plain; charset=utf-8".to_owned(),
        ("csv", _) => "text/csv; charset=utf-8".to_owned(),
        ("doc", _) => "application/msword".to_owned(),
        ("xls", _) => "application/vnd.ms-excel".to_owned(),
        ("ppt", _) => "application/vnd.ms-powerpoint".to_owned(),
        ("m4a", _) => "audio/mp4".to_owned(),
        (_, Some(mime)) => mime.to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

/// Plain text: valid UTF-8 (a multi-byte character may be cut at the end of the
/// sample), no control characters but tab, line breaks and form feed, and not markup or a script, which browsers or shells would
/// treat as active content.
fn is_plain_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
    {
        return false;
    }
    let start = text.trim_start_matches('\u{feff}').trim_start();
    !(start.starts_with('<') || start.starts_with("#!"))
}

fn unsupported(message: impl Into<String>) -> AppError {
    AppError::invalid_field("file", message)
}

/// Decides the type of a file from its first bytes and its (sanitised) name.
pub fn classify(name: &str, head: &[u8]) -> AppResult<(FileType, String)> {
    let Some(ext) = extension(name) else {
        return Err(unsupported(
            "The file name needs an extension of an allowed type (image, PDF/office/text document, video or audio).",
        ));
    };
    let Some((kind, mimes)) = expected(&ext) else {
        return Err(unsupported(format!(
            "Files of type .{ext} are not accepted: allowed are images, PDF/office/text documents, video and audio."
        )));
    };
    let sniffed = infer::get(head).map(|t| t.mime_type());
    match mimes {
        None => {
            if sniffed.is_some() || !is_plain_text(head) {
                return Err(unsupported(format!(
                    "The content is not plain text, so it cannot be a .{ext} file."
                )));
            }
        }
        Some(allowed) => {
            if !sniffed.is_some_and(|m| allowed.contains(&m)) {
                return Err(unsupported(format!(
                    "The content does not match the .{ext} extension{}.",
                    sniffed
                        .map(|m| format!(" (it looks like {m})"))
                        .unwrap_or_default()
                )));
            }
        }
    }
    Ok((kind, content_type_for(&ext, sniffed)))
}

/// Maps a read error: a body over the transport's limit is `PAYLOAD_TOO_LARGE`.
fn read_error(err: std::io::Error, max: u64) -> AppError {
    if err.kind() == std::io::ErrorKind::FileTooLarge {
        too_large(max)
    } else {
        AppError::internal("reading the upload", err)
    }
}

async fn read_up_to(
    reader: &mut (impl AsyncRead + Unpin),
    limit: usize,
) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(limit.min(SNIFF_BYTES));
    let mut taken = reader.take(limit as u64);
    taken.read_to_end(&mut buf).await?;
    Ok(buf)
}

fn too_large(max: u64) -> AppError {
    AppError::PayloadTooLarge(format!("The file is larger than the limit of {max} bytes."))
}

/// Stores the file read from `reader` under `key`: at most one upload in flight per
/// permit, at most `MAX_UPLOAD_BYTES` read (one chunk beyond the limit at most), the
/// type checked before anything is written. On any failure nothing is left in storage.
pub async fn store(
    state: &AppState,
    key: String,
    declared_name: &str,
    mut reader: impl AsyncRead + Unpin + Send,
) -> AppResult<StoredFile> {
    let _permit = state
        .upload_permits()
        .acquire()
        .await
        .map_err(|e| AppError::internal("upload permits", e))?;
    let max = state.config().max_upload_bytes;
    let file_name = sanitize_file_name(declared_name);

    let head = read_up_to(&mut reader, SNIFF_BYTES)
        .await
        .map_err(|e| read_error(e, max))?;
    if head.is_empty() {
        return Err(unsupported("The file is empty."));
    }
    if head.len() as u64 > max {
        return Err(too_large(max));
    }
    let (file_type, content_type) = classify(&file_name, &head)?;

    let mut writer = state
        .storage()
        .writer(&key)
        .await
        .map_err(|e| AppError::internal("opening storage", e))?;
    let mut hasher = Sha256::new();
    let mut size = head.len() as u64;
    hasher.update(&head);
    let outcome: AppResult<()> = async {
        writer
            .write(bytes::Bytes::from(head))
            .await
            .map_err(|e| AppError::internal("writing to storage", e))?;
        let mut chunk = vec![0u8; CHUNK_BYTES];
        loop {
            let n = reader
                .read(&mut chunk)
                .await
                .map_err(|e| read_error(e, max))?;
            if n == 0 {
                return Ok(());
            }
            size += n as u64;
            if size > max {
                return Err(too_large(max));
            }
            hasher.update(&chunk[..n]);
            writer
                .write(bytes::Bytes::copy_from_slice(&chunk[..n]))
                .await
                .map_err(|e| AppError::internal("writing to storage", e))?;
        }
    }
    .await;
    if let Err(err) = outcome {
        if let Err(abort) = writer.abort().await {
            tracing::warn!(error = %abort, key, "aborting a failed upload");
        }
        return Err(err);
    }
    writer
        .finish()
        .await
        .map_err(|e| AppError::internal("finishing the upload", e))?;
    Ok(StoredFile {
        key,
        file_name,
        file_type,
        content_type,
        size: i64::try_from(size).unwrap_or(i64::MAX),
        sha256: hex::encode(hasher.finalize()),
    })
}

/// A new storage key under `prefix` (`attachments/12/…`): never derived from input.
pub fn new_key(prefix: &str, owner_id: i32) -> String {
    format!("{prefix}/{owner_id}/{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitised() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_file_name("..\u{0}hidden.txt"), "hidden.txt");
        assert_eq!(sanitize_file_name("scan<script>.png"), "scan_script_.png");
        assert_eq!(sanitize_file_name("..."), "file");
        let long = format!("{}.pdf", "a".repeat(400));
        let s = sanitize_file_name(&long);
        assert_eq!(s.chars().count(), 255);
        assert!(s.ends_with(".pdf"));
    }

    #[test]
    fn types_come_from_content_and_must_match_the_extension() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(classify("scan.png", png).unwrap().0, FileType::Image);
        assert!(classify("scan.pdf", png).is_err(), "PNG content named .pdf");
        assert!(
            classify("notes.txt", b"\x7fELF\x02\x01\x01").is_err(),
            "ELF as text"
        );
        assert!(classify("page.txt", b"  <html><script>alert(1)</script>").is_err());
        assert!(classify("run.txt", b"#!/bin/sh\nrm -rf /").is_err());
        assert!(classify("page.html", b"<html></html>").is_err());
        assert!(classify("logo.svg", b"<svg/>").is_err());
        assert!(
            classify("archive.pdf", b"PK\x03\x04\x14\0\0\0").is_err(),
            "zip named .pdf"
        );
        assert!(classify("noext", b"hello").is_err());
        let (kind, mime) = classify("readings.csv", "t,v\n1,2\n".as_bytes()).unwrap();
        assert_eq!(
            (kind, mime.as_str()),
            (FileType::Document, "text/csv; charset=utf-8")
        );
        assert_eq!(
            classify("r.pdf", b"%PDF-1.4\n%...").unwrap().1,
            "application/pdf"
        );
    }
}
