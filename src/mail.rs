//! Sending mail from the outbox over SMTP.
//!
//! A message is claimed with a lease, sent, then marked sent. Should meldpunt crash
//! between sending and marking, the message goes out again after the lease: each
//! message carries a fixed `Message-ID` (`<outbox-N@…>`) so that the copy can be
//! recognised as the same message. Failures are retried with growing pauses.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::Millis;
use crate::store::notify::{self, OutboxMail};
use crate::store::Store;

/// How long a claimed message is reserved for the sender that claimed it.
const LEASE_MS: Millis = 120_000;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `smtp_url`, sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = from.parse().map_err(|e| format!("mail_from: {e}"))?;
        Ok(Mailer { transport, from })
    }

    fn message(&self, mail: &OutboxMail) -> Result<Message, String> {
        let to: Mailbox = mail
            .to_addr
            .parse()
            .map_err(|e| format!("address {}: {e}", mail.to_addr))?;
        let domain = self.from.email.domain().to_string();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(format!("<outbox-{}@{domain}>", mail.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| e.to_string())
    }

    pub async fn send(&self, mail: &OutboxMail) -> Result<(), String> {
        let message = self.message(mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Pause before the next attempt: 1, 2, 4 … minutes, at most an hour.
pub fn backoff_ms(attempts: i64) -> Millis {
    let exp = attempts.clamp(1, 7) - 1;
    (60_000_i64 << exp).min(3_600_000)
}

/// Sends every message that is due now; returns how many went out.
pub async fn deliver_due(
    store: &Store,
    mailer: &Mailer,
) -> Result<usize, crate::store::StoreError> {
    let mut sent = 0;
    loop {
        let now = crate::service::now_ms();
        let Some(mail) = notify::claim_mail(store, now, LEASE_MS).await? else {
            return Ok(sent);
        };
        match mailer.send(&mail).await {
            Ok(()) => {
                notify::mark_sent(store, mail.id, crate::service::now_ms()).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(mail = mail.id, attempts = mail.attempts, error = %e, "sending mail failed; will retry");
                notify::mark_failed(store, mail.id, &e, now + backoff_ms(mail.attempts)).await?;
            }
        }
    }
}

/// Runs until the task is aborted: sends due mail every few seconds.
pub async fn run(store: Store, mailer: Mailer) {
    let mut every = tokio::time::interval(Duration::from_secs(2));
    loop {
        every.tick().await;
        if let Err(e) = deliver_due(&store, &mailer).await {
            tracing::warn!(error = %e, "mail outbox unavailable");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_at_most_an_hour() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 120_000);
        assert_eq!(backoff_ms(3), 240_000);
        assert_eq!(backoff_ms(50), 3_600_000);
    }
}
