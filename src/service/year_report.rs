//! `meldpunt report --year Y --out DIR`: the trusted-flagger year report (DSA art. 22(3)),
//! counted like the transparency page, with its edition stored so that a re-run on the same
//! data writes the same bytes and a run on changed data a marked, corrected edition.

use serde_json::json;

use super::transparency::{checked_year, count};
use super::{Ctx, Result, ServiceError};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::message::Message;
use crate::domain::year_report::{content, digest, files, Edition};
use crate::store::transparency::{edition as stored_edition, insert_edition, EditionRow};
use crate::store::{audit, platforms, Store};

/// What a run made.
#[derive(Debug)]
pub struct YearReport {
    pub year: i16,
    pub edition: Edition,
    /// A new edition was stored by this run (else the latest was written again, or a draft).
    pub new_edition: bool,
    pub files: Vec<(&'static str, Vec<u8>)>,
}

fn refused(key: &'static str, year: i64) -> ServiceError {
    ServiceError::Unprocessable(Message::new(key).with("year", year))
}

/// Counts the year and makes the report's files. Without `draft` the year must be over and
/// the edition is stored (a new one only when the content differs from the latest).
pub async fn make(store: &Store, ctx: &Ctx, year: i64, draft: bool) -> Result<YearReport> {
    let y = checked_year(year, ctx.now)?;
    if !draft && !y.has_ended(ctx.now) {
        return Err(refused("year_report.year_not_over", year));
    }
    let settings = platforms::settings(store).await?;
    let Some(independence) = settings.independence_statement.clone() else {
        return Err(ServiceError::refused("year_report.independence_missing"));
    };
    let counted = count(store, &y, ctx.now).await?;
    if counted.empty {
        return Err(refused("transparency.year_empty", year));
    }
    let text = content(&counted.figures);
    let sum = digest(&text);
    let organisation = settings.sender_name.as_str();
    if draft {
        let edition = Edition {
            number: 0,
            created_at: ctx.now,
            replaces: None,
        };
        let files = files(
            &counted.figures,
            organisation,
            &independence,
            &edition,
            None,
            true,
        )
        .map_err(|_| ServiceError::refused("year_report.render_failed"))?;
        return Ok(YearReport {
            year: y.year,
            edition,
            new_edition: false,
            files,
        });
    }
    let mut tx = store.begin_write().await?;
    let latest = stored_edition(&mut tx, year, None).await?;
    let (edition, previous, new_edition) = match latest {
        // The same content as the newest edition: that edition again, as it was written.
        Some(l) if l.digest == sum => {
            let replaced = match l.edition {
                1 => None,
                n => stored_edition(&mut tx, year, Some(n - 1)).await?,
            };
            (
                Edition {
                    number: l.edition,
                    created_at: l.created_at,
                    replaces: replaced.as_ref().map(|r| (r.edition, r.created_at)),
                },
                replaced.map(|r| r.content),
                false,
            )
        }
        Some(l) => (
            Edition {
                number: l.edition + 1,
                created_at: ctx.now,
                replaces: Some((l.edition, l.created_at)),
            },
            Some(l.content),
            true,
        ),
        None => (
            Edition {
                number: 1,
                created_at: ctx.now,
                replaces: None,
            },
            None,
            true,
        ),
    };
    // Laid out before the edition is stored: a report that cannot be made stores nothing.
    let files = files(
        &counted.figures,
        organisation,
        &independence,
        &edition,
        previous.as_deref(),
        false,
    )
    .map_err(|_| ServiceError::refused("year_report.render_failed"))?;
    if new_edition {
        insert_edition(
            &mut tx,
            &EditionRow {
                year,
                edition: edition.number,
                digest: sum.clone(),
                content: text.clone(),
                created_at: edition.created_at,
            },
        )
        .await?;
        let event = ctx.event(
            AuditAction::YearReportEdition,
            "year_report",
            year,
            None,
            Outcome::Success,
            json!({"edition": edition.number, "digest": sum,
                   "replaces": edition.replaces.map(|(n, _)| n)}),
        );
        audit::append(&mut tx, &event, ctx.now).await?;
        tx.commit().await?;
    }
    Ok(YearReport {
        year: y.year,
        edition,
        new_edition,
        files,
    })
}
