//! Pages of a long list (the queue, search results): the page asked for, and where it stands
//! among the pages — shown by `templates/_pagination.html`.

use crate::domain::message::Message;
use crate::web::i18n::Tr;

/// The page asked for in `pagina`, from 1; anything else is page 1.
pub fn page_number(pagina: &str) -> i64 {
    pagina
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .unwrap_or(1)
}

/// Where page `page` of `total` items, `per_page` a page, stands: "Pagina 2 van 7", the links
/// to the pages before and after (`link` makes a page's address), and whether it lies beyond
/// the last.
pub struct Paging {
    pub label: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub beyond: bool,
}

impl Paging {
    pub fn new(
        tr: &Tr,
        page: i64,
        total: i64,
        per_page: i64,
        link: impl Fn(i64) -> String,
    ) -> Paging {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Paging {
            label: tr.message(
                &Message::new("web.queue_page")
                    .with("page", page)
                    .with("pages", pages),
            ),
            previous: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
            beyond: page > pages,
        }
    }

    /// No list shown yet (an empty search box).
    pub fn none() -> Paging {
        Paging {
            label: String::new(),
            previous: None,
            next: None,
            beyond: false,
        }
    }
}
