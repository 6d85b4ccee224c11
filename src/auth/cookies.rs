//! Cookie mode (SPEC §5): login and refresh also set HttpOnly cookies for both tokens;
//! logout clears them. `SameSite=Lax` keeps them off cross-site POSTs, and the GraphQL
//! endpoint refuses the content types a cross-site form could send, so cookie
//! authentication is CSRF-safe.

use chrono::{DateTime, Utc};

use super::request::{ACCESS_COOKIE, REFRESH_COOKIE};

/// Path the refresh cookie is limited to: only the GraphQL endpoint needs it.
const REFRESH_PATH: &str = "/graphql";

fn cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The two cookies of a session.
pub fn session_cookies(
    access_token: &str,
    access_expires_at: DateTime<Utc>,
    refresh_token: &str,
    refresh_expires_at: DateTime<Utc>,
    secure: bool,
) -> [String; 2] {
    let now = Utc::now();
    [
        cookie(
            ACCESS_COOKIE,
            access_token,
            "/",
            (access_expires_at - now).num_seconds().max(0),
            secure,
        ),
        cookie(
            REFRESH_COOKIE,
            refresh_token,
            REFRESH_PATH,
            (refresh_expires_at - now).num_seconds().max(0),
            secure,
        ),
    ]
}

/// Cookies that remove both tokens from the browser.
pub fn clearing_cookies(secure: bool) -> [String; 2] {
    [
        cookie(ACCESS_COOKIE, "", "/", 0, secure),
        cookie(REFRESH_COOKIE, "", REFRESH_PATH, 0, secure),
    ]
}
