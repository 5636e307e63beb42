//! The map of the Netherlands: the 342 municipalities of 2025 as SVG paths, decoded from the
//! bundled TopoJSON (`data/gemeenten-2025.topojson`, RD New coordinates in metres).
//!
//! RD coordinates are metres on a plane, so drawing needs no projection: x stays x, y is
//! flipped (SVG's y points down) and both are divided by [`UNIT_M`] to keep the paths short.

use serde::Deserialize;

/// The municipality polygons, compiled into the binary (see `data/README.md`).
pub const TOPOJSON: &str = include_str!("../../data/gemeenten-2025.topojson");

/// The credit the map carries wherever it is shown.
pub const SOURCE_CREDIT: &str =
    "Bron: CBS / PDOK, CBS Gebiedsindelingen 2025 (gegeneraliseerd, via github.com/cartomap/nl)";

/// One SVG unit is this many metres.
pub const UNIT_M: f64 = 100.0;

/// One municipality, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// CBS code, `GM0363`.
    pub code: String,
    pub name: String,
    /// The SVG path (`M… l… z`), in map units.
    pub path: String,
    /// The area centroid of its largest polygon, in map units.
    pub centre: (f64, f64),
}

/// The whole map.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub shapes: Vec<Shape>,
    /// `min-x min-y width height` for the SVG `viewBox`.
    pub view_box: (i64, i64, i64, i64),
}

#[derive(Deserialize)]
struct Topology {
    arcs: Vec<Vec<[i64; 2]>>,
    transform: Transform,
    objects: Objects,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Objects {
    gemeente_2025: Collection,
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon {
        arcs: Vec<Vec<i64>>,
        properties: Properties,
    },
    MultiPolygon {
        arcs: Vec<Vec<Vec<i64>>>,
        properties: Properties,
    },
}

#[derive(Deserialize)]
struct Properties {
    statcode: String,
    statnaam: String,
}

/// Why the bundled map could not be read (a broken build, caught by a test).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("the map file is not valid TopoJSON: {0}")]
    Syntax(String),
    #[error("geometry {0} refers to a missing arc")]
    MissingArc(String),
}

/// Decodes a TopoJSON topology of municipalities into drawable shapes.
pub fn decode(topojson: &str) -> Result<Map, MapError> {
    let topo: Topology =
        serde_json::from_str(topojson).map_err(|e| MapError::Syntax(e.to_string()))?;
    // Delta-decoded arcs in metres.
    let arcs: Vec<Vec<(f64, f64)>> = topo
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    (
                        x as f64 * topo.transform.scale[0] + topo.transform.translate[0],
                        y as f64 * topo.transform.scale[1] + topo.transform.translate[1],
                    )
                })
                .collect()
        })
        .collect();
    let mut polygons_of = Vec::new();
    for g in topo.objects.gemeente_2025.geometries {
        let (properties, polygons) = match g {
            Geometry::Polygon { arcs, properties } => (properties, vec![arcs]),
            Geometry::MultiPolygon { arcs, properties } => (properties, arcs),
        };
        let mut rings_of_polygons = Vec::new();
        for polygon in polygons {
            let mut rings = Vec::new();
            for ring in polygon {
                rings.push(
                    ring_points(&arcs, &ring)
                        .ok_or_else(|| MapError::MissingArc(properties.statcode.clone()))?,
                );
            }
            rings_of_polygons.push(rings);
        }
        polygons_of.push((properties, rings_of_polygons));
    }
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (_, polygons) in &polygons_of {
        for (x, y) in polygons.iter().flatten().flatten() {
            min_x = min_x.min(*x);
            max_x = max_x.max(*x);
            min_y = min_y.min(*y);
            max_y = max_y.max(*y);
        }
    }
    let to_map = |(x, y): (f64, f64)| ((x / UNIT_M).round() as i64, (-y / UNIT_M).round() as i64);
    let shapes = polygons_of
        .into_iter()
        .map(|(properties, polygons)| {
            let mut path = String::new();
            for ring in polygons.iter().flatten() {
                let points: Vec<(i64, i64)> = ring.iter().map(|p| to_map(*p)).collect();
                write_ring(&mut path, &points);
            }
            let largest = polygons
                .iter()
                .filter_map(|p| p.first())
                .max_by(|a, b| area(a).abs().total_cmp(&area(b).abs()));
            let centre = largest
                .map(|ring| {
                    let (x, y) = centroid(ring);
                    (x / UNIT_M, -y / UNIT_M)
                })
                .unwrap_or_default();
            Shape {
                code: properties.statcode,
                name: properties.statnaam,
                path,
                centre,
            }
        })
        .collect();
    let left = (min_x / UNIT_M).floor() as i64;
    let top = (-max_y / UNIT_M).floor() as i64;
    let width = ((max_x - min_x) / UNIT_M).ceil() as i64 + 1;
    let height = ((max_y - min_y) / UNIT_M).ceil() as i64 + 1;
    Ok(Map {
        shapes,
        view_box: (left, top, width, height),
    })
}

