//! Rakshaayan API: one GraphQL server for medical-device adverse-event reporting,
//! accounts and care records. `main.rs` only dispatches the CLI; everything it runs is
//! built here so that tests start the very same server.

pub mod auth;
pub mod bus;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod notify;
pub mod ratelimit;
pub mod services;
pub mod state;
pub mod storage;
pub mod telemetry;

use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::{config::Config, state::AppState};

/// A built server: bound, migrated, ready to serve.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Connects to the database, applies migrations, builds the state and binds the
    /// listener (`BIND_ADDR`; port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (db, statements) = db::connect(&config).await?;
        db::migrate_up(&db, &config.database_url)
            .await
            .context("applying migrations")?;
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("binding {}", config.bind_addr))?;
        let mut config = config;
        if config.public_base_url_derived {
            // With port 0 the real port is known only now.
            config.public_base_url = format!("http://{}", listener.local_addr()?);
        }
        let rate_limiter = match &config.redis_url {
            Some(url) => ratelimit::RateLimiter::redis(url, &config.redis_key_prefix).await?,
            None => ratelimit::RateLimiter::memory(),
        };
        // On PostgreSQL this returns once the LISTEN is in place, so a subscription made
        // right after start-up cannot miss a change.
        let sessions = auth::session_cache::SessionCache::new(
            &db,
            &config.database_url,
            config.session_cache_ttl,
            config.session_cache_capacity,
        );
        // The bus's listener also keeps the session cache current (and turns it on).
        let bus = bus::Bus::start(&db, &config.database_url, sessions.clone())
            .await
            .context("starting the event bus")?;
        let storage = storage::Storage::from_config(&config)
            .await
            .context("opening the file storage")?;
        let state = AppState::new(config, db, statements, rate_limiter, bus, sessions, storage)
            .map_err(|e| anyhow::anyhow!("building the application state: {e:?}"))?;
        Ok(Self { listener, state })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (tests use it to reach the database and the keys).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish and closes
    /// the pool.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = http::router(self.state.clone());
        let sweeper = tokio::spawn(services::attachments::sweep_forever(
            self.state.clone(),
            std::time::Duration::from_secs(15 * 60),
        ));
        let purger = tokio::spawn(services::unverified::purge_forever(
            self.state.clone(),
            self.state.config().unverified_purge_interval,
        ));
        let heartbeat = tokio::spawn(self.state.sessions().clone().heartbeat_forever());
        let limiter = self.state.rate_limiter().clone();
        let pruner = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.prune();
            }
        });
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")?;
        pruner.abort();
        heartbeat.abort();
        purger.abort();
        sweeper.abort();
        self.state.bus().stop();
        self.state.db().close_by_ref().await.ok();
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
