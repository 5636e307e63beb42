//! Request context for page handlers: who is asking, in which language, with which
//! CSRF token — and the one door to the authorisation policy.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::cookies::{cookie, read_cookie, secure_cookies};
use super::csrf::CsrfToken;
use super::error::{Failure, PageError};
use super::i18n::{Lang, Tr};
use super::layout::Layout;
use super::middleware::ClientAddr;
use super::AppState;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::policy::{
    authorize, search_scope, situation_view, Action, Actor, SearchScope, SituationView,
};
use crate::domain::session::SessionStage;
use crate::service::{self, auth, now_ms, Ctx};
use crate::store::audit;
use crate::store::sessions::Session;
use crate::store::users::User;

pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-meldpunt_session"
    } else {
        "meldpunt_session"
    }
}

/// The device cookie that makes a browser a known device of the accounts that completed a
/// sign-in on it (`domain::throttle`).
pub fn device_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-meldpunt_device"
    } else {
        "meldpunt_device"
    }
}

/// The cookie that binds a single sign-on under way to the browser that began it
/// (`service::sso`).
pub fn sso_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-meldpunt_sso"
    } else {
        "meldpunt_sso"
    }
}

/// Anyone: signed in or not. Used by the sign-in pages.
pub struct Visitor {
    pub state: AppState,
    pub tr: Tr,
    pub csrf: String,
    pub addr: String,
    pub secure: bool,
    pub session: Option<(Session, User)>,
    pub return_to: String,
    /// The device cookie the browser sent, if any.
    pub device: Option<String>,
    /// The single sign-on cookie the browser sent, if any.
    pub sso_login: Option<String>,
}

impl Visitor {
    pub fn ctx(&self) -> Ctx {
        let anonymous = Ctx::anonymous(&self.addr, now_ms());
        match &self.session {
            Some((_, u)) => anonymous.acting_as(u),
            None => anonymous,
        }
    }

    pub fn layout(&self, title: &str) -> Layout {
        Layout::anonymous(self.tr, title, &self.csrf).returning_to(&self.return_to)
    }

    /// Sets the session cookie (a fresh id, replacing any earlier one) and redirects.
    pub fn start_session(&self, new: &auth::NewSession, to: &str) -> Response {
        self.with_session_cookies(Redirect::to(to).into_response(), new)
    }

    /// Adds the cookies of a new session to a response: the session's, and the device
    /// cookie once the sign-in is complete.
    pub fn with_session_cookies(&self, mut res: Response, new: &auth::NewSession) -> Response {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(
                session_cookie_name(self.secure),
                &new.token,
                self.secure,
                None,
            ),
        );
        if let Some(device) = &new.device {
            res.headers_mut().append(
                header::SET_COOKIE,
                cookie(
                    device_cookie_name(self.secure),
                    device,
                    self.secure,
                    Some(crate::domain::throttle::KNOWN_DEVICE_MS / 1000),
                ),
            );
        }
        res
    }

    /// Removes the session cookie and redirects.
    pub fn end_session(&self, to: &str) -> Response {
        let mut res = Redirect::to(to).into_response();
        res.headers_mut().append(
            header::SET_COOKIE,
            cookie(session_cookie_name(self.secure), "", self.secure, Some(0)),
        );
        res
    }
}

/// The address of this page for the language switch: the page itself when it was
/// fetched with GET, the start otherwise (a form's address may not accept GET).
fn return_to(parts: &Parts) -> String {
    if parts.method == axum::http::Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

fn request_basics(parts: &Parts, state: &AppState) -> (Tr, String, String, bool) {
    let lang = parts.extensions.get::<Lang>().copied().unwrap_or(Lang::Nl);
    let csrf = parts
        .extensions
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let addr = parts
        .extensions
        .get::<ClientAddr>()
        .map(|a| a.0.clone())
        .unwrap_or_else(|| "unknown".into());
    let secure = secure_cookies(state.config.uses_tls(), &parts.headers);
    (Tr::new(lang), csrf, addr, secure)
}

async fn load(
    state: &AppState,
    headers: &HeaderMap,
    addr: &str,
    secure: bool,
) -> Result<Option<(Session, User)>, PageError> {
    let Some(token) = read_cookie(headers, session_cookie_name(secure)) else {
        return Ok(None);
    };
    let ctx = Ctx::anonymous(addr, now_ms());
    Ok(auth::load_session(&state.store, &ctx, &token, &state.limits).await?)
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (tr, csrf, addr, secure) = request_basics(parts, state);
        let session = load(state, &parts.headers, &addr, secure).await?;
        Ok(Visitor {
            state: state.clone(),
            tr,
            csrf,
            addr,
            secure,
            session,
            return_to: return_to(parts),
            device: read_cookie(&parts.headers, device_cookie_name(secure)),
            sso_login: read_cookie(&parts.headers, sso_cookie_name(secure)),
        })
    }
}

