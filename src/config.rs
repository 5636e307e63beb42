//! Configuration: defaults, then a TOML file, then `MELDPUNT_*` environment variables,
//! then command-line flags. Secrets are never printed (see the `Debug` impl).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::report::HandlingDeadlines;
use crate::domain::session::SessionLimits;

/// A numeric setting that can be read from an environment variable.
trait SetFromEnv {
    fn set(&mut self, raw: &str) -> Result<(), ()>;
}

impl SetFromEnv for usize {
    fn set(&mut self, raw: &str) -> Result<(), ()> {
        *self = raw.trim().parse().ok().filter(|v| *v > 0).ok_or(())?;
        Ok(())
    }
}

impl SetFromEnv for i64 {
    fn set(&mut self, raw: &str) -> Result<(), ()> {
        *self = raw.trim().parse().ok().filter(|v| *v > 0).ok_or(())?;
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the embedded SQLite database (when no database URL is given).
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; empty for SQLite in `data_dir`. Secret.
    pub database_url: Option<String>,
    /// The address people use to reach meldpunt; links in messages start with it.
    /// When it starts with `https://`, cookies are `Secure` and HSTS is sent.
    pub public_url: String,
    pub log_format: LogFormat,
    /// Bearer token that opens `/metrics`; without one, `/metrics` is off. Secret.
    pub metrics_token: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// Largest accepted request body, in bytes (forms and API calls without files).
    pub max_body_bytes: usize,
    /// Where evidence files go: empty for `<data_dir>/evidence`, a directory path,
    /// `file:///…`, or `s3://bucket/prefix` (credentials and endpoint from the usual
    /// `AWS_*` environment variables).
    pub evidence_store: String,
    /// Largest evidence file, in bytes.
    pub evidence_max_bytes: usize,
    /// Handling deadline per urgency, in minutes.
    pub deadline_acute_minutes: i64,
    pub deadline_high_minutes: i64,
    pub deadline_normal_minutes: i64,
    /// `smtp://host:port` (or `smtps://…`, with user and password if needed); without
    /// one, mail waits in the outbox. Secret.
    pub smtp_url: Option<String>,
    /// The sender of every message meldpunt sends.
    pub mail_from: String,
    /// Most reports committed together (1 = one durable commit per report).
    pub intake_batch_max: usize,
    /// Texts at least this similar (Jaccard of their shingles, in percent) are proposed as copies.
    pub match_text_percent: i64,
    /// Images at most this many PDQ bits apart are proposed as copies.
    pub match_image_bits: i64,
    /// Time a platform is asked to take to handle a notice, per urgency, in minutes;
    /// after it a reminder goes out, after twice as long the notice is escalated.
    pub answer_acute_minutes: i64,
    pub answer_high_minutes: i64,
    pub answer_normal_minutes: i64,
    /// How long a sender holds a claimed outbox message before another may take it over.
    pub mail_lease_seconds: i64,
    /// SQLite: the most megabytes the database may grow to (0: no cap). At the cap, writes
    /// are refused with 503 as on a full disk, and the disk keeps room for the rest.
    pub sqlite_max_mb: usize,
    /// How long each kind of data is kept, as ISO 8601 periods (`P5Y`, `P6M`, `P30D`);
    /// unset kinds keep their defaults (`domain::retention::DataKind::default_period`).
    pub retention: RetentionConfig,
    /// Client secrets for single sign-on, by the name an administrator gives in the
    /// provider's registration (`[sso_secrets]` in the file; a name not here is read from
    /// the environment variable `MELDPUNT_SSO_SECRET_<name>`). Secret.
    pub sso_secrets: std::collections::BTreeMap<String, String>,
}

/// The `[retention]` table: a period per kind of data (`domain::retention::DataKind`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    pub case_without_action: Option<String>,
    pub case_with_notice: Option<String>,
    pub evidence: Option<String>,
    pub sign_in_records: Option<String>,
    pub notifications: Option<String>,
}

impl RetentionConfig {
    fn slots(&mut self) -> [(crate::domain::retention::DataKind, &mut Option<String>); 5] {
        use crate::domain::retention::DataKind;
        [
            (DataKind::CaseWithoutAction, &mut self.case_without_action),
            (DataKind::CaseWithNotice, &mut self.case_with_notice),
            (DataKind::Evidence, &mut self.evidence),
            (DataKind::SignInRecords, &mut self.sign_in_records),
            (DataKind::Notifications, &mut self.notifications),
        ]
    }

