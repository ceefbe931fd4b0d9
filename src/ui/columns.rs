//! Fitting table columns to the width there is: columns that do not fit are dropped by
//! priority instead of squeezing every column (and the names people read) to nothing.

/// One column: its header, the narrowest it may be, the width it would like, and how
/// important it is (0 = always shown). Growing columns take the space left over.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub header: &'static str,
    pub min: u16,
    pub ideal: u16,
    pub priority: u8,
    pub grow: bool,
    /// Takes a share of the space left over like a growing column, up to [`SHARE_CAP`]
    /// times its ideal (names of zones, groups, clusters run long too).
    pub share: bool,
}

/// How far a sharing column grows past its ideal width, as a multiple of it.
const SHARE_CAP: u16 = 3;

impl Col {
    pub const fn new(header: &'static str, min: u16, ideal: u16, priority: u8) -> Self {
        Col {
            header,
            min,
            ideal,
            priority,
            grow: false,
            share: false,
        }
    }

    pub const fn grow(mut self) -> Self {
        self.grow = true;
        self
    }

    pub const fn share(mut self) -> Self {
        self.share = true;
        self
    }
}

/// Width of each column (0 = hidden) for `width` cells with `spacing` between columns.
pub fn fit(cols: &[Col], width: u16, spacing: u16) -> Vec<u16> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    order.sort_by_key(|&i| cols[i].priority);
    // A column is shown only if the more important ones still get their ideal width
    // (growing ones their minimum): a whole status beats a clipped extra column.
    let mut shown = vec![false; cols.len()];
    let mut used: u32 = 0;
    let mut budget: u32 = 0;
    for &i in &order {
        let gap = if used == 0 { 0 } else { u32::from(spacing) };
        let keep = if cols[i].grow {
            cols[i].min
        } else {
            cols[i].ideal.max(cols[i].min)
        };
        let must = cols[i].priority == 0;
        if budget + gap + u32::from(cols[i].min) <= u32::from(width)
            && (must || budget + gap + u32::from(keep) <= u32::from(width))
        {
            shown[i] = true;
            used += gap + u32::from(cols[i].min);
            budget += gap + u32::from(keep);
        }
    }
    let mut widths: Vec<u16> = cols
        .iter()
        .zip(&shown)
        .map(|(c, s)| if *s { c.min } else { 0 })
        .collect();
    let mut spare = u32::from(width).saturating_sub(used);
    // Towards the ideal widths, most important first: fixed columns before growing ones,
    // so a long name column does not starve a status column of its last letters…
    for grow in [false, true] {
        for &i in &order {
            if !shown[i] || spare == 0 || cols[i].grow != grow {
                continue;
            }
            let want = u32::from(cols[i].ideal.saturating_sub(widths[i]));
            let give = want.min(spare);
            widths[i] += give as u16;
            spare -= give;
        }
    }
    // …then what is left, shared by the growing columns and the sharing ones (until those
    // reach their cap), so one long name column does not take it all.
    let cap = |i: usize| u32::from(cols[i].ideal.saturating_mul(SHARE_CAP));
    while spare > 0 {
        let takers: Vec<usize> = (0..cols.len())
            .filter(|&i| {
                shown[i] && (cols[i].grow || (cols[i].share && u32::from(widths[i]) < cap(i)))
            })
            .collect();
        if takers.is_empty() {
            break;
        }
        let each = (spare / takers.len() as u32).max(1);
        for &i in &takers {
            let room = if cols[i].grow {
                u32::MAX
            } else {
                cap(i) - u32::from(widths[i])
            };
            let give = each.min(room).min(spare);
            widths[i] = widths[i].saturating_add(give as u16);
            spare -= give;
        }
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Col; 4] = [
        Col::new("NAME", 10, 20, 0).grow(),
        Col::new("POWER", 8, 9, 0),
        Col::new("IP", 11, 15, 1),
        Col::new("ZONE", 6, 12, 3),
    ];

    #[test]
    fn wide_gives_ideals_and_grows_names() {
        let w = fit(&COLS, 100, 1);
        assert_eq!(&w[1..], &[9, 15, 12]);
        assert_eq!(w.iter().map(|x| u32::from(*x)).sum::<u32>() + 3, 100);
    }

    /// At 200 columns the spare is shared: ZONE and CLUSTER get room too, not only NAME.
    #[test]
    fn wide_shares_the_spare_with_sharing_columns() {
        let cols = [
            Col::new("NAME", 12, 24, 0).grow(),
            Col::new("POWER", 8, 8, 0),
            Col::new("IP", 11, 15, 1),
            Col::new("ZONE", 6, 10, 4).share(),
            Col::new("CLUSTER", 8, 14, 2).share(),
        ];
        let w = fit(&cols, 200, 1);
        assert_eq!(w.iter().map(|x| u32::from(*x)).sum::<u32>() + 4, 200);
        assert_eq!((w[1], w[2]), (8, 15), "fixed columns keep their ideal");
        assert!(w[3] > 10 && w[4] > 14, "{w:?}");
        assert_eq!((w[3], w[4]), (30, 42), "capped at three times their ideal");
        let w = fit(&cols, 100, 1);
        assert!(w[0] >= 24 && w[3] >= 10 && w[4] >= 14, "{w:?}");
    }

    #[test]
    fn narrow_drops_low_priority_first() {
        let w = fit(&COLS, 36, 1);
        assert_eq!(w[3], 0, "zone dropped");
        assert_eq!(w[2], 15, "the shown IP column gets its whole width");
        let w = fit(&COLS, 32, 1);
        assert_eq!(w[2], 0, "a clipped IP column is not shown");
        let w = fit(&COLS, 19, 1);
        assert_eq!((w[2], w[3]), (0, 0));
        assert_eq!(w[0] + w[1] + 1, 19);
    }

    #[test]
    fn zero_width_shows_nothing_without_panicking() {
        assert!(fit(&COLS, 0, 1).iter().all(|w| *w == 0));
    }
}
