//! The text of every outgoing message, in Dutch and in English, rendered from typed
//! templates (`templates/notices/`). Each kind has its own template and snapshot test.

use askama::Template;

use super::assessment::{DsaCategory, DsaKeyword, Provision};
use super::notice::NoticeKind;
use super::report::Urgency;

/// Who sends: the central team's name and functional mailbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender {
    pub name: String,
    pub email: String,
    /// Designated trusted flagger under DSA art. 22 (a setting).
    pub trusted_flagger: bool,
}

/// Everything a message says about the content and the assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeFacts {
    /// meldpunt's reference for this message (`KG-2026-000001`).
    pub reference: String,
    pub case_reference: String,
    pub platform_name: String,
    /// The exact URLs: the canonical one first, then other addresses of the same content.
    pub urls: Vec<String>,
    /// Extra locating information (a timestamp in a video, a message number, …).
    pub locating: String,
    pub provisions: Vec<Provision>,
    pub facts: String,
    pub reasons: String,
    pub category: Option<DsaCategory>,
    pub keywords: Vec<DsaKeyword>,
    pub urgency: Urgency,
    /// The requested handling time, as a local date and time with its zone.
    pub respond_by: String,
    pub municipalities: Vec<String>,
    pub sender: Sender,
}

pub const GOOD_FAITH_NL: &str = "Wij verklaren te goeder trouw dat de informatie en beweringen in dit bericht juist en volledig zijn.";
pub const GOOD_FAITH_EN: &str = "We declare in good faith that the information and allegations in this message are accurate and complete.";

impl NoticeFacts {
    pub fn legal_provisions(&self) -> Vec<Provision> {
        self.provisions
            .iter()
            .copied()
            .filter(|p| p.is_law())
            .collect()
    }

    pub fn urgency_nl(&self) -> &'static str {
        match self.urgency {
            Urgency::Acute => "acuut (verstoring binnen enkele uren verwacht)",
            Urgency::High => "hoog (verstoring binnen een dag verwacht)",
            Urgency::Normal => "normaal",
        }
    }

    pub fn urgency_en(&self) -> &'static str {
        match self.urgency {
            Urgency::Acute => "acute (disorder expected within hours)",
            Urgency::High => "high (disorder expected within a day)",
            Urgency::Normal => "normal",
        }
    }

    pub fn good_faith_nl(&self) -> &'static str {
        GOOD_FAITH_NL
    }

    pub fn good_faith_en(&self) -> &'static str {
        GOOD_FAITH_EN
    }
}

/// The configured legal basis for DSA art. 9 orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Art9Basis {
    pub legal_basis: String,
    pub authority: String,
    pub redress_platform: String,
    pub redress_poster: String,
}

/// What a withdrawal refers to.
#[derive(Debug, Clone, PartialEq)]
pub struct WithdrawalFacts {
    pub original_reference: String,
    pub original_sent: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "notices/art16.txt")]
struct Art16<'a> {
    n: &'a NoticeFacts,
}

#[derive(Template)]
#[template(path = "notices/tos_referral.txt")]
struct TosReferral<'a> {
    n: &'a NoticeFacts,
}

#[derive(Template)]
#[template(path = "notices/art9_order.txt")]
struct Art9Order<'a> {
    n: &'a NoticeFacts,
    basis: &'a Art9Basis,
}

#[derive(Template)]
#[template(path = "notices/police_referral.txt")]
struct PoliceReferral<'a> {
    n: &'a NoticeFacts,
}

#[derive(Template)]
#[template(path = "notices/mayor_advice.txt")]
struct MayorAdvice<'a> {
    n: &'a NoticeFacts,
}

#[derive(Template)]
#[template(path = "notices/withdrawal.txt")]
struct Withdrawal<'a> {
    n: &'a NoticeFacts,
    w: &'a WithdrawalFacts,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Extra input some kinds need.
