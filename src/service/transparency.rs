//! The published figures of a year, read from the store and counted by
//! `domain::transparency`, kept for a few minutes per process so that a busy public page does
//! not count a million notices per visit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Result, ServiceError};
use crate::domain::message::Message;
use crate::domain::transparency::{csv_bytes, figures, Figures, OpenRow, Year, OPEN_DATA_COLUMNS};
use crate::domain::Millis;
use crate::store::{transparency as facts, Store};

/// How long a process keeps a year's figures before counting again.
pub const FRESH_FOR_MS: Millis = 10 * 60 * 1000;

/// How often a `serve` process counts the current year ahead of its visitors.
pub const REFRESH_EVERY_MS: Millis = 5 * 60 * 1000;

/// A year's figures and what a reader should know about them.
#[derive(Debug, Clone)]
pub struct YearFigures {
    pub figures: Figures,
    /// Nothing was recorded in the year at all.
    pub empty: bool,
    /// The year is over (else the figures are provisional).
    pub complete: bool,
    /// Quarters that have begun (4 once the year is over).
    pub quarters_begun: usize,
    /// When the figures were counted.
    pub counted_at: Millis,
}

/// The per-process store of counted years. One count runs at a time, so a crowd arriving
/// at a cold page waits for one count instead of starting one each.
#[derive(Clone, Default)]
pub struct PublishedFigures {
    counted: Arc<Mutex<HashMap<i16, Arc<YearFigures>>>>,
    counting: Arc<tokio::sync::Mutex<()>>,
}

/// The year asked for, if figures can exist for it: within range and begun.
pub fn checked_year(year: i64, now: Millis) -> Result<Year> {
    let current = Year::containing(now).map(|y| y.year).unwrap_or(i16::MAX);
    let Some(y) = i16::try_from(year).ok().and_then(Year::new) else {
        return Err(ServiceError::invalid(
            "year",
            Message::new("transparency.year_invalid").with("year", year),
        ));
    };
    if y.year > current {
        return Err(ServiceError::invalid(
            "year",
            Message::new("transparency.year_in_future").with("year", year),
        ));
    }
    Ok(y)
}

impl PublishedFigures {
    /// The figures of `year` (checked with [`checked_year`]), counted again when older than
    /// [`FRESH_FOR_MS`].
    pub async fn year(&self, store: &Store, year: i64, now: Millis) -> Result<Arc<YearFigures>> {
        let y = checked_year(year, now)?;
        if let Some(f) = self.fresh(y.year, now) {
            return Ok(f);
        }
        // Counted in a task of its own: when the visitor gives up (or the request times
        // out), the count still finishes and the next visitor finds it.
        let me = self.clone();
        let store = store.clone();
        let count = tokio::spawn(async move {
            let _one = me.counting.lock().await;
            if let Some(f) = me.fresh(y.year, now) {
                return Ok(f);
            }
            me.recount(&store, &y, now).await
        });
        count
            .await
            .map_err(|_| ServiceError::refused("transparency.count_failed"))?
    }

    /// Counts the current year now and keeps it (the `serve` process does this every few
    /// minutes, so that visitors find it counted).
    /// The year before it too: it is the one the year report and most readers ask for in
    /// the first months, and late answers still change it.
    pub async fn refresh(&self, store: &Store, now: Millis) -> Result<()> {
        let Some(y) = Year::containing(now) else {
            return Ok(());
        };
        for year in [Some(y), Year::new(y.year - 1)].into_iter().flatten() {
            let _one = self.counting.lock().await;
            self.recount(store, &year, now).await?;
        }
        Ok(())
    }

    async fn recount(&self, store: &Store, y: &Year, now: Millis) -> Result<Arc<YearFigures>> {
        let counted = Arc::new(count(store, y, now).await?);
        if let Ok(mut m) = self.counted.lock() {
            m.insert(y.year, counted.clone());
        }
        Ok(counted)
    }

    fn fresh(&self, year: i16, now: Millis) -> Option<Arc<YearFigures>> {
        let m = self.counted.lock().ok()?;
        m.get(&year)
            .filter(|f| now >= f.counted_at && now - f.counted_at < FRESH_FOR_MS)
            .cloned()
    }
}

/// Counts a year now, without keeping it.
pub async fn count(store: &Store, year: &Year, now: Millis) -> Result<YearFigures> {
    let f = facts::facts(store, year).await?;
    Ok(YearFigures {
        empty: f.is_empty(),
        figures: figures(year, &f),
        complete: year.has_ended(now),
        quarters_begun: year.quarters_begun(now),
        counted_at: now,
    })
}

/// The years a reader can choose, newest first: from the first report to this year.
pub async fn years(store: &Store, now: Millis) -> Result<Vec<i16>> {
    let Some(current) = Year::containing(now) else {
        return Ok(Vec::new());
    };
    let first = match facts::first_report_at(store).await? {
        Some(first) => Year::containing(first).map_or(current.year, |y| y.year),
        None => current.year,
    };
    Ok((first.min(current.year)..=current.year).rev().collect())
}

/// The open data as CSV (RFC 4180: CRLF line ends, quotes where needed; UTF-8).
pub fn open_data_csv(rows: &[OpenRow]) -> Vec<u8> {
    let header: Vec<&str> = OPEN_DATA_COLUMNS.iter().map(|(c, _, _)| *c).collect();
    csv_bytes(
        &header,
        rows.iter().map(|r| {
            vec![
                r.table.to_string(),
                r.period.clone(),
                r.item.to_string(),
                r.platform.clone(),
                r.category.to_string(),
                r.action.to_string(),
                r.action_eu.to_string(),
                r.measure.to_string(),
                r.value_text(),
                r.withheld.to_string(),
            ]
        }),
    )
}

#[derive(serde::Serialize)]
struct OpenDataJson<'a> {
    year: i16,
    complete: bool,
    counted_at: String,
    threshold: u64,
    columns: Vec<&'static str>,
    rows: &'a [OpenRow],
}

/// The open data as JSON: the same rows, with `value` `null` where the CSV leaves it empty.
pub fn open_data_json(y: &YearFigures, rows: &[OpenRow]) -> Vec<u8> {
    let doc = OpenDataJson {
        year: y.figures.year,
        complete: y.complete,
        counted_at: crate::domain::iso_time(y.counted_at),
        threshold: crate::domain::disclosure::THRESHOLD,
        columns: OPEN_DATA_COLUMNS.iter().map(|(c, _, _)| *c).collect(),
        rows,
    };
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}
