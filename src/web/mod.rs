//! The web edge: server-rendered pages (Dutch first, English available) and the JSON
//! API under `/api/v1`, over the same services and storage.
//!
//! Request flow: security headers → metrics → client address and language → CSRF
//! check (every state-changing page request) → handler. Handlers ask
//! `domain::policy` through [`ctx::Page::authorize`] and friends; nothing else decides
//! who may do what.

pub mod api;
pub mod assets;
pub mod chart_svg;
pub mod cookies;
pub mod csrf;
pub mod ctx;
pub mod error;
pub mod extract;
pub mod forms;
pub mod hand_over;
pub mod i18n;
pub mod layout;
pub mod map_svg;
pub mod messages;
pub mod middleware;
pub mod ops;
pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{get, post};
use axum::Router;
use tower_http::timeout::TimeoutLayer;

use crate::config::Config;
use crate::domain::session::SessionLimits;
use crate::objects::EvidenceStore;
use crate::service::intake::Intake;
use crate::service::Settings;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub limits: SessionLimits,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub evidence: EvidenceStore,
    pub intake: Intake,
    pub intake_settings: Settings,
    /// The public figures, counted at most every few minutes per process.
    pub published: crate::service::transparency::PublishedFigures,
    /// The WebAuthn relying party; `None` where passkeys cannot work (`public_url` without a
    /// domain name).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// Single sign-on with the organisations' own OpenID Connect providers.
    pub sso: crate::service::sso::Sso,
}

impl AppState {
    /// Opens the evidence store and starts the intake worker (needs a Tokio runtime).
    pub fn new(store: Store, config: Config) -> anyhow::Result<AppState> {
        let evidence = EvidenceStore::open(&config.evidence_store, &config.data_dir)?;
        let intake_settings = Settings {
            deadlines: config.deadlines(),
            public_url: config.public_url.clone(),
            max_batch: config.intake_batch_max.max(1),
            answer_deadlines: config.answer_deadlines(),
            matching: config.matching(),
            retention: config.retention_schedule(),
        };
        Ok(AppState {
            intake: Intake::start(store.clone(), intake_settings.clone()),
            intake_settings,
            published: Default::default(),
            evidence,
            store,
            limits: config.session_limits(),
            webauthn: crate::service::passkeys::relying_party(&config.public_url).map(Arc::new),
            sso: crate::service::sso::Sso::new(&config.public_url, config.sso_secrets.clone())?,
            config: Arc::new(config),
            metrics: ops::metrics_handle(),
        })
    }

    /// What a report's files may hold together: four files at the largest size.
    pub fn evidence_total(&self) -> usize {
        self.config.evidence_max_bytes.saturating_mul(4)
    }

    /// The request body limit of the report form: its files and its text.
    pub fn upload_limit(&self) -> usize {
        self.evidence_total() + 1_048_576
    }