#[derive(Debug, Clone, Copy)]
pub enum Extra<'a> {
    None,
    Art9(&'a Art9Basis),
    Withdrawal(&'a WithdrawalFacts),
}

/// A kind was asked to render without the input it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} needs its own input")]
pub struct MissingInput(pub NoticeKind);

/// Renders the message of `kind`.
pub fn render(kind: NoticeKind, n: &NoticeFacts, extra: Extra) -> Result<Rendered, MissingInput> {
    let missing = MissingInput(kind);
    let (subject, body) = match (kind, extra) {
        (NoticeKind::Art16Notice, _) => (
            format!(
                "Melding illegale inhoud (DSA art. 16) / Notice of illegal content — {}",
                n.reference
            ),
            Art16 { n }.render(),
        ),
        (NoticeKind::TosReferral, _) => (
            format!(
                "Verwijzing gebruiksvoorwaarden / Terms-of-service referral — {}",
                n.reference
            ),
            TosReferral { n }.render(),
        ),
        (NoticeKind::Art9Order, Extra::Art9(basis)) => (
            format!("Bevel (DSA art. 9) / Order (DSA art. 9) — {}", n.reference),
            Art9Order { n, basis }.render(),
        ),
        (NoticeKind::PoliceReferral, _) => (
            format!(
                "Doorverwijzing online inhoud / Referral of online content — {}",
                n.reference
            ),
            PoliceReferral { n }.render(),
        ),
        (NoticeKind::MayorAdvice, _) => (
            format!(
                "Advies over gemelde inhoud / Advice on reported content — {}",
                n.reference
            ),
            MayorAdvice { n }.render(),
        ),
        (NoticeKind::Withdrawal, Extra::Withdrawal(w)) => (
            format!(
                "Intrekking melding {} / Withdrawal of notice {} — {}",
                w.original_reference, w.original_reference, n.reference
            ),
            Withdrawal { n, w }.render(),
        ),
        (NoticeKind::Art9Order | NoticeKind::Withdrawal, _) => return Err(missing),
    };
    // Templates are plain text without escaping; rendering cannot fail on these types.
    let body = body.map_err(|_| missing)?;
    Ok(Rendered { subject, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn facts() -> NoticeFacts {
        NoticeFacts {
            reference: "KG-2026-000042".into(),
            case_reference: "ZAAK-2026-000017".into(),
            platform_name: "TikTok".into(),
            urls: vec![
                "https://www.tiktok.com/@rellen_ede/video/7300000000000000001".into(),
                "https://vm.tiktok.com/ZMabc123/".into(),
            ],
            locating: "Oproep vanaf 0:12 in de video".into(),
            provisions: vec![Provision::Sr131, Provision::PlatformTerms],
            facts: "De video roept op om zaterdag 21:00 bij het station van Ede de politie met stenen te bekogelen.".into(),
            reasons: "Openbare, concrete oproep tot geweld tegen het openbaar gezag met tijd en plaats.".into(),
            category: Some(DsaCategory::RiskForPublicSecurity),
            keywords: vec![DsaKeyword::IncitementViolenceHatred, DsaKeyword::CyberIncitement],
            urgency: Urgency::Acute,
            respond_by: "29-11-2026 14:00 (Europe/Amsterdam)".into(),
            municipalities: vec!["Ede".into(), "Wageningen".into()],
            sender: Sender {
                name: "Centraal team meldvoorziening".into(),
                email: "meldpunt@example.nl".into(),
                trusted_flagger: false,
            },
        }
    }

    fn basis() -> Art9Basis {
        Art9Basis {
            legal_basis: "Voorbeeldwet art. 1".into(),
            authority: "Voorbeeldautoriteit".into(),
            redress_platform: "Bezwaar bij de voorbeeldautoriteit binnen zes weken".into(),
            redress_poster: "Bezwaar bij de voorbeeldautoriteit binnen zes weken".into(),
        }
    }

    fn withdrawal() -> WithdrawalFacts {
        WithdrawalFacts {
            original_reference: "KG-2026-000041".into(),
            original_sent: "28-11-2026 10:15".into(),
            reason: "De video bleek een aangekondigde, rechtmatige betoging te betreffen.".into(),
        }
    }

    #[test]
    fn art16_notice_snapshot() {
        let r = render(NoticeKind::Art16Notice, &facts(), Extra::None).unwrap();
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
    }

    #[test]
    fn art16_notice_from_a_trusted_flagger_snapshot() {
        let mut n = facts();
        n.sender.trusted_flagger = true;
        n.locating.clear();
        n.keywords.clear();
        let r = render(NoticeKind::Art16Notice, &n, Extra::None).unwrap();
        insta::assert_snapshot!(r.body);
    }

    #[test]
    fn tos_referral_snapshot() {
        let mut n = facts();
        n.provisions = vec![Provision::PlatformTerms];
        let r = render(NoticeKind::TosReferral, &n, Extra::None).unwrap();
        assert!(r.body.contains("GEEN melding van illegale inhoud"));
        assert!(r.body.contains("NOT a notice of illegal content"));
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
    }

    #[test]
    fn art9_order_snapshot() {
        let b = basis();
        let r = render(NoticeKind::Art9Order, &facts(), Extra::Art9(&b)).unwrap();
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
        assert_eq!(
            render(NoticeKind::Art9Order, &facts(), Extra::None),
            Err(MissingInput(NoticeKind::Art9Order))
        );
    }

    #[test]
    fn police_referral_snapshot() {
        let r = render(NoticeKind::PoliceReferral, &facts(), Extra::None).unwrap();
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
    }

    #[test]
    fn mayor_advice_snapshot() {
        let r = render(NoticeKind::MayorAdvice, &facts(), Extra::None).unwrap();
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
    }

    #[test]
    fn withdrawal_snapshot() {
        let w = withdrawal();
        let r = render(NoticeKind::Withdrawal, &facts(), Extra::Withdrawal(&w)).unwrap();
        insta::assert_snapshot!(format!("{}\n\n{}", r.subject, r.body));
    }

    #[test]
    fn an_art16_notice_has_every_element_in_both_languages() {
        let n = facts();
        let body = render(NoticeKind::Art16Notice, &n, Extra::None)
            .unwrap()
            .body;
        for u in &n.urls {
            assert_eq!(body.matches(u.as_str()).count(), 2, "{u}");
        }
        for needle in [
            "art. 131 Sr (opruiing)",
            "art. 131 Dutch Criminal Code",
            n.facts.as_str(),
            "meldpunt@example.nl",
            GOOD_FAITH_NL,
            GOOD_FAITH_EN,
            "KG-2026-000042",
            "acuut",
            "acute",
            "29-11-2026 14:00",
            "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
            "Betrouwbare flagger: nee",
            "Trusted flagger: no",
            "Oproep vanaf 0:12",
        ] {
            assert!(body.contains(needle), "missing {needle}");
        }
        // Platform terms are not a legal provision and are not cited as one.
        assert!(!body.contains("gebruiksvoorwaarden van het platform"));
    }
}
