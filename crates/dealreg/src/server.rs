//! `dealreg serve`: the HTTP server with the worker beside it, stopped gracefully by Ctrl-C/SIGTERM.

mod connections;

use crate::mailer::Mailer;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use web::{AppState, Clock};

/// How much of the server one client can hold (issue 12, item 5): without these, a client that
/// sends half a request keeps its connection, and a few hundred such clients keep them all.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's line and headers must have arrived this long after the connection was accepted
    /// or, on a kept-alive connection, after the request's first byte.
    pub header_read: Duration,
    /// A request body may pause this long between two pieces; the request then fails.
    pub body: Duration,
    /// A kept-alive connection with no request in progress is closed after this long without a
    /// byte either way.
    pub idle: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            body: Duration::from_secs(30),
            // Longer than the 60 s after which common reverse proxies and load balancers drop an
            // idle connection, so that they, not dealreg, close it: a proxy that sends a request
            // just as the server closes gets an error instead of an answer.
            idle: Duration::from_secs(75),
            connections: 1024,
        }
    }
}

pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets those in flight finish, stops the worker.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        if let Some(worker) = self.worker {
            let _ = worker.await;
        }
        self.server.await.map_err(std::io::Error::other)
    }

    /// Resolves when the server stops on its own: only if it panics.
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.await.map_err(std::io::Error::other)
    }
}

/// Binds `addr` (port 0 for any free port) and starts serving within `limits`; with `worker_every`,
/// runs the worker in the background too. `public_url` is where people reach the server (links in
/// e-mails); by default the bound address.
pub async fn start(
    addr: SocketAddr,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    worker_every: Option<Duration>,
    public_url: Option<String>,
    limits: Limits,
) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = worker_every.map(|every| {
        tokio::spawn(crate::worker::run_forever(
            store.clone(),
            mailer,
            clock.clone(),
            every,
            stopped.clone(),
        ))
    });
    let public_url = public_url.unwrap_or_else(|| format!("http://{addr}"));
    let app = web::app(AppState {
        store,
        clock,
        public_url,
    })
    .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body));
    let mut stopped_server = stopped;
    let server = tokio::spawn(connections::serve(listener, app, limits, async move {
        let _ = stopped_server.changed().await;
    }));
    Ok(Running {
        addr,
        stop,
        server,
        worker,
    })
}
