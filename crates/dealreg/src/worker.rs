//! The background worker (REG-4, ROE-3, PRG-1, PRG-5, PLT-3): expires registrations, ends managers'
//! rights past their grace, confirms commission orders of complete periods under automatic
//! confirmation, queues reminders and delivers the outbox. It runs inside `dealreg serve` every interval and on demand as `dealreg jobs run`. Every
//! step is safe to run twice and from several processes at once: sweeps change only rows still in
//! the state they look for, and outbox messages are leased to one worker at a time.

use crate::mailer::Mailer;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use store::{Store, StoreResult, SweepReport};
use web::Clock;

/// How long a worker may hold a message before another may retry it.
const LEASE: SignedDuration = SignedDuration::from_secs(120);
const BATCH: i64 = 50;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkReport {
    pub expired: u64,
    pub reminders_queued: u64,
    /// Opportunities whose manager's rights ended (ROE-3).
    pub rights_ended: u64,
    pub rights_reminders: u64,
    pub sessions_removed: u64,
    /// Commission orders confirmed because their period is complete (PRG-5), and statements queued.
    pub commissions_confirmed: u64,
    pub statements_queued: u64,
    /// Channel managers reminded of partner level reviews (PRG-1).
    pub review_reminders: u64,
    pub delivered: u64,
    pub failed: u64,
}

/// Waits before retry `attempt` (1-based): 30 s, 1 min, 2 min … capped at one hour. Never gives up:
/// a message is not lost because a mail server was down for a day.
pub fn backoff(attempt: i64) -> SignedDuration {
    let exponent = attempt.clamp(1, 8) - 1;
    SignedDuration::from_secs((30i64 << exponent).min(3600))
}

pub async fn run_once(store: &dyn Store, mailer: &dyn Mailer, now: Timestamp) -> StoreResult<WorkReport> {
    let SweepReport {
        expired,
        reminders_queued,
        rights_ended,
        rights_reminders,
        sessions_removed,
    } = store.run_sweeps(now).await?;
    let mut report = WorkReport {
        expired,
        reminders_queued,
        rights_ended,
        rights_reminders,
        sessions_removed,
        ..WorkReport::default()
    };
    let commissions = store.run_commission_sweep(now).await?;
    report.commissions_confirmed = commissions.confirmed;
    report.statements_queued = commissions.statements_queued;
    report.review_reminders = commissions.review_reminders;
    loop {
        let lease_until = now.saturating_add(LEASE).unwrap_or(now);
        let batch = store.claim_outbox(now, lease_until, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for message in &batch {
            match mailer.send(message).await {
                Ok(()) => {
                    store.mark_delivered(message.id, now).await?;
                    report.delivered += 1;
                }
                Err(error) => {
                    tracing::warn!(id = message.id, attempts = message.attempts, %error, "delivery failed; will retry");
                    let retry_at = now.saturating_add(backoff(message.attempts)).unwrap_or(now);
                    store.mark_failed(message.id, &error, retry_at).await?;
                    report.failed += 1;
                }
            }
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    Ok(report)
}

/// Runs the worker every `interval` until `shutdown` resolves.
pub async fn run_forever(
    store: Arc<dyn Store>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut shutdown = shutdown;
    loop {
        match run_once(store.as_ref(), mailer.as_ref(), clock.now()).await {
            Ok(report) if report != WorkReport::default() => tracing::info!(?report, "worker pass"),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "worker pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff(1), SignedDuration::from_secs(30));
        assert_eq!(backoff(2), SignedDuration::from_secs(60));
        assert_eq!(backoff(7), SignedDuration::from_secs(1920));
        assert_eq!(backoff(8), SignedDuration::from_secs(3600));
        assert_eq!(backoff(50), SignedDuration::from_secs(3600));
    }
}
