//! The storage layer behind attachments (SPEC §7): the local-directory back-end and the
//! S3 back-end against a real S3-compatible server (moto in server mode, started by the
//! test), plus the signed download tokens of `/files/{token}`.
//!
//! The S3 tests need `python3 -m pip install --user 'moto[server]'` (.ci/run installs
//! it); without it they fail with that instruction rather than pass silently.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime},
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use bytes::Bytes;
use chrono::Utc;
use futures_util::TryStreamExt as _;
use rakshaayan::{
    config::Config,
    storage::{
        Storage,
        tokens::{self, FileKind, TokenError},
    },
};

use crate::common::{TestApp, test_env};

// ---------------------------------------------------------------------------------------
// Helpers

/// Deterministic, incompressible-looking test content.
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn new_key(prefix: &str) -> String {
    format!("{prefix}/{}", uuid::Uuid::new_v4())
}

/// Writes `data` under `key` in chunks of the given sizes (the rest in one last chunk).
async fn put_chunked(storage: &Storage, key: &str, data: &[u8], chunks: &[usize]) {
    let mut writer = storage.writer(key).await.expect("writer");
    let mut rest = data;
    for &n in chunks {
        let n = n.min(rest.len());
        writer
            .write(Bytes::copy_from_slice(&rest[..n]))
            .await
            .expect("write");
        rest = &rest[n..];
    }
    if !rest.is_empty() {
        writer
            .write(Bytes::copy_from_slice(rest))
            .await
            .expect("write");
    }
    writer.finish().await.expect("finish");
}

/// The content of `key`, checking the announced size against what was streamed.
async fn read_all(storage: &Storage, key: &str) -> Option<Vec<u8>> {
    let object = storage.get(key).await.expect("get")?;
    let size = object.size;
    let chunks: Vec<Bytes> = object.stream.try_collect().await.expect("stream");
    let data = chunks.concat();
    assert_eq!(data.len() as u64, size, "size announced for {key}");
    Some(data)
}

/// Where a back-end keeps what an unfinished upload left behind.
enum Probe {
    /// Storage directory: staging files are `<key>#<n>`.
    Local(PathBuf),
    /// Moto: multipart uploads in progress in the bucket.
    S3 { url: String, bucket: String },
}

