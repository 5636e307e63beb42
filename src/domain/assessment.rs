//! The assessment of a case: the written test of law, public-order risk, fundamental
//! rights and proportionality that answers "do we intervene, and how?".
//!
//! Every save is a new version; nothing is overwritten. The rules here decide which
//! decisions an assessment can carry, so that (for example) content classed as merely
//! undesirable can never produce an illegality notice.

use super::case::{transition, CaseStatus, Mover};
use super::report::FieldError;
use super::Millis;
use crate::domain::message::Message;
use crate::vocabulary;

vocabulary! {
    /// The CCV triage of online content around disorder.
    pub enum LegalClass {
        Illegal => ("illegal", "Strafbaar", "Illegal (criminal law)"),
        Unlawful => ("unlawful", "Onrechtmatig", "Unlawful (civil law, GDPR)"),
        Undesirable => ("undesirable", "Onwenselijk", "Undesirable (not unlawful)"),
    }
}

vocabulary! {
    /// The catalogue of provisions an assessment can rest on.
    pub enum Provision {
        Sr131 => ("art-131-sr", "art. 131 Sr (opruiing)", "art. 131 Dutch Criminal Code (incitement)"),
        Sr132 => ("art-132-sr", "art. 132 Sr (verspreiden van opruiend materiaal)", "art. 132 Dutch Criminal Code (distributing inciting material)"),
        Sr137c => ("art-137c-sr", "art. 137c Sr (groepsbelediging)", "art. 137c Dutch Criminal Code (insulting a group)"),
        Sr137d => ("art-137d-sr", "art. 137d Sr (aanzetten tot haat, discriminatie of geweld)", "art. 137d Dutch Criminal Code (inciting hatred, discrimination or violence)"),
        Sr137e => ("art-137e-sr", "art. 137e Sr (verspreiden van discriminerende uitlatingen)", "art. 137e Dutch Criminal Code (distributing discriminatory statements)"),
        Sr141 => ("art-141-sr", "art. 141 Sr (openlijke geweldpleging)", "art. 141 Dutch Criminal Code (open violence in concert)"),
        Sr184 => ("art-184-sr", "art. 184 Sr (niet voldoen aan een ambtelijk bevel)", "art. 184 Dutch Criminal Code (not complying with an official order)"),
        Sr285 => ("art-285-sr", "art. 285 Sr (bedreiging)", "art. 285 Dutch Criminal Code (threats)"),
        Sr285d => ("art-285d-sr", "art. 285d Sr (doxing)", "art. 285d Dutch Criminal Code (doxing)"),
        Sr266 => ("art-266-sr", "art. 266 Sr (belediging)", "art. 266 Dutch Criminal Code (insult)"),
        Noodverordening => ("noodverordening", "Overtreding van een noodverordening (art. 176 Gemeentewet)", "Breach of an emergency ordinance (art. 176 Municipalities Act)"),
        Noodbevel => ("noodbevel", "Overtreding van een noodbevel (art. 175 Gemeentewet, art. 184 Sr)", "Breach of an emergency order (art. 175 Municipalities Act, art. 184 Criminal Code)"),
        PlatformTerms => ("platform-terms", "Alleen de gebruiksvoorwaarden van het platform", "Platform terms of service only"),
    }
}

impl Provision {
    /// A provision of law (as opposed to a platform's own terms).
    pub fn is_law(self) -> bool {
        self != Provision::PlatformTerms
    }

