//! Delivery through a real SMTP server on loopback (Debian's python3-aiosmtpd), read back from its
//! maildir; and a delivery that fails first and is retried later, delivered once.

use dealreg::mailer::{SmtpMailer, SmtpSettings};
use dealreg::worker::run_once;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use store_conformance::{submit, today, world};
use testkit::{Backend, fresh_store};

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_smtp_server() -> SmtpServer {
    let maildir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = SmtpServer {
        child: Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3-aiosmtpd is installed (the README's test command installs it)"),
        port,
        maildir,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the SMTP server did not start on port {port}");
}

fn mailer(port: u16) -> SmtpMailer {
    SmtpMailer::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        from: "dealreg <dealreg@vendor.example>".into(),
        username: None,
        password: None,
    })
    .unwrap()
}

fn received(server: &SmtpServer) -> Vec<String> {
    let new = server.maildir.path().join("mail/new");
    std::fs::read_dir(new)
        .map(|d| d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
        .unwrap_or_default()
}

/// A store with the conformance world and one registration submitted, whose notification to the
/// regional manager waits in the outbox.
async fn one_submission() -> (
    std::sync::Arc<dyn store::Store>,
    tempfile::TempDir,
    store_conformance::World,
    store::Registration,
) {
    let (store, dir) = fresh_store(Backend::Sqlite).await;
    let w = world(store.clone()).await;
    let reg = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    (store, dir, w, reg)
}

#[tokio::test]
async fn notifications_arrive_through_a_real_smtp_server() {
    let server = start_smtp_server().await;
    let (store, _dir, w, reg) = one_submission().await;
    let report = run_once(store.as_ref(), &mailer(server.port), today()).await.unwrap();
    assert_eq!(report.delivered, 1);
    let mail = received(&server);
    assert_eq!(mail.len(), 1);
    let message = &mail[0];
    assert!(
        message.contains(&format!(
            "Subject: Registration #{} from Northwind AV awaits your decision",
            reg.id
        )),
        "{message}"
    );
    assert!(message.contains("To: west@vendor.example"), "{message}");
    assert!(
        message.contains(&format!(
            "Message-ID: <submitted.{}.{}@dealreg>",
            reg.id, w.west_manager.user_id
        )),
        "{message}"
    );
    // Delivered once: another pass sends nothing.
    assert_eq!(
        run_once(store.as_ref(), &mailer(server.port), today())
            .await
            .unwrap()
            .delivered,
        0
    );
    assert_eq!(received(&server).len(), 1);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_later_and_sent_once() {
    let (store, _dir, _w, _reg) = one_submission().await;
    let nobody_listens = free_port();
    let failed = run_once(store.as_ref(), &mailer(nobody_listens), today())
        .await
        .unwrap();
    assert_eq!((failed.delivered, failed.failed), (0, 1));
    let server = start_smtp_server().await;
    // Not before its backoff (30 s after the first attempt) …
    assert_eq!(
        run_once(store.as_ref(), &mailer(server.port), today())
            .await
            .unwrap()
            .delivered,
        0
    );
    // … and then exactly once.
    let later = "2026-11-22T10:00:31Z".parse().unwrap();
    assert_eq!(
        run_once(store.as_ref(), &mailer(server.port), later)
            .await
            .unwrap()
            .delivered,
        1
    );
    assert_eq!(
        run_once(store.as_ref(), &mailer(server.port), later)
            .await
            .unwrap()
            .delivered,
        0
    );
    assert_eq!(received(&server).len(), 1);
}
