//! Small cells in published figures: which counts are withheld so that no count from 1 to 4
//! can be read — neither directly nor by recalculating it from the totals published beside it.
//!
//! The figures are cells with additive constraints (a total is the sum of its parts). A count
//! from 1 to 4 (above zero, below [`THRESHOLD`]) is withheld (primary suppression). A withheld count is still
//! readable when the constraints fix its value from the published ones; [`suppress`] then
//! withholds more (secondary suppression) until no small count is fixed. Whether a value is
//! fixed is decided exactly: the unknown's unit vector lies in the row space of the
//! constraints restricted to the unknowns. (The common "two withheld cells per line" rule
//! alone is not enough: a cell between two withheld blocks can still be recalculated.)

/// Counts below this and above zero are never published.
pub const THRESHOLD: u64 = 5;

/// `cells[total] == Σ cells[parts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// A count that must not be published as it is.
pub fn is_small(n: u64) -> bool {
    n > 0 && n < THRESHOLD
}

/// Which cells to withhold: every small count, and as few others as this greedy rule finds
/// so that no small count can be recalculated. Prefers withholding non-zero counts to zeros,
/// inner cells to totals, and small counts to large ones. Each round gives every small
/// count still recalculable one more withheld neighbour, so a large table takes a few rounds,
/// not one per cell.
pub fn suppress(cells: &[u64], constraints: &[Constraint]) -> Vec<bool> {
    let mut hidden: Vec<bool> = cells.iter().map(|&n| is_small(n)).collect();
    let mut is_total = vec![false; cells.len()];
    for c in constraints {
        is_total[c.total] = true;
    }
    let mut containing: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
    for (k, c) in constraints.iter().enumerate() {
        for i in members(c) {
            containing[i].push(k);
        }
    }
    // A published zero is seldom worth withholding (an empty line shows it anyway), so
    // non-zero cells first, then inner cells before totals, then the smallest.
    let key = |i: usize| (cells[i] == 0, is_total[i], cells[i], i);
    for _ in 0..cells.len() {
        let leaking: Vec<usize> = recoverable(&hidden, constraints)
            .into_iter()
            .filter(|&i| is_small(cells[i]))
            .collect();
        if leaking.is_empty() {
            break;
        }
        let mut picks: Vec<usize> = Vec::new();
        for &f in &leaking {
            // A cell withheld this round beside this one may already be enough.
            let touched = containing[f]
                .iter()
                .any(|&k| members(&constraints[k]).any(|i| picks.contains(&i)));
            if touched {
                continue;
            }
            // The constraints the leak can run along: those reached from `f` through withheld
            // cells. Withholding one more of their published cells is what can stop it.
            let mut reached = vec![false; constraints.len()];
            let mut seen = vec![f];
            let mut stack = vec![f];
            while let Some(x) = stack.pop() {
                for &k in &containing[x] {
                    if reached[k] {
                        continue;
                    }
                    reached[k] = true;
                    for i in members(&constraints[k]) {
                        if hidden[i] && !seen.contains(&i) {
                            seen.push(i);
                            stack.push(i);
                        }
                    }
                }
            }
            let pick = (0..constraints.len())
                .filter(|&k| reached[k])
                .flat_map(|k| members(&constraints[k]))
                .filter(|&i| !hidden[i] && !picks.contains(&i))
                .min_by_key(|&i| key(i));
            if let Some(i) = pick {
                picks.push(i);
            }
        }
        if picks.is_empty() {
            // Fixed through a chain of constraints: widen to any constraint with a withheld cell.
            let pick = constraints
                .iter()
                .filter(|c| members(c).any(|i| hidden[i]))
                .flat_map(members)
                .filter(|&i| !hidden[i])
                .min_by_key(|&i| key(i));
            match pick {
                Some(i) => picks.push(i),
                None => break,
            }
        }
        for i in picks {
            hidden[i] = true;
        }
    }
    hidden
}

/// Cells and their constraints, built up table by table: one suppression over everything that
/// is published together, so that no table's totals reveal another's small counts.
#[derive(Debug, Default, Clone)]
pub struct Sheet {
    pub cells: Vec<u64>,
    pub constraints: Vec<Constraint>,
}

/// One count per period: the four quarters and the year (index 4), the year being the sum of
/// its quarters.
pub type Series = [usize; 5];

impl Sheet {
    fn cell(&mut self, value: u64) -> usize {
        self.cells.push(value);
        self.cells.len() - 1
    }

    /// A line of counts per quarter; the year is added as their sum.
    pub fn series(&mut self, quarters: [u64; 4]) -> Series {
        let q = quarters.map(|v| self.cell(v));
        let year = self.cell(quarters.iter().sum());
        self.constraints.push(Constraint {
            total: year,
            parts: q.to_vec(),
        });
        [q[0], q[1], q[2], q[3], year]
    }