    /// The elements that must all be present for the provision to apply, in Dutch.
    pub fn elements_nl(self) -> &'static [&'static str] {
        match self {
            Provision::Sr131 => &[
                "in het openbaar (ook online), mondeling, bij geschrift of afbeelding",
                "aanzetten tot een strafbaar feit of tot gewelddadig optreden tegen het openbaar gezag",
                "opzet; het feit waartoe wordt aangezet hoeft niet te zijn gepleegd",
            ],
            Provision::Sr132 => &[
                "verspreiden, openlijk tonen of voorhanden hebben om te verspreiden (ook doorsturen)",
                "een geschrift of afbeelding waarin tot een strafbaar feit of geweld tegen het openbaar gezag wordt aangezet",
                "weten of ernstige reden hebben om te vermoeden dat het opruiend is",
            ],
            Provision::Sr137c => &[
                "in het openbaar, mondeling, bij geschrift of afbeelding",
                "opzettelijk beledigend uitlaten over een groep mensen",
                "wegens ras, godsdienst of levensovertuiging, seksuele gerichtheid, geslacht of handicap",
            ],
            Provision::Sr137d => &[
                "in het openbaar, mondeling, bij geschrift of afbeelding",
                "aanzetten tot haat, discriminatie of gewelddadig optreden tegen persoon of goed",
                "wegens ras, godsdienst of levensovertuiging, seksuele gerichtheid, geslacht of handicap",
            ],
            Provision::Sr137e => &[
                "een uitlating openbaar maken of verspreiden (anders dan voor zakelijke berichtgeving)",
                "de uitlating is beledigend voor een groep (137c) of zet aan tot haat of geweld (137d)",
            ],
            Provision::Sr141 => &[
                "openlijk: in het openbaar of zichtbaar voor publiek",
                "in vereniging: samen met anderen",
                "geweld tegen personen of goederen; een wezenlijke bijdrage, zoals aanmoedigen van de groep, kan volstaan",
            ],
            Provision::Sr184 => &[
                "een bevel of vordering krachtens wettelijk voorschrift door een bevoegde ambtenaar (zoals een noodbevel)",
                "opzettelijk niet voldoen aan, of belemmeren van, dat bevel",
            ],
            Provision::Sr285 => &[
                "bedreigen met een in de wet genoemd misdrijf, zoals openlijk geweld in vereniging, brandstichting of zware mishandeling",
                "zo dat bij de bedreigde redelijkerwijs de vrees kan ontstaan dat het misdrijf wordt gepleegd",
            ],
            Provision::Sr285d => &[
                "persoonsgegevens van een ander verschaffen, verspreiden of ter beschikking stellen",
                "met het oogmerk die persoon vrees aan te jagen, ernstige overlast aan te doen of ernstig te hinderen in ambt of beroep",
                "zwaarder wanneer het doelwit bijvoorbeeld burgemeester, politieambtenaar of journalist is",
            ],
            Provision::Sr266 => &[
                "opzettelijke belediging van een persoon",
                "in het openbaar, of in diens aanwezigheid, of bij toegezonden of aangeboden geschrift",
            ],
            Provision::Noodverordening => &[
                "een geldende noodverordening van de burgemeester voor dit gebied en deze tijd",
                "de inhoud roept op tot of organiseert gedrag dat de noodverordening verbiedt",
            ],
            Provision::Noodbevel => &[
                "een gegeven noodbevel, gericht tot een bepaalde groep",
                "de inhoud roept op het noodbevel niet na te leven of organiseert dat",
            ],
            Provision::PlatformTerms => &[
                "geen wettelijke grondslag: alleen strijd met de gebruiksvoorwaarden van het platform",
            ],
        }
    }

    /// Parses a list of identifiers; unknown ones are returned as `Err`.
    pub fn parse_all(ids: &[String]) -> Result<Vec<Provision>, String> {
        let mut out = Vec::new();
        for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let p = Provision::parse(id).ok_or_else(|| id.to_string())?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    }
}

vocabulary! {
    /// Phase of escalation of the expected disturbance.
    pub enum Phase {
        Signal => ("signal", "Signaal", "Signal"),
        Mobilisation => ("mobilisation", "Mobilisatie", "Mobilisation"),
        Escalation => ("escalation", "Escalatie", "Escalation"),
        Disorder => ("disorder", "Ordeverstoring", "Disorder"),
        Aftermath => ("aftermath", "Nasleep", "Aftermath"),
    }
}

vocabulary! {
    /// Forms of expression that raise the threshold for intervening.
    pub enum ProtectedSpeech {
        Political => ("political", "Politieke meningsuiting of debat", "Political speech or debate"),
        Journalism => ("journalism", "Journalistiek", "Journalism"),
        Satire => ("satire", "Satire, humor of kunst", "Satire, humour or art"),
        LawfulDemonstration => ("lawful-demonstration", "Oproep tot een rechtmatige betoging of bijeenkomst", "Call to a lawful demonstration or gathering"),
    }
}

vocabulary! {
    /// Lighter steps considered before intervening (subsidiarity).
    pub enum LighterStep {
        MonitoringOnly => ("monitoring", "Alleen volgen", "Monitoring only"),
        TosReferral => ("tos-referral", "Verwijzing naar de gebruiksvoorwaarden", "Terms-of-service referral"),
        ContextLabel => ("context-label", "Contextlabel door het platform", "Context label by the platform"),
        MayorTalks => ("mayor-talks", "Burgemeester spreekt de plaatser aan", "Mayor speaks to the poster"),
    }
}

vocabulary! {
    /// What the team decides to do.
    pub enum Decision {
        NoAction => ("no-action", "Geen actie", "No action"),
        Monitor => ("monitor", "Volgen", "Monitor"),
        Art16Notice => ("dsa-art16-notice", "Verzoek aan het platform (DSA art. 16): verwijderen of ontoegankelijk maken in Nederland", "Notice to the platform (DSA art. 16): remove or disable access in the Netherlands"),
        TosReferral => ("tos-referral", "Verwijzing naar de gebruiksvoorwaarden (geen claim van strafbaarheid)", "Terms-of-service referral (not an illegality claim)"),
        PoliceReferral => ("police-referral", "Doorverwijzing naar politie / Openbaar Ministerie", "Referral to police / public prosecutor"),
        MayorAdvice => ("mayor-advice", "Advies aan de burgemeester", "Advice to the mayor"),
        Art9Order => ("dsa-art9-order", "Bevel aan het platform (DSA art. 9)", "Order to the platform (DSA art. 9)"),
    }
}

