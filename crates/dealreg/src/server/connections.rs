//! The accept loop, instead of `axum::serve`, which has no timeouts and no limit (decision 39): at
//! most [`Limits::connections`] connections, each closed when its client is too slow with a request
//! head or leaves it idle too long; on stop, requests in progress finish first.

use super::Limits;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// Serves HTTP/1.1 on `listener` until `stop` resolves, then waits for open connections to finish
/// what they are doing.
pub(super) async fn serve(listener: TcpListener, app: Router, limits: Limits, stop: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's header timer also runs while a kept-alive connection waits for its next request,
    // which would make the idle timeout the header timeout; `Deadline` keeps the two apart.
    http.header_read_timeout(None);
    tokio::pin!(stop);
    loop {
        let (slot, stream) = tokio::select! {
            () = &mut stop => break,
            next = next_connection(&listener, &slots) => next,
        };
        let deadline = Arc::new(Deadline::new(&limits));
        let service = {
            let deadline = deadline.clone();
            let app = app.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let handling = Handling::begin(deadline.clone());
                let app = app.clone();
                async move {
                    let response = app.oneshot(request).await;
                    drop(handling);
                    response
                }
            })
        };
        let io = TokioIo::new(Watched {
            stream,
            deadline: deadline.clone(),
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            tokio::select! {
                served = connection => if let Err(e) = served {
                    tracing::debug!("connection ended: {e}");
                },
                () = deadline.passed() => tracing::debug!("closed a connection whose client was too slow or idle"),
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The next connection once one of the `slots` is free. Until then, connections wait in the
/// listen backlog, so that a burst is served late rather than refused.
async fn next_connection(listener: &TcpListener, slots: &Arc<Semaphore>) -> (OwnedSemaphorePermit, TcpStream) {
    let slot = slots
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return (slot, stream),
            // The client gave up before it was accepted.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) => {}
            // Out of file descriptors, typically: accepting again at once would fail again.
            Err(e) => {
                tracing::error!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// When a connection's client must have sent something. A new connection has `header_read` for its
/// first request head; once a request is answered, the next one must begin within `idle` of the
/// server's last write, and its head be complete within `header_read` of its first byte. While a
/// request is handled there is none: its body has its own timeout ([`Limits::body`]).
struct Deadline {
    header_read: Duration,
    idle: Duration,
    state: Mutex<State>,
    moved_earlier: Notify,
}

enum State {
    /// A request head is arriving and must be complete by then.
    Head(Instant),
    /// No request is in progress; the next must begin by then.
    Idle(Instant),
    /// This many requests are being handled.
    Handling(usize),
}

impl Deadline {
    fn new(limits: &Limits) -> Deadline {
        Deadline {
            header_read: limits.header_read,
            idle: limits.idle,
            state: Mutex::new(State::Head(Instant::now() + limits.header_read)),
            moved_earlier: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client sent bytes: on an idle connection, the start of a request head.
    fn read(&self) {
        let mut state = self.state();
        if let State::Idle(_) = *state {
            *state = State::Head(Instant::now() + self.header_read);
            self.moved_earlier.notify_one();
        }
    }

    /// The server sent bytes: an answer still on its way keeps an idle connection open.
    fn wrote(&self) {
        let mut state = self.state();
        if let State::Idle(_) = *state {
            *state = State::Idle(Instant::now() + self.idle);
        }
    }

    /// Resolves once the deadline has passed.
    async fn passed(&self) {
        loop {
            let due = match *self.state() {
                State::Head(due) | State::Idle(due) => Some(due),
                State::Handling(_) => None,
            };
            match due {
                Some(due) if due <= Instant::now() => return,
                // A deadline that moved later is found when this one ends.
                Some(due) => tokio::select! {
                    () = tokio::time::sleep_until(due) => {}
                    () = self.moved_earlier.notified() => {}
                },
                None => self.moved_earlier.notified().await,
            }
        }
    }
}

/// A request being handled, from its complete head until its answer is ready.
struct Handling(Arc<Deadline>);

impl Handling {
    fn begin(deadline: Arc<Deadline>) -> Handling {
        {
            let mut state = deadline.state();
            *state = match *state {
                State::Handling(n) => State::Handling(n + 1),
                State::Head(_) | State::Idle(_) => State::Handling(1),
            };
        }
        Handling(deadline)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        let mut state = self.0.state();
        *state = match *state {
            State::Handling(n) if n > 1 => State::Handling(n - 1),
            _ => State::Idle(Instant::now() + self.0.idle),
        };
        self.0.moved_earlier.notify_one();
    }
}

/// A client's socket that tells its [`Deadline`] about the bytes going through it.
struct Watched {
    stream: TcpStream,
    deadline: Arc<Deadline>,
}

impl Watched {
    fn wrote(&self, written: &Poll<io::Result<usize>>) {
        if matches!(written, Poll::Ready(Ok(n)) if *n > 0) {
            self.deadline.wrote();
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.deadline.read();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.wrote(&written);
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.wrote(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