    /// The sum of several lines, per period (and so also the year of the sum).
    pub fn margin(&mut self, parts: &[Series]) -> Series {
        let mut quarters = [0u64; 4];
        for s in parts {
            for (q, v) in quarters.iter_mut().enumerate() {
                *v += self.cells[s[q]];
            }
        }
        let out = self.series(quarters);
        self.sum_of(out, parts);
        out
    }

    /// Records that `total` is, in every period, the sum of `parts` (already built lines).
    pub fn sum_of(&mut self, total: Series, parts: &[Series]) {
        for p in 0..5 {
            self.constraints.push(Constraint {
                total: total[p],
                parts: parts.iter().map(|s| s[p]).collect(),
            });
        }
    }

    pub fn suppressed(&self) -> Vec<bool> {
        suppress(&self.cells, &self.constraints)
    }
}

fn members(c: &Constraint) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(c.total).chain(c.parts.iter().copied())
}

/// The withheld cells whose value the constraints fix from the published cells.
pub fn recoverable(hidden: &[bool], constraints: &[Constraint]) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..hidden.len()).filter(|&i| hidden[i]).collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let column = |cell: usize| unknowns.binary_search(&cell).ok();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for c in constraints {
        let mut row = vec![0.0; unknowns.len()];
        let mut any = false;
        if let Some(j) = column(c.total) {
            row[j] -= 1.0;
            any = true;
        }
        for &p in &c.parts {
            if let Some(j) = column(p) {
                row[j] += 1.0;
                any = true;
            }
        }
        if any {
            rows.push(row);
        }
    }
    // Reduced row echelon form.
    const EPS: f64 = 1e-9;
    let n = unknowns.len();
    let mut pivots: Vec<(usize, usize)> = Vec::new(); // (row, column)
    let mut r = 0;
    for col in 0..n {
        let Some(best) =
            (r..rows.len()).max_by(|&a, &b| rows[a][col].abs().total_cmp(&rows[b][col].abs()))
        else {
            break;
        };
        if rows[best][col].abs() < EPS {
            continue;
        }
        rows.swap(r, best);
        let p = rows[r][col];
        for v in rows[r].iter_mut() {
            *v /= p;
        }
        let pivot_row = rows[r].clone();
        for (k, row) in rows.iter_mut().enumerate() {
            if k != r && row[col].abs() > EPS {
                let f = row[col];
                for (v, pv) in row.iter_mut().zip(&pivot_row) {
                    *v -= f * pv;
                }
            }
        }
        pivots.push((r, col));
        r += 1;
        if r == rows.len() {
            break;
        }
    }
    pivots
        .into_iter()
        .filter(|&(row, col)| (0..n).all(|j| j == col || rows[row][j].abs() < EPS))
        .map(|(_, col)| unknowns[col])
        .collect()
}

/// A table of counts with a total per row, per column and overall, laid out as one cell
/// list: the inner cells row by row, then the row totals, the column totals and the grand
/// total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<u64>,
}

impl Grid {
    /// A grid from its inner counts (`inner[r][c]`); the totals are summed here.
    pub fn new(inner: &[Vec<u64>], cols: usize) -> Grid {
        let rows = inner.len();
        let mut cells: Vec<u64> = inner.iter().flat_map(|r| r.iter().copied()).collect();
        let row_totals: Vec<u64> = inner.iter().map(|r| r.iter().sum()).collect();
        let col_totals: Vec<u64> = (0..cols)
            .map(|c| inner.iter().map(|r| r[c]).sum())
            .collect();
        let grand = row_totals.iter().sum();
        cells.extend(row_totals);
        cells.extend(col_totals);
        cells.push(grand);
        Grid { rows, cols, cells }
    }

    pub fn inner(&self, r: usize, c: usize) -> usize {
        r * self.cols + c
    }
    pub fn row_total(&self, r: usize) -> usize {
        self.rows * self.cols + r
    }
    pub fn col_total(&self, c: usize) -> usize {
        self.rows * self.cols + self.rows + c
    }
    pub fn grand_total(&self) -> usize {
        self.rows * self.cols + self.rows + self.cols
    }

    /// Every additive constraint the published grid carries.
    pub fn constraints(&self) -> Vec<Constraint> {
        let mut out = Vec::new();
        for r in 0..self.rows {
            out.push(Constraint {
                total: self.row_total(r),
                parts: (0..self.cols).map(|c| self.inner(r, c)).collect(),
            });
        }
        for c in 0..self.cols {
            out.push(Constraint {
                total: self.col_total(c),
                parts: (0..self.rows).map(|r| self.inner(r, c)).collect(),
            });
        }
        out.push(Constraint {
            total: self.grand_total(),
            parts: (0..self.rows).map(|r| self.row_total(r)).collect(),
        });
        out.push(Constraint {
            total: self.grand_total(),
            parts: (0..self.cols).map(|c| self.col_total(c)).collect(),
        });
        out
    }