impl Decision {
    /// Something leaves meldpunt: it needs a second person's approval (four eyes).
    pub fn is_outgoing(self) -> bool {
        !matches!(self, Decision::NoAction | Decision::Monitor)
    }

    /// Addressed to the platform hosting the content.
    pub fn goes_to_platform(self) -> bool {
        matches!(
            self,
            Decision::Art16Notice | Decision::TosReferral | Decision::Art9Order
        )
    }

    /// Claims that the content is illegal.
    pub fn claims_illegality(self) -> bool {
        matches!(self, Decision::Art16Notice | Decision::Art9Order)
    }
}

vocabulary! {
    /// Statement categories of the EU DSA Transparency Database.
    pub enum DsaCategory {
        RiskForPublicSecurity => ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "Risico voor de openbare veiligheid", "Risk for public security"),
        Violence => ("STATEMENT_CATEGORY_VIOLENCE", "Geweld", "Violence"),
        IllegalOrHarmfulSpeech => ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "Illegale of schadelijke uitingen", "Illegal or harmful speech"),
        DataProtection => ("STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "Schending van gegevensbescherming en privacy", "Data protection and privacy violations"),
        CivicDiscourse => ("STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS", "Negatieve gevolgen voor het publieke debat of verkiezingen", "Negative effects on civic discourse or elections"),
        CyberViolence => ("STATEMENT_CATEGORY_CYBER_VIOLENCE", "Online geweld", "Cyber violence"),
        CyberViolenceAgainstWomen => ("STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN", "Online geweld tegen vrouwen", "Cyber violence against women"),
        ProtectionOfMinors => ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "Bescherming van minderjarigen", "Protection of minors"),
        SelfHarm => ("STATEMENT_CATEGORY_SELF_HARM", "Zelfbeschadiging", "Self-harm"),
        ScamsAndFraud => ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Oplichting en fraude", "Scams and fraud"),
        AnimalWelfare => ("STATEMENT_CATEGORY_ANIMAL_WELFARE", "Dierenwelzijn", "Animal welfare"),
        ConsumerInformation => ("STATEMENT_CATEGORY_CONSUMER_INFORMATION", "Consumenteninformatie", "Consumer information"),
        IntellectualProperty => ("STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "Inbreuk op intellectueel eigendom", "Intellectual property infringements"),
        UnsafeProducts => ("STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "Onveilige en verboden producten", "Unsafe and prohibited products"),
        OtherViolationTc => ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "Andere schending van de gebruiksvoorwaarden", "Other violation of terms and conditions"),
        NotSpecified => ("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", "Niet gespecificeerd", "Not specified"),
    }
}

vocabulary! {
    /// Keywords (category specification) of the EU DSA Transparency Database that
    /// matter for public order.
    pub enum DsaKeyword {
        IncitementViolenceHatred => ("KEYWORD_INCITEMENT_VIOLENCE_HATRED", "Aanzetten tot geweld of haat", "Incitement to violence or hatred"),
        CoordinatedHarm => ("KEYWORD_COORDINATED_HARM", "Gecoördineerde schade", "Coordinated harm"),
        CyberIncitement => ("KEYWORD_CYBER_INCITEMENT", "Online opruiing", "Cyber incitement"),
        HateSpeech => ("KEYWORD_HATE_SPEECH", "Haatzaaiende uitingen", "Hate speech"),
        Discrimination => ("KEYWORD_DISCRIMINATION", "Discriminatie", "Discrimination"),
        Disinformation => ("KEYWORD_MISINFORMATION_DISINFORMATION", "Misinformatie of desinformatie", "Misinformation or disinformation"),
        IllegalOrganizations => ("KEYWORD_ILLEGAL_ORGANIZATIONS", "Verboden organisaties", "Illegal organisations"),
        TerroristContent => ("KEYWORD_TERRORIST_CONTENT", "Terroristische inhoud", "Terrorist content"),
        ViolationNationalLaw => ("KEYWORD_VIOLATION_NATIONAL_LAW", "Schending van nationaal recht", "Violation of national law"),
        Stalking => ("KEYWORD_STALKING", "Stalking", "Stalking"),
        CyberHarassment => ("KEYWORD_CYBER_HARASSMENT", "Online intimidatie", "Cyber harassment"),
        CyberBullying => ("KEYWORD_CYBER_BULLYING_INTIMIDATION", "Online pesten en bedreigen", "Cyber bullying and intimidation"),
        Defamation => ("KEYWORD_DEFAMATION", "Smaad of laster", "Defamation"),
        Impersonation => ("KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING", "Imitatie of overgenomen account", "Impersonation or account hijacking"),
        InauthenticAccounts => ("KEYWORD_INAUTHENTIC_ACCOUNTS", "Niet-authentieke accounts", "Inauthentic accounts"),
        Other => ("KEYWORD_OTHER", "Overig", "Other"),
    }
}

