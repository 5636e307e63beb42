//! Demo data: the municipality list, a central team, a police unit and one account per
//! role, each with a known password (and TOTP secret for staff), printed at start.

use rand::rngs::OsRng;
use serde_json::json;

use super::{orgs as org_service, Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::credentials::{hash_password, new_recovery_codes, sha256_hex};
use crate::domain::org::{NewOrganisation, OrgKind};
use crate::domain::user::{NewUser, Role};
use crate::objects::EvidenceStore;
use crate::store::{audit, orgs, users, Store};

/// The password of every demo account. Demo databases are for trying meldpunt only.
pub const DEMO_PASSWORD: &str = "meldpunt-demo-2026";

/// One TOTP secret shared by every demo account, so one authenticator entry
/// (or `meldpunt demo-code`) serves them all.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub org_code: &'static str,
}

/// The demo's example of how the team keeps its independence; an organisation writes its own.
const DEMO_INDEPENDENCE: &str = "Voorbeeldtekst (demo). Het centrale team beoordeelt elke melding zelf aan de wet en de grondrechten; gemeenten, politie en platforms kunnen een besluit niet voorschrijven. Elk verzoek aan een platform wordt door een tweede persoon goedgekeurd die de melding niet zelf deed. Het team ontvangt geen betaling van platforms en heeft geen belang bij de inhoud. Bezwaren worden beoordeeld door iemand die niet bij het eerdere besluit betrokken was.";

pub const DEMO_ACCOUNTS: [DemoAccount; 9] = [
    DemoAccount {
        email: "melder@amsterdam.demo",
        name: "Mila de Vries",
        role: Role::Reporter,
        org_code: "GM0363",
    },
    DemoAccount {
        email: "melder@rotterdam.demo",
        name: "Ruben Jansen",
        role: Role::Reporter,
        org_code: "GM0599",
    },
    DemoAccount {
        email: "melder@utrecht.demo",
        name: "Lotte Mulder",
        role: Role::Reporter,
        org_code: "GM0344",
    },
    DemoAccount {
        email: "analist@meldpunt.demo",
        name: "Anouk Bakker",
        role: Role::Analyst,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "supervisor@meldpunt.demo",
        name: "Sander Visser",
        role: Role::Supervisor,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "auditor@meldpunt.demo",
        name: "Aylin Yilmaz",
        role: Role::Auditor,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "privacy@meldpunt.demo",
        name: "Noor de Vries",
        role: Role::PrivacyOfficer,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "beheer@meldpunt.demo",
        name: "Bram Smit",
        role: Role::Administrator,
        org_code: "MELDPUNT",
    },
    DemoAccount {
        email: "beheer@amsterdam.demo",
        name: "Fatima El Amrani",
        role: Role::Administrator,
        org_code: "GM0363",
    },
];

