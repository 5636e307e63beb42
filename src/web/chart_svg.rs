//! Server-rendered bar charts (SVG, no script) for the public figures. Every chart has a table
//! twin on its page with the same numbers; the chart carries them in data attributes too, so
//! a test can hold the drawing to the table.

use std::fmt::Write;

/// One bar: its label and count, or `None` when the count is withheld.
pub struct Bar {
    pub label: String,
    pub value: Option<u64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const WIDTH: u32 = 640;
const BAR_W: u32 = 540;
/// A label on its own line above its bar, so that long labels need no cutting.
const ROW_H: u32 = 46;

/// A horizontal bar chart. Its accessible name is the element `labelled_by` (the caption of
/// its table twin); a withheld count is drawn as no bar with the text `withheld`.
pub fn bars(
    items: &[Bar],
    labelled_by: &str,
    withheld: &str,
    number: impl Fn(u64) -> String,
) -> String {
    let max = items
        .iter()
        .filter_map(|b| b.value)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW_H * items.len().max(1) as u32 + 8;
    let mut svg = String::with_capacity(300 + items.len() * 400);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="mp-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{labelled_by}" preserveAspectRatio="xMinYMin meet">"##
    );
    for (i, b) in items.iter().enumerate() {
        let y = 4 + ROW_H * i as u32;
        let label = escape(&b.label);
        let _ = write!(
            svg,
            r##"<g class="mp-chart__bar" data-label="{label}" data-value="{}"><text x="0" y="{}" font-size="14" fill="#0b0c0c">{label}</text>"##,
            b.value.map_or(String::from("withheld"), |v| v.to_string()),
            y + 14,
        );
        match b.value {
            Some(v) => {
                let w = ((v as f64 / max as f64) * BAR_W as f64).round() as u32;
                let _ = write!(
                    svg,
                    r##"<rect x="0" y="{}" width="{}" height="18" fill="#154273"></rect><text x="{}" y="{}" font-size="14" fill="#0b0c0c">{}</text>"##,
                    y + 20,
                    w.max(if v > 0 { 2 } else { 0 }),
                    w + 6,
                    y + 34,
                    escape(&number(v)),
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r##"<text x="0" y="{}" font-size="14" font-style="italic" fill="#4b4b4b">{}</text>"##,
                    y + 34,
                    escape(withheld),
                );
            }
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_carry_their_numbers_and_a_withheld_count_gets_no_bar() {
        let svg = bars(
            &[
                Bar {
                    label: "A & B".into(),
                    value: Some(10),
                },
                Bar {
                    label: "C".into(),
                    value: None,
                },
            ],
            "cap",
            "afgeschermd",
            |n| n.to_string(),
        );
        assert!(svg.contains(r#"data-label="A &amp; B" data-value="10""#));
        assert!(svg.contains(r#"data-label="C" data-value="withheld""#));
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains("afgeschermd"));
        assert!(svg.contains(r#"aria-labelledby="cap""#));
    }
}