/// Longest free text in an assessment.
pub const MAX_TEXT: usize = 5_000;
/// Shortest written reasons for a decision: a sentence, not a word.
pub const MIN_REASONS: usize = 20;

/// An assessment as typed in, before checking (also what an analyst's saved draft holds).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AssessmentDraft {
    pub class: String,
    pub provisions: Vec<String>,
    pub facts: String,
    pub locating: String,
    pub risk_time: String,
    pub risk_place: String,
    pub risk_reach: String,
    pub phase: String,
    pub protected_speech: Vec<String>,
    /// The analyst states that none of the protected forms applies.
    pub no_protected_speech: bool,
    pub rights_reasoning: String,
    pub lighter_steps: Vec<String>,
    pub proportionality: String,
    pub decision: String,
    pub category: String,
    pub keywords: Vec<String>,
    pub reasons: String,
}

/// A checked assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub class: LegalClass,
    pub provisions: Vec<Provision>,
    /// The facts in the content that meet the elements.
    pub facts: String,
    /// Extra information to locate the content (a timestamp in a video, …); may be empty.
    pub locating: String,
    pub risk_time: String,
    pub risk_place: String,
    pub risk_reach: String,
    pub phase: Phase,
    /// Empty when the analyst stated that no protected form of expression applies.
    pub protected_speech: Vec<ProtectedSpeech>,
    pub rights_reasoning: String,
    pub lighter_steps: Vec<LighterStep>,
    pub proportionality: String,
    pub decision: Decision,
    pub category: Option<DsaCategory>,
    pub keywords: Vec<DsaKeyword>,
    pub reasons: String,
}

/// The fields of an assessment that the message to the platform carries (`dispatch::draft`
/// builds the notice from these; a test checks that the others stay inside meldpunt). The
/// assessment form marks them.
pub const SENT_TO_PLATFORM: [&str; 6] = [
    "provisions",
    "facts",
    "locating",
    "category",
    "keywords",
    "reasons",
];

impl Assessment {
    pub fn legal_provisions(&self) -> impl Iterator<Item = Provision> + '_ {
        self.provisions.iter().copied().filter(|p| p.is_law())
    }
}

/// What the organisation has configured, as far as assessments depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssessmentOptions {
    /// An administrator has configured a legal basis for DSA art. 9 orders.
    pub art9_available: bool,
}

/// Why a decision cannot rest on an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    #[error("content classed as undesirable cannot produce an illegality notice or order")]
    UndesirableCannotClaimIllegality,
    #[error("a notice or order needs at least one legal provision")]
    NoLegalProvision,
    #[error("a referral to police or prosecutor needs content classed as illegal")]
    PoliceReferralNeedsIllegal,
    #[error("no legal basis for DSA art. 9 orders has been configured")]
    Art9Unavailable,
    #[error("a notice, referral or order needs a DSA category")]
    NoCategory,
}

impl DecisionRefused {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(self) -> Message {
        Message::new(match self {
            DecisionRefused::UndesirableCannotClaimIllegality => {
                "decision.undesirable_cannot_claim_illegality"
            }
            DecisionRefused::NoLegalProvision => "decision.no_legal_provision",
            DecisionRefused::PoliceReferralNeedsIllegal => "decision.police_referral_needs_illegal",
            DecisionRefused::Art9Unavailable => "decision.art9_unavailable",
            DecisionRefused::NoCategory => "decision.no_category",
        })
    }
}

/// Whether `decision` may rest on content of class `class` with these provisions.
pub fn check_decision(
    class: LegalClass,
    provisions: &[Provision],
    decision: Decision,
    category: Option<DsaCategory>,
    options: AssessmentOptions,
) -> Result<(), DecisionRefused> {
    if decision == Decision::Art9Order && !options.art9_available {
        return Err(DecisionRefused::Art9Unavailable);
    }
    if decision.claims_illegality() {
        if class == LegalClass::Undesirable {
            return Err(DecisionRefused::UndesirableCannotClaimIllegality);
        }
        if !provisions.iter().any(|p| p.is_law()) {
            return Err(DecisionRefused::NoLegalProvision);
        }
    }
    if decision == Decision::PoliceReferral && class != LegalClass::Illegal {
        return Err(DecisionRefused::PoliceReferralNeedsIllegal);
    }
    if decision.goes_to_platform() && category.is_none() {
        return Err(DecisionRefused::NoCategory);
    }
    Ok(())
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    min: usize,
    missing: Message,
) -> String {
    let t = value.trim();
    let n = t.chars().count();
    if n == 0 || n < min {
        errors.push(FieldError {
            field: field.into(),
            message: missing,
        });
    } else if n > MAX_TEXT {
        errors.push(FieldError {
            field: field.into(),
            message: Message::new("field.too_long").with("max", MAX_TEXT),
        });
    }
    t.to_string()
}

