//! The settings use cases read.

/// The application's settings that use cases need (from `config::Config`): handling and
/// answer deadlines, the public address for links in messages, the intake batch size.
#[derive(Debug, Clone)]
pub struct Settings {
    pub deadlines: crate::domain::report::HandlingDeadlines,
    /// Start of links in messages (`https://meldpunt.example`).
    pub public_url: String,
    /// Most reports committed in one transaction.
    pub max_batch: usize,
    /// When platforms are asked to have handled a notice.
    pub answer_deadlines: crate::domain::notice::AnswerDeadlines,
    /// When look-alike content is proposed as a copy.
    pub matching: crate::domain::matching::MatchSettings,
    /// How long each kind of data is kept (`[retention]`).
    pub retention: crate::domain::retention::Schedule,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            deadlines: Default::default(),
            public_url: String::new(),
            max_batch: 128,
            answer_deadlines: Default::default(),
            matching: Default::default(),
            retention: Default::default(),
        }
    }
}
