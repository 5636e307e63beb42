//! The JSON API under `/api/v1`, following the Dutch API Design Rules: an OpenAPI 3
//! document at `/api/v1/openapi.json`, `application/problem+json` for every error,
//! and an `API-Version` header on every response. Systems authenticate with an
//! organisation's API token (`Authorization: Bearer mp_…`).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::error::{ApiError, Failure};
use super::middleware::ClientAddr;
use super::AppState;
use crate::service::{now_ms, tokens as token_service, Ctx};
use crate::store::orgs;
use crate::store::tokens::ApiToken;

pub const API_VERSION: &str = "1.0.0";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/organisatie", get(own_organisation))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn(super::middleware::remember_route))
        .layer(axum::middleware::from_fn(api_version_header))
}

async fn api_version_header(req: axum::extract::Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .insert("api-version", HeaderValue::from_static(API_VERSION));
    res
}

async fn not_found() -> ApiError {
    ApiError(Failure::NotFound)
}

async fn method_not_allowed() -> ApiError {
    ApiError(Failure::MethodNotAllowed)
}

/// A caller holding a live API token of an organisation.
pub struct ApiClient {
    pub token: ApiToken,
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() < 200)
            .ok_or(ApiError(Failure::Unauthenticated))?;
        let addr = parts
            .extensions
            .get::<ClientAddr>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let ctx = Ctx {
            actor_label: "api".into(),
            ..Ctx::anonymous(&addr, now_ms())
        };
        match token_service::authenticate(&state.store, &ctx, bearer).await? {
            Some(token) => Ok(ApiClient { token }),
            None => Err(ApiError(Failure::Unauthenticated)),
        }
    }
}

/// The organisation the token belongs to.
async fn own_organisation(
    State(state): State<AppState>,
    client: ApiClient,
) -> Result<Response, ApiError> {
    let org = orgs::get(&state.store, client.token.org_id).await?;
    let body = json!({
        "code": org.code,
        "naam": org.name,
        "soort": org.kind.as_str(),
        "burgemeester": org.mayor,
        "provincie": org.province,
        "veiligheidsregio": org.safety_region,
        "token": { "naam": client.token.name, "prefix": client.token.prefix },
    });
    Ok(Json(body).into_response())
}

/// The OpenAPI 3 description of this API.
pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(openapi_document(&state.config.public_url))
}

pub fn openapi_document(public_url: &str) -> Value {
    let problem = json!({"$ref": "#/components/responses/Problem"});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "meldpunt API",
            "description": "API van de meldvoorziening voor online oproepen tot verstoring van de openbare orde. Systemen van gemeenten en het centrale team gebruiken een API-token van hun organisatie.",
            "version": API_VERSION,
            "contact": {"name": "meldpunt", "url": public_url, "email": "meldpunt@example.org"},
            "license": {"name": "EUPL-1.2", "url": "https://eupl.eu/1.2/nl/"}
        },
        "servers": [{"url": format!("{}/api/v1", public_url.trim_end_matches('/')), "description": "meldpunt"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "organisatie", "description": "De organisatie van het API-token"}],
        "paths": {
            "/organisatie": {
                "get": {
                    "operationId": "getOrganisatie",
                    "tags": ["organisatie"],
                    "summary": "De organisatie waar het API-token bij hoort",
                    "description": "Geeft de gegevens van de organisatie van het token terug. Elk gebruik wordt bij het token vastgelegd.",
                    "responses": {
                        "200": {
                            "description": "De organisatie",
                            "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Organisatie"}}}
                        },
                        "401": problem,
                        "503": problem,
                        "default": problem
                    }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Een API-token van uw organisatie (mp_…)."}
            },
            "headers": {
                "API-Version": {"description": "De versie van deze API", "schema": {"type": "string", "example": API_VERSION}}
            },
            "responses": {
                "Problem": {
                    "description": "Fout, als problem+json (RFC 9457)",
                    "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                }
            },
            "schemas": {
                "Organisatie": {
                    "type": "object",
                    "required": ["code", "naam", "soort", "token"],
                    "properties": {
                        "code": {"type": "string", "example": "GM0363"},
                        "naam": {"type": "string", "example": "Amsterdam"},
                        "soort": {"type": "string", "enum": ["municipality", "police_unit", "central_team"]},
                        "burgemeester": {"type": "string", "nullable": true},
                        "provincie": {"type": "string", "nullable": true},
                        "veiligheidsregio": {"type": "string", "nullable": true},
                        "token": {
                            "type": "object",
                            "required": ["naam", "prefix"],
                            "properties": {"naam": {"type": "string"}, "prefix": {"type": "string"}}
                        }
                    }
                },
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string", "format": "uri"},
                        "title": {"type": "string"},
                        "status": {"type": "integer", "format": "int32", "minimum": 100, "maximum": 599},
                        "detail": {"type": "string"}
                    }
                }
            }
        }
    })
}