fn parse_list<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    ids: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<T>
where
    T: PartialEq + Ord,
{
    let mut out = Vec::new();
    for id in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match parse(id) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => errors.push(FieldError {
                field: field.into(),
                message: Message::new("field.unknown_value").with("value", id),
            }),
        }
    }
    out.sort();
    out
}

fn error(field: &str, message: Message) -> FieldError {
    FieldError {
        field: field.into(),
        message,
    }
}

/// Checks a draft; names every broken rule at once.
pub fn validate(
    draft: &AssessmentDraft,
    options: AssessmentOptions,
) -> Result<Assessment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let class = LegalClass::parse(draft.class.trim());
    if class.is_none() {
        errors.push(error("class", Message::new("assessment.class_required")));
    }
    let provisions = parse_list(
        &mut errors,
        "provisions",
        &draft.provisions,
        Provision::parse,
    );
    if class == Some(LegalClass::Illegal) && !provisions.iter().any(|p| p.is_law()) {
        errors.push(error(
            "provisions",
            Message::new("assessment.provision_required"),
        ));
    }
    if class == Some(LegalClass::Undesirable) && provisions.iter().any(|p| p.is_law()) {
        errors.push(error(
            "provisions",
            Message::new("assessment.undesirable_no_provision"),
        ));
    }
    let facts = text(
        &mut errors,
        "facts",
        &draft.facts,
        MIN_REASONS,
        Message::new("assessment.facts_required"),
    );
    let locating = draft.locating.trim().to_string();
    if locating.chars().count() > 1_000 {
        errors.push(error("locating", Message::new("field.max_1000")));
    }
    let risk_time = text(
        &mut errors,
        "risk_time",
        &draft.risk_time,
        1,
        Message::new("assessment.risk_time_required"),
    );
    let risk_place = text(
        &mut errors,
        "risk_place",
        &draft.risk_place,
        1,
        Message::new("assessment.risk_place_required"),
    );
    let risk_reach = text(
        &mut errors,
        "risk_reach",
        &draft.risk_reach,
        1,
        Message::new("assessment.risk_reach_required"),
    );
    let phase = Phase::parse(draft.phase.trim());
    if phase.is_none() {
        errors.push(error("phase", Message::new("assessment.phase_required")));
    }
    let protected_speech = parse_list(
        &mut errors,
        "protected_speech",
        &draft.protected_speech,
        ProtectedSpeech::parse,
    );
    if protected_speech.is_empty() && !draft.no_protected_speech {
        errors.push(error(
            "protected_speech",
            Message::new("assessment.protected_speech_required"),
        ));
    }
    if !protected_speech.is_empty() && draft.no_protected_speech {
        errors.push(error(
            "protected_speech",
            Message::new("assessment.protected_speech_conflict"),
        ));
    }
    let rights_min = if protected_speech.is_empty() {
        1
    } else {
        MIN_REASONS
    };
    let rights_reasoning = text(
        &mut errors,
        "rights_reasoning",
        &draft.rights_reasoning,
        rights_min,
        if protected_speech.is_empty() {
            Message::new("assessment.rights_reasoning_required")
        } else {
            Message::new("assessment.rights_reasoning_protected")
        },
    );
    let lighter_steps = parse_list(
        &mut errors,
        "lighter_steps",
        &draft.lighter_steps,
        LighterStep::parse,
    );
    let proportionality = text(
        &mut errors,
        "proportionality",
        &draft.proportionality,
        1,
        Message::new("assessment.proportionality_required"),
    );
    let decision = Decision::parse(draft.decision.trim());
    if decision.is_none() {
        errors.push(error(
            "decision",
            Message::new("assessment.decision_required"),
        ));
    }
    let category = match draft.category.trim() {
        "" => None,
        id => {
            let c = DsaCategory::parse(id);
            if c.is_none() {
                errors.push(error(
                    "category",
                    Message::new("assessment.category_unknown"),
                ));
            }
            c
        }
    };
    let keywords = parse_list(&mut errors, "keywords", &draft.keywords, DsaKeyword::parse);
    let reasons = text(
        &mut errors,
        "reasons",
        &draft.reasons,
        MIN_REASONS,
        Message::new("assessment.reasons_required"),
    );
    if let (Some(class), Some(decision)) = (class, decision) {
        if let Err(e) = check_decision(class, &provisions, decision, category, options) {
            let field = match e {
                DecisionRefused::NoCategory => "category",
                DecisionRefused::NoLegalProvision => "provisions",
                _ => "decision",
            };
            errors.push(error(field, e.message()));
        }
    }
    match (class, phase, decision) {
        (Some(class), Some(phase), Some(decision)) if errors.is_empty() => Ok(Assessment {
            class,
            provisions,
            facts,
            locating,
            risk_time,
            risk_place,
            risk_reach,
            phase,
            protected_speech,
            rights_reasoning,
            lighter_steps,
            proportionality,
            decision,
            category,
            keywords,
            reasons,
        }),
        _ => Err(errors),
    }
}

