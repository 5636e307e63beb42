//! "Berichten": a person's notifications inside meldpunt.

use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};

use super::render;
use crate::domain::policy::Action;
use crate::store::notify;
use crate::web::ctx::Page;
use crate::web::error::PageError;
use crate::web::layout::{local_time, Layout};

pub struct Item {
    text: String,
    link: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    layout: Layout,
    items: Vec<Item>,
    unread: usize,
}

pub async fn list(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ViewNotifications).await?;
    let items: Vec<Item> = notify::list(&p.state.store, p.user.id, 200)
        .await?
        .into_iter()
        .map(|n| Item {
            unread: n.read_at.is_none(),
            when: local_time(n.at),
            // Only links inside meldpunt are stored; keep it that way on display.
            link: if n.link.starts_with('/') {
                n.link
            } else {
                "/".into()
            },
            text: n.text,
        })
        .collect();
    let unread = items.iter().filter(|i| i.unread).count();
    render(&ListPage {
        layout: p.layout(p.tr.t("notifications_title")),
        items,
        unread,
    })
}

pub async fn mark_read(p: Page) -> Result<Response, PageError> {
    p.authorize(Action::ViewNotifications).await?;
    notify::mark_all_read(&p.state.store, p.user.id, crate::service::now_ms()).await?;
    Ok(Redirect::to("/berichten").into_response())
}
