//! Interface text in Dutch (first) and English. Templates call `tr.t("key")`; a test
//! checks that every key used in a template exists here. Messages from the domain and the
//! use cases (refusals, field errors) are worded by `tr.message(&m)` from
//! [`MESSAGES`](super::messages::MESSAGES).

use axum::http::HeaderMap;

use super::messages::MESSAGES;
use crate::domain::message::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

/// The language cookie: `__Host-` and `Secure` wherever the session cookie is
/// (`cookies::secure_cookies`).
pub fn lang_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-meldpunt_lang"
    } else {
        "meldpunt_lang"
    }
}

impl Lang {
    /// The language a person chose (the language cookie); Dutch by default.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let chosen = super::cookies::read_cookie(headers, lang_cookie_name(true))
            .or_else(|| super::cookies::read_cookie(headers, lang_cookie_name(false)));
        match chosen.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Nl,
        }
    }

    /// The language a system asked for (`Accept-Language`, its first choice); Dutch by default.
    pub fn from_accept_language(headers: &HeaderMap) -> Lang {
        let first = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if first == "en" || first.starts_with("en-") {
            Lang::En
        } else {
            Lang::Nl
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    pub fn t(&self, key: &str) -> &'static str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, nl, en)) => match self.lang {
                Lang::Nl => nl,
                Lang::En => en,
            },
            None => "??",
        }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A message from the domain or a use case, in this language.
    pub fn message(&self, m: &Message) -> String {
        let en = self.is_en();
        match MESSAGES.iter().find(|(k, _, _)| *k == m.key) {
            Some((_, nl, english)) => m.fill(if en { english } else { nl }, en, &|inner| {
                self.message(inner)
            }),
            None => {
                tracing::warn!(key = m.key, "message without words");
                m.key.to_string()
            }
        }
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
}