/// Why someone may not approve an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FourEyesRefused {
    #[error("the author of an assessment cannot approve it")]
    OwnAssessment,
    #[error("someone who reported the content cannot approve its assessment")]
    Reporter,
    #[error("only a supervisor approves")]
    NotSupervisor,
}

impl FourEyesRefused {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(self) -> Message {
        Message::new(match self {
            FourEyesRefused::OwnAssessment => "four_eyes.own_assessment",
            FourEyesRefused::Reporter => "four_eyes.reporter",
            FourEyesRefused::NotSupervisor => "four_eyes.not_supervisor",
        })
    }
}

/// The four-eyes rule: a supervisor who neither wrote the assessment nor reported the content.
pub fn check_four_eyes(
    approver_user_id: i64,
    approver_is_supervisor: bool,
    author_user_id: i64,
    reporter_user_ids: &[i64],
) -> Result<(), FourEyesRefused> {
    if approver_user_id == author_user_id {
        return Err(FourEyesRefused::OwnAssessment);
    }
    if reporter_user_ids.contains(&approver_user_id) {
        return Err(FourEyesRefused::Reporter);
    }
    if !approver_is_supervisor {
        return Err(FourEyesRefused::NotSupervisor);
    }
    Ok(())
}

/// Where an assessment version stands in the four-eyes review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// No action or monitoring: nothing leaves, no second pair of eyes needed.
    NotNeeded,
    AwaitingApproval,
    Approved,
    SentBack,
    /// A newer version replaced this one before it was reviewed.
    Superseded,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::NotNeeded => "not_needed",
            Review::AwaitingApproval => "awaiting_approval",
            Review::Approved => "approved",
            Review::SentBack => "sent_back",
            Review::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Review> {
        [
            Review::NotNeeded,
            Review::AwaitingApproval,
            Review::Approved,
            Review::SentBack,
            Review::Superseded,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Review::NotNeeded, false) => "Geen goedkeuring nodig",
            (Review::NotNeeded, true) => "No approval needed",
            (Review::AwaitingApproval, false) => "Wacht op goedkeuring",
            (Review::AwaitingApproval, true) => "Awaiting approval",
            (Review::Approved, false) => "Goedgekeurd",
            (Review::Approved, true) => "Approved",
            (Review::SentBack, false) => "Teruggestuurd",
            (Review::SentBack, true) => "Sent back",
            (Review::Superseded, false) => "Vervangen door nieuwere versie",
            (Review::Superseded, true) => "Superseded",
        }
    }

    /// The review a newly saved version starts in.
    pub fn initial(decision: Decision) -> Review {
        if decision.is_outgoing() {
            Review::AwaitingApproval
        } else {
            Review::NotNeeded
        }
    }
}

/// Why a case cannot get a new version of its assessment now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssessmentClosed {
    /// A message went out; only an objection reopens the assessment.
    MessageSent,
    /// The lifecycle does not lead from this status into assessment.
    Status(CaseStatus),
}

impl AssessmentClosed {
    /// What a person reads (worded by `web::i18n`).
    pub fn message(self) -> Message {
        match self {
            AssessmentClosed::MessageSent => Message::new("assessment.notice_already_sent"),
            AssessmentClosed::Status(s) => Message::new("assessment.status_not_assessable").label(
                "status",
                s.label_nl(),
                s.label_en(),
            ),
        }
    }
}

/// Whether a case in `status` may get a new version of its assessment: the lifecycle leads
/// there, and — once a message was sent — only while an objection is open. The use case
/// refuses by this rule and the case page offers the form by it.
pub fn assessment_open(
    status: CaseStatus,
    message_sent: bool,
    open_objection: bool,
) -> Result<(), AssessmentClosed> {
    if status != CaseStatus::InAssessment
        && transition(status, CaseStatus::InAssessment, Mover::Workflow).is_err()
    {
        return Err(AssessmentClosed::Status(status));
    }
    if message_sent && !open_objection {
        return Err(AssessmentClosed::MessageSent);
    }
    Ok(())
}

