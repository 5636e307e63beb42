//! The JSON API under `/api/v1`, following the Dutch API Design Rules: an OpenAPI 3
//! document at `/api/v1/openapi.json`, `application/problem+json` for every error,
//! and an `API-Version` header on every response. Systems authenticate with an
//! organisation's API token (`Authorization: Bearer mp_…`).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub mod problem;
pub mod reports;

use self::problem::ApiError;
use super::AppState;
use crate::domain::policy::{authorize_api, ApiAction, ApiCaller};
use crate::service::{now_ms, tokens as token_service, Ctx};
use crate::store::orgs;
use crate::store::tokens::ApiToken;
use crate::web::error::Failure;
use crate::web::middleware::ClientAddr;

pub const API_VERSION: &str = "1.0.0";

/// The API routes. A report's body is bounded while it is read (`reports::create`); every
/// other call by the application's body limit.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/organisatie", get(own_organisation))
        .route("/meldingen", post(reports::create))
        .route("/meldingen/{referentie}", get(reports::show))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn(
            crate::web::middleware::remember_route,
        ))
        .layer(axum::middleware::from_fn(api_version_header))
        .layer(axum::middleware::from_fn(problem::word_problems))
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
    /// The caller's address, for the audit trail.
    pub addr: String,
}

impl ApiClient {
    /// Asks the policy. A refused read of an object looks exactly like a missing one.
    pub fn authorize(&self, action: ApiAction) -> Result<(), ApiError> {
        let caller = ApiCaller {
            org_id: self.token.org_id,
            org_kind: self.token.org_kind,
        };
        authorize_api(&caller, action).map_err(|_| match action {
            ApiAction::ViewReport { .. } => ApiError(Failure::NotFound),
            ApiAction::SubmitReport => ApiError(Failure::Forbidden),
        })
    }
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
            Some(token) => Ok(ApiClient { token, addr }),
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
        "tags": [
            {"name": "organisatie", "description": "De organisatie van het API-token"},
            {"name": "meldingen", "description": "Meldingen van online inhoud door gemeenten"}
        ],
        "paths": {
            "/meldingen": {
                "post": {
                    "operationId": "postMelding",
                    "tags": ["meldingen"],
                    "summary": "Een melding doen",
                    "description": "Meldt online inhoud die kan aanzetten tot verstoring van de openbare orde, namens de burgemeester. Alleen tokens van een gemeente mogen melden. Elke link wordt gecanonicaliseerd en bij de zaak voor die inhoud gevoegd. De tekst van een melding (alles behalve `bewijs[].inhoud`) mag samen hoogstens 1 MiB zijn, het bewijs samen hoogstens vier keer de maximale bestandsgrootte (als base64); een grotere body krijgt 413 zodra hij over die grens gaat, en meteen als de Content-Length al te groot is.",
                    "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NieuweMelding"}}}
                    },
                    "responses": {
                        "201": {
                            "description": "De melding is opgeslagen (of, bij een herhaald verzoek met dezelfde Idempotency-Key, eerder opgeslagen)",
                            "headers": {
                                "API-Version": {"$ref": "#/components/headers/API-Version"},
                                "Location": {"description": "Het adres van de melding", "schema": {"type": "string"}}
                            },
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Melding"}}}
                        },
                        "400": problem,
                        "401": problem,
                        "403": problem,
                        "413": problem,
                        "415": problem,
                        "422": problem,
                        "503": problem,
                        "default": problem
                    }
                }
            },
            "/meldingen/{referentie}": {
                "get": {
                    "operationId": "getMelding",
                    "tags": ["meldingen"],
                    "summary": "De status van een melding",
                    "description": "Geeft een melding van de eigen gemeente terug, met per link de status van de zaak.",
                    "parameters": [{"$ref": "#/components/parameters/Referentie"}],
                    "responses": {
                        "200": {
                            "description": "De melding",
                            "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Melding"}}}
                        },
                        "400": problem,
                        "401": problem,
                        "404": problem,
                        "503": problem,
                        "default": problem
                    }
                }
            },
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
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "Een unieke sleutel per melding. Een herhaald verzoek met dezelfde sleutel krijgt het eerste antwoord en maakt nooit een tweede melding.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "example": "3f6c1a52-7d0e-4b8e-9a61-2f4f1c0d9e11"}
                },
                "Referentie": {
                    "name": "referentie",
                    "in": "path",
                    "required": true,
                    "description": "Het kenmerk van de melding",
                    "schema": {"type": "string", "example": "MLD-2026-000123"}
                }
            },
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
                "NieuweMelding": {
                    "type": "object",
                    "required": ["links", "categorie", "urgentie", "namens"],
                    "anyOf": [
                        {"properties": {"urgentie": {"enum": ["normal"]}}},
                        {"required": ["onderbouwing"], "properties": {"onderbouwing": {"minLength": 1, "pattern": "\\S"}}}
                    ],
                    "additionalProperties": false,
                    "properties": {
                        "links": {
                            "type": "array", "minItems": 1, "maxItems": 10,
                            "items": {
                                "type": "object", "required": ["url"], "additionalProperties": false,
                                "properties": {
                                    "url": {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^https?://", "example": "https://vm.tiktok.com/ZMabc123/"},
                                    "opmerking": {"type": "string", "maxLength": 1000, "description": "Opmerking van de melder; wordt niet vergeleken"},
                                    "inhoudTekst": {"type": "string", "maxLength": 20000, "description": "De tekst van de inhoud zoals de melder die zag (geplakt). Wordt vergeleken met eerdere meldingen om kopieën te vinden; minder dan 20 tekens na normalisatie wordt opgeslagen zonder vergelijking."}
                                }
                            }
                        },
                        "categorie": {"type": "string", "enum": ["call_to_gather", "threat_or_doxing", "incitement", "disinformation", "other"]},
                        "toelichting": {"type": "string", "maxLength": 2000, "description": "Verplicht bij categorie other"},
                        "verwachteVerstoring": {
                            "type": "object", "additionalProperties": false,
                            "properties": {
                                "gemeente": {"type": "string", "pattern": "^GM[0-9]{4}$", "description": "CBS-code van een bestaande gemeente", "example": "GM0363"},
                                "plaats": {"type": "string", "maxLength": 200},
                                "datum": {"type": "string", "format": "date", "description": "Vandaag of later, hoogstens een jaar vooruit", "example": "2026-12-31"},
                                "vanaf": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "21:00"},
                                "tot": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "23:30"},
                                "omvang": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 10000000}
                            }
                        },
                        "urgentie": {"type": "string", "enum": ["acute", "high", "normal"]},
                        "onderbouwing": {"type": "string", "maxLength": 300, "pattern": "^[^\\n]*$", "description": "Eén regel: waarom deze urgentie; verplicht (niet leeg) bij acute en high"},
                        "namens": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S", "example": "De burgemeester van Amsterdam"},
                        "bewijs": {
                            "type": "array", "maxItems": 10,
                            "items": {
                                "type": "object", "required": ["bestandsnaam", "inhoud"], "additionalProperties": false,
                                "properties": {
                                    "bestandsnaam": {"type": "string", "maxLength": 200},
                                    "inhoud": {"type": "string", "format": "byte", "description": "Base64; PNG, JPEG, WebP, PDF of MP4 (naar inhoud bepaald)"},
                                    "link": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10}
                                }
                            }
                        }
                    }
                },
                "Melding": {
                    "type": "object",
                    "required": ["referentie", "status", "ontvangenOp", "categorie", "urgentie", "links"],
                    "properties": {
                        "referentie": {"type": "string", "example": "MLD-2026-000123"},
                        "status": {"type": "string", "enum": ["active", "withdrawn"]},
                        "ontvangenOp": {"type": "string", "format": "date-time"},
                        "ingetrokkenOp": {"type": "string", "format": "date-time", "nullable": true},
                        "categorie": {"type": "string"},
                        "urgentie": {"type": "string"},
                        "links": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["positie", "ingediendeUrl", "url", "platform", "zaak"],
                                "properties": {
                                    "positie": {"type": "integer", "format": "int32"},
                                    "ingediendeUrl": {"type": "string"},
                                    "url": {"type": "string", "description": "De canonieke link"},
                                    "platform": {"type": "string"},
                                    "zaak": {
                                        "type": "object", "required": ["referentie", "status"],
                                        "properties": {
                                            "referentie": {"type": "string", "example": "ZAAK-2026-000042"},
                                            "status": {"type": "string", "enum": ["received", "in_triage", "in_assessment", "decided", "notice_sent", "platform_answered", "closed", "withdrawn"]},
                                            "besluit": {"type": "string", "description": "Het besluit van het centrale team, zodra het vaststaat", "enum": ["no-action", "monitor", "dsa-art16-notice", "tos-referral", "police-referral", "mayor-advice", "dsa-art9-order"]},
                                            "platformAntwoorden": {
                                                "type": "array",
                                                "description": "Het antwoord van het platform, het nieuwste per URL",
                                                "items": {
                                                    "type": "object",
                                                    "required": ["url", "uitkomst", "ontvangenOp"],
                                                    "properties": {
                                                        "url": {"type": "string"},
                                                        "uitkomst": {"type": "string", "enum": ["removed", "disabled-nl", "visibility-restricted", "demoted", "labelled", "account-suspended", "no-action", "cannot-comply-force-majeure", "cannot-comply-manifest-error", "cannot-comply-insufficient-info", "no-answer"]},
                                                        "ontvangenOp": {"type": "string", "format": "date-time"}
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
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
                        "detail": {"type": "string"},
                        "invalidParams": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "reason"],
                                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}}
                            }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::openapi_document;
    use crate::domain::assessment::Decision;
    use crate::domain::notice::Outcome;

    fn strings(v: &serde_json::Value) -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_documented_decisions_and_outcomes_are_the_domains() {
        let doc = openapi_document("http://localhost");
        let zaak = &doc["components"]["schemas"]["Melding"]["properties"]["links"]["items"]
            ["properties"]["zaak"]["properties"];
        let decisions: Vec<String> = Decision::ALL.iter().map(|d| d.as_str().into()).collect();
        assert_eq!(strings(&zaak["besluit"]["enum"]), decisions);
        let outcomes: Vec<String> = Outcome::ALL.iter().map(|o| o.as_str().into()).collect();
        assert_eq!(
            strings(&zaak["platformAntwoorden"]["items"]["properties"]["uitkomst"]["enum"]),
            outcomes
        );
    }
}