/// (key, Dutch, English)
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("assess_elements", "Bestanddelen van", "Elements of"),
    ("notice_bounced", "Niet afgeleverd", "Not delivered"),
    ("notice_resend_intro", "Controleer het contactpunt van het platform onder Beheer → Verzoeken en platforms en verstuur het verzoek daarna opnieuw; het gaat naar het kanaal zoals het nu is ingesteld.", "Check the platform's point of contact under Administration → Messages and platforms, then send the message again; it goes to the channel as it is configured now."),
    ("notice_resend", "Opnieuw versturen", "Send again"),
    ("notice_mark_bounced", "Onbestelbaar melden (foutmelding later ontvangen)", "Record as undeliverable (bounce received later)"),
    ("notice_bounce_detail", "Foutmelding die terugkwam", "Bounce message received"),
    ("objections", "Bezwaren", "Objections"),
    ("objections_none", "Er is geen bezwaar ontvangen.", "No objection has been received."),
    ("objection_open", "Nog niet op besloten; de zaak wordt opnieuw beoordeeld.", "Not decided yet; the case is being reassessed."),
    ("objection_verdict", "Besluit op het bezwaar", "Decision on the objection"),
    ("objection_upheld", "Gegrond", "Upheld"),
    ("objection_rejected", "Ongegrond", "Rejected"),
    ("objection_withdraw", "Verzoek(en) aan het platform intrekken en opnemen in het correctieregister", "Withdraw the request(s) to the platform and record them in the corrections register"),
    ("objection_reasons", "Redenen", "Reasons"),
    ("objection_decide", "Besluit vastleggen", "Record decision"),
    ("objection_record", "Bezwaar vastleggen", "Record objection"),
    ("objection_source", "Van wie komt het bezwaar?", "Who objects?"),
    ("objection_poster", "Degene die de inhoud plaatste", "The person who posted the content"),
    ("objection_platform", "Het platform", "The platform"),
    ("objection_notice", "Tegen welk verzoek?", "Against which message?"),
    ("objection_whole_case", "De zaak als geheel", "The case as a whole"),
    ("objection_received", "Ontvangen op", "Received at"),
    ("objection_summary", "Samenvatting van het bezwaar", "Summary of the objection"),
    ("objection_summary_hint", "Wat wordt er gesteld, en waarom? Neem geen persoonsgegevens op die de beoordeling niet nodig heeft.", "What is claimed, and why? Include no personal data the assessment does not need."),
    ("objection_save", "Bezwaar vastleggen en opnieuw beoordelen", "Record objection and reassess"),
    ("corrections", "Correctieregister", "Corrections register"),
    ("map", "Kaart", "Map"),
    ("map_caption", "Kaart van Nederland met de 342 gemeenten", "Map of the Netherlands with the 342 municipalities"),
    ("map_case_places", "Open zaken (per gemeente opgeteld)", "Open cases (summed per municipality)"),
    ("map_intro_team", "Open zaken en open situaties per gemeente. Een zaak telt mee in elke gemeente waar een melding de verstoring verwacht (anders de gemeente die meldde). Kies een tijdvak, fase of platform; de tabel naast de kaart geeft precies dezelfde aantallen.", "Open cases and open situations per municipality. A case counts in every municipality where a report expects the disturbance (otherwise the municipality that reported). Choose a time window, phase or platform; the table next to the map gives exactly the same numbers."),
    ("map_intro_municipality", "Open zaken en open situaties in uw gemeente en de andere gemeenten van uw veiligheidsregio:", "Open cases and open situations in your municipality and the other municipalities of your safety region:"),
    ("map_legend", "Legenda", "Legend"),
    ("map_nothing", "Geen open zaken of situaties met deze filters.", "No open cases or situations with these filters."),
    ("map_open_cases", "Open zaken", "Open cases"),
    ("map_open_situations_col", "Open situaties", "Open situations"),
    ("map_open_situations_title", "Open situaties met deze filters", "Open situations with these filters"),
    ("map_phase_all", "Alle fasen", "All phases"),
    ("map_platform_all", "Alle platforms", "All platforms"),
    ("map_situation_marker", "aantal open situaties", "number of open situations"),
    ("map_table", "De kaart als tabel", "The map as a table"),
    ("map_table_intro", "Alleen gemeenten met een open zaak of situatie staan in de tabel.", "Only municipalities with an open case or situation are in the table."),
    ("map_window", "Tijdvak", "Time window"),
    ("map_window_1u", "Laatste uur", "Last hour"),
    ("map_window_24u", "Laatste 24 uur", "Last 24 hours"),
    ("map_window_6u", "Laatste 6 uur", "Last 6 hours"),
    ("map_window_7d", "Laatste 7 dagen", "Last 7 days"),
    ("map_window_all", "Alles open", "All open"),
    ("phase_guide_aftermath", "Nazorg: oproepen tot herhaling of wraak, identificatie van betrokkenen, evaluatie. Het verspreiden van persoonsgegevens om iemand te intimideren is strafbaar (doxing, art. 285d Sr). Bij de avondklokrellen van januari 2021 was een groot deel van de verdachten van online opruiing minderjarig: weeg dat mee bij elke stap.", "Aftermath: calls to repeat or take revenge, identification of those involved, evaluation. Spreading personal data to intimidate someone is a criminal offence (doxing, art. 285d Sr). In the curfew riots of January 2021 a large share of the suspects of online incitement were minors: weigh that in every step."),
    ("phase_guide_always", "Altijd: meldpunt handelt alleen op meldingen en kijkt niet zelf rond op internet. Weeg de vrijheid van meningsuiting en van vergadering en betoging mee; een oproep tot een betoging is niet strafbaar. Onwenselijke inhoud die niet strafbaar of onrechtmatig is, krijgt geen verzoek tot verwijdering. Een verzoek aan een platform noemt altijd een wettelijke grondslag en wordt door een tweede persoon goedgekeurd. De fasen zijn het eigen werkmodel van meldpunt, geen officieel model van het CCV.", "Always: meldpunt acts only on reports and does not look around the internet itself. Weigh freedom of expression and of assembly and demonstration; a call to demonstrate is not a criminal offence. Undesirable content that is neither criminal nor unlawful gets no removal request. A request to a platform always names a legal ground and is approved by a second person. The phases are meldpunt's own working model, not an official CCV model."),
    ("phase_guide_closed", "Gesloten: de situatie is voorbij. Verzoeken die nog lopen worden gevolgd tot het platform antwoordt; bezwaren en intrekkingen blijven per verzoek mogelijk. Heropen de situatie (met een reden) als de oproepen terugkomen.", "Closed: the situation is over. Requests still open are followed until the platform answers; objections and withdrawals remain possible per request. Reopen the situation (with a reason) if the calls come back."),
    ("phase_guide_disorder", "Verstoring: er zijn incidenten op straat, of het aangekondigde tijdstip is voorbij. Wie een noodbevel of noodverordening niet opvolgt, is strafbaar (art. 184 Sr). Oproepen die nog rondgaan blijven om een besluit vragen; leg de antwoorden van platforms vast zodat de burgemeester weet wat nog online staat.", "Disorder: there are incidents on the street, or the announced time has passed. Not complying with an emergency order or emergency by-law is an offence (art. 184 Sr). Calls still circulating still need a decision; record the platforms' answers so the mayor knows what is still online."),
    ("phase_guide_escalation", "Escalatie: wapenlijsten, genoemde doelwitten of adressen (doxing), lijsten van plaatsen. Dat vraagt spoed. De burgemeester kan bij ernstige vrees voor wanordelijkheden een noodbevel geven (art. 175 Gemeentewet) of een noodverordening vaststellen (art. 176 Gemeentewet); proportionaliteit en subsidiariteit gelden. Doxing van bijvoorbeeld een burgemeester, politieagent of journalist wordt zwaarder bestraft (art. 285d Sr).", "Escalation: weapon lists, named targets or addresses (doxing), lists of towns. This is urgent. In case of serious fear of disorder the mayor can give an emergency order (art. 175 Gemeentewet) or set an emergency by-law (art. 176 Gemeentewet); proportionality and subsidiarity apply. Doxing of, for example, a mayor, police officer or journalist is punished more heavily (art. 285d Sr)."),
    ("phase_guide_mobilisation", "Mobilisatie: kopieën en uitnodigingen met tijd en plaats, op meer platforms of in meer gemeenten. Neem één besluit voor alle kopieën van dezelfde oproep. Een verzoek aan een platform (DSA art. 16) noemt de wettelijke bepaling en elke URL. Ook het verspreiden van een opruiende oproep kan strafbaar zijn (art. 132 Sr).", "Mobilisation: copies and invitations with a time and place, on more platforms or in more municipalities. Take one decision for every copy of the same call. A request to a platform (DSA art. 16) names the legal provision and every URL. Spreading an inciting call can itself be a criminal offence (art. 132 Sr)."),
    ("phase_guide_signal", "Signaal: een eerste oproep of gerucht. Beoordeel of de inhoud strafbaar is (bijvoorbeeld opruiing, art. 131 Sr), onrechtmatig, of alleen onwenselijk (de indeling van het CCV). Bij onwenselijke inhoud passen lichtere stappen: een gesprek met degene die het plaatste, tegenspraak, of een verwijzing naar de gebruiksvoorwaarden van het platform.", "Signal: a first call or rumour. Assess whether the content is criminal (for example incitement, art. 131 Sr), unlawful, or only undesirable (the CCV classification). Undesirable content calls for lighter steps: a conversation with the person who posted it, counter-speech, or a referral to the platform's terms of service."),
    ("phase_guide_sources", "Bronnen:", "Sources:"),
    ("phase_guide_title", "Wat past in deze fase", "What fits this phase"),
    ("situation", "Situatie", "Situation"),
    ("case_link_situation", "Koppelen aan", "Link to"),
    ("case_suggested_situation", "meldpunt stelt voor: deze zaak past bij", "meldpunt suggests: this case fits"),
    ("case_no_situation", "Hoort bij geen situatie.", "Belongs to no situation."),
    ("start_situations", "Open situaties", "Open situations"),
    ("start_situations_none", "Er zijn nu geen open situaties.", "There are no open situations now."),
    ("situation_also_reported_by", "Deze oproep is ook gemeld door", "This call was also reported by"),
    ("situation_answered", "Antwoorden van platforms", "Answers from platforms"),
    ("situation_awaiting_decision", "Wacht nog op een besluit", "Still awaiting a decision"),
    ("situation_cases", "Zaken", "Cases"),
    ("situation_decisions", "Besluiten", "Decisions"),
    ("situation_change_phase", "Fase wijzigen", "Change phase"),
    ("situation_create", "Situatie aanmaken", "Create situation"),
    ("situation_history", "Geschiedenis", "History"),
    ("situation_link", "Koppelen", "Link"),
    ("situation_link_case", "Zaak koppelen (kenmerk)", "Link a case (reference)"),
    ("situation_median_answer", "Mediane tijd tot antwoord", "Median time to answer"),
    ("situation_municipalities", "Gemeenten", "Municipalities"),
    ("situation_municipalities_help", "Houd Ctrl (of Cmd) ingedrukt om meer gemeenten te kiezen.", "Hold Ctrl (or Cmd) to choose more municipalities."),
    ("situation_new", "Nieuwe situatie", "New situation"),
    ("situation_new_intro", "Een situatie is een verwachte of lopende verstoring op een plaats en tijd. Koppel er de zaken aan die erover gaan; de gemeenten die het aangaat zien de fase en de uitkomsten.", "A situation is an expected or ongoing disturbance at a place and time. Link the cases about it; the municipalities concerned see its phase and outcomes."),
    ("situation_new_phase", "Nieuwe fase", "New phase"),
    ("situation_new_with_cases", "Deze zaken worden meteen gekoppeld:", "These cases will be linked at once:"),
    ("situation_no_cases", "Er zijn nog geen zaken gekoppeld.", "No cases are linked yet."),
    ("situation_no_other_municipalities", "Geen andere gemeente heeft deze inhoud gemeld.", "No other municipality has reported this content."),
    ("situation_no_reports", "Er zijn geen actieve meldingen.", "There are no active reports."),
    ("situation_other_municipalities", "andere gemeenten", "other municipalities"),
    ("situation_other_municipality", "andere gemeente", "other municipality"),
    ("situation_phase", "Fase", "Phase"),
    ("situation_phase_reason", "Reden", "Reason"),
    ("situation_phase_reason_help", "Wat is er gebeurd? De gemeenten die het aangaat krijgen deze reden te lezen.", "What happened? The municipalities concerned will read this reason."),
    ("situation_place", "Plaats", "Place"),
    ("situation_platforms", "Platforms", "Platforms"),
    ("situation_reason", "Reden", "Reason"),
    ("situation_removed", "Verwijderd of ontoegankelijk", "Removed or disabled"),
    ("situation_removed_share", "Aandeel verwijderd of ontoegankelijk", "Share removed or disabled"),
    ("situation_report", "melding", "report"),
    ("situation_reporting_municipalities", "Gemeenten die meldden", "Municipalities that reported"),
    ("situation_reports", "Meldingen", "Reports"),
    ("situation_requests_sent", "Verzoeken verstuurd", "Requests sent"),
    ("situation_size", "Verwachte omvang", "Expected size"),
    ("situation_team", "Centraal meldpuntteam", "Central meldpunt team"),
    ("situation_timeline", "Tijdlijn", "Timeline"),
    ("situation_title", "Titel", "Title"),
    ("situation_unlink", "Ontkoppelen", "Unlink"),
    ("group", "Groep", "Group"),
    ("groups_title", "Groepen: hetzelfde bericht", "Groups: the same message"),
    ("group_intro", "Kopieën van hetzelfde bericht (op andere accounts of platforms) krijgen één beoordeling en één goedkeuring. Na goedkeuring gaat er één verzoek per platform weg, met alle links van dat platform. Elke zaak, melding en gemeente ziet daarna de eigen uitkomst.", "Copies of the same message (on other accounts or platforms) get one assessment and one approval. On approval one request per platform is sent, listing every link of that platform. Every case, report and municipality then sees its own outcome."),
    ("group_none", "Nog geen groepen in deze situatie.", "No groups in this situation yet."),
    ("group_choose_cases", "Zaken met hetzelfde bericht", "Cases with the same message"),
    ("group_choose_cases_help", "Kies ten minste twee zaken. Inhoud die verschillend is besloten kan niet in één groep.", "Choose at least two cases. Content decided differently cannot go into one group."),
    ("group_title_label", "Korte naam van de groep", "Short name of the group"),
    ("group_make", "Groep maken", "Make group"),
    ("group_state", "Groepsbeoordeling", "Group assessment"),
    ("group_made", "Gemaakt", "Made"),
    ("group_members", "Zaken in de groep", "Cases in the group"),
    ("group_content", "Inhoud", "Content"),
    ("group_standing", "Besluit", "Decision"),
    ("group_member_review", "Beoordeling", "Assessment"),
    ("group_own_version", "eigen versie", "own version"),
    ("group_add_copy", "Later gevonden kopie toevoegen", "Add a copy found later"),
    ("group_add_copy_help", "Het besluit van de groep wordt voor de kopie voorgesteld; een supervisor keurt het nog goed voordat er iets weggaat.", "The group's decision is proposed for the copy; a supervisor still approves it before anything is sent."),
    ("group_add", "Toevoegen", "Add"),
    ("group_assessment", "Groepsbeoordeling", "Group assessment"),
    ("group_no_assessment", "Nog geen groepsbeoordeling.", "No group assessment yet."),
    ("group_assess_start", "Groepsbeoordeling schrijven", "Write group assessment"),
    ("group_preview_intro", "Na goedkeuring gaan deze verzoeken weg. Aantal:", "On approval these requests are sent. Number:"),
    ("group_urls", "Links", "Links"),
    ("group_approve", "Goedkeuren voor alle zaken van de groep", "Approve for every case of the group"),
    ("group_versions", "Versies van de groepsbeoordeling", "Versions of the group assessment"),
    ("group_author", "Geschreven door", "Written by"),
    ("group_version_note", "Deze beoordeling hoort bij een groep met hetzelfde bericht. Goedkeuren of terugsturen gebeurt op de pagina van de groep, voor alle kopieën samen.", "This assessment belongs to a group with the same message. It is approved or sent back on the group's page, for all copies together."),
    ("group_open", "Naar de groep", "To the group"),
    ("situation_unlink_reason", "Waarom hoort deze zaak er niet bij?", "Why does this case not belong here?"),
    ("situation_updated", "Laatst gewijzigd", "Last changed"),
    ("situation_what", "Wat", "What"),
    ("situation_window", "Tijdvak", "Time window"),
    ("situation_window_end", "Einde tijdvak", "End of time window"),
    ("situation_window_start", "Begin tijdvak", "Start of time window"),
    ("situation_your_reports", "Uw meldingen hierover", "Your reports about it"),
    ("situation_yours", "uw gemeente", "your municipality"),
    ("situations", "Situaties", "Situations"),
    ("situations_all", "Alle, ook gesloten", "All, closed too"),
    ("situations_intro_municipality", "De situaties die uw gemeente of uw veiligheidsregio aangaan: de fase, wat er besloten is en wat de platforms deden.", "The situations that concern your municipality or your safety region: the phase, what was decided and what the platforms did."),
    ("situations_intro_team", "Verwachte en lopende verstoringen met de zaken die erover gaan. meldpunt stelt voor welke zaken bij elkaar horen; u bevestigt of wijst af.", "Expected and ongoing disturbances with the cases about them. meldpunt suggests which cases belong together; you confirm or dismiss."),
    ("situations_none", "Er zijn geen situaties.", "There are no situations."),
    ("situations_open", "Open", "Open"),
    ("suggestion_dismiss", "Afwijzen", "Dismiss"),
    ("suggestion_fits", "past bij", "fits"),
    ("suggestion_new_text", "open zaken verwachten een verstoring in", "open cases expect a disturbance in"),
    ("suggestion_link", "Koppelen", "Link"),
    ("suggestion_make_situation", "Situatie aanmaken", "Create situation"),
    ("suggestions", "Suggesties", "Suggestions"),
    ("suggestions_intro", "Open zaken die dezelfde gemeente en datum noemen, of passen bij een open situatie. Een afgewezen suggestie komt niet terug.", "Open cases that name the same municipality and date, or fit an open situation. A dismissed suggestion does not come back."),
    ("corrections_intro", "Verzoeken aan platforms die achteraf onjuist bleken, en hun intrekking. Het register is alleen aan te vullen, niet te wijzigen.", "Notices to platforms that later proved wrong, and their withdrawal. The register can only be added to, never changed."),
    ("corrections_none", "Er zijn geen correcties.", "There are no corrections."),
    ("corrections_notice", "Verzoek", "Request"),
    ("corrections_withdrawal", "Intrekking", "Withdrawal"),
    ("corrections_what", "Wat was er onjuist", "What was wrong"),
    ("assessment", "Beoordeling", "Assessment"),
    ("assessment_intro", "Toets de inhoud aan het recht én aan de grondrechten. Elke keer dat u opslaat ontstaat een nieuwe versie; eerdere versies blijven bewaard. Een besluit waarbij iets naar buiten gaat, moet een andere supervisor goedkeuren.", "Test the content against the law and against fundamental rights. Every save creates a new version; earlier versions are kept. A decision that sends something out must be approved by another supervisor."),
    ("version", "versie", "version"),
    ("assess_law", "Juridische toets", "Legal test"),
    ("assess_class", "Klasse", "Class"),
    ("assess_class_hint", "Strafbaar (Wetboek van Strafrecht), onrechtmatig (Burgerlijk Wetboek, AVG) of onwenselijk (geen wettelijke grondslag).", "Illegal (Criminal Code), unlawful (Civil Code, GDPR) or undesirable (no legal basis)."),
    ("assess_provisions", "Bepalingen die van toepassing zijn", "Provisions that apply"),
    ("assess_provisions_hint", "Kies alleen een bepaling als alle bestanddelen eronder aanwezig zijn.", "Choose a provision only when all the elements listed under it are present."),
    ("assess_facts", "Feiten", "Facts"),
    ("assess_facts_hint", "Welke feiten in de inhoud voldoen aan de bestanddelen? Deze tekst gaat mee in het verzoek aan het platform.", "Which facts in the content meet the elements? This text goes into the message to the platform."),
    ("assess_locating", "Aanvullende informatie om de inhoud te vinden", "Additional information to locate the content"),
    ("assess_locating_hint", "Bijvoorbeeld een tijdstip in een video of het nummer van een reactie (optioneel).", "For example a moment in a video or a message number (optional)."),
    ("assess_risk", "Concreet risico voor de openbare orde", "Concrete risk to public order"),
    ("assess_risk_time", "Wanneer", "When"),
    ("assess_risk_place", "Waar", "Where"),
    ("assess_risk_reach", "Bereik", "Reach"),
    ("assess_risk_reach_hint", "Weergaven, deelacties, leden van de groep.", "Views, shares, members of the group."),
    ("assess_phase", "Fase van escalatie", "Phase of escalation"),
    ("assess_rights", "Grondrechten", "Fundamental rights"),
    ("assess_speech", "Beschermde vormen van meningsuiting", "Protected forms of expression"),
    ("assess_speech_hint", "Gaat het om een van deze? Dan ligt de drempel om in te grijpen hoger.", "Is it one of these? Then the threshold for intervening is higher."),
    ("assess_no_speech", "Geen van deze is van toepassing", "None of these applies"),
    ("assess_rights_reasoning", "Toets aan de grondrechten", "Fundamental-rights test"),
    ("assess_rights_reasoning_hint", "Vrijheid van meningsuiting, van vergadering en betoging, en privacy: waarom weegt het risico zwaarder, of niet?", "Freedom of expression, of assembly and demonstration, and privacy: why does the risk weigh more heavily, or not?"),
    ("assess_proportionality", "Proportionaliteit en subsidiariteit", "Proportionality and subsidiarity"),
    ("assess_lighter", "Lichtere stappen die zijn overwogen", "Lighter steps considered"),
    ("assess_lighter_hint", "Kan een lichtere stap volstaan?", "Could a lighter step suffice?"),
    ("assess_proportionality_reasoning", "Waarom volstaat een lichtere stap wel of niet?", "Why does a lighter step suffice, or not?"),
    ("assess_decision", "Besluit", "Decision"),
    ("assess_decision_hint", "Een verwijzing naar de gebruiksvoorwaarden stelt niet dat de inhoud illegaal is.", "A terms-of-service referral does not claim that the content is illegal."),
    ("assess_category", "EU-categorie (DSA)", "EU category (DSA)"),
    ("assess_category_hint", "De categorie uit de EU-transparantiedatabank; nodig voor een melding, verwijzing of bevel.", "The category of the EU Transparency Database; needed for a notice, referral or order."),
    ("assess_keywords", "EU-trefwoorden (optioneel)", "EU keywords (optional)"),
    ("assess_reasons", "Redenen voor het besluit", "Reasons for the decision"),
    ("assess_reasons_hint", "Waarom grijpt het team wel of niet in? Deze redenen worden bewaard en kunnen later worden getoetst.", "Why does the team intervene, or not? These reasons are kept and can be reviewed later."),
    ("assess_save", "Beoordeling opslaan", "Save assessment"),
    ("assess_start", "Beoordeling schrijven", "Write assessment"),
    ("assess_new_version", "Nieuwe versie schrijven", "Write new version"),
    ("assess_none", "Er is nog geen beoordeling.", "There is no assessment yet."),
    ("review", "Goedkeuring", "Approval"),
    ("review_awaiting", "Wacht op goedkeuring", "Awaiting approval"),
    ("review_verdict", "Uw oordeel (vier ogen)", "Your verdict (four eyes)"),
    ("review_approve", "Goedkeuren en versturen", "Approve and send"),
    ("review_send_back", "Terugsturen naar de analist", "Send back to the analyst"),
    ("review_reason", "Toelichting (verplicht bij terugsturen)", "Explanation (required when sending back)"),
    ("review_submit", "Oordeel vastleggen", "Record verdict"),
    ("review_other_supervisor", "Een supervisor die deze beoordeling niet zelf schreef, keurt haar goed of stuurt haar terug.", "A supervisor who did not write this assessment approves it or sends it back."),
    ("notices", "Verzoeken", "Requests"),
    ("notices_none", "Er is nog niets verstuurd.", "Nothing has been sent yet."),
    ("notice_kind", "Soort", "Kind"),
    ("notice_recipient", "Ontvanger", "Recipient"),
    ("notice_delivery", "Bezorging", "Delivery"),
    ("notice_sent_at", "Verstuurd", "Sent"),
    ("notice_due", "Antwoord gevraagd vóór", "Answer requested by"),
    ("notice_reminded", "Herinnering gestuurd", "Reminder sent"),
    ("notice_escalated", "Geëscaleerd naar supervisor", "Escalated to supervisor"),
    ("escalated", "Geëscaleerd", "Escalated"),
    ("notice_platform_reference", "Kenmerk van het platform", "Platform's reference"),
    ("notice_web_form", "Indienen via het webformulier van het platform", "Submit through the platform's web form"),
    ("notice_web_form_intro", "Dit platform neemt alleen verzoeken via een webformulier aan. Neem de tekst hieronder over in het formulier en vul daarna het kenmerk in dat het platform gaf.", "This platform only takes notices through a web form. Copy the text below into the form, then fill in the reference the platform gave."),
    ("notice_web_form_done", "Ingediend: kenmerk vastleggen", "Submitted: record reference"),
    ("notice_answers", "Antwoord van het platform", "Platform's answer"),
    ("notice_no_answer_yet", "Nog geen antwoord vastgelegd.", "No answer recorded yet."),
    ("notice_outcome", "Uitkomst", "Outcome"),
    ("notice_outcome_none", "— geen antwoord voor deze URL —", "— no answer for this URL —"),
    ("notice_platform_reason", "Reden die het platform gaf", "Reason the platform gave"),
    ("notice_received", "Antwoord ontvangen op", "Answer received at"),
    ("notice_time_to_action", "Tijd tot antwoord", "Time to answer"),
    ("notice_record_answer", "Antwoord vastleggen", "Record answer"),
    ("notice_save_answer", "Antwoord opslaan", "Save answer"),
    ("notice_text", "Tekst van het verzoek", "Text of the message"),
    ("notice_record", "Verloop van de bezorging", "Delivery record"),
    ("recheck", "Nog online?", "Still online?"),
    ("recheck_when", "Gecontroleerd op", "Checked at"),
    ("recheck_result", "Resultaat", "Result"),
    ("recheck_online", "Staat nog online", "Still online"),
    ("recheck_offline", "Niet meer bereikbaar", "No longer reachable"),
    ("recheck_save", "Controle vastleggen", "Record check"),
    ("case_erased", "De persoonsgegevens van deze zaak zijn verwijderd volgens de bewaartermijn, op", "The personal data of this case were erased by the retention schedule, on"),
    ("case_erased_rest", "Wat overblijft — tijden, status, klasse en besluit, platform en uitkomst — is nodig voor de verantwoording en de openbare cijfers.", "What remains — times, status, class and decision, platform and outcome — is needed for accountability and the public figures."),
    ("legal_hold", "Bewaarplicht", "Legal hold"),
    ("legal_hold_active", "Deze zaak valt onder een bewaarplicht: ze wordt niet verwijderd, wat de bewaartermijn ook zegt.", "This case is under a legal hold: it is not erased, whatever the retention schedule says."),
    ("legal_hold_none", "Geen bewaarplicht: de persoonsgegevens van de zaak worden verwijderd zodra de bewaartermijn na het sluiten voorbij is.", "No legal hold: the case's personal data are erased once the retention period after closure has passed."),
    ("legal_hold_since", "Sinds", "Since"),
    ("legal_hold_reason", "Reden", "Reason"),
    ("legal_hold_reason_hint", "Bijvoorbeeld een lopend strafrechtelijk onderzoek of een verzoek van de rechter. Hoogstens 1000 tekens; wordt vastgelegd in het auditlogboek.", "For example an ongoing criminal investigation or a court's request. At most 1,000 characters; recorded in the audit trail."),
    ("legal_hold_place", "Bewaarplicht instellen", "Place legal hold"),
    ("legal_hold_lift", "Bewaarplicht opheffen", "Lift legal hold"),
    ("nav_retention", "Bewaartermijnen", "Retention"),
    ("nav_privacy", "Inzageverzoeken", "Access requests"),
    ("open_access_requests", "Inzageverzoek behandelen", "Handle an access request"),
    ("access_request", "Inzageverzoek (AVG art. 15)", "Access request (GDPR art. 15)"),
    ("access_request_intro", "Zoek op wat meldpunt bewaart over één persoon: een medewerker (op e-mailadres) of iemand van wie inhoud is gemeld (op account of link). U krijgt een getrouwe kopie van de meldingen, zaken, beoordelingen en berichten over deze persoon, wie ze ontving, hoe lang ze bewaard blijven en wanneer en waarvoor ze zijn geraadpleegd. Namen en adressen van medewerkers en andere personen zijn afgeschermd. Elke zoekopdracht en elke export wordt vastgelegd in het auditlogboek.", "Look up what meldpunt holds about one person: a member of staff (by e-mail address) or somebody whose content was reported (by account or link). You get a faithful copy of the reports, cases, assessments and messages about this person, who received them, how long they are kept, and when and for what purpose they were consulted. Names and addresses of staff and other people are redacted. Every search and every export is recorded in the audit trail."),
    ("access_request_kind", "Over wie gaat het verzoek?", "Whom is the request about?"),
    ("access_request_kind_staff", "Een medewerker (e-mailadres van het account)", "A member of staff (the account's e-mail address)"),
    ("access_request_kind_content", "Iemand van wie inhoud is gemeld (account of link)", "Somebody whose content was reported (account or link)"),
    ("access_request_value", "E-mailadres, account of link", "E-mail address, account or link"),
    ("access_request_value_hint", "Bijvoorbeeld naam@gemeente.nl, @accountnaam (kies dan het platform) of een link naar het account of naar een bericht ervan. Met een link naar een bericht vindt u alle gemelde inhoud van dat account, en alleen van dat account.", "For example name@gemeente.nl, @accountname (then choose the platform) or a link to the account or to one of its posts. A link to a post finds all reported content of that account, and of that account only."),
    ("access_request_platform", "Platform", "Platform"),
    ("access_request_platform_hint", "Alleen nodig bij een accountnaam zonder link.", "Only needed for an account name without a link."),
    ("access_request_search", "Opzoeken", "Look up"),
    ("access_request_result", "Wat meldpunt bewaart", "What meldpunt holds"),
    ("access_request_nothing", "meldpunt bewaart geen gegevens over deze persoon: er is geen account, melding of zaak gevonden. U kunt dit zo aan de verzoeker laten weten.", "meldpunt holds no data about this person: no account, report or case was found. You can tell the requester so."),
    ("access_request_found", "Gevonden:", "Found:"),
    ("access_request_reports", "meldingen", "reports"),
    ("access_request_cases", "zaken", "cases"),
    ("access_request_consultations", "raadplegingen", "consultations"),
    ("access_request_redaction_note", "Afgeschermd: namen en adressen van medewerkers en van andere personen. Vrije tekst (samenvattingen, toelichtingen, beoordelingen) staat er zoals vastgelegd; lees die na voordat u de kopie verstuurt (AVG art. 15 lid 4).", "Redacted: names and addresses of staff and of other people. Free text (summaries, explanations, assessments) is as recorded; read it before you send the copy (GDPR art. 15(4))."),
    ("access_request_download", "Kopie downloaden (JSON)", "Download the copy (JSON)"),
    ("access_request_account", "Account", "Account"),
    ("access_request_app", "Authenticator-app gekoppeld", "Authenticator app linked"),
    ("access_request_devices", "Bekende apparaten (laatste aanmelding per apparaat)", "Known devices (last sign-in per device)"),
    ("access_request_sso", "Gekoppeld voor aanmelden via de organisatie (kenmerk bij de aanmeldvoorziening)", "Linked for sign-in through the organisation (identifier at the provider)"),
    ("access_request_none", "Geen", "None"),
    ("access_request_created", "Aangemaakt", "Created"),
    ("access_request_reports_title", "Meldingen", "Reports"),
    ("access_request_reporter", "Melder", "Reporter"),
    ("access_request_submitted", "Ingediend", "Submitted"),
    ("access_request_category", "Soort", "Kind"),
    ("access_request_summary", "Samenvatting", "Summary"),
    ("access_request_justification", "Toelichting", "Justification"),
    ("access_request_withdrawn", "Ingetrokken", "Withdrawn"),
    ("access_request_cases_title", "Zaken", "Cases"),
    ("access_request_link", "Link", "Link"),
    ("access_request_reported", "Gemeld", "Reported"),
    ("access_request_erased", "Persoonsgegevens verwijderd", "Personal data erased"),
    ("access_request_assessment", "Beoordeling", "Assessment"),
    ("access_request_class", "Juridische klasse", "Legal class"),
    ("access_request_decision", "Besluit", "Decision"),
    ("access_request_facts", "Feiten", "Facts"),
    ("access_request_rights", "Afweging grondrechten", "Fundamental-rights reasoning"),
    ("access_request_reasons", "Motivering", "Reasons"),
    ("access_request_review", "Vier ogen", "Four eyes"),
    ("access_request_approved", "Goedgekeurd", "Approved"),
    ("access_request_sent_back", "Teruggestuurd", "Sent back"),
    ("access_request_sent", "Verstuurd", "Sent"),
    ("access_request_not_sent", "Niet verstuurd", "Not sent"),
    ("access_request_answer", "Antwoord van het platform", "Platform's answer"),
    ("access_request_objection", "Bezwaar", "Objection"),
    ("access_request_recipients", "Ontvangers", "Recipients"),
    ("access_request_recipient_platform", "Platform", "Platform"),
    ("access_request_retention", "Bewaartermijnen", "Retention periods"),
    ("access_request_rule", "Regel", "Rule"),
    ("access_request_erased_from", "Verwijderd vanaf", "Erased from"),
    ("access_request_held", "Bewaarplicht: blijft bewaard tot die is opgeheven", "Legal hold: kept until it is lifted"),
    ("access_request_not_started", "Termijn loopt nog niet (zaak open of account in gebruik)", "Period not started (case open or account in use)"),
    ("access_request_consultations_title", "Raadplegingen", "Consultations"),
    ("access_request_consultations_note", "Elke keer dat iemand deze gegevens bekeek: wanneer, wat, met welk doel en namens welke organisatie. Wie het was, staat niet in de kopie (HvJ EU C-579/21); u ziet het onder Wie heeft dit bekeken.", "Every time somebody looked at these data: when, what, for which purpose and on behalf of which organisation. Who it was is not in the copy (CJEU C-579/21); you see it under Who consulted this."),
    ("access_request_own_actions", "Eigen handelingen in meldpunt", "Own actions in meldpunt"),
    ("access_request_outcome", "Uitkomst", "Outcome"),
    ("view_log", "Wie heeft dit bekeken", "Who consulted this"),
    ("view_log_intro", "Elke raadpleging van persoonsgegevens, met wie, wanneer, wat, met welk doel en namens welke organisatie (NEN 7513). Deze lijst is alleen voor de functionaris gegevensbescherming; elke keer dat u hem opvraagt, wordt dat vastgelegd.", "Every consultation of personal data, with who, when, what, for which purpose and on behalf of which organisation (NEN 7513). This list is for the data protection officer only; every time you ask for it, that is recorded."),
    ("view_log_person", "Wie heeft dit bekeken", "Who consulted this"),
    ("view_log_case", "Wie heeft zaak bekeken:", "Who consulted case"),
    ("view_log_case_reference", "Kenmerk van de zaak", "Case reference"),
    ("view_log_show", "Tonen", "Show"),
    ("view_log_no_case", "Er is geen zaak met dit kenmerk. Een kenmerk ziet eruit als ZAAK-2026-000123.", "There is no case with this reference. A reference looks like ZAAK-2026-000123."),
    ("view_log_of", "Raadplegingen van", "Consultations of"),
    ("view_log_none", "Niemand heeft deze gegevens bekeken.", "Nobody has consulted these data."),
    ("view_log_when", "Wanneer", "When"),
    ("view_log_who", "Wie", "Who"),
    ("view_log_what", "Wat", "What"),
    ("view_log_purpose", "Doel", "Purpose"),
    ("view_log_on_behalf", "Namens", "On behalf of"),
    ("retention", "Bewaartermijnen", "Retention periods"),
    ("retention_intro", "meldpunt bewaart persoonsgegevens niet langer dan nodig (AVG art. 5 lid 1 onder e). Elke tien minuten verwijdert elke draaiende meldpunt wat volgens dit schema voorbij zijn termijn is. Van een verwijderde zaak blijven alleen tijden, status, klasse en besluit, platform en uitkomst over: wat de verantwoording en de openbare cijfers nodig hebben. Van elke verwijdering blijft een verwijderregistratie: wat, welk kenmerk, wanneer gemaakt, wanneer en volgens welke regel verwijderd.", "meldpunt keeps personal data no longer than needed (GDPR art. 5(1)(e)). Every ten minutes each running meldpunt removes what this schedule says is past its period. Of an erased case only times, status, class and decision, platform and outcome remain: what accountability and the public figures need. Every removal leaves a deletion record: what, which reference, when created, when and by which rule removed."),
    ("retention_schedule", "Schema", "Schedule"),
    ("retention_kind", "Soort gegevens", "Kind of data"),
    ("retention_period", "Termijn", "Period"),
    ("retention_counted_from", "Gerekend vanaf", "Counted from"),
    ("retention_basis", "Grondslag", "Basis"),
    ("retention_from_closure", "het sluiten van de zaak (na heropenen: het laatste sluiten)", "the case's closure (after reopening: the last closure)"),
    ("retention_from_last_closure", "het sluiten van de laatste zaak waarin de melding meetelt", "the closure of the last case the report counts in"),
    ("retention_from_sign_in", "de laatste geslaagde inlog (op dat apparaat)", "the last successful sign-in (on that device)"),
    ("retention_from_creation", "het maken van het bericht", "the message's creation"),
    ("retention_basis_case_without_action", "Selectielijst gemeenten 2020, verzoeken behandelen: afgewezen of afgebroken 1 jaar", "Selectielijst gemeenten 2020, handling requests: rejected or aborted 1 year"),
    ("retention_basis_case_with_notice", "Selectielijst gemeenten 2020, verzoeken behandelen: ingewilligd 5 jaar; DSA-verslagen 5 jaar", "Selectielijst gemeenten 2020, handling requests: granted 5 years; DSA reports 5 years"),
    ("retention_basis_evidence", "Korte termijn na sluiten: wat telt is de kopie bij het platform en de vastgelegde hash", "Short period after closure: what counts is the platform's copy and the recorded hash"),
    ("retention_basis_sign_in_records", "Selectielijst gemeenten 2020, login-gegevens 6 maanden", "Selectielijst gemeenten 2020, login data 6 months"),
    ("retention_basis_notifications", "Kort na bezorging: de zaak zelf blijft de bron", "Shortly after delivery: the case itself remains the source"),
    ("retention_config_note", "Het schema staat in de configuratie (tabel [retention] of MELDPUNT_RETENTION_<SOORT>, ISO 8601-duur zoals P5Y, P6M, P30D); termijnen worden in kalendereenheden in Nederlandse tijd gerekend, dus vijf jaar na 29 februari is 28 februari. Een zaak met een bewaarplicht wordt niet verwijderd.", "The schedule is configuration (table [retention] or MELDPUNT_RETENTION_<KIND>, an ISO 8601 duration such as P5Y, P6M, P30D); periods are counted in calendar units in Dutch time, so five years after 29 February is 28 February. A case under a legal hold is not erased."),
    ("retention_audit_note", "Het auditlogboek blijft controleerbaar na verwijdering: de hash van elke regel dekt een gezouten samenvatting van de persoonsgegevens, die daarna kunnen verdwijnen; elke verwijdering staat zelf in het logboek. Regels van vóór deze werkwijze (hashversie 1) kunnen niet worden gewist zonder de keten te breken en blijven daarom staan.", "The audit trail stays verifiable after erasure: each entry's hash covers a salted digest of its personal data, which can then go; every erasure is itself recorded in the trail. Entries from before this method (hash version 1) cannot be erased without breaking the chain and therefore remain."),
    ("retention_upcoming", "Binnenkort aan de beurt", "Due soon"),
    ("retention_upcoming_intro", "Wat volgens het schema verwijderd wordt vóór", "What the schedule removes before"),
    ("retention_count", "Aantal", "Number"),
    ("retention_holds", "Bewaarplichten", "Legal holds"),
    ("retention_holds_none", "Er zijn geen zaken met een bewaarplicht.", "No case is under a legal hold."),
    ("retention_deletions", "Verwijderregistraties", "Deletion records"),
    ("retention_deletions_intro", "De nieuwste honderd. Een registratie bevat geen persoonsgegevens.", "The newest hundred. A record holds no personal data."),
    ("retention_deletions_none", "Er is nog niets verwijderd.", "Nothing has been removed yet."),
    ("retention_deleted_at", "Verwijderd op", "Removed at"),
    ("retention_reference", "Kenmerk", "Reference"),
    ("retention_created_at", "Gemaakt op", "Created at"),
    ("retention_rule", "Regel", "Rule"),
    ("notice_setup", "Verzoeken en platforms", "Requests and platforms"),
    ("notice_settings", "Afzender en instellingen", "Sender and settings"),
    ("saved", "Opgeslagen.", "Saved."),
    ("changed", "Gewijzigd", "Changed"),
    ("settings_sender_name", "Naam van de afzender", "Sender name"),
    ("settings_sender_email", "Functioneel e-mailadres van het centrale team", "Central team's functional mailbox"),
    ("settings_sender_email_hint", "Staat in elk verzoek als adres van de afzender; platforms antwoorden hierop.", "Appears in every message as the sender's address; platforms reply to it."),
    ("settings_trusted_flagger", "Het centrale team is aangewezen als betrouwbare flagger (DSA art. 22)", "The central team is a designated trusted flagger (DSA art. 22)"),
    ("settings_trusted_flagger_hint", "Alleen aanvinken als de Digitale-dienstencoördinator (ACM) de status heeft toegekend.", "Tick only when the Digital Services Coordinator (ACM) has awarded the status."),
    ("settings_police_email", "E-mailadres voor doorverwijzingen naar politie / OM", "E-mail address for referrals to police / prosecutor"),
    ("settings_art9", "Bevelen onder DSA art. 9", "Orders under DSA art. 9"),
    ("settings_art9_available", "Er is een wettelijke grondslag ingesteld: analisten kunnen een bevel kiezen.", "A legal basis is configured: analysts can choose an order."),
    ("settings_art9_basis", "Wettelijke grondslag (Unie- of nationaal recht)", "Legal basis (Union or national law)"),
    ("settings_art9_basis_hint", "Laat leeg zolang er geen bevoegdheid is om platforms een bevel te geven.", "Leave empty as long as there is no power to order platforms."),
    ("settings_art9_authority", "Uitvaardigende autoriteit", "Issuing authority"),
    ("settings_art9_redress_platform", "Rechtsmiddelen voor het platform", "Redress for the provider"),
    ("settings_art9_redress_poster", "Rechtsmiddelen voor degene die de inhoud plaatste", "Redress for the person who posted the content"),
    ("platforms", "Platforms", "Platforms"),
    ("platforms_intro", "Hoe elk platform verzoeken ontvangt. meldpunt vult geen contactpunten in: een beheerder neemt ze over uit de opgave van het platform (DSA art. 11–12). Zolang een kanaal niet is ingesteld, kan er geen verzoek naar dat platform.", "How each platform receives notices. meldpunt fills in no points of contact: an administrator copies them from the platform's own statement (DSA art. 11–12). Until a channel is set, no message can go to that platform."),
    ("platform_name", "Naam", "Name"),
    ("platform_hosts", "Domeinnamen", "Domain names"),
    ("platform_hosts_hint", "Gescheiden door spaties, bijvoorbeeld: tiktok.com vm.tiktok.com", "Separated by spaces, for example: tiktok.com vm.tiktok.com"),
    ("platform_channel", "Meldkanaal", "Notice channel"),
    ("platform_channel_hint", "Een e-mailadres van het elektronische contactpunt, of alleen een webformulier.", "An e-mail address of the electronic point of contact, or a web form only."),
    ("platform_contact", "Contactpunt", "Point of contact"),
    ("platform_contact_email", "E-mailadres contactpunt", "Point-of-contact e-mail address"),
    ("platform_web_form_url", "Adres van het webformulier", "Web form address"),
    ("platform_languages", "Talen", "Languages"),
    ("platform_languages_hint", "Taalcodes die het platform opgaf, bijvoorbeeld: nl en", "Language codes the platform declared, for example: nl en"),
    ("platform_add", "Platform toevoegen", "Add platform"),
    ("skip", "Direct naar de inhoud", "Skip to content"),
    ("error_home", "Naar de startpagina", "To the home page"),
    ("error_sign_in", "Aanmelden", "Sign in"),
    ("site_tagline", "Meldvoorziening online oproepen tot openbare-ordeverstoring", "Reporting facility for online calls to public disorder"),
    ("nav_label", "Hoofdmenu", "Main menu"),
    ("nav_start", "Start", "Start"),
    ("nav_orgs", "Organisaties", "Organisations"),
    ("nav_my_org", "Mijn organisatie", "My organisation"),
    ("nav_audit", "Audittrail", "Audit trail"),
    ("nav_account", "Mijn account", "My account"),
    ("signed_in_as", "Aangemeld als", "Signed in as"),
    ("sign_out", "Afmelden", "Sign out"),
    ("sign_out_everywhere", "Overal afmelden", "Sign out everywhere"),
    ("language", "Taal", "Language"),
    ("switch_language", "Switch to English", "Nederlands"),
    ("footer_text", "meldpunt is open source (EUPL-1.2). Gemeentegegevens: CBS / PDOK, CBS Gebiedsindelingen 2025.", "meldpunt is open source (EUPL-1.2). Municipality data: CBS / PDOK, CBS Gebiedsindelingen 2025."),
    ("error_summary", "Er is een probleem", "There is a problem"),
    ("error_prefix", "Fout:", "Error:"),
    ("goes_to_platform", "gaat naar het platform", "goes to the platform"),
    ("goes_to_platform_intro", "Velden met \"gaat naar het platform\" staan letterlijk in het verzoek aan het platform; de andere velden blijven binnen meldpunt.", "Fields marked \"goes to the platform\" appear word for word in the request to the platform; the other fields stay inside meldpunt."),
    ("queue_views", "Welke zaken", "Which cases"),
    ("queue_view_all", "Alle open zaken", "All open cases"),
    ("queue_view_mine", "Mijn zaken", "My cases"),
    ("queue_view_approval", "Wacht op goedkeuring", "Awaiting approval"),
    ("breadcrumb", "Kruimelpad", "Breadcrumb"),
    ("progress", "Voortgang van de zaak", "Progress of the case"),
    ("step_done", "gedaan", "done"),
    ("opens_new_tab", "opent in een nieuw tabblad", "opens in a new tab"),
    ("call_112", "Direct gevaar voor mensen? Bel 112. Een melding hier vervangt dat niet.", "Immediate danger to people? Call 112. A report here does not replace that."),
    ("platforms_missing", "Zonder meldkanaal: hier kan nog geen verzoek heen", "Without a channel: no request can go here yet"),
    ("preview_title", "Dit verzoek gaat weg na goedkeuring", "This request is sent on approval"),
    ("preview_intro", "Precies deze tekst, in het Nederlands en het Engels, gaat naar de ontvanger. Het kenmerk en de antwoordtermijn worden vastgesteld op het moment van goedkeuren.", "Exactly this text, in Dutch and English, goes to the recipient. The reference and the answer deadline are set at the moment of approval."),
    ("preview_kind", "Soort verzoek", "Kind of request"),
    ("preview_to", "Aan", "To"),
    ("preview_subject", "Onderwerp", "Subject"),
    ("preview_blocked", "Goedkeuren kan nu niet versturen:", "Approving cannot send now:"),
    // Sign-in
    ("signin_title", "Aanmelden", "Sign in"),
    ("signin_intro", "Meld u aan met het e-mailadres en wachtwoord van uw account bij meldpunt.", "Sign in with the e-mail address and password of your meldpunt account."),
    ("email", "E-mailadres", "E-mail address"),
    ("password", "Wachtwoord", "Password"),
    ("signin_button", "Aanmelden", "Sign in"),
    ("signin_failed", "Het e-mailadres of het wachtwoord klopt niet.", "The e-mail address or password is wrong."),
    ("signin_no_account", "Nog geen account? Uw beheerder maakt het aan en stuurt u een activeringslink.", "No account yet? Your administrator creates it and sends you an activation link."),
    ("signed_out", "U bent afgemeld.", "You have signed out."),
    ("signed_out_everywhere", "U bent op al uw apparaten afgemeld.", "You have signed out on all your devices."),
    ("activated", "Uw account is geactiveerd. Meld u nu aan.", "Your account is active. Please sign in."),
    ("session_ended", "Uw sessie is verlopen. Meld u opnieuw aan.", "Your session has ended. Please sign in again."),
    ("signin_sso_heading", "Via uw organisatie", "Through your organisation"),
    ("signin_sso_intro", "Heeft uw organisatie aanmelden met het werkaccount ingesteld (bijvoorbeeld met Microsoft Entra ID)? Dan heeft u hier geen apart wachtwoord nodig.", "Has your organisation set up sign-in with your work account (for example with Microsoft Entra ID)? Then you need no separate password here."),
    ("signin_sso_link", "Aanmelden via uw organisatie", "Sign in through your organisation"),
    // Single sign-on
    ("sso_title", "Aanmelden via uw organisatie", "Sign in through your organisation"),
    ("sso_intro", "Vul uw e-mailadres van het werk in. meldpunt stuurt u door naar de aanmeldpagina van uw organisatie en u komt daarna hier terug, aangemeld. Vraagt uw organisatie zelf geen tweede factor, dan vraagt meldpunt de uwe.", "Enter your work e-mail address. meldpunt sends you to your organisation's sign-in page and you come back here, signed in. If your organisation does not ask for a second factor itself, meldpunt asks for yours."),
    ("sso_email", "E-mailadres van uw werk", "Your work e-mail address"),
    ("sso_button", "Doorgaan naar uw organisatie", "Continue to your organisation"),
    ("sso_password_instead", "Aanmelden met wachtwoord", "Sign in with a password"),
    ("sso_redirect_title", "Doorsturen naar uw organisatie", "Sending you to your organisation"),
    ("sso_redirect_text", "U gaat naar de aanmeldpagina van uw organisatie. Gebeurt dat niet vanzelf, kies dan de link hieronder.", "You are going to your organisation's sign-in page. If that does not happen by itself, choose the link below."),
    ("sso_admin_heading", "Aanmelden via de organisatie (OpenID Connect)", "Sign-in through the organisation (OpenID Connect)"),
    ("sso_admin_intro", "Met een aanmeldvoorziening van de organisatie (Microsoft Entra ID of een andere OpenID Connect-voorziening) melden medewerkers zich aan met hun werkaccount. Hun meldpunt-account en rol maakt een beheerder hier zoals altijd; de voorziening geeft nooit zelf een rol. Vraagt de voorziening geen tweede factor (amr), dan vraagt meldpunt de eigen.", "With the organisation's sign-in service (Microsoft Entra ID or another OpenID Connect provider) staff sign in with their work account. An administrator creates their meldpunt account and role here as always; the provider never gives a role. If the provider asks for no second factor (amr), meldpunt asks for its own."),
    ("sso_none", "Deze organisatie heeft geen aanmelding via de organisatie ingesteld; haar medewerkers melden zich aan met wachtwoord en tweede factor.", "This organisation has no sign-in through the organisation; its staff sign in with a password and a second factor."),
    ("sso_redirect_uri", "Redirect-URI om bij de aanmeldvoorziening te registreren (platform: web):", "Redirect URI to register at the provider (platform: web):"),
    ("sso_issuer", "Issuer-URL", "Issuer URL"),
    ("sso_issuer_hint", "Bij Microsoft Entra ID: https://login.microsoftonline.com/<tenant-id>/v2.0. meldpunt haalt bij het opslaan de beschrijving op (/.well-known/openid-configuration) en slaat alleen op als die klopt.", "For Microsoft Entra ID: https://login.microsoftonline.com/<tenant-id>/v2.0. On saving, meldpunt fetches the description (/.well-known/openid-configuration) and saves only if it is valid."),
    ("sso_client_id", "Client-id", "Client ID"),
    ("sso_client_id_hint", "Bij Microsoft Entra ID: de Application (client) ID van de app-registratie.", "For Microsoft Entra ID: the Application (client) ID of the app registration."),
    ("sso_secret_ref", "Naam van het clientgeheim", "Name of the client secret"),
    ("sso_secret_ref_hint", "Het geheim zelf komt nooit in meldpunt: de beheerder van de server zet het in de omgevingsvariabele MELDPUNT_SSO_SECRET_<naam>. Hoofdletters, cijfers en _, bijvoorbeeld UTRECHT.", "The secret itself never goes into meldpunt: the server's operator puts it in the environment variable MELDPUNT_SSO_SECRET_<name>. Capitals, digits and _, for example UTRECHT."),
    ("sso_domains", "E-maildomeinen", "E-mail domains"),
    ("sso_domains_hint", "Wie een e-mailadres in een van deze domeinen heeft, meldt zich via deze voorziening aan. Gescheiden door komma's, bijvoorbeeld utrecht.nl. Een domein hoort bij één organisatie.", "Whoever has an e-mail address in one of these domains signs in through this provider. Separated by commas, for example utrecht.nl. A domain belongs to one organisation."),
    ("sso_mfa_acr", "acr-waarde voor meervoudige aanmelding (niet verplicht)", "acr value for multi-factor sign-in (optional)"),
    ("sso_mfa_acr_hint", "Alleen invullen als de voorziening meervoudige aanmelding met een acr-waarde aangeeft in plaats van met amr (mfa). Leeg laten bij Microsoft Entra ID.", "Fill in only if the provider states multi-factor sign-in with an acr value instead of amr (mfa). Leave empty for Microsoft Entra ID."),
    ("sso_updated", "Laatst gewijzigd", "Last changed"),
    ("sso_save", "Controleren en opslaan", "Check and save"),
    ("sso_remove", "Aanmelden via de organisatie uitzetten", "Turn off sign-in through the organisation"),
    ("sso_saved", "De aanmeldvoorziening is gecontroleerd en opgeslagen.", "The sign-in service was checked and saved."),
    ("sso_removed", "Aanmelden via de organisatie staat uit. Medewerkers melden zich weer aan met wachtwoord en tweede factor.", "Sign-in through the organisation is off. Staff sign in with a password and a second factor again."),
    ("sso_continue", "Naar de aanmeldpagina van uw organisatie", "To your organisation's sign-in page"),
    // Second factor
    ("tf_title", "Tweede stap: code uit uw app", "Second step: code from your app"),
    ("tf_intro", "Open de authenticator-app op uw telefoon en vul de code van zes cijfers in die bij meldpunt staat.", "Open the authenticator app on your phone and enter the six-digit code shown for meldpunt."),
    ("tf_code", "Code van zes cijfers", "Six-digit code"),
    ("tf_button", "Bevestigen", "Confirm"),
    ("tf_recovery_title", "Telefoon kwijt?", "Lost your phone?"),
    ("tf_recovery_intro", "Gebruik een van de herstelcodes die u bij het instellen kreeg. Elke herstelcode werkt één keer.", "Use one of the recovery codes you received during set-up. Each recovery code works once."),
    ("tf_recovery_code", "Herstelcode", "Recovery code"),
    ("tf_recovery_button", "Herstelcode gebruiken", "Use recovery code"),
    ("cancel_sign_in", "Aanmelden afbreken", "Cancel sign-in"),
    // Enrolment
    ("enrol_title", "Tweestapsverificatie instellen", "Set up two-step verification"),
    ("enrol_intro", "Bij elk account hoort een tweede stap bij het aanmelden: meldingen kunnen leiden tot een verzoek dat namens de overheid wordt verstuurd. Scan de QR-code met een authenticator-app (bijvoorbeeld FreeOTP, Aegis of Google Authenticator) en vul daarna de code in die de app toont.", "Every account has a second step at sign-in: reports can lead to a request sent in the government's name. Scan the QR code with an authenticator app (for example FreeOTP, Aegis or Google Authenticator), then enter the code the app shows."),
    ("enrol_intro_renew", "Koppel meldpunt aan een nieuwe telefoon of app. Scan de QR-code met de authenticator-app en vul daarna de code in die de app toont; de oude app werkt daarna niet meer.", "Link meldpunt to a new phone or app. Scan the QR code with the authenticator app, then enter the code the app shows; the old app stops working."),
    ("passkey_title", "Of: een passkey", "Or: a passkey"),
    ("passkey_intro", "Met een passkey bevestigt u de aanmelding met uw vingerafdruk, gezicht of pincode op dit apparaat, of met een beveiligingssleutel. Er is geen code over te typen en een nagemaakte website kan hem niet gebruiken.", "With a passkey you confirm the sign-in with your fingerprint, face or PIN on this device, or with a security key. There is no code to type, and a fake website cannot use it."),
    ("passkey_name", "Naam van de passkey (optioneel)", "Name of the passkey (optional)"),
    ("passkey_name_hint", "Bijvoorbeeld: laptop op kantoor. Zo herkent u hem later in Mijn account.", "For example: office laptop. This is how you recognise it later in My account."),
    ("passkey_renew_password", "U heeft al een tweede factor. Bevestig met uw wachtwoord dat u een passkey toevoegt.", "You already have a second factor. Confirm with your password that you add a passkey."),
    ("passkey_add_button", "Passkey toevoegen", "Add passkey"),
    ("passkey_cancelled", "De passkey is niet gebruikt: het venster werd gesloten of de passkey is hier niet beschikbaar. Probeer het opnieuw of gebruik de code uit uw app.", "The passkey was not used: the dialog was closed or the passkey is not available here. Try again or use the code from your app."),
    ("passkey_needs_script", "Voor een passkey is JavaScript nodig. Zonder JavaScript gebruikt u de code uit uw app of een herstelcode.", "A passkey needs JavaScript. Without JavaScript, use the code from your app or a recovery code."),
    ("tf_passkey_intro", "Bevestig de aanmelding met uw passkey.", "Confirm the sign-in with your passkey."),
    ("tf_passkey_button", "Aanmelden met passkey", "Sign in with passkey"),
    ("passkeys", "Passkeys", "Passkeys"),
    ("passkeys_none", "U heeft nog geen passkey.", "You have no passkey yet."),
    ("passkey_added_at", "Toegevoegd", "Added"),
    ("passkey_last_used", "Laatst gebruikt", "Last used"),
    ("passkey_remove", "Verwijderen", "Remove"),
    ("passkey_add_link", "Passkey toevoegen of een nieuwe app koppelen", "Add a passkey or link a new app"),
    ("passkey_added", "De passkey is toegevoegd.", "The passkey was added."),
    ("passkey_removed", "De passkey is verwijderd.", "The passkey was removed."),
    ("enrol_qr_alt", "QR-code om meldpunt aan uw authenticator-app toe te voegen", "QR code to add meldpunt to your authenticator app"),
    ("enrol_manual", "Kunt u niet scannen? Voer deze sleutel handmatig in:", "Cannot scan? Enter this key by hand:"),
    ("enrol_button", "Instellen", "Set up"),
    ("enrol_renew_password", "U heeft al een app gekoppeld. Bevestig met uw wachtwoord dat u die vervangt.", "You already linked an app. Confirm with your password that you replace it."),
    ("codes_title", "Uw herstelcodes", "Your recovery codes"),
    ("codes_intro", "Bewaar deze codes op een veilige plek, bijvoorbeeld in een wachtwoordkluis. Met elke code kunt u zich één keer aanmelden als u uw telefoon kwijt bent. U ziet ze maar één keer.", "Keep these codes somewhere safe, such as a password manager. Each code lets you sign in once if you lose your phone. They are shown only once."),
    ("codes_continue", "Ik heb de codes bewaard – verder", "I have saved the codes – continue"),
    // Activation
    ("activate_title", "Account activeren", "Activate your account"),
    ("activate_intro", "Kies een wachtwoord van minstens 12 tekens. Een zin van een paar woorden is sterk en goed te onthouden.", "Choose a password of at least 12 characters. A sentence of a few words is strong and easy to remember."),
    ("new_password", "Nieuw wachtwoord", "New password"),
    ("repeat_password", "Herhaal het wachtwoord", "Repeat the password"),
    ("activate_button", "Account activeren", "Activate account"),
    ("activate_for", "Account voor", "Account for"),
    // Start
    ("start_title", "Start", "Start"),
    ("welcome", "Welkom", "Welcome"),
    ("your_org", "Uw organisatie", "Your organisation"),
    ("your_role", "Uw rol", "Your role"),
    ("mayor", "Burgemeester", "Mayor"),
    ("province", "Provincie", "Province"),
    ("safety_region", "Veiligheidsregio", "Safety region"),
    ("code", "Code", "Code"),
    ("kind", "Soort", "Kind"),
    ("name", "Naam", "Name"),
    ("recent_sign_ins", "Uw laatste aanmeldingen", "Your recent sign-ins"),
    ("recent_sign_ins_intro", "Ziet u een aanmelding die u niet herkent? Wijzig uw wachtwoord, meld overal af en waarschuw uw beheerder.", "See a sign-in you do not recognise? Change your password, sign out everywhere and tell your administrator."),
    ("when", "Wanneer", "When"),
    ("from_address", "Vanaf adres", "From address"),
    ("result", "Resultaat", "Result"),
    ("reporter_tasks", "Als melder meldt u online inhoud die kan leiden tot verstoring van de openbare orde in uw gemeente, namens de burgemeester.", "As a reporter you report online content that may lead to a public-order disturbance in your municipality, on behalf of the mayor."),
    ("analyst_tasks", "Als analist beoordeelt u meldingen van gemeenten aan de wet en aan de grondrechten.", "As an analyst you assess municipalities' reports against the law and fundamental rights."),
    ("supervisor_tasks", "Als supervisor keurt u uitgaande verzoeken aan platforms goed (vier ogen).", "As a supervisor you approve outgoing requests to platforms (four eyes)."),
    ("auditor_tasks", "Als auditor controleert u wie wat deed in meldpunt. U kunt de audittrail doorzoeken, exporteren en de hashketen controleren.", "As an auditor you check who did what in meldpunt. You can search and export the audit trail and verify its hash chain."),
    ("privacy_officer_tasks", "Als functionaris gegevensbescherming beantwoordt u inzageverzoeken (AVG art. 15): u zoekt op wat meldpunt over iemand bewaart, maakt de kopie met afgeschermde gegevens van anderen, en ziet wie welke gegevens heeft bekeken en waarom.", "As the data protection officer you answer access requests (GDPR art. 15): you look up what meldpunt holds about a person, produce the copy with other people's data redacted, and see who consulted which data and why."),
    ("admin_tasks", "Als beheerder beheert u organisaties, accounts en API-tokens.", "As an administrator you manage organisations, accounts and API tokens."),
    ("open_audit", "Audittrail openen", "Open the audit trail"),
    ("open_orgs", "Organisaties beheren", "Manage organisations"),
    ("open_my_org", "Accounts van mijn organisatie beheren", "Manage my organisation's accounts"),
    ("stat_orgs", "Organisaties", "Organisations"),
    ("stat_users", "Accounts", "Accounts"),
    ("stat_audit", "Audit-regels", "Audit entries"),
    // Account
    ("account_title", "Mijn account", "My account"),
    ("second_factor", "Tweestapsverificatie", "Two-step verification"),
    ("second_factor_on", "Aan", "On"),
    ("second_factor_off", "Nog niet ingesteld", "Not set up yet"),
    ("second_factor_missing_title", "Nog zonder tweede factor", "No second factor yet"),
    ("recovery_left", "Ongebruikte herstelcodes", "Unused recovery codes"),
    ("set_up_second_factor", "Tweestapsverificatie instellen", "Set up two-step verification"),
    ("renew_second_factor", "Nieuwe app koppelen en nieuwe herstelcodes maken", "Link a new app and make new recovery codes"),
    ("change_password", "Wachtwoord wijzigen", "Change password"),
    ("current_password", "Huidig wachtwoord", "Current password"),
    ("change_password_button", "Wachtwoord wijzigen", "Change password"),
    ("password_changed", "Uw wachtwoord is gewijzigd. Uw andere sessies zijn beëindigd.", "Your password was changed. Your other sessions have ended."),
    ("sessions", "Sessies", "Sessions"),
    ("sessions_active", "Actieve sessies", "Active sessions"),
    ("sign_out_everywhere_intro", "Meld u af op alle apparaten waarop u bent aangemeld, ook dit apparaat.", "Sign out on every device you are signed in on, including this one."),
    // Admin
    ("orgs_title", "Organisaties", "Organisations"),
    ("orgs_search", "Zoek op naam of code", "Search by name or code"),
    ("orgs_kind_all", "Alle soorten", "All kinds"),
    ("search", "Zoeken", "Search"),
    ("orgs_import", "Gemeentelijst 2025 importeren", "Import the 2025 municipality list"),
    ("orgs_import_intro", "Laadt alle 342 gemeenten van 2025 (CBS-code, naam, provincie, veiligheidsregio, ligging). Bestaande organisaties blijven ongewijzigd.", "Loads all 342 municipalities of 2025 (CBS code, name, province, safety region, location). Existing organisations are left unchanged."),
    ("orgs_imported", "gemeenten toegevoegd.", "municipalities added."),
    ("org_add", "Organisatie toevoegen", "Add organisation"),
    ("org_code_hint", "Voor een gemeente de CBS-code, bijvoorbeeld GM0363. Anders een korte eigen code, bijvoorbeeld POL-AMS.", "For a municipality its CBS code, e.g. GM0363. Otherwise a short own code, e.g. POL-AMS."),
    ("org_added", "De organisatie is toegevoegd.", "The organisation was added."),
    ("previous", "Vorige", "Previous"),
    ("next", "Volgende", "Next"),
    ("no_results", "Geen resultaten.", "No results."),
    ("people", "Accounts", "Accounts"),
    ("role", "Rol", "Role"),
    ("status", "Status", "Status"),
    ("actions", "Acties", "Actions"),
    ("user_add", "Account toevoegen", "Add account"),
    ("user_add_intro", "De nieuwe gebruiker krijgt een activeringslink die zeven dagen geldig is. U ziet de link één keer: geef hem via een veilig kanaal door.", "The new user gets an activation link valid for seven days. You see it once: pass it on through a secure channel."),
    ("user_add_button", "Account aanmaken", "Create account"),
    ("user_created", "Het account is aangemaakt. Geef deze activeringslink door aan de gebruiker:", "The account was created. Pass this activation link to the user:"),
    ("user_reset", "Opnieuw laten activeren", "Reset and re-activate"),
    ("user_reset_done", "Wachtwoord en tweestapsverificatie zijn gewist. Geef deze nieuwe activeringslink door:", "Password and two-step verification were cleared. Pass on this new activation link:"),
    ("user_disable", "Blokkeren", "Disable"),
    ("user_enable", "Deblokkeren", "Enable"),
    ("setup_sender", "Afzender en adressen", "Sender and addresses"),
    ("setup_sender_intro", "Van wie de verzoeken aan platforms komen, en waar verwijzingen naar de politie heen gaan.", "Who the requests to platforms come from, and where referrals to the police go."),
    ("setup_orders", "Bevelen (DSA art. 9)", "Orders (DSA art. 9)"),
    ("user_enable_hint", "Dit account is geblokkeerd. Na deblokkeren logt deze persoon weer in met het eigen wachtwoord en de eigen tweestapsverificatie.", "This account is disabled. Once enabled, this person signs in again with their own password and two-step verification."),
    ("user_enabled", "Het account is gedeblokkeerd. Deze persoon kan weer inloggen.", "The account was enabled. This person can sign in again."),
    ("user_role_change", "Rol wijzigen", "Change role"),
    ("user_role_hint", "Alleen de rollen die bij deze organisatie horen. De persoon wordt afgemeld en heeft bij de volgende keer inloggen de nieuwe rol.", "Only the roles of this organisation. The person is signed out and has the new role from their next sign-in."),
    ("user_role_save", "Rol opslaan", "Save role"),
    ("user_role_changed", "De rol is gewijzigd. De persoon is afgemeld en heeft bij de volgende keer inloggen de nieuwe rol.", "The role was changed. The person was signed out and has the new role from their next sign-in."),
    ("user_account", "Account", "Account"),
    ("organisation", "Organisatie", "Organisation"),
    ("user_is_self", "Dit is uw eigen account. Een andere beheerder kan uw rol wijzigen of uw account blokkeren.", "This is your own account. Another administrator can change your role or disable your account."),
    ("user_reset_consequence", "Het wachtwoord en de tweestapsverificatie van {name} worden gewist en alle sessies beëindigd. {name} kan pas weer inloggen met een nieuwe activeringslink, die u daarna krijgt en zelf doorgeeft.", "The password and two-step verification of {name} are cleared and all sessions ended. {name} can only sign in again with a new activation link, which you get next and pass on yourself."),
    ("user_disable_consequence", "{name} kan niet meer inloggen en alle sessies worden beëindigd. Het account en wat {name} deed blijven bewaard.", "{name} can no longer sign in and all sessions are ended. The account and what {name} did are kept."),
    ("cancel", "Annuleren", "Cancel"),
    ("user_disabled", "Het account is geblokkeerd en alle sessies zijn beëindigd.", "The account was disabled and all its sessions ended."),
    ("mayor_save", "Burgemeester opslaan", "Save mayor"),
    ("mayor_saved", "De burgemeester is opgeslagen.", "The mayor was saved."),
    ("tokens", "API-tokens", "API tokens"),
    ("tokens_intro", "Met een API-token praat een systeem van deze organisatie met de API van meldpunt. U ziet het token één keer; meldpunt bewaart alleen een hash.", "An API token lets a system of this organisation use meldpunt's API. You see the token once; meldpunt keeps only a hash."),
    ("token_name", "Naam van het token", "Token name"),
    ("token_name_hint", "Bijvoorbeeld het systeem dat het gebruikt.", "For example the system that uses it."),
    ("token_create", "Token aanmaken", "Create token"),
    ("token_created", "Het token is aangemaakt. Kopieer het nu; u ziet het niet nog eens:", "The token was created. Copy it now; you will not see it again:"),
    ("token_revoke", "Intrekken", "Revoke"),
    ("token_revoked", "Het token is ingetrokken.", "The token was revoked."),
    ("token_prefix", "Begint met", "Starts with"),
    ("created", "Aangemaakt", "Created"),
    ("last_used", "Laatst gebruikt", "Last used"),
    ("revoked", "Ingetrokken", "Revoked"),
    ("never", "nooit", "never"),
    ("active", "Actief", "Active"),
    ("no_tokens", "Deze organisatie heeft geen API-tokens.", "This organisation has no API tokens."),
    ("no_people", "Deze organisatie heeft nog geen accounts.", "This organisation has no accounts yet."),
    // Audit
    ("audit_title", "Audittrail", "Audit trail"),
    ("audit_intro", "Elke wijziging en elke inzage van persoonsgegevens staat hier, met wie, wanneer en vanaf welk adres. Elke regel bevat de hash van de vorige, zodat wijzigen, verwijderen of verschuiven opvalt.", "Every change and every view of personal data is recorded here: who, when and from which address. Each entry holds the hash of the previous one, so editing, deleting or reordering shows."),
    ("audit_scope_org", "U ziet de regels over uw eigen organisatie.", "You see the entries about your own organisation."),
    ("filter", "Filteren", "Filter"),
    ("action", "Handeling", "Action"),
    ("actor", "Door", "By"),
    ("object", "Object", "Object"),
    ("origin", "Adres", "Address"),
    ("details", "Details", "Details"),
    ("from_date", "Vanaf datum", "From date"),
    ("until_date", "Tot en met datum", "Up to and including"),
    ("date_hint", "Als jjjj-mm-dd", "As yyyy-mm-dd"),
    ("all", "Alle", "All"),
    ("export_csv", "Exporteren als CSV", "Export as CSV"),
    ("export_json", "Exporteren als JSON", "Export as JSON"),
    ("verify_chain", "Hashketen controleren", "Verify the hash chain"),
    ("chain_ok", "De hashketen is in orde.", "The hash chain is intact."),
    ("chain_broken", "De hashketen is NIET in orde:", "The hash chain is NOT intact:"),
    ("chain_entries", "Aantal regels", "Entries"),
    ("chain_head", "Kop van de keten (bewaar deze buiten meldpunt)", "Chain head (keep it outside meldpunt)"),
    ("older", "Oudere regels", "Older entries"),
    ("newest", "Nieuwste regels", "Newest entries"),
    ("seq", "Nr.", "No."),
    ("outcome_success", "gelukt", "success"),
    ("outcome_failure", "mislukt", "failure"),
    ("outcome_denied", "geweigerd", "denied"),
    // Intake
    ("persons", "personen", "people"),
    ("report_add_link", "Nog een link toevoegen", "Add another link"),
    ("report_lower", "melding", "report"),
    ("stat_open_cases", "Open zaken", "Open cases"),
    ("stat_overdue_cases", "Over de behandeltermijn", "Past their deadline"),
    ("all_open", "Alle open zaken", "All open cases"),
    ("as_submitted", "Zoals gemeld", "As submitted"),
    ("back", "Terug", "Back"),
    ("case", "Zaak", "Case"),
    ("case_status", "Status van de zaak", "Case status"),
    ("change_status", "Status wijzigen", "Change status"),
    ("claim", "Oppakken", "Take up"),
    ("content", "Inhoud", "Content"),
    ("deadline", "Behandeltermijn", "Handling deadline"),
    ("evidence_none", "Er zijn geen bestanden bij deze melding.", "No files were added to this report."),
    ("evidence_preview_of", "Voorbeeld van", "Preview of"),
    ("evidence_preview_note", "Verkleind voorbeeld. Het origineel opent u alleen door het te downloaden.", "A reduced preview. The original opens only as a download."),
    ("evidence_no_preview", "Van dit soort bestand toont meldpunt geen voorbeeld. Download het om het te bekijken.", "meldpunt shows no preview of this kind of file. Download it to look at it."),
    ("evidence_download", "Bestand downloaden", "Download the file"),
    ("evidence_kind", "Soort bestand", "Kind of file"),
    ("evidence_received", "Ontvangen", "Received"),
    ("evidence_fingerprint", "Vingerafdruk (SHA-256)", "Fingerprint (SHA-256)"),
    ("evidence_fingerprint_hint", "Met deze code toont u aan dat het bestand sinds ontvangst niet is veranderd.", "This code shows that the file has not changed since it was received."),
    ("evidence_details", "gegevens", "details"),
    ("expected_start", "Verwacht begin", "Expected start"),
    ("history", "Geschiedenis", "History"),
    ("in_hands_of", "In behandeling bij", "Being handled by"),
    ("late", "Te laat", "Late"),
    ("mark_read", "Alles als gelezen markeren", "Mark all as read"),
    ("municipalities", "Gemeenten", "Municipalities"),
    ("municipality", "Gemeente", "Municipality"),
    ("new", "Nieuw", "New"),
    ("new_status", "Nieuwe status", "New status"),
    ("nobody", "Nog niemand", "Nobody yet"),
    ("note", "Toelichting", "Note"),
    ("notifications_none", "U heeft geen berichten.", "You have no notifications."),
    ("notifications_title", "Berichten", "Notifications"),
    ("on_time", "Op tijd", "On time"),
    ("optional", "niet verplicht", "optional"),
    ("platform", "Platform", "Platform"),
    ("search_title", "Zoeken", "Search"),
    ("search_intro_team", "Zoek in alle zaken: op kenmerk (MLD-, ZAAK-, KG-), op link (in welke schrijfwijze ook), op account (@naam), op website (voorbeeld.nl) of op woorden uit meldingen, notities en beoordelingen.", "Search every case: by reference (MLD-, ZAAK-, KG-), by link (in any spelling), by account (@name), by website (example.nl) or by words from reports, notes and assessments."),
    ("search_intro_reporter", "Zoek in de meldingen van uw organisatie: op kenmerk (MLD-, ZAAK-, KG-), op link, op account (@naam), op website of op woorden uit uw meldingen.", "Search your organisation's reports: by reference (MLD-, ZAAK-, KG-), by link, by account (@name), by website or by words from your reports."),
    ("search_label", "Zoeken naar", "Search for"),
    ("search_hint", "Bijvoorbeeld ZAAK-2026-000123, https://x.com/naam/status/1, @naam, voorbeeld.nl of 'oproep plein zaterdag'. Woorden worden ook in andere vormen gevonden (oproepen, oproep).", "For example ZAAK-2026-000123, https://x.com/name/status/1, @name, example.nl or 'oproep plein zaterdag'. Words are also found in other forms (oproepen, oproep)."),
    ("search_button", "Zoeken", "Search"),
    ("search_results", "Zoekresultaten", "Search results"),
    ("search_pages", "Pagina's met zoekresultaten", "Pages of search results"),
    ("search_none", "Niets gevonden. Controleer de spelling, of zoek op minder woorden.", "Nothing found. Check the spelling, or search for fewer words."),
    ("search_found_in", "Gevonden in", "Found in"),
    ("search_found_by_reference", "Kenmerk, link of website", "Reference, link or website"),
    ("search_reported", "Gemeld op", "Reported on"),
    ("nav_search", "Zoeken", "Search"),
    ("queue_beyond", "Deze pagina bestaat niet: er zijn minder zaken. Ga terug naar de eerste pagina.", "This page does not exist: there are fewer cases. Go back to the first page."),
    ("queue_pages", "Pagina's van de werkvoorraad", "Pages of the case queue"),
    ("page_previous", "Vorige pagina", "Previous page"),
    ("page_next", "Volgende pagina", "Next page"),
    ("queue_empty", "Er zijn geen zaken die aan dit filter voldoen.", "No cases match this filter."),
    ("queue_intro", "Open zaken, de meest dringende eerst: acute en te late zaken bovenaan, dan urgentie, tijd tot de verwachte verstoring en het aantal gemeenten dat dezelfde inhoud meldde.", "Open cases, most pressing first: acute and late cases at the top, then urgency, time until the expected disturbance and the number of municipalities that reported the same content."),
    ("queue_title", "Werkvoorraad", "Case queue"),
    ("reference", "Kenmerk", "Reference"),
    ("release", "Vrijgeven", "Release"),
    ("report", "Melding", "Report"),
    ("report_category", "Wat doet de inhoud?", "What does the content do?"),
    ("report_evidence", "Bewijs", "Evidence"),
    ("report_evidence_hint", "Schermafbeelding, PDF of video (PNG, JPEG, WebP, PDF, MP4), per bestand hoogstens", "Screenshot, PDF or video (PNG, JPEG, WebP, PDF, MP4), each at most"),
    ("report_expected", "Verwachte verstoring", "Expected disturbance"),
    ("report_expected_hint", "Vul in wat bekend is; laat leeg wat u niet weet.", "Fill in what is known; leave empty what you do not know."),
    ("report_files_again", "Voeg de bestanden opnieuw toe: een browser bewaart gekozen bestanden niet na een foutmelding.", "Add the files again: a browser does not keep chosen files after an error."),
    ("report_justification", "Waarom deze urgentie? (één regel; niet nodig bij Normaal)", "Why this urgency? (one line; not needed for Normal)"),
    ("report_link", "Link", "Link"),
    ("report_links", "Links naar de online inhoud", "Links to the online content"),
    ("report_links_hint", "Plak de link zoals u die kopieerde; meldpunt herkent het platform en haalt volgcodes weg.", "Paste the link as you copied it; meldpunt recognises the platform and removes tracking codes."),
    ("report_municipality", "Gemeente", "Municipality"),
    ("report_new_intro", "Meld online inhoud die kan aanzetten tot verstoring van de openbare orde. Het centrale team ziet uw melding meteen.", "Report online content that may incite a public-order disturbance. The central team sees your report at once."),
    ("report_new_title", "Nieuwe melding", "New report"),
    ("report_on_behalf_of", "Namens", "On behalf of"),
    ("report_place", "Plaats of locatie", "Place or location"),
    ("report_date", "Datum", "Date"),
    ("report_time_from", "Vanaf (tijd)", "From (time)"),
    ("report_time_to", "Tot (tijd)", "Until (time)"),
    ("report_size", "Verwachte omvang (aantal personen)", "Expected size (number of people)"),
    ("time_hint", "Als uu:mm", "As hh:mm"),
    ("report_received", "Uw melding is ontvangen onder kenmerk", "Your report was received with reference"),
    ("report_received_follow", "U volgt de melding hier en onder 'Mijn meldingen'.", "Follow it here and under 'My reports'."),
    ("report_remark", "Opmerking", "Remark"),
    ("report_send", "Melding versturen", "Send report"),
    ("report_summary", "Korte toelichting", "Short description"),
    ("report_summary_hint", "Verplicht bij 'Anders'; hoogstens 2000 tekens.", "Required for 'Other'; at most 2000 characters."),
    ("report_urgency", "Urgentie", "Urgency"),
    ("report_withdrawn_now", "De melding is ingetrokken.", "The report was withdrawn."),
    ("reported_by", "Gemeld door", "Reported by"),
    ("reports_in_case", "Meldingen in deze zaak", "Reports in this case"),
    ("reports_intro", "De meldingen van uw gemeente, de nieuwste eerst, met de status van de zaak.", "Your municipality's reports, newest first, with the status of their case."),
    ("reports_lower", "meldingen", "reports"),
    ("reports_none", "Uw gemeente heeft nog geen meldingen gedaan.", "Your municipality has not made any reports yet."),
    ("reports_title", "Mijn meldingen", "My reports"),
    ("save", "Opslaan", "Save"),
    ("take_over", "Overnemen", "Take over"),
    ("time_left", "Resterende tijd", "Time left"),
    ("timeliness", "Termijn", "Deadline"),
    ("unknown", "Onbekend", "Unknown"),
    ("withdraw_button", "Melding intrekken", "Withdraw report"),
    ("withdraw_hint", "Klopt de melding niet, of is ze niet meer nodig? Trek haar in. U geeft daarbij een reden op.", "Is the report wrong, or no longer needed? Withdraw it. You give a reason."),
    ("withdraw_consequence", "Na intrekken telt de melding niet meer mee. Als uw melding de enige is over deze inhoud, stopt het team met de beoordeling. Een verzoek dat al naar het platform is gestuurd, blijft bestaan. Intrekken kunt u niet ongedaan maken.", "Once withdrawn, the report no longer counts. If it is the only report about this content, the team stops assessing it. A request already sent to the platform stays. Withdrawal cannot be undone."),
    ("next_title", "Wat gebeurt er nu?", "What happens next?"),
    ("report_details", "Uw melding", "Your report"),
    ("next_step", "Volgende stap", "Next step"),
    ("sorted", "gesorteerd", "sorted"),
    ("sort_by", "sorteer op", "sort by"),
    ("draft_save", "Concept opslaan", "Save draft"),
    ("draft_hint", "Een concept wordt niet gecontroleerd en gaat niet naar een supervisor. Alleen u ziet het; u gaat er later mee verder.", "A draft is not checked and does not go to a supervisor. Only you see it; you carry on with it later."),
    ("draft_saved_at", "Uw concept is opgeslagen op", "Your draft was saved at"),
    ("draft_only_you", "Alleen u ziet het. Sla de beoordeling op als u klaar bent.", "Only you see it. Save the assessment when you are done."),
    ("draft_meanwhile", "U kunt de beoordeling al schrijven en als concept opslaan.", "You can already write the assessment and save it as a draft."),
    ("aside_title", "De inhoud", "The content"),
    ("form_sections", "Onderdelen", "Sections"),
    ("next_step_approve", "Controleer de beoordeling en het verzoek hieronder, en keur het goed of stuur het terug. Pas na goedkeuring gaat het verzoek weg.", "Check the assessment and the message below, then approve or send it back. The message leaves only after approval."),
    ("next_step_await_approval", "De beoordeling wacht op goedkeuring door een supervisor die haar niet schreef. Hieronder staat wat er dan verstuurd wordt.", "The assessment awaits approval by a supervisor who did not write it. Below is what will then be sent."),
    ("next_step_objection", "Bezwaar beoordelen", "Decide the objection"),
    ("next_step_web_form", "Indienen via het webformulier van het platform", "Submit through the platform's web form"),
    ("next_step_answer", "Antwoord van het platform vastleggen", "Record the platform's answer"),
    ("next_step_nothing", "Voor u is er nu niets te doen op deze zaak.", "There is nothing for you to do on this case now."),
    ("other_actions", "Andere acties", "Other actions"),
    ("content_text", "Tekst van de inhoud", "Text of the content"),
    ("not_compared_yet", "nog niet vergeleken", "not compared yet"),
    ("no_decision_yet", "nog geen besluit", "no decision yet"),
    ("reupload_title", "Herplaatsing van verwijderde inhoud", "Re-upload of removed content"),
    ("reupload_intro", "Deze inhoud lijkt op inhoud die een platform eerder na een verzoek van meldpunt heeft verwijderd of ontoegankelijk gemaakt:", "This content looks like content a platform removed or disabled earlier after a request from meldpunt:"),
    ("reupload_decision", "Besluit", "Decision"),
    ("reupload_propose", "Zelfde besluit voorstellen", "Propose the same decision"),
    ("reupload_propose_hint", "Het besluit van de eerdere zaak wordt een nieuwe versie van deze beoordeling; een supervisor keurt het goed voordat er iets verstuurd wordt.", "The earlier case's decision becomes a new version of this assessment; a supervisor approves it before anything is sent."),
    ("copies_title", "Mogelijke kopieën", "Possible copies"),
    ("copies_intro", "meldpunt vergelijkt alleen wat gemeenten hebben gemeld (geplakte tekst en afbeeldingen), en koppelt nooit zelf. Bevestig of wijs af.", "meldpunt only compares what municipalities reported (pasted text and images), and never links by itself. Confirm or reject."),
    ("copy_of", "Mogelijke kopie van", "Possible copy of"),
    ("copy_taken_down", "door het platform verwijderd", "removed by the platform"),
    ("copy_this_case", "Deze zaak", "This case"),
    ("copy_image_this", "Afbeelding bij deze zaak", "Image of this case"),
    ("copy_image_other", "Afbeelding bij", "Image of"),
    ("copy_same_group", "Beide zaken staan al in dezelfde groep (zelfde bericht).", "Both cases are in the same group already (same message)."),
    ("copy_confirm", "Bevestigen: zelfde inhoud", "Confirm: same content"),
    ("copy_reject", "Afwijzen: geen kopie", "Reject: not a copy"),
    ("copy_confirm_hint", "Bevestigen voegt deze zaak toe aan de groep en situatie van de andere (of andersom). Afwijzen wordt vastgelegd en niet opnieuw voorgesteld.", "Confirming adds this case to the other's group and situation (or the other way round). A rejection is recorded and not proposed again."),
    ("content_text_label", "Tekst van de inhoud (optioneel)", "Text of the content (optional)"),
    ("content_text_hint", "Plak de tekst van het bericht zoals u die zag. meldpunt vergelijkt die met eerdere meldingen om kopieën te herkennen. Uw opmerking hierboven wordt niet vergeleken.", "Paste the message's text as you saw it. meldpunt compares it with earlier reports to recognise copies. Your remark above is not compared."),
    ("content_known", "Deze inhoud is al bekend bij het centrale team: een kopie ervan is eerder na een verzoek van meldpunt verwijderd of ontoegankelijk gemaakt.", "This content is already known to the central team: a copy of it was removed or disabled earlier after a request from meldpunt."),
    ("queue_reupload", "Herplaatsing", "Re-upload"),
    ("evidence_some_no_preview", "Van PDF- en videobestanden toont meldpunt geen voorbeeld; open ze via hun naam.", "meldpunt shows no preview of PDF and video files; open them by their name."),
    ("next_assess", "Het team beoordeelt de inhoud aan de hand van de wet en de grondrechten", "The team assesses the content against the law and fundamental rights"),
    ("next_by", "uiterlijk", "by"),
    ("next_request", "Is ingrijpen nodig, dan vraagt het team het platform de inhoud weg te halen of af te schermen. Een tweede persoon controleert dat besluit eerst.", "If action is needed, the team asks the platform to remove or restrict the content. A second person checks that decision first."),
    ("next_told", "U krijgt bericht in meldpunt als er een besluit is en als het platform antwoordt. U ziet het ook op deze pagina.", "You are told in meldpunt when there is a decision and when the platform answers. You also see it on this page."),
    ("withdraw_reason", "Reden van intrekken", "Reason for withdrawal"),
    ("withdraw_title", "Melding intrekken", "Withdraw this report"),
    ("withdrawn", "ingetrokken", "withdrawn"),
    ("overdue_by", "over tijd:", "overdue by"),
    ("nav_reports", "Mijn meldingen", "My reports"),
    ("nav_new_report", "Nieuwe melding", "New report"),
    ("nav_queue", "Werkvoorraad", "Case queue"),
    ("nav_notifications", "Berichten", "Notifications"),
    ("transparency_title", "Transparantie: cijfers van meldpunt over", "Transparency: meldpunt's figures for"),
    ("transparency_intro", "Meldpunt beoordeelt online oproepen tot ordeverstoring die gemeenten melden en vraagt platforms soms die inhoud te verwijderen of af te schermen. Hier staat, per kwartaal en per jaar, hoeveel er werd gemeld, hoe het team besliste, welke verzoeken het verstuurde en wat de platforms ermee deden. Er staan geen persoonsgegevens in deze cijfers.", "meldpunt assesses online calls to public disorder that municipalities report, and sometimes asks platforms to remove or restrict that content. This page shows, per quarter and per year, how much was reported, how the team decided, which requests it sent and what the platforms did with them. These figures contain no personal data."),
    ("transparency_years", "Jaar", "Year"),
    ("transparency_provisional", "Dit jaar loopt nog: de cijfers zijn voorlopig en veranderen nog.", "This year is not over: the figures are provisional and will still change."),
    ("transparency_counted_at", "Geteld op", "Counted on"),
    ("transparency_empty", "Over dit jaar is in meldpunt niets vastgelegd: er zijn geen cijfers over", "Nothing was recorded in meldpunt in this year: there are no figures for"),
    ("transparency_open_data", "Open data", "Open data"),
    ("transparency_download_csv", "Alle cijfers als CSV (RFC 4180, UTF-8) over", "All figures as CSV (RFC 4180, UTF-8) for"),
    ("transparency_download_json", "Alle cijfers als JSON over", "All figures as JSON for"),
    ("transparency_rule_title", "Kleine aantallen tonen we niet", "We do not show small counts"),
    ("transparency_rule", "Een aantal van 1 tot en met 4 staat niet in deze cijfers, ook niet in de open data. Ook een ander aantal schermen we af als je anders een klein aantal zou kunnen uitrekenen uit de totalen ernaast (secundaire afscherming). Elk afgeschermd getal staat er als x, net als bij het CBS; zo is niet te zien welk van de twee het is. In de open data is zo'n getal leeg, met withheld = true.", "A count from 1 to 4 is not shown in these figures, nor in the open data. We also withhold another count when a small count could otherwise be calculated from the totals beside it (secondary suppression). Every withheld number is shown as x, as Statistics Netherlands (CBS) does, so that which of the two it is cannot be told. In the open data such a number is empty, with withheld = true."),
    ("transparency_rule_reason", "Waarom: een klein aantal kan naar één persoon wijzen, naar de enige melding van één gemeente of naar één account. Medianen en aandelen tonen we alleen als ze op ten minste 5 verzoeken rusten.", "Why: a small count can point to one person, to the single report of one municipality or to one account. Medians and shares are shown only when they rest on at least 5 notices."),
    ("transparency_withheld", "afgeschermd: een aantal van 1 tot en met 4, of een aantal waaruit zo'n klein aantal te berekenen zou zijn", "withheld: a count from 1 to 4, or a count from which such a small count could be calculated"),
    ("settings_independence", "Hoe het team onafhankelijk blijft (voor het jaarverslag)", "How the team stays independent (for the year report)"),
    ("settings_independence_hint", "DSA art. 22(3): het jaarverslag van een betrouwbare flagger legt uit welke procedures de onafhankelijkheid waarborgen. Deze tekst komt letterlijk in het verslag van `meldpunt report`. Geen namen of andere persoonsgegevens.", "DSA art. 22(3): a trusted flagger's year report explains the procedures that keep it independent. This text goes verbatim into the report of `meldpunt report`. No names or other personal data."),
    ("footer_transparency", "Cijfers van meldpunt (transparantie)", "meldpunt's figures (transparency)"),
    ("transparency_withheld_short", "x (afgeschermd)", "x (withheld)"),
    ("transparency_quarter_short", "K", "Q"),
    ("transparency_year", "jaar", "year"),
    ("transparency_what", "Wat", "What"),
    ("transparency_overview", "Meldingen, zaken, bezwaren en correcties", "Reports, cases, objections and corrections"),
    ("transparency_reports_chart", "Meldingen van gemeenten per kwartaal", "Reports from municipalities per quarter"),
    ("transparency_item_reports", "Meldingen ontvangen", "Reports received"),
    ("transparency_item_cases", "Zaken (unieke inhoud)", "Cases (distinct content)"),
    ("transparency_item_objections_received", "Bezwaren ontvangen", "Objections received"),
    ("transparency_item_objections_upheld", "Bezwaren gegrond", "Objections upheld"),
    ("transparency_item_corrections", "Correcties (verzoeken ingetrokken of verbeterd)", "Corrections (notices withdrawn or corrected)"),
    ("transparency_decisions", "Besluiten van het team", "The team's decisions"),
    ("transparency_decisions_intro", "Elke zaak wordt getoetst aan de wet en aan de grondrechten. Hieronder staat hoe het team de inhoud beoordeelde en wat het besloot, ook wanneer het besloot niet in te grijpen.", "Every case is tested against the law and against fundamental rights. Below is how the team classified the content and what it decided, including when it decided not to intervene."),
    ("transparency_decision_chart", "Besluiten per soort in", "Decisions by kind in"),
    ("transparency_by_class", "Besluiten naar beoordeling van de inhoud", "Decisions by assessment of the content"),
    ("transparency_by_decision", "Besluiten naar soort besluit", "Decisions by kind of decision"),
    ("transparency_class", "Beoordeling", "Assessment"),
    ("transparency_decision", "Besluit", "Decision"),
    ("transparency_decided", "Besluiten totaal", "Decisions in total"),
    ("transparency_messages", "Verstuurde verzoeken", "Requests sent"),
    ("transparency_by_kind", "Verzoeken naar soort", "Requests by kind"),
    ("transparency_kind", "Soort verzoek", "Kind of request"),
    ("transparency_total", "Totaal", "Total"),
    ("transparency_notices_title", "Verzoeken aan platforms (DSA art. 16) en wat de platforms deden", "Notices to platforms (DSA art. 16) and what the platforms did"),
    ("transparency_notices_intro", "Per platform, per EU-categorie van de inhoud en per actie van het platform. Een verzoek over meerdere links telt één keer, onder de sterkste actie die het platform nam.", "Per platform, per EU category of the content and per action of the platform. A notice about several links counts once, under the strongest action the platform took."),
    ("transparency_platform_chart", "Verzoeken per platform in", "Notices per platform in"),
    ("transparency_by_platform", "Verzoeken per platform in", "Notices per platform in"),
    ("transparency_platform", "Platform", "Platform"),
    ("transparency_other_platforms", "Andere platforms", "Other platforms"),
    ("transparency_notices", "Verzoeken", "Notices"),
    ("transparency_acted", "Waarvan platform actie nam", "Of which the platform acted upon"),
    ("transparency_share_acted", "Aandeel met actie", "Share acted upon"),
    ("transparency_median_hours", "Mediane tijd tot actie (uren)", "Median time to action (hours)"),
    ("transparency_by_category", "Verzoeken naar EU-categorie", "Notices by EU category"),
    ("transparency_category", "EU-categorie", "EU category"),
    ("transparency_by_action", "Verzoeken naar actie van het platform", "Notices by the platform's action"),
    ("transparency_action", "Actie van het platform", "Platform's action"),
    ("transparency_cube", "Verzoeken per platform, categorie en actie in", "Notices by platform, category and action in"),
    ("transparency_rules_title", "Hoe we tellen", "How we count"),
    ("transparency_rule_reports", "Een melding telt in het kwartaal waarin zij binnenkwam; een zaak (één stuk inhoud, hoe vaak ook gemeld) in het kwartaal van de eerste melding. Kwartalen lopen van middernacht tot middernacht, Nederlandse tijd.", "A report counts in the quarter it came in; a case (one piece of content, however often reported) in the quarter of its first report. Quarters run from midnight to midnight, Dutch time."),
    ("transparency_rule_decisions", "Een besluit telt wanneer het vaststaat: bij goedkeuring door een tweede persoon, of bij het schrijven als er geen goedkeuring nodig is (geen actie, volgen). Een nieuw besluit over dezelfde zaak (na een bezwaar) telt opnieuw.", "A decision counts when it stands: at approval by a second person, or when written if it needs no approval (no action, monitor). A new decision about the same case (after an objection) counts again."),
    ("transparency_rule_messages", "Een verzoek telt wanneer het werd opgesteld; intrekkingen tellen als correctie, niet als verzoek.", "A request counts when it was issued; withdrawals count as corrections, not as requests."),
    ("transparency_rule_notices", "Een verzoek zonder vastgelegd antwoord staat onder 'Nog geen antwoord vastgelegd'.", "A notice without a recorded answer is listed under 'No answer recorded yet'."),
    ("transparency_rule_time", "De tijd tot actie loopt van het versturen van het verzoek tot het eerste antwoord waarin het platform actie nam, in uren met één decimaal; de mediaan telt alleen verzoeken waarop actie volgde.", "The time to action runs from sending the notice to the first answer in which the platform acted, in hours with one decimal; the median counts only notices that were acted upon."),
    ("transparency_rule_objections", "Een bezwaar telt in het kwartaal waarin het binnenkwam, en als gegrond in datzelfde kwartaal zodra het gegrond is verklaard.", "An objection counts in the quarter it came in, and as upheld in that same quarter once upheld."),
    ("transparency_columns", "Kolommen van de open data", "Columns of the open data"),
    ("transparency_columns_intro", "Elke regel van het bestand is één getal. De kolomnamen blijven gelijk; nieuwe kolommen komen er alleen achteraan bij.", "Each line of the file is one number. The column names stay the same; new columns are only ever added at the end."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_a_template_exists_in_both_languages() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("tr.t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                if !TEXTS.iter().any(|(k, _, _)| *k == key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing texts: {missing:?}");
    }

    /// Every key-like literal in the domain, the use cases and the web layer (`"area.what"`)
    /// that the code hands to `Message`.
    fn message_keys_in_code() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out)
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p)
                }
            }
        }
        let mut files = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut files,
        );
        let mut keys = Vec::new();
        // Audit actions (`case.claimed`, …) are identifiers of their own, not messages.
        files.retain(|f| !f.ends_with("domain/audit.rs") && !f.ends_with("web/messages.rs"));
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for marker in ["Message::new(\"", "refused(\"", "=> \"", ", \""] {
                for part in text.split(marker).skip(1) {
                    let key = part.split('"').next().unwrap();
                    let looks_like_key = key.contains('.')
                        && key.split('.').all(|w| {
                            !w.is_empty()
                                && w.chars().all(|c| {
                                    c.is_ascii_lowercase()
                                        || c.is_ascii_digit()
                                        || c == '_'
                                        || c == '-'
                                })
                        })
                        && MESSAGE_AREAS.contains(&key.split('.').next().unwrap());
                    if looks_like_key {
                        keys.push((f.display().to_string(), key.to_string()));
                    }
                }
            }
        }
        keys
    }

    /// The first part of every message key.
    const MESSAGE_AREAS: &[&str] = &[
        "access_request",
        "account",
        "answer",
        "api",
        "assessment",
        "case",
        "copy",
        "decision",
        "demo",
        "evidence",
        "failure",
        "field",
        "four_eyes",
        "group",
        "intake",
        "legal_hold",
        "retention",
        "link",
        "notice",
        "objection",
        "org",
        "passkey",
        "platform",
        "recheck",
        "report",
        "review",
        "search",
        "second_factor",
        "situation",
        "settings",
        "sso",
        "token",
        "transparency",
        "web",
        "withdrawal",
        "year_report",
    ];

    #[test]
    fn every_message_key_in_the_code_has_words_in_both_languages() {
        let keys = message_keys_in_code();
        assert!(keys.len() > 100, "found only {} keys", keys.len());
        let missing: Vec<_> = keys
            .iter()
            .filter(|(_, k)| !MESSAGES.iter().any(|(m, _, _)| m == k))
            .collect();
        assert!(missing.is_empty(), "keys without words: {missing:?}");
        for (key, nl, en) in MESSAGES {
            assert!(
                MESSAGE_AREAS.contains(&key.split('.').next().unwrap()),
                "{key}"
            );
            assert!(!nl.is_empty() && !en.is_empty(), "{key}");
            let fields = |t: &str| {
                let mut f: Vec<String> = t
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                    .collect();
                f.sort();
                f
            };
            assert_eq!(
                fields(nl),
                fields(en),
                "{key} names other fields in English"
            );
        }
    }

    #[test]
    fn every_message_renders_in_both_languages_with_its_fields_filled() {
        for (key, nl_text, _) in MESSAGES {
            let mut m = Message::new(key);
            // Every field the text names (the other language names the same: see above).
            for part in nl_text.split('{').skip(1) {
                let name = part.split('}').next().unwrap();
                if name != "reason" {
                    m = m.with(Box::leak(name.to_string().into_boxed_str()), "X");
                }
            }
            m = m.nested("reason", Message::new("link.empty"));
            let nl = Tr::new(Lang::Nl).message(&m);
            let en = Tr::new(Lang::En).message(&m);
            assert!(!nl.contains('{') && !en.contains('{'), "{key}: {nl} / {en}");
            assert_ne!(nl, *key);
        }
        let m = Message::new("case.transition_refused")
            .label("from", "Ontvangen", "Received")
            .label("to", "Gesloten", "Closed");
        assert_eq!(
            Tr::new(Lang::En).message(&m),
            "A case with status 'Received' cannot move to 'Closed'."
        );
        assert_eq!(
            Tr::new(Lang::Nl).message(&m),
            "Een zaak met status 'Ontvangen' kan niet naar 'Gesloten'."
        );
    }

    #[test]
    fn message_keys_are_unique() {
        let mut keys: Vec<_> = MESSAGES.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = TEXTS.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }
}