    /// Which cells of this grid to withhold.
    pub fn suppressed(&self) -> Vec<bool> {
        suppress(&self.cells, &self.constraints())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn small_counts_are_withheld_and_zeros_and_large_ones_are_not() {
        assert!(!is_small(0));
        assert!(is_small(1) && is_small(4));
        assert!(!is_small(5));
    }

    #[test]
    fn a_single_small_cell_in_a_row_takes_a_second_cell_with_it() {
        // One municipality with a single report beside one with nine.
        let g = Grid::new(&[vec![1, 9], vec![7, 8]], 2);
        let hidden = g.suppressed();
        assert!(hidden[g.inner(0, 0)]);
        assert!(recoverable(&hidden, &g.constraints())
            .iter()
            .all(|&i| !is_small(g.cells[i])));
        // Row 0's total is 10: without a second withheld cell in row 0, 10 − 9 = 1.
        assert!(hidden[g.inner(0, 1)] || hidden[g.row_total(0)]);
    }

    #[test]
    fn a_cell_between_two_withheld_blocks_is_not_left_recoverable() {
        // Two 2 × 2 blocks of small counts joined by one small cell: each line holds two
        // withheld cells, yet the joining cell is fixed by the blocks' sums.
        let cells: Vec<Vec<u64>> = vec![
            vec![2, 2, 3, 0, 20],
            vec![2, 2, 0, 0, 20],
            vec![0, 0, 2, 2, 20],
            vec![0, 0, 2, 2, 20],
            vec![20, 20, 20, 20, 20],
        ];
        let g = Grid::new(&cells, 5);
        let mut hidden: Vec<bool> = g.cells.iter().map(|&n| is_small(n)).collect();
        assert!(
            recoverable(&hidden, &g.constraints()).contains(&g.inner(0, 2)),
            "the naive pattern leaks the joining cell"
        );
        hidden = g.suppressed();
        assert!(recoverable(&hidden, &g.constraints())
            .iter()
            .all(|&i| !is_small(g.cells[i])));
    }

    /// Brute force: every set of inner counts that gives the same published cells; a small
    /// cell is safe when those sets give it more than one value.
    fn values_it_can_take(g: &Grid, hidden: &[bool], cell: usize) -> BTreeSet<u64> {
        let bound = g.cells[g.grand_total()];
        let n = g.rows * g.cols;
        let mut seen = BTreeSet::new();
        let mut inner: Vec<u64> = (0..n)
            .map(|k| if hidden[k] { 0 } else { g.cells[k] })
            .collect();
        loop {
            let rows: Vec<Vec<u64>> = inner.chunks(g.cols).map(|r| r.to_vec()).collect();
            let other = Grid::new(&rows, g.cols);
            if (0..g.cells.len()).all(|i| hidden[i] || other.cells[i] == g.cells[i]) {
                seen.insert(other.cells[cell]);
            }
            // The next assignment, counting in base bound + 1 (published inner cells fixed).
            let mut k = 0;
            loop {
                if k == n {
                    return seen;
                }
                if !hidden[k] {
                    k += 1;
                    continue;
                }
                if inner[k] < bound {
                    inner[k] += 1;
                    break;
                }
                inner[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn the_brute_force_sees_a_leak_when_only_the_small_count_is_withheld() {
        let g = Grid::new(&[vec![1, 9], vec![7, 8]], 2);
        let primary: Vec<bool> = g.cells.iter().map(|&n| is_small(n)).collect();
        let only = values_it_can_take(&g, &primary, g.inner(0, 0));
        assert_eq!(only, BTreeSet::from([1]));
        let safe = values_it_can_take(&g, &g.suppressed(), g.inner(0, 0));
        assert!(safe.len() > 1, "{safe:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn no_small_count_can_be_recalculated(
            inner in proptest::collection::vec(proptest::collection::vec(0u64..12, 3), 2..=3)
        ) {
            let g = Grid::new(&inner, 3);
            let hidden = g.suppressed();
            for (i, &n) in g.cells.iter().enumerate() {
                if is_small(n) {
                    prop_assert!(hidden[i], "cell {i} = {n} published");
                }
            }
            prop_assert!(recoverable(&hidden, &g.constraints())
                .iter()
                .all(|&i| !is_small(g.cells[i])));
        }

        #[test]
        fn brute_force_finds_no_small_count_with_a_single_possible_value(
            inner in proptest::collection::vec(proptest::collection::vec(0u64..7, 2), 2)
        ) {
            let g = Grid::new(&inner, 2);
            let hidden = g.suppressed();
            for (i, &n) in g.cells.iter().enumerate() {
                if is_small(n) {
                    let can = values_it_can_take(&g, &hidden, i);
                    prop_assert!(can.contains(&n));
                    prop_assert!(can.len() > 1, "cell {i} = {n} has one possible value: {can:?}");
                }
            }
        }
    }
}