/// A ring from its arcs: a negative index `~i` is arc `i` reversed; each arc after the first
/// starts where the previous ended, so its first point is left out.
fn ring_points(arcs: &[Vec<(f64, f64)>], ring: &[i64]) -> Option<Vec<(f64, f64)>> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for &index in ring {
        let (arc, reversed) = if index < 0 {
            (arcs.get((!index) as usize)?, true)
        } else {
            (arcs.get(index as usize)?, false)
        };
        let mut part: Vec<(f64, f64)> = arc.clone();
        if reversed {
            part.reverse();
        }
        let skip = usize::from(!points.is_empty());
        points.extend(part.into_iter().skip(skip));
    }
    Some(points)
}

/// Writes one closed ring as `M x y l dx dy … z` with integer map units.
fn write_ring(path: &mut String, points: &[(i64, i64)]) {
    use std::fmt::Write;
    let Some(&(x0, y0)) = points.first() else {
        return;
    };
    let _ = write!(path, "M{x0} {y0}l");
    let (mut px, mut py) = (x0, y0);
    let mut first = true;
    for &(x, y) in &points[1..] {
        let (dx, dy) = (x - px, y - py);
        if dx == 0 && dy == 0 {
            continue;
        }
        // A minus sign separates numbers by itself in SVG path data.
        if !first && dx >= 0 {
            path.push(' ');
        }
        let _ = write!(path, "{dx}");
        if dy >= 0 {
            path.push(' ');
        }
        let _ = write!(path, "{dy}");
        first = false;
        px = x;
        py = y;
    }
    path.push('z');
}

/// The signed area of a ring (shoelace).
fn area(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        / 2.0
}

/// The area centroid of a ring.
fn centroid(ring: &[(f64, f64)]) -> (f64, f64) {
    let a = area(ring);
    if a == 0.0 {
        return ring.first().copied().unwrap_or_default();
    }
    let (mut cx, mut cy) = (0.0, 0.0);
    for w in ring.windows(2) {
        let cross = w[0].0 * w[1].1 - w[1].0 * w[0].1;
        cx += (w[0].0 + w[1].0) * cross;
        cy += (w[0].1 + w[1].1) * cross;
    }
    (cx / (6.0 * a), cy / (6.0 * a))
}

/// Whether a point (map units) lies inside a shape's path rings — used by the tests to check
/// that a municipality's centre is drawn inside it.
#[cfg(test)]
fn inside(points: &[(f64, f64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    for w in points.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > p.1) != (y2 > p.1) && p.0 < (x2 - x1) * (p.1 - y1) / (y2 - y1) + x1 {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_map_has_every_municipality_of_the_list_once() {
        let map = decode(TOPOJSON).unwrap();
        assert_eq!(map.shapes.len(), 342);
        let list = super::super::org::municipalities_2025().unwrap();
        let mut from_map: Vec<(String, String)> = map
            .shapes
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect();
        let mut from_list: Vec<(String, String)> = list
            .iter()
            .map(|m| (m.code.as_str().to_string(), m.name.clone()))
            .collect();
        from_map.sort();
        from_list.sort();
        assert_eq!(from_map, from_list);
        // The extent given in data/README.md: x 13,565–277,529 m, y 306,960–619,172 m.
        assert_eq!(map.view_box, (135, -6192, 2641, 3124));
    }

    #[test]
    fn every_path_is_closed_rings_and_the_centres_lie_in_the_country() {
        let map = decode(TOPOJSON).unwrap();
        let (left, top, w, h) = map.view_box;
        for s in &map.shapes {
            assert!(
                s.path.starts_with('M') && s.path.ends_with('z'),
                "{}",
                s.code
            );
            let (x, y) = s.centre;
            assert!(
                x > left as f64 && x < (left + w) as f64 && y > top as f64 && y < (top + h) as f64,
                "{} centre {x},{y}",
                s.code
            );
        }
        // Amsterdam lies north of Rotterdam and Groningen east of both.
        let at = |code: &str| map.shapes.iter().find(|s| s.code == code).unwrap().centre;
        let (ams, rdam, gron) = (at("GM0363"), at("GM0599"), at("GM0014"));
        assert!(ams.1 < rdam.1);
        assert!(gron.0 > ams.0 && gron.0 > rdam.0);
    }

    #[test]
    fn a_ring_is_drawn_with_relative_steps_that_end_where_it_started() {
        let mut path = String::new();
        write_ring(
            &mut path,
            &[(10, 10), (12, 10), (12, 13), (12, 13), (10, 10)],
        );
        assert_eq!(path, "M10 10l2 0 0 3-2-3z");
        // Following the steps returns to the start.
        let square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)];
        assert_eq!(area(&square), 16.0);
        assert_eq!(centroid(&square), (2.0, 2.0));
        assert!(inside(&square, (1.0, 1.0)));
        assert!(!inside(&square, (5.0, 1.0)));
    }

    #[test]
    fn a_broken_topology_is_refused() {
        assert!(matches!(decode("{}"), Err(MapError::Syntax(_))));
        let missing = r#"{"type":"Topology","arcs":[],"transform":{"scale":[1,1],"translate":[0,0]},
            "objects":{"gemeente_2025":{"type":"GeometryCollection","geometries":[
            {"type":"Polygon","arcs":[[0]],"properties":{"statcode":"GM0001","statnaam":"X"}}]}}}"#;
        assert_eq!(decode(missing), Err(MapError::MissingArc("GM0001".into())));
    }
}