impl Probe {
    /// Traces of unfinished uploads (staging files, S3 multipart uploads in progress).
    async fn partial_uploads(&self) -> Vec<String> {
        match self {
            Probe::Local(dir) => files_under(dir)
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains('#'))
                })
                .map(|p| p.display().to_string())
                .collect(),
            Probe::S3 { url, bucket } => {
                let response = reqwest::get(format!("{url}/{bucket}?uploads"))
                    .await
                    .expect("ListMultipartUploads");
                assert!(response.status().is_success(), "{response:?}");
                let xml = response.text().await.expect("body");
                xml.split("<Upload>")
                    .skip(1)
                    .map(|upload| {
                        upload
                            .split_once("<Key>")
                            .and_then(|(_, rest)| rest.split_once("</Key>"))
                            .map_or_else(|| upload.to_owned(), |(key, _)| key.to_owned())
                    })
                    .collect()
            }
        }
    }

    /// Waits (bounded) until no unfinished upload is left.
    async fn wait_no_partial_uploads(&self) {
        for _ in 0..50 {
            if self.partial_uploads().await.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "unfinished uploads left behind: {:?}",
            self.partial_uploads().await
        );
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The checks every back-end must pass: chunked round trip, nothing visible before
/// `finish`, empty objects, abort and drop leave nothing behind, idempotent delete,
/// `list_older_than` by prefix and time, malicious keys refused. `storage` must be
/// empty when called.
async fn exercise(storage: &Storage, probe: &Probe) {
    // Round trip in uneven chunks crossing the part boundaries (1 MiB locally, 5 MiB
    // on S3, so this is a real two-part S3 upload).
    let key = new_key("attachments/17");
    let data = content(6 * 1024 * 1024 + 4321, 1);
    let mut writer = storage.writer(&key).await.expect("writer");
    let mut rest = &data[..];
    for n in [
        1,
        65_536,
        3 * 1024 * 1024 + 5,
        7,
        2 * 1024 * 1024,
        usize::MAX,
    ] {
        let n = n.min(rest.len());
        writer
            .write(Bytes::copy_from_slice(&rest[..n]))
            .await
            .expect("write");
        rest = &rest[n..];
    }
    assert_eq!(writer.written(), data.len() as u64);
    assert!(
        !storage.exists(&key).await.unwrap(),
        "nothing is visible before finish"
    );
    assert!(storage.get(&key).await.unwrap().is_none());
    assert!(
        storage
            .list_older_than("attachments", Utc::now() + chrono::Duration::minutes(1))
            .await
            .unwrap()
            .is_empty(),
        "an upload in progress is not listed"
    );
    writer.finish().await.expect("finish");
    assert!(storage.exists(&key).await.unwrap());
    let read = read_all(storage, &key).await.expect("object exists");
    assert_eq!(read.len(), data.len());
    assert!(read == data, "identical bytes after the round trip");
    probe.wait_no_partial_uploads().await;

    // A small object in one chunk, and an empty one.
    let small = new_key("attachments/17");
    put_chunked(storage, &small, b"hello", &[]).await;
    assert_eq!(read_all(storage, &small).await.unwrap(), b"hello");
    let empty = new_key("attachments/18");
    storage
        .writer(&empty)
        .await
        .unwrap()
        .finish()
        .await
        .expect("an empty object");
    assert_eq!(read_all(storage, &empty).await.unwrap(), b"");

    // Abort after a part has gone out: no object, no partial upload.
    let aborted = new_key("attachments/19");
    let mut writer = storage.writer(&aborted).await.unwrap();
    writer
        .write(Bytes::from(content(6 * 1024 * 1024, 2)))
        .await
        .unwrap();
    writer.write(Bytes::from_static(b"tail")).await.unwrap();
    assert!(
        !probe.partial_uploads().await.is_empty(),
        "the probe sees an upload in progress"
    );
    writer.abort().await.expect("abort");
    assert!(!storage.exists(&aborted).await.unwrap());
    assert!(storage.get(&aborted).await.unwrap().is_none());
    assert_eq!(probe.partial_uploads().await, Vec::<String>::new());

    // A writer dropped without finish or abort (a cancelled request) cleans up too.
    let dropped = new_key("attachments/20");
    let mut writer = storage.writer(&dropped).await.unwrap();
    writer
        .write(Bytes::from(content(1024 * 1024 + 1, 3)))
        .await
        .unwrap();
    drop(writer);
    probe.wait_no_partial_uploads().await;
    assert!(!storage.exists(&dropped).await.unwrap());

    // list_older_than: by whole path segment and by time.
    let sibling = new_key("attachments-old");
    put_chunked(storage, &sibling, b"sibling", &[]).await;
    let document = new_key("documents/4");
    put_chunked(storage, &document, b"document", &[]).await;
    let later = Utc::now() + chrono::Duration::minutes(1);
    let earlier = Utc::now() - chrono::Duration::minutes(1);
    let mut expected: Vec<String> = vec![key.clone(), small.clone(), empty.clone()];
    expected.sort();
    assert_eq!(
        storage.list_older_than("attachments", later).await.unwrap(),
        expected
    );
    assert_eq!(
        storage
            .list_older_than("attachments/", later)
            .await
            .unwrap(),
        expected
    );
    assert_eq!(
        storage
            .list_older_than("attachments/17", later)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        storage.list_older_than("documents", later).await.unwrap(),
        vec![document.clone()]
    );
    assert!(
        storage
            .list_older_than("attachments", earlier)
            .await
            .unwrap()
            .is_empty(),
        "fresh objects are not older than a minute ago"
    );
    assert!(
        storage
            .list_older_than("nothing-here", later)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(storage.list_older_than("", later).await.unwrap().len(), 5);

    // Delete is idempotent.
    storage.delete(&key).await.expect("delete");
    assert!(!storage.exists(&key).await.unwrap());
    assert!(storage.get(&key).await.unwrap().is_none());
    storage.delete(&key).await.expect("deleting again is fine");
    storage
        .delete(&new_key("attachments/99"))
        .await
        .expect("deleting what never existed is fine");
    assert_eq!(
        storage
            .list_older_than("attachments/17", later)
            .await
            .unwrap(),
        vec![small.clone()]
    );

    // Malicious keys never reach the back-end.
    for bad in [
        "",
        "/etc/passwd",
        "../outside",
        "attachments/../../outside",
        "attachments/17/..",
        "attachments\\17\\x",
        "attachments//x",
        "attachments/x#1",
        "attachments/x?y",
        "attachments/%2e%2e",
        "attachments/\u{202e}x",
    ] {
        assert!(storage.writer(bad).await.is_err(), "writer({bad:?})");
        assert!(storage.get(bad).await.is_err(), "get({bad:?})");
        assert!(storage.delete(bad).await.is_err(), "delete({bad:?})");
        assert!(storage.exists(bad).await.is_err(), "exists({bad:?})");
    }
    assert!(storage.list_older_than("../x", later).await.is_err());
    assert!(storage.list_older_than("/", later).await.is_err());
    probe.wait_no_partial_uploads().await;
}

/// A configuration with only the variables the storage reads changed.
fn config(dir: &tempfile::TempDir, overrides: &[(&str, &str)]) -> Config {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("unused.db").display()
    );
    Config::from_map(&test_env(dir, &url, overrides)).expect("valid config")
}

// ---------------------------------------------------------------------------------------
// Local back-end

#[tokio::test]
async fn local_backend_round_trip_abort_delete_list() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested").join("storage");
    let storage = Storage::from_config(&config(&dir, &[("STORAGE_DIR", root.to_str().unwrap())]))
        .await
        .expect("local storage");
    assert_eq!(storage.backend_name(), "local");
    assert!(root.is_dir(), "STORAGE_DIR is created when missing");
    exercise(&storage, &Probe::Local(root.clone())).await;

    // Only finished objects are left on disk, at their keys, and no staging file.
    let mut on_disk: Vec<String> = files_under(&root)
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    on_disk.sort();
    let mut listed = storage
        .list_older_than("", Utc::now() + chrono::Duration::minutes(1))
        .await
        .unwrap();
    listed.sort();
    assert_eq!(on_disk, listed);
    // The directories of aborted uploads hold no file.
    assert!(files_under(&root.join("attachments/19")).is_empty());
    assert!(files_under(&root.join("attachments/20")).is_empty());
}