    /// The schedule these settings give, or the first setting that is not a valid period.
    pub fn schedule(
        &self,
    ) -> Result<crate::domain::retention::Schedule, (crate::domain::retention::DataKind, String)>
    {
        use crate::domain::retention::{PeriodError, Schedule};
        let mut copy = self.clone();
        let given: Vec<(crate::domain::retention::DataKind, String)> = copy
            .slots()
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect();
        let refs: Vec<(crate::domain::retention::DataKind, &str)> =
            given.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Schedule::with(&refs).map_err(|(kind, e)| {
            let value = given
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let why = match e {
                PeriodError::Malformed => "is not an ISO 8601 period such as P5Y, P6M or P30D (no negative periods, weeks or hours)",
                PeriodError::Zero => "is zero: a retention period must keep data for some time",
                PeriodError::TooLong => "is longer than 100 years",
            };
            (kind, format!("{value:?} {why}"))
        })
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("meldpunt-data"),
            database_url: None,
            public_url: "http://127.0.0.1:8080".into(),
            log_format: LogFormat::Text,
            metrics_token: None,
            trust_forwarded_for: false,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            max_body_bytes: 64 * 1024,
            evidence_store: String::new(),
            evidence_max_bytes: 25_000_000,
            deadline_acute_minutes: 60,
            deadline_high_minutes: 24 * 60,
            deadline_normal_minutes: 72 * 60,
            smtp_url: None,
            mail_from: "meldpunt <meldpunt@localhost>".into(),
            intake_batch_max: 128,
            match_text_percent: 70,
            match_image_bits: 31,
            answer_acute_minutes: 60,
            answer_high_minutes: 24 * 60,
            answer_normal_minutes: 72 * 60,
            mail_lease_seconds: 120,
            sqlite_max_mb: 0,
            retention: RetentionConfig::default(),
            sso_secrets: Default::default(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("public_url", &self.public_url)
            .field("log_format", &self.log_format)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[secret]"),
            )
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_absolute_hours", &self.session_absolute_hours)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("evidence_store", &self.evidence_store)
            .field("evidence_max_bytes", &self.evidence_max_bytes)
            .field("deadlines", &self.deadlines())
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("intake_batch_max", &self.intake_batch_max)
            .field("match_text_percent", &self.match_text_percent)
            .field("match_image_bits", &self.match_image_bits)
            .field("answer_acute_minutes", &self.answer_acute_minutes)
            .field("answer_high_minutes", &self.answer_high_minutes)
            .field("answer_normal_minutes", &self.answer_normal_minutes)
            .field("mail_lease_seconds", &self.mail_lease_seconds)
            .field("sqlite_max_mb", &self.sqlite_max_mb)
            .field("retention", &self.retention)
            .field(
                "sso_secrets",
                &self
                    .sso_secrets
                    .keys()
                    .map(|k| (k, "[secret]"))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Hides the password in a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:[secret]{}", &url[..scheme_end], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("environment variable {0}: {1}")]
    Env(&'static str, String),
    #[error("retention period {0}: {1}")]
    Retention(&'static str, String),
}

impl Config {
    /// Loads defaults, then the file (if any), then the environment.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut cfg = match file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.into(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(path.into(), e))?
            }
            None => Config::default(),
        };
        if let Some(v) = env("MELDPUNT_LISTEN") {
            cfg.listen = v
                .parse()
                .map_err(|_| ConfigError::Env("MELDPUNT_LISTEN", "expected host:port".into()))?;
        }
        if let Some(v) = env("MELDPUNT_DATA_DIR") {
            cfg.data_dir = v.into();
        }
        if let Some(v) = env("MELDPUNT_DATABASE_URL").filter(|v| !v.is_empty()) {
            cfg.database_url = Some(v);
        }
        if let Some(v) = env("MELDPUNT_PUBLIC_URL") {
            cfg.public_url = v;
        }
        if let Some(v) = env("MELDPUNT_LOG_FORMAT") {
            cfg.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                _ => {
                    return Err(ConfigError::Env(
                        "MELDPUNT_LOG_FORMAT",
                        "expected text or json".into(),
                    ))
                }
            };
        }
        if let Some(v) = env("MELDPUNT_METRICS_TOKEN").filter(|v| !v.is_empty()) {
            cfg.metrics_token = Some(v);
        }
        if let Some(v) = env("MELDPUNT_TRUST_FORWARDED_FOR") {
            cfg.trust_forwarded_for = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("MELDPUNT_SESSION_IDLE_MINUTES") {
            cfg.session_idle_minutes = v.parse().map_err(|_| {
                ConfigError::Env("MELDPUNT_SESSION_IDLE_MINUTES", "expected minutes".into())
            })?;
        }
        if let Some(v) = env("MELDPUNT_SESSION_ABSOLUTE_HOURS") {
            cfg.session_absolute_hours = v.parse().map_err(|_| {
                ConfigError::Env("MELDPUNT_SESSION_ABSOLUTE_HOURS", "expected hours".into())
            })?;
        }
        if let Some(v) = env("MELDPUNT_EVIDENCE_STORE") {
            cfg.evidence_store = v;
        }
        for (name, slot) in [
            (
                "MELDPUNT_EVIDENCE_MAX_BYTES",
                &mut cfg.evidence_max_bytes as &mut dyn SetFromEnv,
            ),
            ("MELDPUNT_INTAKE_BATCH_MAX", &mut cfg.intake_batch_max),
            ("MELDPUNT_MATCH_TEXT_PERCENT", &mut cfg.match_text_percent),
            ("MELDPUNT_MATCH_IMAGE_BITS", &mut cfg.match_image_bits),
            (
                "MELDPUNT_DEADLINE_ACUTE_MINUTES",
                &mut cfg.deadline_acute_minutes,
            ),
            (
                "MELDPUNT_DEADLINE_HIGH_MINUTES",
                &mut cfg.deadline_high_minutes,
            ),
            (
                "MELDPUNT_DEADLINE_NORMAL_MINUTES",
                &mut cfg.deadline_normal_minutes,
            ),
            (
                "MELDPUNT_ANSWER_ACUTE_MINUTES",
                &mut cfg.answer_acute_minutes,
            ),
            ("MELDPUNT_ANSWER_HIGH_MINUTES", &mut cfg.answer_high_minutes),
            (
                "MELDPUNT_ANSWER_NORMAL_MINUTES",
                &mut cfg.answer_normal_minutes,
            ),
            ("MELDPUNT_MAIL_LEASE_SECONDS", &mut cfg.mail_lease_seconds),
            ("MELDPUNT_SQLITE_MAX_MB", &mut cfg.sqlite_max_mb),
        ] {
            if let Some(v) = env(name) {
                slot.set(&v)
                    .map_err(|_| ConfigError::Env(name, "expected a positive number".into()))?;
            }
        }
        if let Some(v) = env("MELDPUNT_SMTP_URL").filter(|v| !v.is_empty()) {
            cfg.smtp_url = Some(v);
        }
        if let Some(v) = env("MELDPUNT_MAIL_FROM").filter(|v| !v.is_empty()) {
            cfg.mail_from = v;
        }
        for (kind, slot) in cfg.retention.slots() {
            let name = format!("MELDPUNT_RETENTION_{}", kind.as_str().to_ascii_uppercase());
            if let Some(v) = env(&name) {
                *slot = Some(v);
            }
        }
        // A wrong period is refused before anything runs, so nothing is ever deleted by it.
        cfg.retention
            .schedule()
            .map_err(|(kind, why)| ConfigError::Retention(kind.as_str(), why))?;
        Ok(cfg)
    }

    /// The matching operating points; values out of range are brought within it.
    pub fn matching(&self) -> crate::domain::matching::MatchSettings {
        crate::domain::matching::MatchSettings {
            text_threshold: self.match_text_percent.clamp(1, 100) as f64 / 100.0,
            image_distance: self.match_image_bits.clamp(1, 128) as u32,
        }
    }

    /// The retention schedule (checked when the configuration was loaded).
    pub fn retention_schedule(&self) -> crate::domain::retention::Schedule {
        self.retention.schedule().unwrap_or_default()
    }

    pub fn deadlines(&self) -> HandlingDeadlines {
        HandlingDeadlines {
            acute_minutes: self.deadline_acute_minutes.max(1),
            high_minutes: self.deadline_high_minutes.max(1),
            normal_minutes: self.deadline_normal_minutes.max(1),
        }
    }

    pub fn answer_deadlines(&self) -> crate::domain::notice::AnswerDeadlines {
        crate::domain::notice::AnswerDeadlines {
            acute_minutes: self.answer_acute_minutes.max(1),
            high_minutes: self.answer_high_minutes.max(1),
            normal_minutes: self.answer_normal_minutes.max(1),
        }
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => crate::store::sqlite_url(&self.data_dir.join("meldpunt.db")),
        }
    }