    /// The bounds of a report's body through the API (`domain::report_body`).
    pub fn api_report_limits(&self) -> crate::domain::report_body::Limits {
        crate::domain::report_body::Limits::for_report(
            self.evidence_total(),
            crate::domain::report::MAX_FILES,
        )
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let upload_limit = DefaultBodyLimit::max(state.upload_limit());
    let pages = Router::new()
        .route("/", get(pages::home::root))
        .route("/start", get(pages::home::start))
        .route(
            "/aanmelden",
            get(pages::signin::show).post(pages::signin::submit),
        )
        .route(
            "/aanmelden/organisatie",
            get(pages::sso::show).post(pages::sso::begin),
        )
        // `service::sso::CALLBACK_PATH`, the redirect URI registered at providers.
        .route("/aanmelden/organisatie/terug", get(pages::sso::answer))
        .route(
            "/aanmelden/tweede-factor",
            get(pages::second_factor::show).post(pages::second_factor::submit),
        )
        .route(
            "/aanmelden/herstelcode",
            post(pages::second_factor::submit_recovery),
        )
        .route(
            "/aanmelden/tweede-factor/instellen",
            get(pages::enrol::show).post(pages::enrol::submit),
        )
        .route(
            "/aanmelden/passkey",
            post(pages::second_factor::submit_passkey),
        )
        .route(
            "/aanmelden/passkey/toevoegen",
            post(pages::enrol::add_passkey),
        )
        .route(
            "/activeren/{token}",
            get(pages::activate::show).post(pages::activate::submit),
        )
        .route("/afmelden", post(pages::signin::sign_out))
        .route("/afmelden/overal", post(pages::signin::sign_out_everywhere))
        .route("/account", get(pages::account::show))
        .route("/account/wachtwoord", post(pages::account::change_password))
        .route(
            "/account/passkeys/{id}/verwijderen",
            post(pages::account::remove_passkey),
        )
        .route(
            "/beheer/organisaties",
            get(pages::admin::list_orgs).post(pages::admin::create_org),
        )
        .route(
            "/beheer/organisaties/import",
            post(pages::admin::import_orgs),
        )
        .route("/beheer/organisaties/{id}", get(pages::admin::show_org))
        .route(
            "/beheer/organisaties/{id}/sso",
            post(pages::admin::save_sso),
        )
        .route(
            "/beheer/organisaties/{id}/sso/verwijderen",
            post(pages::admin::remove_sso),
        )
        .route(
            "/beheer/organisaties/{id}/burgemeester",
            post(pages::admin::set_mayor),
        )
        .route(
            "/beheer/organisaties/{id}/gebruikers",
            post(pages::admin::create_user),
        )
        .route(
            "/beheer/organisaties/{id}/tokens",
            post(pages::admin::create_token),
        )
        .route("/beheer/gebruikers/{id}", get(pages::admin::show_user))
        .route(
            "/beheer/gebruikers/{id}/rol",
            post(pages::admin::change_role),
        )
        .route(
            "/beheer/gebruikers/{id}/deblokkeren",
            post(pages::admin::enable_user),
        )
        .route(
            "/beheer/gebruikers/{id}/reset",
            get(pages::admin::confirm_reset_user).post(pages::admin::reset_user),
        )
        .route(
            "/beheer/gebruikers/{id}/blokkeren",
            get(pages::admin::confirm_disable_user).post(pages::admin::disable_user),
        )
        .route(
            "/beheer/tokens/{id}/intrekken",
            post(pages::admin::revoke_token),
        )
        .route("/beheer/berichten", get(pages::notice_setup::show))
        .route(
            "/beheer/berichten/instellingen",
            post(pages::notice_setup::save_settings),
        )
        .route(
            "/beheer/berichten/bevelen",
            get(pages::notice_setup::show_orders).post(pages::notice_setup::save_orders),
        )
        .route(
            "/beheer/platforms",
            get(pages::notice_setup::show_platforms).post(pages::notice_setup::add_platform),
        )
        .route(
            "/beheer/platforms/{id}",
            get(pages::notice_setup::show_platform).post(pages::notice_setup::save_platform),
        )
        .route(
            "/zaken/{id}/beoordeling",
            get(pages::assessment::show).post(pages::assessment::save),
        )
        .route(
            "/zaken/{id}/beoordeling/{aid}/goedkeuring",
            post(pages::assessment::review),
        )
        .route("/zaken/{id}/hercontrole", post(pages::notices::recheck))
        .route("/zaken/{id}/bezwaar", post(pages::redress::record))
        .route(
            "/zaken/{id}/bezwaar/{oid}/besluit",
            post(pages::redress::decide),
        )
        .route("/correcties", get(pages::redress::register))
        .route("/kennisgevingen/{id}", get(pages::notices::show))
        .route(
            "/kennisgevingen/{id}/webformulier",
            post(pages::notices::web_form),
        )
        .route(
            "/kennisgevingen/{id}/antwoord",
            post(pages::notices::answer),
        )
        .route(
            "/kennisgevingen/{id}/onbestelbaar",
            post(pages::notices::bounce),
        )
        .route("/kennisgevingen/{id}/opnieuw", post(pages::notices::resend))
        .route("/meldingen", get(pages::reports::list))
        .route(
            "/meldingen/nieuw",
            get(pages::reports::form).post(pages::reports::submit.layer(upload_limit)),
        )
        .route("/meldingen/{id}", get(pages::reports::show))
        .route(
            "/meldingen/{id}/intrekken",
            get(pages::reports::withdraw_form).post(pages::reports::withdraw),
        )
        .route("/bewijs/{id}", get(pages::reports::download_evidence))
        .route("/bewijs/{id}/gegevens", get(pages::reports::evidence_page))
        .route(
            "/bewijs/{id}/voorbeeld",
            get(pages::reports::evidence_preview),
        )
        .route("/zaken", get(pages::cases::queue))
        .route("/zoeken", get(pages::search::search))
        .route("/zaken/{id}", get(pages::cases::show))
        .route("/zaken/{id}/oppakken", post(pages::cases::claim))
        .route("/zaken/{id}/vrijgeven", post(pages::cases::release))
        .route("/zaken/{id}/status", post(pages::cases::move_case))
        .route(
            "/zaken/{id}/bewaarplicht",
            post(pages::retention::place_hold),
        )
        .route(
            "/zaken/{id}/bewaarplicht/opheffen",
            post(pages::retention::lift_hold),
        )
        .route("/beheer/bewaartermijnen", get(pages::retention::show))
        .route(
            "/privacy/inzage",
            get(pages::privacy::form).post(pages::privacy::search),
        )
        .route("/privacy/inzage/export", post(pages::privacy::export))
        .route(
            "/privacy/raadplegingen",
            get(pages::privacy::case_views).post(pages::privacy::person_views),
        )
        .route(
            "/situaties",
            get(pages::situations::list).post(pages::situations::create),
        )
        .route("/situaties/nieuw", get(pages::situations::new_form))
        .route(
            "/situaties/suggesties/afwijzen",
            post(pages::situations::dismiss),
        )
        .route("/situaties/{id}", get(pages::situations::show))
        .route(
            "/situaties/{id}/fase",
            post(pages::situations::change_phase),
        )
        .route("/situaties/{id}/zaken", post(pages::situations::link))
        .route("/situaties/{id}/groepen", post(pages::groups::create))
        .route(
            "/situaties/{id}/groepen/{group_id}",
            get(pages::groups::show),
        )
        .route(
            "/situaties/{id}/groepen/{group_id}/zaken",
            post(pages::groups::add),
        )
        .route(
            "/situaties/{id}/groepen/{group_id}/beoordeling",
            get(pages::groups::assessment).post(pages::groups::assess),
        )
        .route(
            "/situaties/{id}/groepen/{group_id}/goedkeuring",
            post(pages::groups::review),
        )
        .route(
            "/situaties/{id}/zaken/{case_id}/ontkoppelen",
            post(pages::situations::unlink),
        )
        .route("/kaart", get(pages::situations::map))
        .route(
            "/zaken/{id}/situatie",
            post(pages::situations::link_from_case),
        )
        .route(
            "/zaken/{id}/kopieen/{proposal_id}/bevestigen",
            post(pages::copies::confirm),
        )
        .route(
            "/zaken/{id}/kopieen/{proposal_id}/afwijzen",
            post(pages::copies::reject),
        )
        .route(
            "/zaken/{id}/herplaatsing/besluit",
            post(pages::copies::propose_earlier),
        )
        .route("/berichten", get(pages::notifications::list))
        .route("/berichten/gelezen", post(pages::notifications::mark_read))
        .route("/audit", get(pages::audit::list))
        .route("/audit/export.csv", get(pages::audit::export_csv))
        .route("/audit/export.json", get(pages::audit::export_json))
        .route("/audit/controle", get(pages::audit::verify))
        .route("/transparantie", get(pages::transparency::show))
        .route(
            "/transparantie/{year}/{file}",
            get(pages::transparency::open_data_file),
        )
        .route("/taal", post(pages::home::set_language))
        .route("/assets/{file}", get(assets::serve))
        .fallback(pages::home::not_found)
        .method_not_allowed_fallback(pages::home::method_not_allowed)
        .route_layer(axum::middleware::from_fn(middleware::remember_route))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::protect,
        ));

    Router::new()
        .merge(pages)
        .nest("/api/v1", api::router())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route_layer(axum::middleware::from_fn(middleware::remember_route))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_context,
        ))
        .layer(axum::middleware::from_fn(middleware::observe))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .with_state(state)
}

