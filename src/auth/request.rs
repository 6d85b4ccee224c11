//! What the HTTP layer learns about a caller before GraphQL runs: the bearer token (or
//! cookie), the client IP and user agent. Resolving the token into a [`Viewer`] is done
//! by `services::sessions`, which checks the session is still live.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

use super::viewer::Viewer;
use crate::error::AppError;

/// Name of the access-token cookie (cookie mode).
pub const ACCESS_COOKIE: &str = "access_token";
/// Name of the refresh-token cookie (cookie mode).
pub const REFRESH_COOKIE: &str = "refresh_token";

/// Client facts recorded in sessions and audit rows.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client IP: the socket peer, or the first `X-Forwarded-For` hop when
    /// `TRUST_PROXY` is set.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, truncated.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// Reads the client facts from a request.
    pub fn from_parts(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> Self {
        let forwarded = trust_proxy
            .then(|| headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect());
        Self {
            ip: forwarded.or(peer.map(|p| p.ip())),
            user_agent,
        }
    }

    /// The IP as stored in the database.
    pub fn ip_string(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// The outcome of authenticating a request.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// No credentials were sent.
    #[default]
    Anonymous,
    /// Valid credentials for a live session.
    Viewer(Viewer),
    /// Credentials were sent but are invalid, expired or revoked. Public operations
    /// still run; anything needing a viewer fails with this error's message.
    Invalid(String),
}

impl Auth {
    /// The viewer, or the `UNAUTHENTICATED` error that explains why there is none.
    pub fn viewer(&self) -> Result<&Viewer, AppError> {
        match self {
            Auth::Viewer(v) => Ok(v),
            Auth::Anonymous => Err(AppError::unauthenticated()),
            Auth::Invalid(message) => Err(AppError::Unauthenticated(message.clone())),
        }
    }

    /// The viewer if there is one.
    pub fn viewer_opt(&self) -> Option<&Viewer> {
        match self {
            Auth::Viewer(v) => Some(v),
            _ => None,
        }
    }
}

/// The access token of a request: `Authorization: Bearer …`, else the cookie.
pub fn access_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
            .filter(|t| !t.is_empty());
    }
    cookie(headers, ACCESS_COOKIE)
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_header_wins_over_cookie() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; access_token=fromcookie"),
        );
        assert_eq!(access_token(&h).as_deref(), Some("fromcookie"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc.def"),
        );
        assert_eq!(access_token(&h).as_deref(), Some("abc.def"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(access_token(&h), None);
    }

    #[test]
    fn forwarded_for_is_used_only_when_trusted() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 10.0.0.1"),
        );
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        assert_eq!(
            ClientInfo::from_parts(&h, Some(peer), false)
                .ip_string()
                .as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            ClientInfo::from_parts(&h, Some(peer), true)
                .ip_string()
                .as_deref(),
            Some("203.0.113.9")
        );
    }
}