#[tokio::test]
async fn local_backend_lists_by_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("storage");
    let storage = Storage::from_config(&config(&dir, &[])).await.unwrap();
    let old = new_key("attachments/1");
    let new = new_key("attachments/1");
    put_chunked(&storage, &old, b"old", &[]).await;
    put_chunked(&storage, &new, b"new", &[]).await;
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    std::fs::File::options()
        .write(true)
        .open(root.join(&old))
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let an_hour_ago = Utc::now() - chrono::Duration::hours(1);
    assert_eq!(
        storage
            .list_older_than("attachments", an_hour_ago)
            .await
            .unwrap(),
        vec![old.clone()]
    );
    // The sweep's use: delete what it found; the fresh object stays.
    for key in storage
        .list_older_than("attachments", an_hour_ago)
        .await
        .unwrap()
    {
        storage.delete(&key).await.unwrap();
    }
    assert!(!storage.exists(&old).await.unwrap());
    assert_eq!(read_all(&storage, &new).await.unwrap(), b"new");
}

#[tokio::test]
async fn local_backend_cannot_be_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::from_config(&config(&dir, &[])).await.unwrap();
    std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
    assert!(storage.get("../secret.txt").await.is_err());
    assert!(storage.delete("../secret.txt").await.is_err());
    assert!(storage.writer("../evil").await.is_err());
    assert!(storage.writer("/tmp/evil").await.is_err());
    assert_eq!(
        std::fs::read(dir.path().join("secret.txt")).unwrap(),
        b"secret"
    );
    assert!(!dir.path().join("evil").exists());
}