    pub fn uses_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn session_limits(&self) -> SessionLimits {
        SessionLimits {
            idle_ms: self.session_idle_minutes.max(1) * 60_000,
            absolute_ms: self.session_absolute_hours.max(1) * 3_600_000,
            ..SessionLimits::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_the_printed_configuration() {
        let cfg = Config {
            database_url: Some("postgres://meldpunt:hunter2@db/meldpunt".into()),
            metrics_token: Some("s3cret-token".into()),
            sso_secrets: [("UTRECHT".to_string(), "client-s3cret".to_string())].into(),
            ..Config::default()
        };
        let printed = format!("{cfg:?}");
        assert!(printed.contains("UTRECHT"), "{printed}");
        assert!(
            !printed.contains("hunter2")
                && !printed.contains("s3cret-token")
                && !printed.contains("client-s3cret"),
            "{printed}"
        );
        assert!(printed.contains("postgres://meldpunt:[secret]@db/meldpunt"));
    }

    #[test]
    fn single_sign_on_secrets_come_from_the_file_by_name() {
        let dir = std::env::temp_dir().join(format!("meldpunt-sso-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meldpunt.toml");
        std::fs::write(&file, "[sso_secrets]\nUTRECHT = \"s3cret\"\n").unwrap();
        let cfg = Config::load(Some(&file), &|_| None).unwrap();
        assert_eq!(
            cfg.sso_secrets.get("UTRECHT").map(String::as_str),
            Some("s3cret")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn retention_periods_come_from_the_file_and_the_environment_and_bad_ones_stop_the_start() {
        use crate::domain::retention::{DataKind, Period};
        let dir = std::env::temp_dir().join(format!("meldpunt-ret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meldpunt.toml");
        std::fs::write(&file, "[retention]\nevidence = \"P14D\"\n").unwrap();
        let env = |k: &str| (k == "MELDPUNT_RETENTION_CASE_WITH_NOTICE").then(|| "P7Y".to_string());
        let cfg = Config::load(Some(&file), &env).unwrap();
        let s = cfg.retention_schedule();
        assert_eq!(s.period(DataKind::Evidence), Period::days(14));
        assert_eq!(s.period(DataKind::CaseWithNotice), Period::years(7));
        assert_eq!(s.period(DataKind::SignInRecords), Period::months(6));
        for bad in ["P0D", "-P1Y", "30"] {
            let env = |k: &str| (k == "MELDPUNT_RETENTION_NOTIFICATIONS").then(|| bad.to_string());
            let e = Config::load(None, &env).unwrap_err().to_string();
            assert!(e.starts_with("retention period notifications:"), "{e}");
            assert!(e.contains(bad), "{e}");
        }
        std::fs::write(&file, "[retention]\nsessions = \"P6M\"\n").unwrap();
        assert!(
            Config::load(Some(&file), &|_| None).is_err(),
            "unknown kinds are refused"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("meldpunt-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meldpunt.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\npublic_url = \"https://meldpunt.example\"\n",
        )
        .unwrap();
        let env = |k: &str| (k == "MELDPUNT_LISTEN").then(|| "127.0.0.1:9100".to_string());
        let cfg = Config::load(Some(&file), &env).unwrap();
        assert_eq!(cfg.listen.port(), 9100);
        assert!(cfg.uses_tls());
    }

    #[test]
    fn an_unknown_setting_in_the_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("meldpunt-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("meldpunt.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&file), &|_| None),
            Err(ConfigError::Parse(..))
        ));
    }
}
