//! Sending mail from the outbox over SMTP.
//!
//! A message is claimed with a lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two
//! instances never claim the same row), sent, then marked sent in the same transaction
//! that records what the sending means (a notice's delivery). A crash before the SMTP
//! server accepted the message leaves it claimed until the lease ends; it is then sent
//! once. The one window that can still double a message is a crash after the server's
//! acceptance and before the commit (milliseconds); each message carries a fixed
//! `Message-ID` (`<outbox-N@…>`) so that such a copy is recognisable as the same message.
//! Temporary failures are retried with growing pauses; a permanent refusal (5xx) ends
//! the attempts and is recorded as a bounce.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::Millis;
use crate::service::notices;
use crate::service::Settings;
use crate::service::{Clock, ServiceError};
use crate::store::notify::{self, OutboxMail};
use crate::store::Store;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// How long a claimed message is reserved for this sender.
    lease_ms: Millis,
}

/// Why a message did not go out.
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub message: String,
    /// The server refused for good (5xx): retrying will not help.
    pub permanent: bool,
}

impl Mailer {
    /// A mailer for `smtp_url`, sending as `from`, holding claimed messages for
    /// `lease_seconds` (the SMTP timeout stays well below it).
    pub fn new(smtp_url: &str, from: &str, lease_seconds: i64) -> Result<Mailer, String> {
        let lease_seconds = lease_seconds.max(2);
        let timeout = Duration::from_secs((lease_seconds as u64 / 2).clamp(1, 20));
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().map_err(|e| format!("mail_from: {e}"))?;
        Ok(Mailer {
            transport,
            from,
            lease_ms: lease_seconds * 1000,
        })
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

    pub async fn send(&self, mail: &OutboxMail) -> Result<(), SendError> {
        let message = self.message(mail).map_err(|message| SendError {
            message,
            permanent: true,
        })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError {
                message: e.to_string(),
                permanent: e.is_permanent(),
            })
    }
}

/// Pause before the next attempt: 1, 2, 4 … minutes, at most an hour.
pub fn backoff_ms(attempts: i64) -> Millis {
    let exp = attempts.clamp(1, 7) - 1;
    (60_000_i64 << exp).min(3_600_000)
}

/// Sends every message that is due at `clock`'s time; returns how many went out.
pub async fn deliver_due(
    store: &Store,
    settings: &Settings,
    mailer: &Mailer,
    clock: Clock,
) -> Result<usize, ServiceError> {
    let mut sent = 0;
    loop {
        let now = clock.now();
        let Some(mail) = notify::claim_mail(store, now, mailer.lease_ms).await? else {
            return Ok(sent);
        };
        match mailer.send(&mail).await {
            Ok(()) => {
                notices::mail_sent(store, settings, &mail, clock.now()).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(mail = mail.id, attempts = mail.attempts, permanent = e.permanent, error = %e.message, "sending mail failed");
                notices::mail_failed(
                    store,
                    &mail,
                    &e.message,
                    e.permanent,
                    now + backoff_ms(mail.attempts),
                    clock.now(),
                )
                .await?;
            }
        }
    }
}

/// Runs until the task is aborted: sends due mail every few seconds.
pub async fn run(store: Store, settings: Settings, mailer: Mailer) {
    let mut every = tokio::time::interval(Duration::from_secs(2));
    loop {
        every.tick().await;
        if let Err(e) = deliver_due(&store, &settings, &mailer, Clock::SYSTEM).await {
            crate::service::background_failure(&store, "mail outbox", &e);
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