/// Runs the server until SIGTERM or Ctrl-C; requests in flight are allowed to finish.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(listen = %local, "meldpunt is listening");
    let app = router(state.clone());
    let housekeeping = tokio::spawn(housekeeping(state.clone()));
    let follow_up = tokio::spawn(follow_up_notices(state.clone()));
    let totals = tokio::spawn(fold_queue_totals(state.clone()));
    let figures = tokio::spawn(count_published_figures(state.clone()));
    let mailer = match &state.config.smtp_url {
        Some(url) => {
            let mailer = crate::mail::Mailer::new(
                url,
                &state.config.mail_from,
                state.config.mail_lease_seconds,
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            Some(tokio::spawn(crate::mail::run(
                state.store.clone(),
                state.intake_settings.clone(),
                mailer,
            )))
        }
        None => {
            tracing::warn!("no smtp_url configured: e-mail waits in the outbox until one is set");
            None
        }
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    housekeeping.abort();
    follow_up.abort();
    totals.abort();
    figures.abort();
    if let Some(m) = mailer {
        m.abort();
    }
    tracing::info!("requests finished; closing the database");
    state.store.close().await;
    Ok(())
}

/// Every ten minutes: remove expired sessions and stale sign-in data, and whatever the
/// retention schedule says is due (`service::retention`).
async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        match crate::service::housekeeping::run_once(
            &state.store,
            &state.limits,
            crate::service::now_ms(),
        )
        .await
        {
            Ok(n) if n > 0 => tracing::info!(rows = n, "housekeeping removed expired data"),
            Ok(_) => {}
            Err(e) => crate::service::background_failure(&state.store, "housekeeping", &e),
        }
        match crate::service::retention::run_once(
            &state.store,
            &state.evidence,
            &state.intake_settings.retention,
            crate::service::now_ms(),
        )
        .await
        {
            Ok(r) if r.total() > 0 => tracing::info!(
                evidence = r.evidence,
                cases = r.cases,
                records = r.records,
                objects = r.objects,
                "retention removed what was due"
            ),
            Ok(_) => {}
            Err(e) => crate::service::background_failure(&state.store, "retention", &e),
        }
    }
}

