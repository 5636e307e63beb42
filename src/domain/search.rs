//! Search for the team and for reporters: what a query asks for, and the words a text is
//! found by.
//!
//! A query is a reference (`MLD-`, `ZAAK-`, `KG-`), a link (canonicalised first, so any
//! spelling of it finds the case), an account handle (`@naam`), a host (`example.nl`), or
//! words. Words are found through [`words`], the one rule that turns text into search words —
//! the same function makes the index and the query, on both database backends: Unicode
//! compatibility decomposition, accents and case folded away, split on everything that is not
//! a letter or digit, the Snowball stop words of Dutch left out, and every word reduced to its
//! stem by the Snowball Dutch stemmer (the algorithm PostgreSQL's `dutch` configuration uses),
//! so `oproepen`, `oproep` and `Oproep` find each other.

use super::case::CaseEventKind;
use super::link::canonicalise;
use super::message::Message;
use rust_stemmers::{Algorithm, Stemmer};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Longest query a person may type (characters).
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words a query is searched by; more are a refusal, not a silent cut.
pub const MAX_QUERY_WORDS: usize = 12;
/// Longest word kept (characters): longer runs are not words anyone types.
const MAX_WORD_CHARS: usize = 40;

/// Where a piece of searchable text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchSource {
    /// A municipality's report: its summary, its justification and the remark on the link.
    Report,
    /// The account and path of the reported link.
    Link,
    /// A note a person wrote in a case's history (team only).
    CaseNote,
    /// An assessment's facts and reasoning (team only).
    Assessment,
}

impl SearchSource {
    pub const ALL: [SearchSource; 4] = [
        SearchSource::Report,
        SearchSource::Link,
        SearchSource::CaseNote,
        SearchSource::Assessment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchSource::Report => "report",
            SearchSource::Link => "link",
            SearchSource::CaseNote => "case_note",
            SearchSource::Assessment => "assessment",
        }
    }

    pub fn parse(s: &str) -> Option<SearchSource> {
        SearchSource::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the text is the municipality's own, and so searchable by its reporters; the
    /// rest is the team's work.
    pub fn is_reporters(self) -> bool {
        matches!(self, SearchSource::Report)
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            SearchSource::Report => "Melding",
            SearchSource::Link => "Link (account)",
            SearchSource::CaseNote => "Notitie in de zaak",
            SearchSource::Assessment => "Beoordeling",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SearchSource::Report => "Report",
            SearchSource::Link => "Link (account)",
            SearchSource::CaseNote => "Note in the case",
            SearchSource::Assessment => "Assessment",
        }
    }
}

/// The kinds of reference a person can search by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// `MLD-2026-000123`, a report.
    Report,
    /// `ZAAK-2026-000123`, a case.
    Case,
    /// `KG-2026-000123`, a message to a platform.
    Message,
}

/// What a query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A reference, upper-cased and with its number as stored (`MLD-2026-000123`).
    Reference(ReferenceKind, String),
    /// A link, canonicalised.
    Link(String),
    /// An account handle, as the words of the link it is found by.
    Handle(Vec<String>),
    /// A registrable domain (`example.nl`).
    Host(String),
    /// Words, each a stem.
    Words(Vec<String>),
}

/// Why a query cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing to search for (empty, or only stop words and punctuation).
    Empty,
    TooLong,
    TooManyWords,
}

impl QueryError {
    pub fn message(self) -> Message {
        match self {
            QueryError::Empty => Message::new("search.empty"),
            QueryError::TooLong => Message::new("search.too_long").with("max", MAX_QUERY_CHARS),
            QueryError::TooManyWords => {
                Message::new("search.too_many_words").with("max", MAX_QUERY_WORDS)
            }
        }
    }
}

/// Reads what a person typed into a search box.
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let input = input.trim();
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    if input.is_empty() {
        return Err(QueryError::Empty);
    }
    if let Some(reference) = reference(input) {
        return Ok(reference);
    }
    let single = !input.contains(char::is_whitespace);
    if single {
        if let Some(handle) = input.strip_prefix('@') {
            let found = words(handle);
            return if found.is_empty() {
                Err(QueryError::Empty)
            } else {
                Ok(Query::Handle(found))
            };
        }
        let looks_like_link = input.contains('/') || input.contains("://");
        if looks_like_link {
            if let Ok(link) = canonicalise(input) {
                return Ok(Query::Link(link.url));
            }
        } else if input.contains('.') && !input.ends_with('.') {
            if let Ok(link) = canonicalise(input) {
                return Ok(Query::Host(link.domain));
            }
        }
    }
    let found = words(input);
    if found.is_empty() {
        return Err(QueryError::Empty);
    }
    if found.len() > MAX_QUERY_WORDS {
        return Err(QueryError::TooManyWords);
    }
    Ok(Query::Words(found))
}