#[tokio::test]
async fn app_builds_local_storage_by_default() {
    let app = TestApp::spawn().await;
    let storage = app.state.storage();
    assert_eq!(storage.backend_name(), "local");
    assert!(app.dir.path().join("storage").is_dir());
    let key = new_key("attachments/1");
    put_chunked(storage, &key, b"through the app state", &[3]).await;
    assert_eq!(
        std::fs::read(app.dir.path().join("storage").join(&key)).unwrap(),
        b"through the app state"
    );
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// S3 back-end against moto

const INSTALL_MOTO: &str = "python3 -m pip install --user 'moto[server]'";

/// A moto server on a free local port, killed on drop.
pub struct Moto {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto and waits until it answers. Fails (never skips) when moto is missing.
    pub async fn start() -> Moto {
        match Command::new("python3")
            .args(["-c", "import moto.server"])
            .output()
        {
            Err(e) => panic!(
                "the S3 storage tests need python3 with moto's server mode ({e}); \
                 install Python 3, then run: {INSTALL_MOTO}"
            ),
            Ok(out) if !out.status.success() => panic!(
                "the S3 storage tests need moto's server mode, which is not installed: \
                 run `{INSTALL_MOTO}` (.ci/run does this)\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Ok(_) => {}
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("moto.log");
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting moto ({INSTALL_MOTO}): {e}"));
        let mut moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Some(status) = moto.child.try_wait().unwrap() {
                panic!(
                    "moto exited ({status}) before answering:\n{}",
                    std::fs::read_to_string(&moto.log).unwrap_or_default()
                );
            }
            if client
                .get(format!("{}/moto-api/", moto.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok()
            {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "moto did not answer on {} within 30 s:\n{}",
            moto.url,
            std::fs::read_to_string(&moto.log).unwrap_or_default()
        );
    }

    /// The server's base URL.
    pub fn url_for_tests(&self) -> &str {
        &self.url
    }

    /// Creates a bucket (moto accepts unsigned requests).
    pub async fn create_bucket(&self, bucket: &str) {
        let response = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.url))
            .send()
            .await
            .expect("create bucket");
        assert!(
            response.status().is_success(),
            "create bucket: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// The storage variables pointing at `bucket`.
    pub fn env<'a>(&'a self, bucket: &'a str) -> [(&'a str, &'a str); 6] {
        [
            ("STORAGE_BACKEND", "s3"),
            ("S3_ENDPOINT", self.url.as_str()),
            ("S3_BUCKET", bucket),
            ("S3_REGION", "us-east-1"),
            ("S3_ACCESS_KEY_ID", "testing"),
            ("S3_SECRET_ACCESS_KEY", "testing"),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn s3_backend_round_trip_abort_delete_list() {
    let moto = Moto::start().await;
    moto.create_bucket("attachments-test").await;
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::from_config(&config(&dir, &moto.env("attachments-test")))
        .await
        .expect("s3 storage");
    assert_eq!(storage.backend_name(), "s3");
    exercise(
        &storage,
        &Probe::S3 {
            url: moto.url.clone(),
            bucket: "attachments-test".to_owned(),
        },
    )
    .await;
    // Nothing went to the local STORAGE_DIR.
    assert!(files_under(&dir.path().join("storage")).is_empty());
}

#[tokio::test]
async fn app_builds_s3_storage_from_the_environment() {
    let moto = Moto::start().await;
    moto.create_bucket("app-bucket").await;
    let app = TestApp::spawn_with(&moto.env("app-bucket")).await;
    let storage = app.state.storage();
    assert_eq!(storage.backend_name(), "s3");
    let key = new_key("attachments/1");
    put_chunked(storage, &key, b"through the app state", &[5]).await;
    // The object really is in moto's bucket, at its key.
    let body = reqwest::get(format!("{}/app-bucket/{key}", moto.url))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"through the app state");
    storage.delete(&key).await.unwrap();
    assert!(!storage.exists(&key).await.unwrap());
    app.stop().await;
}

#[tokio::test]
async fn s3_backend_construction_does_no_io_and_failures_are_quick() {
    // A closed port: building succeeds; the first operation fails within seconds.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::from_config(&config(
        &dir,
        &[
            ("STORAGE_BACKEND", "s3"),
            ("S3_ENDPOINT", &url),
            ("S3_BUCKET", "b"),
            ("S3_ACCESS_KEY_ID", "k"),
            ("S3_SECRET_ACCESS_KEY", "s"),
        ],
    ))
    .await
    .expect("no network I/O at construction");
    let attempt = tokio::time::timeout(Duration::from_secs(20), storage.writer("attachments/1/x"))
        .await
        .expect("an unreachable store fails within 20 s");
    assert!(attempt.is_err());

    // Half the credentials is a configuration error.
    let half = Storage::from_config(&config(
        &dir,
        &[
            ("STORAGE_BACKEND", "s3"),
            ("S3_BUCKET", "b"),
            ("S3_ACCESS_KEY_ID", "k"),
        ],
    ))
    .await;
    assert!(half.is_err());
}

// ---------------------------------------------------------------------------------------
// Download tokens

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn in_five_minutes() -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::minutes(5)
}

/// `token` decoded, edited by `edit`, re-encoded.
fn edited(token: &str, edit: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
    edit(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn token_round_trip() {
    let now = Utc::now();
    for (kind, id) in [
        (FileKind::Attachment, 1),
        (FileKind::Document, 1),
        (FileKind::Attachment, i32::MAX),
        (FileKind::Document, 123_456),
    ] {
        let token = tokens::sign(KEY, kind, id, in_five_minutes());
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "URL-safe, unpadded: {token}"
        );
        assert_eq!(tokens::verify(KEY, &token, now), Ok((kind, id)));
    }
    // Distinct grants give distinct tokens.
    let exp = in_five_minutes();
    let set: BTreeSet<String> = [
        tokens::sign(KEY, FileKind::Attachment, 1, exp),
        tokens::sign(KEY, FileKind::Document, 1, exp),
        tokens::sign(KEY, FileKind::Attachment, 2, exp),
        tokens::sign(
            KEY,
            FileKind::Attachment,
            1,
            exp + chrono::Duration::seconds(1),
        ),
    ]
    .into();
    assert_eq!(set.len(), 4);
}

#[test]
fn token_tampering_is_a_bad_signature() {
    let now = Utc::now();
    let token = tokens::sign(KEY, FileKind::Attachment, 41, in_five_minutes());

    // A flipped bit in the signature.
    let tampered = edited(&token, |b| {
        let last = b.len() - 1;
        b[last] ^= 1;
    });
    assert_eq!(
        tokens::verify(KEY, &tampered, now),
        Err(TokenError::BadSignature)
    );
    // The kind swapped (an attachment token presented as a document).
    let swapped = edited(&token, |b| b[1] = 2);
    assert_eq!(
        tokens::verify(KEY, &swapped, now),
        Err(TokenError::BadSignature)
    );
    // Another id.
    let other_id = edited(&token, |b| b[5] ^= 1);
    assert_eq!(
        tokens::verify(KEY, &other_id, now),
        Err(TokenError::BadSignature)
    );
    // A pushed-back expiry.
    let extended = edited(&token, |b| b[12] = b[12].wrapping_add(1));
    assert_eq!(
        tokens::verify(KEY, &extended, now),
        Err(TokenError::BadSignature)
    );
    // Another server's key.
    assert_eq!(
        tokens::verify(b"another-secret-another-secret-00", &token, now),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn token_expiry() {
    let token = tokens::sign(KEY, FileKind::Document, 9, in_five_minutes());
    assert_eq!(
        tokens::verify(KEY, &token, Utc::now() + chrono::Duration::minutes(4)),
        Ok((FileKind::Document, 9))
    );
    assert_eq!(
        tokens::verify(KEY, &token, Utc::now() + chrono::Duration::minutes(6)),
        Err(TokenError::Expired)
    );
    let stale = tokens::sign(
        KEY,
        FileKind::Attachment,
        9,
        Utc::now() - chrono::Duration::seconds(1),
    );
    assert_eq!(
        tokens::verify(KEY, &stale, Utc::now()),
        Err(TokenError::Expired)
    );
    // A forged expired token is a bad signature, not "expired".
    let forged = edited(&stale, |b| b[20] ^= 0xff);
    assert_eq!(
        tokens::verify(KEY, &forged, Utc::now()),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn token_garbage_is_malformed() {
    let now = Utc::now();
    let token = tokens::sign(KEY, FileKind::Attachment, 3, in_five_minutes());
    let too_long = format!("{token}A");
    let padded = format!("{}=", &token[..token.len() - 1]);
    let not_base64 = "!".repeat(token.len());
    let short = URL_SAFE_NO_PAD.encode([0u8; 10]);
    let standard_alphabet = token.replace('-', "+").replace('_', "/");
    for garbage in [
        "",
        "abc",
        "not a token",
        short.as_str(),
        too_long.as_str(),
        &token[..token.len() - 1],
        padded.as_str(),
        not_base64.as_str(),
        "../../etc/passwd",
    ] {
        assert_eq!(
            tokens::verify(KEY, garbage, now),
            Err(TokenError::Malformed),
            "{garbage:?}"
        );
    }
    if standard_alphabet != token {
        assert_eq!(
            tokens::verify(KEY, &standard_alphabet, now),
            Err(TokenError::Malformed)
        );
    }
}
