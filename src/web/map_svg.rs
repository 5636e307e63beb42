//! Draws the map of the Netherlands as SVG: every municipality shaded by its open cases, a
//! marker with the number of open situations, and the same numbers in data attributes, so
//! the table twin can be checked against the drawing. No script, no external tiles.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::sync::OnceLock;

use crate::domain::map::{decode, Map, TOPOJSON};

use super::i18n::Tr;

/// The bundled map, decoded once (empty if the bundled file were broken; a unit test of
/// `domain::map` rules that out).
pub fn map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(|| {
        decode(TOPOJSON).unwrap_or(Map {
            shapes: Vec::new(),
            view_box: (0, 0, 1, 1),
        })
    })
}

/// The shade of a municipality with this many open cases: 0, 1, 2–4, 5–19, 20 or more.
pub fn shade(cases: i64) -> u8 {
    match cases {
        i64::MIN..=0 => 0,
        1 => 1,
        2..=4 => 2,
        5..=19 => 3,
        _ => 4,
    }
}

/// What the map shows.
pub struct MapData<'a> {
    pub cases: &'a BTreeMap<String, i64>,
    pub situations: &'a BTreeMap<String, i64>,
    /// The municipalities this person may see numbers for; `None`: all of them.
    pub visible: Option<&'a HashSet<String>>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG of the map. Its accessible name is the page's caption (`labelled_by`); the table
/// twin next to it carries the numbers for screen readers.
pub fn render(data: &MapData<'_>, tr: &Tr, labelled_by: &str) -> String {
    let map = map();
    let (x, y, w, h) = map.view_box;
    let mut svg = String::with_capacity(120_000);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="mp-map" viewBox="{x} {y} {w} {h}" role="img" aria-labelledby="{labelled_by}" preserveAspectRatio="xMidYMid meet">"#
    );
    let en = tr.is_en();
    let mut markers = String::new();
    for s in &map.shapes {
        let visible = data.visible.is_none_or(|v| v.contains(&s.code));
        let cases = data.cases.get(&s.code).copied().unwrap_or(0);
        let situations = data.situations.get(&s.code).copied().unwrap_or(0);
        let name = escape(&s.name);
        if !visible {
            let _ = write!(
                svg,
                r#"<path class="mp-map__m mp-map__m--out" d="{}"><title>{name}</title></path>"#,
                s.path
            );
            continue;
        }
        let what = if en {
            format!("{cases} open cases, {situations} open situations")
        } else {
            format!("{cases} open zaken, {situations} open situaties")
        };
        let _ = write!(
            svg,
            r#"<path class="mp-map__m mp-map__m--{}" d="{}" data-code="{}" data-cases="{cases}" data-situations="{situations}"><title>{name}: {what}</title></path>"#,
            shade(cases),
            s.path,
            s.code
        );
        if situations > 0 {
            let (cx, cy) = s.centre;
            let r = 36 + 8 * situations.min(6);
            let _ = write!(
                markers,
                r#"<g class="mp-map__situation"><circle cx="{cx:.0}" cy="{cy:.0}" r="{r}"/><text x="{cx:.0}" y="{:.0}" text-anchor="middle">{situations}</text></g>"#,
                cy + 22.0
            );
        }
    }
    svg.push_str(&markers);
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{Lang, Tr};

    #[test]
    fn shades_step_up_with_the_number_of_cases() {
        let shades: Vec<u8> = [0, 1, 2, 4, 5, 19, 20, 500]
            .into_iter()
            .map(shade)
            .collect();
        assert_eq!(shades, vec![0, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn the_map_draws_every_municipality_with_its_numbers_and_hides_what_is_out_of_view() {
        let cases = BTreeMap::from([("GM0599".to_string(), 7), ("GM0363".to_string(), 1)]);
        let situations = BTreeMap::from([("GM0599".to_string(), 2)]);
        let visible: HashSet<String> = ["GM0599".to_string()].into();
        let all = render(
            &MapData {
                cases: &cases,
                situations: &situations,
                visible: None,
            },
            &Tr::new(Lang::Nl),
            "t",
        );
        assert_eq!(all.matches("<path ").count(), 342);
        assert!(all.contains(r#"data-code="GM0599" data-cases="7" data-situations="2""#));
        assert!(all.contains(r#"data-code="GM0363" data-cases="1" data-situations="0""#));
        assert_eq!(all.matches("mp-map__situation").count(), 1);
        assert!(all.contains("Rotterdam: 7 open zaken, 2 open situaties"));
        assert!(all.contains("&#39;s-Gravenhage") || all.contains("'s-Gravenhage"));

        let region = render(
            &MapData {
                cases: &cases,
                situations: &situations,
                visible: Some(&visible),
            },
            &Tr::new(Lang::En),
            "t",
        );
        assert_eq!(
            region.matches("data-cases=").count(),
            1,
            "only Rotterdam has numbers"
        );
        assert_eq!(region.matches("mp-map__m--out").count(), 341);
        assert!(!region.contains("Amsterdam: "));
        assert!(region.contains("7 open cases, 2 open situations"));
    }

    #[test]
    fn the_map_is_small_enough_to_send() {
        use std::io::Write as _;
        let empty = BTreeMap::new();
        let svg = render(
            &MapData {
                cases: &empty,
                situations: &empty,
                visible: None,
            },
            &Tr::new(Lang::Nl),
            "t",
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(svg.as_bytes()).unwrap();
        let zipped = gz.finish().unwrap().len();
        eprintln!("map: {} bytes raw, {zipped} gzipped", svg.len());
        assert!(zipped < 80_000, "{} bytes raw, {zipped} gzipped", svg.len());
    }
}