/// A fully signed-in person. Anyone else is sent to the step they still have to take.
pub struct Page {
    pub state: AppState,
    pub tr: Tr,
    pub csrf: String,
    pub addr: String,
    pub secure: bool,
    pub session: Session,
    pub user: User,
    pub actor: Actor,
    pub return_to: String,
    /// Unread notifications, shown in the navigation.
    pub unread: i64,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (tr, csrf, addr, secure) = request_basics(parts, state);
        let loaded = load(state, &parts.headers, &addr, secure)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some((session, user)) = loaded else {
            let mut res = Redirect::to("/aanmelden").into_response();
            if read_cookie(&parts.headers, session_cookie_name(secure)).is_some() {
                res = Redirect::to("/aanmelden?sessie=verlopen").into_response();
                res.headers_mut().append(
                    header::SET_COOKIE,
                    cookie(session_cookie_name(secure), "", secure, Some(0)),
                );
            }
            return Err(res);
        };
        match session.stage {
            SessionStage::SignedIn => {}
            SessionStage::AwaitingSecondFactor => {
                return Err(Redirect::to("/aanmelden/tweede-factor").into_response())
            }
            SessionStage::MustEnrolSecondFactor => {
                return Err(Redirect::to("/aanmelden/tweede-factor/instellen").into_response())
            }
        }
        // A single sign-on session is confirmed by its provider every quarter of an hour, at
        // the next page the person opens (a form sent meanwhile goes through; the page after
        // it asks).
        if let Some(mark) = session.sso {
            let now = now_ms();
            if parts.method == axum::http::Method::GET
                && crate::domain::sso::recheck_due(mark.checked_at, now)
            {
                let ctx = Ctx::anonymous(&addr, now);
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/start".into());
                let asked = service::sso::begin_recheck(
                    &state.store,
                    &ctx,
                    &state.sso,
                    &session,
                    &user,
                    &here,
                )
                .await
                .map_err(|e| PageError::from(e).into_response())?;
                if let Some(url) = asked {
                    return Err(crate::web::hand_over::hand_over(tr, &csrf, url)
                        .unwrap_or_else(|e| e.into_response()));
                }
            }
        }
        let actor = Actor {
            user_id: user.id,
            org_id: user.org_id,
            org_kind: user.org_kind,
            role: user.role,
        };
        let unread = crate::store::notify::unread_count(&state.store, user.id)
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        Ok(Page {
            state: state.clone(),
            tr,
            csrf,
            addr,
            secure,
            session,
            user,
            actor,
            return_to: return_to(parts),
            unread,
        })
    }
}

impl Page {
    pub fn ctx(&self) -> Ctx {
        Ctx::anonymous(&self.addr, now_ms()).acting_as(&self.user)
    }

    pub fn layout(&self, title: &str) -> Layout {
        Layout::signed_in(
            self.tr,
            title,
            &self.csrf,
            &self.user,
            &self.actor,
            self.unread,
        )
        .returning_to(&self.return_to)
    }

    /// Whether the policy allows `action`, for showing or hiding a control. Not a check:
    /// the handler behind the control asks `authorize` itself.
    pub fn may(&self, action: Action) -> bool {
        authorize(&self.actor, action).is_ok()
    }

    /// Asks the policy about a page that is not about one object. A refusal is
    /// recorded and answered with 403.
    pub async fn authorize(&self, action: Action) -> Result<(), PageError> {
        self.check(action, Failure::Forbidden).await
    }

    /// Asks the policy about one object. A refusal is recorded and answered exactly
    /// like a missing object (404), so it reveals nothing.
    pub async fn authorize_object(&self, action: Action) -> Result<(), PageError> {
        self.check(action, Failure::NotFound).await
    }

    async fn check(&self, action: Action, refusal: Failure) -> Result<(), PageError> {
        match authorize(&self.actor, action) {
            Ok(()) => Ok(()),
            Err(_) => {
                record_denial(&self.state, &self.ctx(), &format!("{action:?}")).await;
                Err(PageError(refusal))
            }
        }
    }

    /// How much of the situation picture this person sees (`domain::policy::situation_view`);
    /// a refusal is recorded like any other.
    pub async fn situation_view(&self) -> Result<SituationView, PageError> {
        match situation_view(&self.actor) {
            Ok(view) => Ok(view),
            Err(_) => {
                record_denial(&self.state, &self.ctx(), "ViewSituations").await;
                Err(PageError(Failure::Forbidden))
            }
        }
    }

    /// What this person's search may find (`domain::policy::search_scope`); a refusal is
    /// recorded like any other.
    pub async fn search_scope(&self) -> Result<SearchScope, PageError> {
        match search_scope(&self.actor) {
            Ok(scope) => Ok(scope),
            Err(_) => {
                record_denial(&self.state, &self.ctx(), "Search").await;
                Err(PageError(Failure::Forbidden))
            }
        }
    }

    /// Records that this page showed personal data.
    pub async fn record_view(
        &self,
        action: AuditAction,
        object_type: &str,
        object_id: impl ToString,
        org_id: Option<i64>,
    ) -> Result<(), PageError> {
        let ctx = self.ctx();
        let purpose = crate::domain::policy::purpose_of_use(&self.actor, action);
        let event = ctx.event(
            action,
            object_type,
            object_id,
            org_id,
            Outcome::Success,
            crate::domain::audit::view_details(purpose, self.actor.org_id),
        );
        audit::record(&self.state.store, &event, ctx.now).await?;
        Ok(())
    }
}

/// Writes an `access.denied` entry; a failure to record is logged, not shown.
pub async fn record_denial(state: &AppState, ctx: &service::Ctx, what: &str) {
    let event = ctx.event(
        AuditAction::AccessDenied,
        "request",
        what,
        None,
        Outcome::Denied,
        json!({}),
    );
    if let Err(e) = audit::record(&state.store, &event, ctx.now).await {
        tracing::error!(error = %e, "could not record a refused request");
    }
}

/// The language switch cookie.
pub fn language_cookie(lang: Lang, secure: bool) -> HeaderValue {
    super::cookies::cookie(
        super::i18n::lang_cookie_name(secure),
        lang.code(),
        secure,
        Some(31_536_000),
    )
}