/// Seeds demo data when the database has no people yet; returns false when it had.
/// Evidence (a made-up screenshot) goes to `evidence`.
pub async fn seed(store: &Store, evidence: &EvidenceStore, ctx: &Ctx) -> Result<bool> {
    if users::count(store).await? > 0 {
        return Ok(false);
    }
    org_service::import_municipalities(store, ctx).await?;
    let mut tx = store.begin_write().await?;
    for (kind, code, name) in [
        (
            OrgKind::CentralTeam,
            "MELDPUNT",
            "Meldpunt openbare orde (demo)",
        ),
        (
            OrgKind::PoliceUnit,
            "POL-AMS",
            "Politie-eenheid Amsterdam (demo)",
        ),
    ] {
        let org = NewOrganisation::new(kind, code, name, None).map_err(super::orgs::org_error)?;
        if orgs::by_code(store, code).await.is_err() {
            let id = orgs::insert(&mut tx, &org, ctx.now).await?;
            let event = ctx.event(
                AuditAction::OrganisationCreated,
                "organisation",
                id,
                Some(id),
                Outcome::Success,
                json!({"code": code, "kind": kind.as_str(), "name": name, "demo": true}),
            );
            audit::append(&mut tx, &event, ctx.now).await?;
        }
    }
    tx.commit().await?;
    let mut tx = store.begin_write().await?;
    // Fictional mayors: demo data never names real people.
    for (code, mayor) in [
        ("GM0363", "J. de Vries (demo)"),
        ("GM0599", "M. Bakker (demo)"),
    ] {
        let org = orgs::by_code(store, code).await?;
        orgs::set_mayor(&mut tx, org.id, Some(mayor)).await?;
        let event = ctx.event(
            AuditAction::OrganisationUpdated,
            "organisation",
            org.id,
            Some(org.id),
            Outcome::Success,
            json!({"mayor": mayor, "demo": true}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    let password_hash = hash_password(DEMO_PASSWORD, &mut OsRng);
    for a in DEMO_ACCOUNTS.iter() {
        let org = orgs::by_code(store, a.org_code).await?;
        let new = NewUser::new(a.email, a.name, a.role).map_err(super::accounts::user_error)?;
        let activation = sha256_hex(a.email);
        users::insert(&mut tx, org.id, &new, &activation, ctx.now + 1, ctx.now).await?;
        let id = users::activate(&mut tx, &activation, &password_hash, ctx.now).await?;
        let codes: Vec<String> = new_recovery_codes(&mut OsRng)
            .iter()
            .map(|c| sha256_hex(c))
            .collect();
        users::enrol_second_factor(&mut tx, id, DEMO_TOTP_SECRET, 0, &codes).await?;
        let event = ctx.event(
            AuditAction::UserCreated,
            "user",
            id,
            Some(org.id),
            Outcome::Success,
            json!({"email": a.email, "role": a.role.as_str(), "demo": true}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
    }
    let event = ctx.event(
        AuditAction::DemoSeeded,
        "database",
        "demo",
        None,
        Outcome::Success,
        json!({"accounts": DEMO_ACCOUNTS.len()}),
    );
    audit::append(&mut tx, &event, ctx.now).await?;
    // The demo team's functional mailbox. Platform contact points stay empty: an
    // administrator fills them in (meldpunt never guesses a platform's address).
    let mut settings = crate::store::platforms::settings_in(&mut tx).await?;
    settings.sender_email = "meldpunt@meldpunt.demo".into();
    // An example of the year report's explanation of independence (DSA art. 22(3)).
    settings.independence_statement = Some(DEMO_INDEPENDENCE.into());
    crate::store::platforms::save_settings(&mut tx, &settings, None, ctx.now).await?;
    tx.commit().await?;
    seed_reports(store, evidence, ctx).await?;
    seed_work(store, ctx).await?;
    Ok(true)
}

/// A made-up screenshot of a chat message (grey bars for text, a red block for the list of
/// weapons): evidence that shows the case page's previews without any real content.
/// The text of the content, as a reporter pasted it, for the demo's copies (invented).
fn demo_content_text(url: &str) -> &'static str {
    if url.starts_with("https://t.me/") {
        "MORGEN 20:00 Rotterdam-Zuid, Beijerlandselaan. Avondklok? Wij niet. Neem mee: stenen, \
         vuurwerk, bivakmuts. Deel dit in je groepen!"
    } else if url.contains("tiktok.com") {
        "morgen 20:00 rotterdam zuid beijerlandselaan 🔥 avondklok? wij niet. neem mee: stenen, \
         vuurwerk, bivakmuts. deel dit in je groepen #avondklok"
    } else if url.contains("instagram.com") {
        "Morgen 20.00 Rotterdam-Zuid Beijerlandselaan!! Avondklok? Wij niet. Neem mee: stenen, \
         vuurwerk, bivakmuts. Deel dit in je groepen! @voorbeeld_demo"
    } else if url.contains("youtube.com") {
        "Morgen 20:00 Rotterdam Zuid Beijerlandselaan. Avondklok?? Wij niet! Neem mee: stenen, \
         vuurwerk en een bivakmuts. Deel dit in al je groepen"
    } else if url.contains("twitter.com") {
        "Ze zeggen dat de dader van gisteren J. uit de Afrikaanderwijk is. Iedereen weet het."
    } else {
        ""
    }
}

fn demo_screenshot_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(720, 480, |x, y| {
        let line = y / 40;
        let in_bubble = (40..680).contains(&x) && (60..420).contains(&y);
        let text = in_bubble && y % 40 > 12 && y % 40 < 28 && x < 120 + 60 * (line % 9);
        if (260..330).contains(&y) && (60..660).contains(&x) {
            image::Rgb([176, 0, 32])
        } else if text {
            image::Rgb([90, 90, 90])
        } else if in_bubble {
            image::Rgb([235, 241, 250])
        } else {
            image::Rgb([21, 66, 115])
        }
    });
    let mut out = Vec::new();
    // Writing a PNG to memory does not fail for an image this size.
    let _ = img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// The team's work on two demo cases, so that every page has something to show: the
/// weapons list assessed as an art. 16 notice to Telegram, waiting for a supervisor's
/// approval (Telegram gets a made-up point of contact, `.example`), and the false rumour
/// assessed as needing no action.
async fn seed_work(store: &Store, ctx: &Ctx) -> Result<()> {
    use crate::domain::assessment::AssessmentDraft;
    use crate::service::notice_setup::{save_platform, PlatformForm};
    use crate::service::notices::assess;
    let admin = users::by_email(store, "beheer@meldpunt.demo").await?;
    let analyst = users::by_email(store, "analist@meldpunt.demo").await?;
    let telegram = crate::store::platforms::list(store)
        .await?
        .into_iter()
        .find(|p| p.key == "telegram");
    if let Some(t) = telegram {
        let form = PlatformForm {
            name: t.name.clone(),
            hosts: t.hosts.clone(),
            channel: "email".into(),
            contact_email: "dsa-meldingen@telegram.example".into(),
            web_form_url: String::new(),
            languages: t.languages.clone(),
            notes: "Demo: verzonnen adres".into(),
        };
        save_platform(store, &ctx.acting_as(&admin), Some(t.id), &form).await?;
    }
    let as_analyst = ctx.acting_as(&analyst);
    let settings = super::Settings::default();
    let open =
        crate::store::cases::list(store, &[crate::domain::case::CaseStatus::Received], 100).await?;
    let case_of = |platform: crate::domain::link::Platform| {
        open.iter().find(|c| c.platform == platform).map(|c| c.id)
    };
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if let Some(case) = case_of(crate::domain::link::Platform::Telegram) {
        let draft = AssessmentDraft {
            class: "illegal".into(),
            provisions: owned(&["art-131-sr", "art-141-sr"]),
            facts: "De afbeelding roept op om morgen om 20:00 in Rotterdam-Zuid met stenen en vuurwerk de politie aan te vallen en noemt de wapens die mee moeten.".into(),
            locating: "De afbeelding in het bericht".into(),
            risk_time: "morgen 20:00".into(),
            risk_place: "Rotterdam-Zuid".into(),
            risk_reach: "Kanaal met ongeveer 4.000 volgers (demo)".into(),
            phase: "mobilisation".into(),
            no_protected_speech: true,
            rights_reasoning: "Geen politieke boodschap of betoging: alleen een oproep tot geweld met tijd, plaats en middelen.".into(),
            lighter_steps: owned(&["monitoring", "mayor-talks"]),
            proportionality: "Volgen volstaat niet: de oproep wordt snel gedeeld en de plaatser is onbekend.".into(),
            decision: "dsa-art16-notice".into(),
            category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
            keywords: owned(&["KEYWORD_INCITEMENT_VIOLENCE_HATRED"]),
            reasons: "Openbare, concrete oproep tot geweld tegen het openbaar gezag met tijd, plaats en wapens (demo).".into(),
            ..Default::default()
        };
        assess(store, &settings, &as_analyst, case, &draft).await?;
    }
    if let Some(case) = case_of(crate::domain::link::Platform::X) {
        let draft = AssessmentDraft {
            class: "undesirable".into(),
            facts: "Het bericht noemt een naam als verdachte; er staat geen oproep tot samenkomen of geweld in.".into(),
            risk_time: "onbekend".into(),
            risk_place: "onbekend".into(),
            risk_reach: "Weinig gedeeld (demo)".into(),
            phase: "signal".into(),
            no_protected_speech: true,
            rights_reasoning: "Onjuiste informatie is niet zonder meer strafbaar; ingrijpen zou de vrijheid van meningsuiting raken zonder dat er een verstoring dreigt.".into(),
            lighter_steps: owned(&["monitoring"]),
            proportionality: "Volgen volstaat: er is geen aanwijzing voor een verstoring van de openbare orde.".into(),
            decision: "no-action".into(),
            reasons: "Geen oproep tot verstoring; de gemeente houdt het bericht in de gaten (demo).".into(),
            ..Default::default()
        };
        assess(store, &settings, &as_analyst, case, &draft).await?;
    }
    seed_situation(store, ctx, &as_analyst).await
}

/// One situation shaped like the calls of the curfew riots (January 2021): the weapons list
/// and its copies on three platforms, reported by two municipalities, expected in several
/// towns tomorrow evening, in the mobilisation phase.
async fn seed_situation(store: &Store, ctx: &Ctx, as_analyst: &Ctx) -> Result<()> {
    use crate::domain::link::Platform;
    use crate::domain::situation::{Phase, SituationDraft};
    let open = crate::store::cases::list(store, &crate::domain::case::CaseStatus::ALL, 100).await?;
    let copies: Vec<i64> = open
        .iter()
        .filter(|c| {
            matches!(
                c.platform,
                Platform::Telegram | Platform::TikTok | Platform::Instagram
            )
        })
        .map(|c| c.id)
        .collect();
    let tomorrow = |hour: i64| {
        let day = crate::domain::dutch_day(ctx.now)
            .unwrap_or_default()
            .saturating_add(jiff::Span::new().days(1));
        crate::domain::parse_dutch_local(&format!("{day}T00:00"))
            .map(|midnight| midnight + hour * 3_600_000)
    };
    let draft = SituationDraft {
        title: "Oproepen tot rellen tijdens de avondklok (demo)".into(),
        municipality_codes: ["GM0599", "GM0363", "GM0392", "GM0772", "GM0796"]
            .iter()
            .map(|c| c.to_string())
            .collect(),
        place: "Rotterdam-Zuid (Beijerlandselaan) en stationsgebieden (demo)".into(),
        window_start: tomorrow(19),
        window_end: tomorrow(28),
        size: "medium".into(),
    };
    let id = super::situations::create(store, as_analyst, &draft, &copies, None).await?;
    super::situations::change_phase(
        store,
        &super::Settings::default(),
        as_analyst,
        id,
        Phase::Mobilisation,
        "Dezelfde oproep met tijd en plaats staat op Telegram, TikTok en Instagram en is door twee gemeenten gemeld (demo).",
    )
    .await?;
    // The copies are one message: one group, to be assessed and approved once.
    if copies.len() >= 2 {
        super::notices::create_group(
            store,
            as_analyst,
            id,
            "Afbeelding met tijd, plaats en oproep (demo)",
            &copies,
        )
        .await?;
    }
    Ok(())
}

/// Demo reports shaped like the reference scenarios (an invitation copied across
/// platforms and municipalities, a weapons list, a false rumour); all content invented.
async fn seed_reports(store: &Store, evidence: &EvidenceStore, ctx: &Ctx) -> Result<()> {
    use super::intake::{check, Intake, Submission};
    use super::Settings;
    use crate::domain::report::{Channel, LinkDraft, ReportDraft};
    let today = crate::domain::dutch_day(ctx.now).unwrap_or_default();
    let day = |n: i64| today.saturating_add(jiff::Span::new().days(n)).to_string();
    let reports = [
        (
            "melder@amsterdam.demo",
            "https://www.facebook.com/events/1000000000001/?mibextid=demo",
            "call_to_gather",
            "high",
            "Openbaar verjaardagsevenement, al duizenden aanmeldingen",
            "GM0363",
            "Dam",
            day(3),
            "21:00",
            "3000",
        ),
        (
            "melder@rotterdam.demo",
            "https://m.facebook.com/events/1000000000001?ref=share",
            "call_to_gather",
            "high",
            "Zelfde evenement wordt hier gedeeld, oproep om naar Amsterdam te gaan",
            "GM0363",
            "Dam",
            day(3),
            "21:00",
            "",
        ),
        (
            "melder@rotterdam.demo",
            "https://t.me/s/voorbeeldkanaal_demo/42",
            "incitement",
            "high",
            "Afbeelding met tijd, plaats en lijst van wapens",
            "GM0599",
            "Rotterdam-Zuid",
            day(1),
            "20:00",
            "200",
        ),
        // Copies of the weapons list on other platforms, reported by both municipalities.
        (
            "melder@amsterdam.demo",
            "https://www.tiktok.com/@voorbeeld_demo/video/7000000000000000001",
            "incitement",
            "high",
            "Zelfde afbeelding met wapenlijst als video, veel gedeeld onder jongeren",
            "GM0599",
            "Rotterdam-Zuid",
            day(1),
            "20:00",
            "200",
        ),
        (
            "melder@rotterdam.demo",
            "https://www.instagram.com/p/DEMO0000001/",
            "incitement",
            "high",
            "Kopie van de oproep met dezelfde tijd en plaats",
            "GM0599",
            "Rotterdam-Zuid",
            day(1),
            "20:00",
            "",
        ),
        // A re-typed copy of the weapons list on yet another platform, reported later: meldpunt
        // proposes it as a copy of the grouped ones (nothing is linked by itself).
        (
            "melder@utrecht.demo",
            "https://www.youtube.com/watch?v=demo0000001",
            "incitement",
            "high",
            "Zelfde tekst als de wapenlijst, nu als videobeschrijving",
            "GM0599",
            "Rotterdam-Zuid",
            day(1),
            "20:00",
            "",
        ),
        (
            "melder@amsterdam.demo",
            "https://twitter.com/voorbeeld_demo/status/1000000000000000001?s=20",
            "disinformation",
            "normal",
            "Valse naam van een verdachte gaat rond",
            "",
            "",
            String::new(),
            "",
            "",
        ),
    ];
    let intake = Intake::start(store.clone(), Settings::default());
    for (email, url, category, urgency, why, muni, place, date, time, size) in reports {
        let user = users::by_email(store, email).await?;
        let draft = ReportDraft {
            links: vec![LinkDraft {
                url: url.into(),
                remark: String::new(),
                content_text: demo_content_text(url).into(),
            }],
            category: category.into(),
            urgency: urgency.into(),
            justification: why.into(),
            on_behalf_of: format!("De burgemeester van {}", user.org_name),
            municipality: muni.into(),
            place: place.into(),
            date,
            time_from: time.into(),
            size: size.into(),
            ..Default::default()
        };
        let report = check(&draft, ctx.now).map_err(super::ServiceError::Rejected)?;
        // The weapons list comes with a (made-up) screenshot.
        let files = if url.starts_with("https://t.me/") {
            super::intake::store_evidence(
                evidence,
                vec![super::intake::Upload {
                    field: "evidence_1".into(),
                    file_name: "schermafbeelding-telegram.png".into(),
                    bytes: demo_screenshot_png().into(),
                    link_position: Some(1),
                }],
                usize::MAX,
            )
            .await?
        } else {
            Vec::new()
        };
        intake
            .submit(
                &ctx.acting_as(&user),
                Submission {
                    org_id: user.org_id,
                    reporter_user_id: Some(user.id),
                    api_token_id: None,
                    channel: Channel::WebForm,
                    report,
                    evidence: files,
                    idempotency: None,
                },
            )
            .await?;
    }
    Ok(())
}

/// Fills the database with `n` realistic reports for trials and benchmarks, through the
/// real intake (every report audited, joined to its case, in batches): from all 342
/// municipalities, reported over the last three days, about one in ten a copy of a link
/// another municipality reported too, 5 % acute, 25 % high; most expect a disturbance within
/// two weeks. Deterministic (`seed`), so two runs give the same data. Calls `progress(done,
/// n)` as it goes. Needs the municipalities (`meldpunt org import`).
pub async fn fill(
    store: &Store,
    ctx: &Ctx,
    n: u64,
    seed: u64,
    progress: &dyn Fn(u64, u64),
) -> Result<u64> {
    use futures_util::stream::{self, StreamExt};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::intake::{check, Intake, Submission};
    use super::Settings;
    use crate::domain::report::{Channel, LinkDraft, ReportDraft};

    let municipalities: Vec<(i64, String, String)> =
        orgs::list(store, Some(OrgKind::Municipality), "", 1000, 0)
            .await?
            .into_iter()
            .map(|o| (o.id, o.code, o.name))
            .collect();
    if municipalities.is_empty() {
        return Err(super::ServiceError::refused("demo.no_municipalities"));
    }
    let intake = Intake::start(store.clone(), Settings::default());
    let mut rng = StdRng::seed_from_u64(seed);
    let hosts = [
        "https://www.tiktok.com/@demo{a}/video/{id}",
        "https://www.instagram.com/p/Demo{id}/",
        "https://x.com/demo{a}/status/{id}",
        "https://t.me/s/demokanaal{a}/{id}",
        "https://www.facebook.com/events/{id}/",
        "https://www.youtube.com/watch?v=demo{id}",
        "https://www.snapchat.com/spotlight/demo{id}",
    ];
    let categories = [
        "call_to_gather",
        "incitement",
        "threat_or_doxing",
        "disinformation",
    ];
    let places = [
        "Stationsplein",
        "Centrum",
        "Marktplein",
        "Winkelcentrum",
        "Het park",
        "Haven",
    ];
    // Made one at a time as the intake takes them, so a million reports need no more memory
    // than a few hundred.
    let mut make = move |i: u64| -> Result<(Ctx, Submission)> {
        let (org_id, code, name) = &municipalities[rng.gen_range(0..municipalities.len())];
        let id = if i > 10 && rng.gen_bool(0.1) {
            rng.gen_range(0..i)
        } else {
            i
        };
        let url = hosts[(id % hosts.len() as u64) as usize]
            .replace("{a}", &(id % 997).to_string())
            .replace("{id}", &(7_600_000_000_000_000_000 + id).to_string());
        let urgency = match rng.gen_range(0..100) {
            0..=4 => "acute",
            5..=29 => "high",
            _ => "normal",
        };
        let reported_at = ctx.now - rng.gen_range(0..72 * 3_600_000);
        let expected = rng.gen_bool(0.6).then(|| {
            let days = rng.gen_range(0..14);
            jiff::Timestamp::from_millisecond(ctx.now)
                .ok()
                .and_then(|t| {
                    jiff::tz::TimeZone::get("Europe/Amsterdam")
                        .ok()
                        .map(|tz| t.to_zoned(tz).date())
                })
                .map(|d| d.saturating_add(jiff::Span::new().days(days)).to_string())
                .unwrap_or_default()
        });
        let draft = ReportDraft {
            links: vec![LinkDraft {
                url,
                remark: String::new(),
                content_text: String::new(),
            }],
            category: categories[rng.gen_range(0..categories.len())].into(),
            urgency: urgency.into(),
            justification: format!("Oproep gedeeld in groepen in {name} (proefgegevens {i})"),
            on_behalf_of: format!("De burgemeester van {name}"),
            municipality: if expected.is_some() {
                code.clone()
            } else {
                String::new()
            },
            place: if expected.is_some() {
                places[rng.gen_range(0..places.len())].into()
            } else {
                String::new()
            },
            date: expected.clone().unwrap_or_default(),
            time_from: if expected.is_some() {
                "21:00".into()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let report = check(&draft, ctx.now).map_err(super::ServiceError::Rejected)?;
        let submission = Submission {
            org_id: *org_id,
            reporter_user_id: None,
            api_token_id: None,
            channel: Channel::Api,
            report,
            evidence: Vec::new(),
            idempotency: None,
        };
        let at = Ctx {
            now: reported_at,
            ..ctx.clone()
        };
        Ok((at, submission))
    };
    let done = std::sync::atomic::AtomicU64::new(0);

    let results: Vec<Result<()>> = stream::iter(0..n)
        .map(&mut make)
        .map(|job| {
            let intake = intake.clone();
            let done = &done;
            async move {
                let (at, submission) = job?;
                intake.submit(&at, submission).await?;
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if d.is_multiple_of(1000) || d == n {
                    progress(d, n);
                }
                Ok(())
            }
        })
        .buffer_unordered(512)
        .filter(|r| std::future::ready(r.is_err()))
        .collect()
        .await;
    if let Some(Err(e)) = results.into_iter().next() {
        return Err(e);
    }
    super::housekeeping::fold_queue_totals(store).await?;
    store.optimise().await?;
    Ok(done.into_inner())
}

/// Groups the open cases that are in no situation yet into `n` situations for trials and
/// benchmarks: the cases sorted by the municipality and moment their reports expect, cut into
/// `n` runs of about equal size; each run becomes a situation of its municipalities (at most
/// 60) over the moments it covers (at most 14 days), its phase spread over the five phases.
/// Through the real use cases, so every link and phase change is in the history and the
/// audit trail. Returns (situations made, cases linked).
pub async fn fill_situations(store: &Store, ctx: &Ctx, n: usize) -> Result<(usize, usize)> {
    use crate::domain::situation::{Phase, SituationDraft, MAX_MUNICIPALITIES, MAX_WINDOW_MS};
    let mut signals: Vec<(String, crate::domain::Millis, i64)> =
        crate::store::situations::unlinked_signals(store)
            .await?
            .into_iter()
            .filter_map(|s| {
                let code = s.municipality_codes.iter().next()?.clone();
                let at = *s.expected_at.iter().min()?;
                Some((code, at, s.case_id))
            })
            .collect();
    signals.sort();
    if signals.is_empty() || n == 0 {
        return Ok((0, 0));
    }
    let per = signals.len().div_ceil(n);
    let (mut made, mut linked) = (0, 0);
    for (i, run) in signals.chunks(per).enumerate() {
        let mut codes: Vec<String> = Vec::new();
        for (code, _, _) in run {
            if !codes.contains(code) && codes.len() < MAX_MUNICIPALITIES {
                codes.push(code.clone());
            }
        }
        let start = run.iter().map(|r| r.1).min().unwrap_or(ctx.now);
        let end = run
            .iter()
            .map(|r| r.1)
            .max()
            .unwrap_or(start)
            .clamp(start + 3_600_000, start + MAX_WINDOW_MS);
        let draft = SituationDraft {
            title: format!("Verwachte verstoring {} (demo)", i + 1),
            municipality_codes: codes,
            place: String::new(),
            window_start: Some(start),
            window_end: Some(end),
            size: "unknown".into(),
        };
        let ids: Vec<i64> = run
            .iter()
            .filter(|r| r.1 >= start - crate::domain::situation::FIT_MARGIN_MS)
            .map(|r| r.2)
            .collect();
        let id = super::situations::create(store, ctx, &draft, &ids, None).await?;
        // Copies marked as the same message: up to two groups of five per situation.
        for (g, members) in ids.chunks(5).take(2).enumerate() {
            if members.len() < 2 {
                continue;
            }
            let title = format!("Kopieën {} (demo)", g + 1);
            match super::notices::create_group(store, ctx, id, &title, members).await {
                Ok(_) | Err(ServiceError::Unprocessable(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let phase = Phase::ACTIVE[i % Phase::ACTIVE.len()];
        if phase != Phase::Signal {
            super::situations::change_phase(
                store,
                &super::Settings::default(),
                ctx,
                id,
                phase,
                "Fase gezet voor een proefomgeving (demo)",
            )
            .await?;
        }
        made += 1;
        linked += ids.len();
    }
    Ok((made, linked))
}