/// Every five minutes: count this year's public figures, so that `/transparantie` finds them
/// counted (counting a year of a million notices takes seconds).
async fn count_published_figures(state: AppState) {
    let every_ms = crate::service::transparency::REFRESH_EVERY_MS as u64;
    let mut every = tokio::time::interval(Duration::from_millis(every_ms));
    loop {
        every.tick().await;
        let now = crate::service::now_ms();
        if let Err(e) = state.published.refresh(&state.store, now).await {
            crate::service::background_failure(&state.store, "published figures", &e);
        }
    }
}

/// Every five seconds: fold the queue's recent changes into its totals, so that the counts
/// stay a read of a few rows under a surge of reports.
async fn fold_queue_totals(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        if let Err(e) = crate::service::housekeeping::fold_queue_totals(&state.store).await {
            crate::service::background_failure(&state.store, "queue totals", &e);
        }
    }
}

/// Every half minute: remind platforms of overdue notices, escalate unanswered ones.
async fn follow_up_notices(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(30));
    loop {
        every.tick().await;
        match crate::service::notices::follow_up(&state.store, crate::service::now_ms()).await {
            Ok(n) if n > 0 => tracing::info!(notices = n, "followed up unanswered notices"),
            Ok(_) => {}
            Err(e) => crate::service::background_failure(&state.store, "notice follow-up", &e),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