/// `MLD-2026-123`, `zaak-2026-000123`, `KG 2026 42`: a reference, as stored.
fn reference(input: &str) -> Option<Query> {
    let upper = input.to_ascii_uppercase();
    let parts: Vec<&str> = upper
        .split(|c: char| c == '-' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [prefix, year, number] = parts.as_slice() else {
        return None;
    };
    let kind = match *prefix {
        "MLD" => ReferenceKind::Report,
        "ZAAK" => ReferenceKind::Case,
        "KG" => ReferenceKind::Message,
        _ => return None,
    };
    let year: i16 = year.parse().ok().filter(|y| (1000..=9999).contains(y))?;
    let digits_only =
        |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(number) {
        return None;
    }
    let number: i64 = number.parse().ok()?;
    Some(Query::Reference(
        kind,
        super::report::reference(prefix, year, number),
    ))
}

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Dutch))
}

/// The Snowball stop-word list for Dutch (snowballstem.org, BSD licence).
const STOP_WORDS: [&str; 101] = [
    "de", "en", "van", "ik", "te", "dat", "die", "in", "een", "hij", "het", "niet", "zijn", "is",
    "was", "op", "aan", "met", "als", "voor", "had", "er", "maar", "om", "hem", "dan", "zou", "of",
    "wat", "mijn", "men", "dit", "zo", "door", "over", "ze", "zich", "bij", "ook", "tot", "je",
    "mij", "uit", "der", "daar", "haar", "naar", "heb", "hoe", "heeft", "hebben", "deze", "u",
    "want", "nog", "zal", "me", "zij", "nu", "ge", "geen", "omdat", "iets", "worden", "toch", "al",
    "waren", "veel", "meer", "doen", "toen", "moet", "ben", "zonder", "kan", "hun", "dus", "alles",
    "onder", "ja", "eens", "hier", "wie", "werd", "altijd", "doch", "wordt", "wezen", "kunnen",
    "ons", "zelf", "tegen", "na", "reeds", "wil", "kon", "niets", "uw", "iemand", "geweest",
    "andere",
];

/// The search words of a text: the one rule for the index and for a query (see the module).
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        .filter(|w| !STOP_WORDS.contains(w))
        .map(|w| stemmer().stem(w).into_owned())
        .collect()
}

