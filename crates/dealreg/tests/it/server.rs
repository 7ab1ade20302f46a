//! The server's own limits against clients that hold connections (issue 12, item 5), over raw TCP:
//! a client stalling in its request head or body is cut off while others are served, an idle
//! kept-alive connection is closed (but not by the header timeout), connections beyond the limit
//! wait to be accepted, and stopping lets a request in progress finish. Short timeouts keep the
//! tests quick; every bound on waiting for the server is generous, so a loaded machine passes too.

use std::time::Duration;
use testkit::{Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than the server ever needs here, however loaded the machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn limits() -> dealreg::server::Limits {
    dealreg::server::Limits {
        header_read: Duration::from_secs(1),
        body: Duration::from_secs(1),
        idle: Duration::from_secs(1),
        connections: 1024,
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base_url.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let received = String::from_utf8_lossy(&received).into_owned();
    assert!(
        read.is_ok(),
        "the server still holds the connection; it sent: {received:?}"
    );
    received
}

/// One answer on a kept-alive connection (answers here are short and come in one piece).
async fn answer(stream: &mut TcpStream) -> String {
    let mut buf = [0; 4096];
    let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
        .await
        .expect("an answer")
        .expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: dealreg\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_in_its_request_head_is_cut_off_while_others_are_served() {
    let app = TestApp::spawn_with_limits(Backend::Sqlite, limits()).await;
    let mut stalled = connect(&app).await;
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: dealreg\r\n")
        .await
        .unwrap();
    let other = reqwest::get(format!("{}/healthz", app.base_url)).await.unwrap();
    assert_eq!(other.text().await.unwrap(), "ok");
    assert_eq!(until_closed(&mut stalled).await, "", "no answer to half a request");
    app.stop().await;
}

/// The header timeout counts from a request's first byte, so it does not cut off a kept-alive
/// connection between requests; the idle timeout does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_by_the_idle_timeout_not_the_header_timeout() {
    let app = TestApp::spawn_with_limits(
        Backend::Sqlite,
        dealreg::server::Limits {
            idle: PATIENCE / 2,
            ..limits()
        },
    )
    .await;
    let mut kept = connect(&app).await;
    kept.write_all(HEALTH).await.unwrap();
    assert!(answer(&mut kept).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(limits().header_read * 3).await;
    kept.write_all(HEALTH).await.unwrap();
    assert!(answer(&mut kept).await.starts_with("HTTP/1.1 200"));
    app.stop().await;

    let app = TestApp::spawn_with_limits(Backend::Sqlite, limits()).await;
    let mut idle = connect(&app).await;
    idle.write_all(HEALTH).await.unwrap();
    assert!(until_closed(&mut idle).await.starts_with("HTTP/1.1 200"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_answered_408_and_its_connection_closed() {
    let app = TestApp::spawn_with_limits(Backend::Sqlite, limits()).await;
    let token = app.token_for(&app.world.partner_a).await;
    let mut api = connect(&app).await;
    api.write_all(
        format!(
            "POST /api/v1/registrations/check HTTP/1.1\r\nHost: dealreg\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"cus"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = until_closed(&mut api).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("/problems/body-timeout"), "{answer}");

    // A page's form: the CSRF check reads it first.
    let sign_in = reqwest::get(format!("{}/login", app.base_url)).await.unwrap();
    let cookie = sign_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = crate::pages::csrf(&sign_in.text().await.unwrap());
    let mut page = connect(&app).await;
    page.write_all(
        format!(
            "POST /login HTTP/1.1\r\nHost: dealreg\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ncsrf={csrf}&email="
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = until_closed(&mut page).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("The form did not arrive in time"), "{answer}");
    app.stop().await;
}

/// Beyond the limit a connection is not refused: it waits to be accepted until another closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let app = TestApp::spawn_with_limits(
        Backend::Sqlite,
        dealreg::server::Limits {
            header_read: PATIENCE * 2,
            connections: 4,
            ..limits()
        },
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&app).await;
        stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
    }
    let mut fifth = connect(&app).await;
    fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: dealreg\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0; 64];
    let early = tokio::time::timeout(Duration::from_secs(2), fifth.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "the fifth connection was served while four were held: {early:?}"
    );
    drop(held.pop());
    assert!(until_closed(&mut fifth).await.starts_with("HTTP/1.1 200"));
    // Stopping waits for half-sent requests (up to the header timeout).
    drop(held);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_lets_a_request_in_progress_finish() {
    let app = TestApp::spawn_with_limits(
        Backend::Sqlite,
        dealreg::server::Limits {
            body: PATIENCE,
            ..limits()
        },
    )
    .await;
    let token = app.token_for(&app.world.partner_a).await;
    let address = app.base_url.trim_start_matches("http://").to_owned();
    let mut in_progress = connect(&app).await;
    // Served once, so the connection is surely accepted (not still in the listen backlog)...
    in_progress.write_all(HEALTH).await.unwrap();
    assert!(answer(&mut in_progress).await.starts_with("HTTP/1.1 200"));
    in_progress
        .write_all(
            format!(
                "POST /api/v1/registrations/check HTTP/1.1\r\nHost: dealreg\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // ...and its next request has been read up to the body it waits for.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = tokio::spawn(app.stop());
    // Stopping has begun once new connections are refused.
    tokio::time::timeout(PATIENCE, async {
        while TcpStream::connect(&address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server stops listening");
    in_progress.write_all(b"}").await.unwrap();
    let answer = until_closed(&mut in_progress).await;
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    tokio::time::timeout(PATIENCE, stopped).await.expect("stopped").unwrap();
}
