//! The binary's subcommands: `schema`, `create-admin`, `migrate`, and the production
//! refusals of SPEC §2.

use std::{io::Write, process::Stdio};

use entity::auth_users;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{STRONG_PASSWORD, fresh_database, test_env};

const BIN: &str = env!("CARGO_BIN_EXE_rakshaayan");

/// A command with a clean environment (no developer `.env`, no inherited settings).
fn command(dir: &tempfile::TempDir, env: &[(String, String)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.current_dir(dir.path()).env_clear();
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env.iter().cloned());
    cmd
}

#[test]
fn help_lists_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(&dir, &[]).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "migrate", "schema", "create-admin"] {
        assert!(text.contains(sub), "{sub} in --help:\n{text}");
    }
}

#[test]
fn schema_prints_the_sdl() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(&dir, &[]).arg("schema").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        rakshaayan::graphql::schema::sdl()
    );
}

#[test]
fn production_refuses_to_start_without_a_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![("APP_ENV".to_owned(), "production".to_owned())];
    let out = command(&dir, &env).arg("serve").output().unwrap();
    assert!(!out.status.success());
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JWT_SECRET"), "{err}");
}

#[test]
fn production_refuses_log_and_outbox_otp_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("APP_ENV".to_owned(), "production".to_owned()),
        ("JWT_SECRET".to_owned(), "p".repeat(40)),
        ("OTP_SMS_DELIVERY".to_owned(), "outbox".to_owned()),
    ];
    let out = command(&dir, &env).arg("serve").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OTP_SMS_DELIVERY"), "{err}");
}

fn env_pairs(dir: &tempfile::TempDir, url: &str) -> Vec<(String, String)> {
    test_env(dir, url, &[]).into_iter().collect()
}

#[tokio::test]
async fn create_admin_reads_the_password_from_env_or_stdin_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(&dir).await;
    let mut env = env_pairs(&dir, &url);

    // From ADMIN_PASSWORD.
    env.push(("ADMIN_PASSWORD".to_owned(), STRONG_PASSWORD.to_owned()));
    let out = command(&dir, &env)
        .args([
            "create-admin",
            "--username",
            "chief",
            "--email",
            "Chief@Example.org",
            "--phone",
            "+91 98000 00002",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.pop();

    // From the first line of stdin.
    let mut child = command(&dir, &env)
        .args([
            "create-admin",
            "--username",
            "deputy",
            "--email",
            "deputy@example.org",
            "--phone",
            "9800000003",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{STRONG_PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A weak password and a duplicate username are refused, with a non-zero exit.
    env.push(("ADMIN_PASSWORD".to_owned(), "weak".to_owned()));
    let out = command(&dir, &env)
        .args([
            "create-admin",
            "--username",
            "third",
            "--email",
            "third@example.org",
            "--phone",
            "9800000004",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    env.pop();
    env.push(("ADMIN_PASSWORD".to_owned(), STRONG_PASSWORD.to_owned()));
    let out = command(&dir, &env)
        .args([
            "create-admin",
            "--username",
            "chief",
            "--email",
            "other@example.org",
            "--phone",
            "9800000005",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("username"));

    let (db, _) = rakshaayan::db::connect(
        &rakshaayan::config::Config::from_map(&test_env(&dir, &url, &[])).unwrap(),
    )
    .await
    .unwrap();
    let admins = auth_users::Entity::find()
        .filter(auth_users::Column::UserType.eq(entity::enums::UserType::Admin))
        .all(&db)
        .await
        .unwrap();
    let names: Vec<_> = admins.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let chief = admins.iter().find(|u| u.username == "chief").unwrap();
    assert_eq!(chief.email, "chief@example.org", "stored lowercased");
    assert_eq!(chief.phone_number, "+919800000002", "stored normalised");
    assert!(
        chief
            .password
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );
    assert!(!chief.password.contains(STRONG_PASSWORD));
    db.close().await.ok();
}

#[tokio::test]
async fn migrate_subcommands_report_and_reverse() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _guard) = fresh_database(&dir).await;
    let env = env_pairs(&dir, &url);
    let run = |args: &[&str]| {
        let out = command(&dir, &env).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        run(&["migrate", "status"])
            .lines()
            .all(|l| l.starts_with("pending"))
    );
    run(&["migrate", "up"]);
    let status = run(&["migrate", "status"]);
    assert!(
        status.lines().count() >= 15 && status.lines().all(|l| l.starts_with("applied")),
        "{status}"
    );
    run(&["migrate", "down"]);
    assert_eq!(
        run(&["migrate", "status"])
            .lines()
            .filter(|l| l.starts_with("pending"))
            .count(),
        1
    );
    run(&["migrate", "down", "--all"]);
    assert!(
        run(&["migrate", "status"])
            .lines()
            .all(|l| l.starts_with("pending"))
    );
    run(&["migrate", "fresh"]);
    assert!(
        run(&["migrate", "status"])
            .lines()
            .all(|l| l.starts_with("applied"))
    );
}