/// The words of a text as one string for the index (space-separated, each once, in order of
/// first appearance).
pub fn document(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    words(text)
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a report for one of its links: its summary, its justification and the
/// reporter's remark on that link — and the organisation's own word ([`organisation_word`]),
/// so a reporter's search asks the index for their organisation's texts along with the words.
pub fn report_document(
    org_id: i64,
    summary: Option<&str>,
    justification: &str,
    remark: Option<&str>,
) -> String {
    let text = [summary.unwrap_or(""), justification, remark.unwrap_or("")].join("\n");
    let words = document(&text);
    if words.is_empty() {
        return words;
    }
    format!("{words} {}", organisation_word(org_id))
}

/// The word that marks an organisation's own texts in the index. No text makes it: text
/// words are stems of at most 40 letters and digits, and this one is longer.
pub fn organisation_word(org_id: i64) -> String {
    format!("{}{org_id}", "z".repeat(MAX_WORD_CHARS + 1))
}

/// The words of an assessment: its facts and its reasoning (rights, proportionality, reasons).
pub fn assessment_document(
    facts: &str,
    rights_reasoning: &str,
    proportionality: &str,
    reasons: &str,
) -> String {
    document(&[facts, rights_reasoning, proportionality, reasons].join("\n"))
}

/// The words of a note in a case's history, when a person wrote it (a system note — a
/// reference, a delivery state — is not searched as text).
pub fn note_document(kind: CaseEventKind, note: &str) -> Option<String> {
    kind.note_is_written_by_a_person()
        .then(|| document(note))
        .filter(|w| !w.is_empty())
}

/// The searchable words of a canonical link: the host's labels and the path's segments, so an
/// account handle (`x.com/relschopper/status/1`) finds its links.
pub fn link_document(canonical_url: &str) -> String {
    let without_scheme = canonical_url
        .split_once("://")
        .map_or(canonical_url, |(_, rest)| rest);
    let without_query = without_scheme
        .split(['?', '#'])
        .next()
        .unwrap_or(without_scheme);
    document(without_query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_and_spellings_of_a_word_find_each_other() {
        assert_eq!(words("rellen"), words("Rellen"));
        assert_eq!(words("oproepen"), words("oproep"));
        assert_eq!(words("verzameling"), words("verzamelen"));
        assert_eq!(words("stations"), words("station"));
        assert_eq!(words("Coördinatie"), words("coordinatie"));
        assert_eq!(
            words("ＲＥＬＬＥＮ"),
            words("rellen"),
            "full-width letters fold"
        );
        assert_eq!(words("afspraak"), words("afspraken"));
    }

    #[test]
    fn stop_words_and_punctuation_are_not_search_words() {
        assert_eq!(words("de, het! een?"), Vec::<String>::new());
        assert_eq!(words("kom naar het plein").len(), 2);
    }

    #[test]
    fn references_are_recognised_in_any_spelling() {
        assert_eq!(
            parse(" mld-2026-123 "),
            Ok(Query::Reference(
                ReferenceKind::Report,
                "MLD-2026-000123".into()
            ))
        );
        assert_eq!(
            parse("ZAAK 2026 000042"),
            Ok(Query::Reference(
                ReferenceKind::Case,
                "ZAAK-2026-000042".into()
            ))
        );
        assert_eq!(
            parse("KG-2026-7"),
            Ok(Query::Reference(
                ReferenceKind::Message,
                "KG-2026-000007".into()
            ))
        );
        assert!(matches!(parse("MLD-20x6-1"), Ok(Query::Words(_))));
    }

    #[test]
    fn a_link_is_searched_canonicalised_and_a_host_by_its_registrable_domain() {
        let a = parse("https://www.TikTok.com/@relschopper/video/123?is_from_webapp=1").unwrap();
        let b = parse("tiktok.com/@relschopper/video/123").unwrap();
        assert_eq!(a, b);
        assert!(matches!(a, Query::Link(_)));
        assert_eq!(
            parse("forum.example.nl"),
            Ok(Query::Host("example.nl".into()))
        );
    }

    #[test]
    fn a_handle_is_found_by_the_words_of_its_links() {
        let Ok(Query::Handle(handle)) = parse("@RelSchopper") else {
            panic!("a handle");
        };
        let doc = link_document("https://x.com/relschopper/status/1");
        for w in handle {
            assert!(doc.split(' ').any(|d| d == w), "{w} in {doc}");
        }
    }

    #[test]
    fn bad_queries_are_refused_with_a_reason_never_searched_half() {
        assert_eq!(parse("   "), Err(QueryError::Empty));
        assert_eq!(parse("de het een"), Err(QueryError::Empty));
        assert_eq!(parse(&"a".repeat(10_000)), Err(QueryError::TooLong));
        let many = (0..13)
            .map(|i| format!("woord{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(parse(&many), Err(QueryError::TooManyWords));
    }

    #[test]
    fn operators_of_full_text_engines_are_plain_characters() {
        let Ok(Query::Words(w)) = parse("rel* OR \"plein\" NEAR(a b) & !x | y:* ' --") else {
            panic!("words");
        };
        for word in &w {
            assert!(word.chars().all(char::is_alphanumeric), "{word}");
        }
    }

    #[test]
    fn the_organisation_word_is_no_word_of_any_text() {
        let doc = report_document(7, Some("zzzz"), &"z".repeat(60), None);
        let mark = organisation_word(7);
        assert_eq!(doc.split(' ').filter(|w| *w == mark).count(), 1);
        assert!(words(&format!("{mark} {}", "z".repeat(41)))
            .iter()
            .all(|w| *w != mark));
        assert_eq!(report_document(7, None, "de het", None), "");
    }

    #[test]
    fn a_document_holds_each_word_once() {
        assert_eq!(
            document("Oproep, oproepen en OPROEP op het plein"),
            "oproep plein"
        );
    }
}