/// One saved version of a case's assessment, with the supervisor's verdict if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub id: i64,
    pub case_id: i64,
    pub version: i64,
    pub author_user_id: i64,
    pub author_name: String,
    pub created_at: Millis,
    pub a: Assessment,
    pub verdict: Option<Verdict>,
    /// The group version this case's version belongs to, when it was written for a group.
    pub group: Option<super::group::GroupVersion>,
}

/// A supervisor's verdict on a version.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub approved: bool,
    pub reviewer_user_id: i64,
    pub reviewer_name: String,
    pub reason: Option<String>,
    pub at: Millis,
}

impl Version {
    /// Where this version stands, given the newest version number of its case.
    pub fn review(&self, newest: i64) -> Review {
        review_of(
            self.a.decision,
            self.verdict.as_ref().map(|v| v.approved),
            self.version < newest,
        )
    }
}

/// Where a version stands: by its decision, the supervisor's verdict (approved or not) if
/// any, and whether a newer version of the case exists. The one rule behind
/// [`Version::review`] and the published figures.
pub fn review_of(decision: Decision, approved: Option<bool>, superseded: bool) -> Review {
    match approved {
        Some(true) => Review::Approved,
        Some(false) => Review::SentBack,
        None if !decision.is_outgoing() => Review::NotNeeded,
        None if superseded => Review::Superseded,
        None => Review::AwaitingApproval,
    }
}

