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

const WIDTH: u32 = 480;
const BAR_W: u32 = 400;
/// A label on its own line(s) above its bar, so that long labels need no cutting.
const ROW_H: u32 = 46;
const LINE_H: u32 = 17;
/// Characters per label line (14 px text in a 480 px wide drawing).
const LINE_CHARS: usize = 56;

/// A label cut into lines at spaces.
fn wrap(label: &str) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in label.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > LINE_CHARS {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

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
    let labels: Vec<Vec<String>> = items.iter().map(|b| wrap(&b.label)).collect();
    let height = labels
        .iter()
        .map(|l| ROW_H + LINE_H * (l.len() as u32 - 1))
        .sum::<u32>()
        .max(ROW_H)
        + 8;
    let mut svg = String::with_capacity(300 + items.len() * 400);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="mp-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{labelled_by}" preserveAspectRatio="xMinYMin meet">"##
    );
    let mut y = 4;
    for (b, lines) in items.iter().zip(&labels) {
        let _ = write!(
            svg,
            r##"<g class="mp-chart__bar" data-label="{}" data-value="{}">"##,
            escape(&b.label),
            b.value.map_or(String::from("withheld"), |v| v.to_string()),
        );
        for line in lines {
            let _ = write!(
                svg,
                r##"<text x="0" y="{}" font-size="14" fill="#0b0c0c">{}</text>"##,
                y + 14,
                escape(line)
            );
            y += LINE_H;
        }
        y -= LINE_H;
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
        y += ROW_H;
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

    #[test]
    fn a_long_label_is_wrapped_at_spaces() {
        let long = "Verzoek aan het platform (DSA art. 16): verwijderen of ontoegankelijk maken in Nederland";
        let lines = wrap(long);
        assert!(lines.len() == 2 && lines.iter().all(|l| l.chars().count() <= LINE_CHARS));
        assert_eq!(lines.join(" "), long);
    }
}
