//! Delivery of outbox messages: by SMTP when configured, else as `.eml` files in the data directory.
//! Each message carries a Message-ID derived from its outbox dedupe key, so a delivery retried after
//! a crash is recognisably the same message, and a file delivery retried overwrites the same file.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use store::OutboxMessage;

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &OutboxMessage) -> Result<(), String>;
}

/// A file-name- and Message-ID-safe form of the dedupe key.
fn delivery_key(message: &OutboxMessage) -> String {
    message
        .dedupe_key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '.' })
        .collect()
}

pub fn build(from: &Mailbox, message: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = message
        .recipient_email
        .parse()
        .map_err(|e| format!("bad recipient {}: {e}", message.recipient_email))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&message.subject)
        .message_id(Some(format!("<{}@dealreg>", delivery_key(message))))
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| format!("cannot build message: {e}"))
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl SmtpMailer {
    /// Plain SMTP, for a relay on the same host or network (see docs/DECISIONS.md on TLS).
    pub fn new(settings: &SmtpSettings) -> Result<Self, String> {
        let from = settings
            .from
            .parse()
            .map_err(|e| format!("bad --smtp-from address: {e}"))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host).port(settings.port);
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let email = build(&self.from, message)?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// Writes each message to `DIR/<delivery key>.eml`, atomically (write, fsync, rename).
pub struct FileMailer {
    pub dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> Self {
        let from = "dealreg <dealreg@localhost>"
            .parse()
            .unwrap_or_else(|_| unreachable!("constant address parses"));
        FileMailer { dir, from }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let bytes = build(&self.from, message)?.formatted();
        let dir = self.dir.clone();
        let name = delivery_key(message);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            crate::private_files::create_dir(&dir)?;
            let tmp = dir.join(format!(".{name}.tmp"));
            let mut file = crate::private_files::create_file(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, dir.join(format!("{name}.eml")))?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot write .eml into {}: {e}", self.dir.display()))
    }
}