/// When a version became the case's decision: at approval, or when written if it needs no
/// approval; never for one sent back or still waiting.
pub fn decided_at(
    decision: Decision,
    created_at: Millis,
    verdict: Option<(bool, Millis)>,
) -> Option<Millis> {
    match review_of(decision, verdict.map(|(ok, _)| ok), false) {
        Review::Approved => verdict.map(|(_, at)| at),
        Review::NotNeeded => Some(created_at),
        Review::SentBack | Review::Superseded | Review::AwaitingApproval => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> AssessmentDraft {
        AssessmentDraft {
            class: "illegal".into(),
            provisions: vec!["art-131-sr".into()],
            facts: "De video roept op om zaterdag de politie in Ede met stenen te bekogelen."
                .into(),
            risk_time: "zaterdag 21:00".into(),
            risk_place: "Ede, centrum".into(),
            risk_reach: "12.000 weergaven, 300 keer gedeeld".into(),
            phase: "mobilisation".into(),
            no_protected_speech: true,
            rights_reasoning: "Geen politieke boodschap; alleen een oproep tot geweld.".into(),
            lighter_steps: vec!["monitoring".into()],
            proportionality: "Volgen volstaat niet: de oproep wordt snel gedeeld.".into(),
            decision: "dsa-art16-notice".into(),
            category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
            keywords: vec!["KEYWORD_INCITEMENT_VIOLENCE_HATRED".into()],
            reasons: "Duidelijke opruiing tot geweld tegen de politie met concrete tijd en plaats."
                .into(),
            ..Default::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_complete_assessment_is_accepted() {
        let a = validate(&good(), AssessmentOptions::default()).unwrap();
        assert_eq!(a.class, LegalClass::Illegal);
        assert_eq!(a.provisions, vec![Provision::Sr131]);
        assert_eq!(a.decision, Decision::Art16Notice);
        assert!(a.protected_speech.is_empty());
        assert_eq!(Review::initial(a.decision), Review::AwaitingApproval);
    }

    #[test]
    fn undesirable_content_never_produces_an_illegality_notice() {
        for decision in [Decision::Art16Notice, Decision::Art9Order] {
            let options = AssessmentOptions {
                art9_available: true,
            };
            // Even with a (wrongly chosen) legal provision the domain refuses.
            for provisions in [
                vec![],
                vec![Provision::PlatformTerms],
                vec![Provision::Sr131],
            ] {
                assert_eq!(
                    check_decision(
                        LegalClass::Undesirable,
                        &provisions,
                        decision,
                        Some(DsaCategory::Violence),
                        options
                    ),
                    Err(DecisionRefused::UndesirableCannotClaimIllegality)
                );
            }
        }
        let mut d = good();
        d.class = "undesirable".into();
        d.provisions = vec!["platform-terms".into()];
        let errors = validate(&d, AssessmentOptions::default()).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "decision"
            && e.message.key == "decision.undesirable_cannot_claim_illegality"));
        // A terms-of-service referral is the lawful route for such content.
        d.decision = "tos-referral".into();
        let a = validate(&d, AssessmentOptions::default()).unwrap();
        assert_eq!(a.decision, Decision::TosReferral);
        assert!(!a.decision.claims_illegality());
    }

    #[test]
    fn a_notice_needs_a_legal_provision() {
        let mut d = good();
        d.class = "unlawful".into();
        d.provisions = vec!["platform-terms".into()];
        let errors = validate(&d, AssessmentOptions::default()).unwrap_err();
        assert_eq!(fields(&errors), vec!["provisions"]);
        d.provisions = vec![];
        assert!(validate(&d, AssessmentOptions::default()).is_err());
    }

    #[test]
    fn illegal_content_names_a_criminal_provision() {
        let mut d = good();
        d.provisions = vec!["platform-terms".into()];
        d.decision = "monitor".into();
        let errors = validate(&d, AssessmentOptions::default()).unwrap_err();
        assert!(fields(&errors).contains(&"provisions"));
    }

    #[test]
    fn reasons_are_required_and_every_broken_field_is_named() {
        let d = AssessmentDraft::default();
        let errors = validate(&d, AssessmentOptions::default()).unwrap_err();
        for f in [
            "class",
            "facts",
            "risk_time",
            "risk_place",
            "risk_reach",
            "phase",
            "protected_speech",
            "rights_reasoning",
            "proportionality",
            "decision",
            "reasons",
        ] {
            assert!(fields(&errors).contains(&f), "{f} not named: {errors:?}");
        }
        let mut d = good();
        d.reasons = "ok".into();
        assert_eq!(
            fields(&validate(&d, AssessmentOptions::default()).unwrap_err()),
            vec!["reasons"]
        );
    }

    #[test]
    fn protected_speech_raises_the_bar_for_the_reasoning() {
        let mut d = good();
        d.no_protected_speech = false;
        assert_eq!(
            fields(&validate(&d, AssessmentOptions::default()).unwrap_err()),
            vec!["protected_speech"]
        );
        d.protected_speech = vec!["lawful-demonstration".into()];
        d.rights_reasoning = "Mag wel.".into();
        assert_eq!(
            fields(&validate(&d, AssessmentOptions::default()).unwrap_err()),
            vec!["rights_reasoning"]
        );
        d.rights_reasoning =
            "De betoging zelf is rechtmatig, maar de oproep om stenen mee te nemen niet.".into();
        let a = validate(&d, AssessmentOptions::default()).unwrap();
        assert_eq!(
            a.protected_speech,
            vec![ProtectedSpeech::LawfulDemonstration]
        );
        d.no_protected_speech = true;
        assert!(validate(&d, AssessmentOptions::default()).is_err());
    }

    #[test]
    fn art9_orders_are_unavailable_without_a_configured_legal_basis() {
        let mut d = good();
        d.decision = "dsa-art9-order".into();
        let errors = validate(&d, AssessmentOptions::default()).unwrap_err();
        assert_eq!(errors[0].message.key, "decision.art9_unavailable");
        let a = validate(
            &d,
            AssessmentOptions {
                art9_available: true,
            },
        )
        .unwrap();
        assert_eq!(a.decision, Decision::Art9Order);
    }

    #[test]
    fn police_referral_needs_criminal_content_and_platform_decisions_a_category() {
        assert_eq!(
            check_decision(
                LegalClass::Unlawful,
                &[Provision::Sr285d],
                Decision::PoliceReferral,
                None,
                AssessmentOptions::default()
            ),
            Err(DecisionRefused::PoliceReferralNeedsIllegal)
        );
        assert_eq!(
            check_decision(
                LegalClass::Illegal,
                &[Provision::Sr131],
                Decision::Art16Notice,
                None,
                AssessmentOptions::default()
            ),
            Err(DecisionRefused::NoCategory)
        );
        assert!(check_decision(
            LegalClass::Illegal,
            &[Provision::Sr285d],
            Decision::PoliceReferral,
            None,
            AssessmentOptions::default()
        )
        .is_ok());
    }

    #[test]
    fn four_eyes_refuses_the_author_and_reporters() {
        assert_eq!(
            check_four_eyes(5, true, 5, &[]),
            Err(FourEyesRefused::OwnAssessment)
        );
        assert_eq!(
            check_four_eyes(7, true, 5, &[7]),
            Err(FourEyesRefused::Reporter)
        );
        assert_eq!(
            check_four_eyes(7, false, 5, &[]),
            Err(FourEyesRefused::NotSupervisor)
        );
        assert_eq!(check_four_eyes(7, true, 5, &[9]), Ok(()));
    }

    #[test]
    fn vocabularies_round_trip_and_use_eu_identifiers() {
        for c in DsaCategory::ALL {
            assert_eq!(DsaCategory::parse(c.as_str()), Some(*c));
            assert!(c.as_str().starts_with("STATEMENT_CATEGORY_"));
        }
        for k in DsaKeyword::ALL {
            assert_eq!(DsaKeyword::parse(k.as_str()), Some(*k));
            assert!(k.as_str().starts_with("KEYWORD_"));
        }
        for p in Provision::ALL {
            assert_eq!(Provision::parse(p.as_str()), Some(*p));
            assert!(!p.elements_nl().is_empty());
        }
        assert_eq!(DsaCategory::ALL.len(), 16);
    }
}
