//! `POST /api/v1/meldingen` and `GET /api/v1/meldingen/{referentie}`: the same report
//! as the form, for municipalities' own systems. A retried request with the same
//! `Idempotency-Key` gets the first answer and never creates a second report.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::problem::ApiError;
use super::ApiClient;
use super::AppState;
use crate::domain::iso_time;
use crate::domain::message::Message;
use crate::domain::policy::ApiAction;
use crate::domain::report::{Channel, FieldError, LinkDraft, ReportDraft, ReportStatus};
use crate::domain::report_body::{BodyBudget, Limits};
use crate::service::intake::{self, Submission, Upload};
use crate::service::{now_ms, Ctx, ServiceError};
use crate::store::reports::{self, Report, ReportLink};
use crate::store::StoreError;
use crate::web::error::Failure;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkBody {
    #[serde(default)]
    url: String,
    #[serde(default)]
    opmerking: String,
    #[serde(default)]
    inhoud_tekst: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExpectedBody {
    #[serde(default)]
    gemeente: String,
    #[serde(default)]
    plaats: String,
    #[serde(default)]
    datum: String,
    #[serde(default)]
    vanaf: String,
    #[serde(default)]
    tot: String,
    #[serde(default)]
    omvang: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EvidenceBody {
    #[serde(default)]
    bestandsnaam: String,
    /// Base64 (standard alphabet).
    #[serde(default)]
    inhoud: String,
    /// The link (1-based) the file belongs to.
    #[serde(default)]
    link: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReportBody {
    #[serde(default)]
    links: Vec<LinkBody>,
    #[serde(default)]
    categorie: String,
    #[serde(default)]
    toelichting: String,
    #[serde(default)]
    verwachte_verstoring: Option<ExpectedBody>,
    #[serde(default)]
    urgentie: String,
    #[serde(default)]
    onderbouwing: String,
    #[serde(default)]
    namens: String,
    #[serde(default)]
    bewijs: Vec<EvidenceBody>,
}

/// The API's name for a form field.
fn api_field(field: &str) -> String {
    if let Some(n) = field.strip_prefix("link_url_") {
        return format!(
            "links[{}].url",
            n.parse::<usize>().unwrap_or(1).saturating_sub(1)
        );
    }
    if let Some(n) = field.strip_prefix("link_remark_") {
        return format!(
            "links[{}].opmerking",
            n.parse::<usize>().unwrap_or(1).saturating_sub(1)
        );
    }
    if let Some(n) = field.strip_prefix("link_text_") {
        return format!(
            "links[{}].inhoudTekst",
            n.parse::<usize>().unwrap_or(1).saturating_sub(1)
        );
    }
    if let Some(n) = field.strip_prefix("bewijs_") {
        return format!("bewijs[{n}]");
    }
    match field {
        "category" => "categorie",
        "summary" => "toelichting",
        "municipality" => "verwachteVerstoring.gemeente",
        "place" => "verwachteVerstoring.plaats",
        "date" => "verwachteVerstoring.datum",
        "time_from" => "verwachteVerstoring.vanaf",
        "time_to" => "verwachteVerstoring.tot",
        "size" => "verwachteVerstoring.omvang",
        "urgency" => "urgentie",
        "justification" => "onderbouwing",
        "on_behalf_of" => "namens",
        other => other,
    }
    .to_string()
}

fn rejected(errors: Vec<FieldError>) -> ApiError {
    ApiError(Failure::Invalid(
        errors
            .into_iter()
            .map(|e| FieldError {
                field: api_field(&e.field),
                message: e.message,
            })
            .collect(),
    ))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError(Failure::BadRequest(Message::new(
            "api.idempotency_key_format",
        ))));
    }
    Ok(Some(key.to_string()))
}

/// What does not fit the schema, in meldpunt's words (review I1: never serde's text, such as
/// "expected struct ReportBody"): which field is unknown, that a value is of the wrong kind,
/// or that the body is no object at all.
fn schema_problem(value: &Value, e: &serde_json::Error) -> Message {
    if !value.is_object() {
        return Message::new("api.body_not_object");
    }
    let text = e.to_string();
    let quoted = || {
        text.split('`')
            .nth(1)
            .map(|s| s.chars().take(100).collect::<String>())
            .unwrap_or_default()
    };
    // Every field has a default and takes text or numbers, so what remains is an unknown
    // field or a value of the wrong kind.
    if text.starts_with("unknown field") {
        Message::new("api.field_unknown").with("field", quoted())
    } else {
        Message::new("api.field_wrong_type")
    }
}

/// Whether the request says its body is JSON (`application/json`, with or without
/// parameters, or an `application/*+json` type).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a report's body, refusing it (413) as soon as its text or its evidence passes its
/// bound — before reading anything when the declared length already does (review L2).
async fn read_body(headers: &HeaderMap, body: Body, limits: Limits) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.total() as u64) {
        return Err(ApiError(Failure::TooLarge));
    }
    let mut budget = BodyBudget::new(limits);
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(1 << 20));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| ApiError(Failure::BadRequest(Message::new("api.body_unreadable"))))?;
        budget
            .feed(&chunk)
            .map_err(|_| ApiError(Failure::TooLarge))?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

