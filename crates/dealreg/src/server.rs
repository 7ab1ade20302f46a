//! `dealreg serve`: the HTTP server with the worker beside it, stopped gracefully by Ctrl-C/SIGTERM.

use crate::mailer::Mailer;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use web::{AppState, Clock};

pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets those in flight finish, stops the worker.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        if let Some(worker) = self.worker {
            let _ = worker.await;
        }
        self.server.await.map_err(std::io::Error::other)?
    }

    /// Resolves when the server stops on its own (it does not, unless it fails).
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.await.map_err(std::io::Error::other)?
    }
}

/// Binds `addr` (port 0 for any free port) and starts serving; with `worker_every`, runs the
/// worker in the background too. `public_url` is where people reach the server (links in e-mails);
/// by default the bound address.
pub async fn start(
    addr: SocketAddr,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    worker_every: Option<Duration>,
    public_url: Option<String>,
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
    });
    let mut stopped_server = stopped;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped_server.changed().await;
            })
            .await
    });
    Ok(Running {
        addr,
        stop,
        server,
        worker,
    })
}
