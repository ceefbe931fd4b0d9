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
}

impl Col {
    pub const fn new(header: &'static str, min: u16, ideal: u16, priority: u8) -> Self {
        Col {
            header,
            min,
            ideal,
            priority,
            grow: false,
        }
    }

    pub const fn grow(mut self) -> Self {
        self.grow = true;
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
    // …then what is left to the growing columns.
    let growers: Vec<usize> = (0..cols.len())
        .filter(|&i| shown[i] && cols[i].grow)
        .collect();
    if !growers.is_empty() && spare > 0 {
        let each = spare / growers.len() as u32;
        let mut rest = spare % growers.len() as u32;
        for &i in &growers {
            let bonus = each + u32::from(rest > 0);
            rest = rest.saturating_sub(1);
            widths[i] = widths[i].saturating_add(bonus as u16);
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