pub async fn create(
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // A report is JSON: anything else is refused before its body is read (review L1).
    if !is_json(&headers) {
        return Err(ApiError(Failure::UnsupportedMediaType));
    }
    let body = read_body(&headers, body, state.api_report_limits()).await?;
    client.authorize(ApiAction::SubmitReport)?;
    let org_id = client.token.org_id;
    let key = idempotency_key(&headers)?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError(Failure::BadRequest(
            Message::new("api.body_not_json")
                .with("line", e.line())
                .with("column", e.column()),
        ))
    })?;
    let parsed: ReportBody = serde_json::from_value(value.clone())
        .map_err(|e| ApiError(Failure::BadRequest(schema_problem(&value, &e))))?;
    let expected = parsed.verwachte_verstoring.unwrap_or_default();
    let draft = ReportDraft {
        links: parsed
            .links
            .into_iter()
            .map(|l| LinkDraft {
                url: l.url,
                remark: l.opmerking,
                content_text: l.inhoud_tekst,
            })
            .collect(),
        category: parsed.categorie,
        summary: parsed.toelichting,
        municipality: expected.gemeente,
        place: expected.plaats,
        date: expected.datum,
        time_from: expected.vanaf,
        time_to: expected.tot,
        size: expected.omvang.map(|n| n.to_string()).unwrap_or_default(),
        urgency: parsed.urgentie,
        justification: parsed.onderbouwing,
        on_behalf_of: parsed.namens,
    };
    let now = now_ms();
    let valid = intake::check(&draft, now).map_err(rejected)?;
    let mut uploads = Vec::new();
    let mut errors = Vec::new();
    for (i, b) in parsed.bewijs.into_iter().enumerate() {
        let field = format!("bewijs_{i}");
        if b.link
            .is_some_and(|n| n < 1 || n as usize > valid.links.len())
        {
            errors.push(FieldError {
                field: field.clone(),
                message: Message::new("api.evidence_link_unknown"),
            });
        }
        match base64::engine::general_purpose::STANDARD.decode(b.inhoud.as_bytes()) {
            Ok(bytes) => uploads.push(Upload {
                field,
                file_name: b.bestandsnaam,
                bytes: bytes.into(),
                link_position: b.link,
            }),
            Err(_) => errors.push(FieldError {
                field,
                message: Message::new("api.evidence_not_base64"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(rejected(errors));
    }
    let evidence =
        match intake::store_evidence(&state.evidence, uploads, state.config.evidence_max_bytes)
            .await
        {
            Ok(e) => e,
            Err(ServiceError::Rejected(errors)) => return Err(rejected(errors)),
            Err(e) => return Err(e.into()),
        };
    let ctx = Ctx {
        actor_label: format!("api-token:{}", client.token.prefix),
        actor_org_id: Some(org_id),
        ..Ctx::anonymous(&client.addr, now)
    };
    let receipt = state
        .intake
        .submit(
            &ctx,
            Submission {
                org_id,
                reporter_user_id: None,
                api_token_id: Some(client.token.id),
                channel: Channel::Api,
                report: valid,
                evidence,
                idempotency: key.map(|k| (k, intake::request_hash(&value))),
            },
        )
        .await?;
    let body = if receipt.replayed {
        let report = reports::get(&state.store, receipt.report_id).await?;
        representation(&state, &report).await?
    } else {
        // Everything the answer says is known from the commit; no need to read it back.
        fresh_representation(&receipt, &value, now)
    };
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/meldingen/{}", receipt.reference)) {
        h.insert(header::LOCATION, v);
    }
    if receipt.replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

pub async fn show(
    State(state): State<AppState>,
    client: ApiClient,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let report = reports::by_reference(&state.store, &reference)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError(Failure::NotFound),
            e => e.into(),
        })?;
    client.authorize(ApiAction::ViewReport {
        org_id: report.org_id,
    })?;
    Ok(axum::Json(representation(&state, &report).await?).into_response())
}

async fn representation(state: &AppState, r: &Report) -> Result<Value, ApiError> {
    let links = reports::links(&state.store, r.id).await?;
    let mut value = shape(
        &r.reference,
        r.status.as_str(),
        r.created_at,
        r.withdrawn_at,
        r.category.as_str(),
        r.urgency.as_str(),
        &links,
    );
    // The outcome so far: the team's decision and each platform answer (newest per URL).
    for (i, l) in links.iter().enumerate() {
        let outcome = crate::service::notices::case_outcome(&state.store, l.case_id).await?;
        let zaak = &mut value["links"][i]["zaak"];
        if let Some(d) = outcome.decision {
            zaak["besluit"] = json!(d.as_str());
        }
        zaak["platformAntwoorden"] = json!(outcome
            .answers
            .iter()
            .map(|(url, o, at)| json!({"url": url, "uitkomst": o.as_str(), "ontvangenOp": iso_time(*at)}))
            .collect::<Vec<_>>());
    }
    Ok(value)
}

fn fresh_representation(receipt: &intake::Receipt, request: &Value, now: i64) -> Value {
    shape(
        &receipt.reference,
        ReportStatus::Active.as_str(),
        now,
        None,
        request["categorie"].as_str().unwrap_or_default(),
        request["urgentie"].as_str().unwrap_or_default(),
        &receipt.links,
    )
}

fn shape(
    reference: &str,
    status: &str,
    created_at: i64,
    withdrawn_at: Option<i64>,
    category: &str,
    urgency: &str,
    links: &[ReportLink],
) -> Value {
    json!({
        "referentie": reference,
        "status": status,
        "ontvangenOp": iso_time(created_at),
        "ingetrokkenOp": withdrawn_at.map(iso_time),
        "categorie": category,
        "urgentie": urgency,
        "links": links.iter().map(|l| json!({
            "positie": l.position,
            "ingediendeUrl": l.submitted_url,
            "url": l.canonical_url,
            "platform": l.platform.as_str(),
            "zaak": {"referentie": l.case_reference, "status": l.case_status.as_str()},
        })).collect::<Vec<_>>(),
    })
}
