//! Small drawing helpers shared by the panes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Clear, Row, Table, TableState};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::columns::{Col, fit};
use crate::app::cursor::Cursor;
use crate::theme::Theme;

/// A pane's frame: rounded and highlighted when focused. The title is cut with `…` to
/// fit between the corners of a pane `width` wide.
pub fn pane_block<'a>(title: Vec<Span<'a>>, width: u16, focused: bool, theme: &Theme) -> Block<'a> {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title);
    spans.push(Span::raw(" "));
    let spans = fit_spans(spans, usize::from(width).saturating_sub(2));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(Line::from(spans))
}

pub fn title_style(focused: bool, theme: &Theme) -> Style {
    if focused {
        theme.title_focused
    } else {
        theme.title
    }
}

/// A block with a one-paragraph message inside (loading, empty, error).
pub fn placeholder(frame: &mut Frame, area: Rect, block: Block, lines: Vec<Line>) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(super::wrap::paragraph(lines, inner.width), inner);
}

/// Draws a table of `len` rows of which only the visible ones are built. Columns are
/// fitted to the width (see [`super::columns`]); `row` gets each column's width (0 when
/// hidden) so it can cut text to fit, and cells of hidden columns are dropped.
#[allow(clippy::too_many_arguments)]
pub fn windowed_table<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    cols: &[Col],
    len: usize,
    cursor: &Cursor,
    focused: bool,
    theme: &Theme,
    mut row: impl FnMut(usize, &[u16]) -> Vec<Cell<'a>>,
) {
    let inner = block.inner(area);
    cursor.set_first_row_y(inner.y + 1);
    let widths = fit(cols, inner.width, 1);
    let inner_h = inner.height.saturating_sub(1) as usize;
    let range = cursor.visible_range(len, inner_h);
    let keep = |cells: Vec<Cell<'a>>| -> Row<'a> {
        Row::new(
            cells
                .into_iter()
                .zip(&widths)
                .filter(|(_, w)| **w > 0)
                .map(|(c, _)| c),
        )
    };
    let rows: Vec<Row> = range.map(|i| keep(row(i, &widths))).collect();
    let header = Row::new(
        cols.iter()
            .zip(&widths)
            .filter(|(_, w)| **w > 0)
            .map(|(c, _)| Cell::from(c.header)),
    );
    let mut state = TableState::default();
    if len > 0 {
        state.select(Some(cursor.row_in_view()));
    }
    let constraints: Vec<Constraint> = widths
        .iter()
        .filter(|w| **w > 0)
        .map(|w| Constraint::Length(*w))
        .collect();
    let table = Table::new(rows, constraints)
        .header(header.style(theme.header))
        .block(block)
        .column_spacing(1)
        .row_highlight_style(if focused {
            theme.selected
        } else {
            theme.selected_dim
        });
    frame.render_stateful_widget(table, area, &mut state);
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A dialog frame over a cleared area.
pub fn dialog_frame(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    style: Style,
    theme: &Theme,
) -> Rect {
    // A wide (CJK) character just left of the dialog would paint over its border.
    if area.x > 0 {
        let buf = frame.buffer_mut();
        for y in area.top()..area.bottom() {
            let cell = &mut buf[(area.x - 1, y)];
            if cell.symbol().width() > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(style)
        .title(Line::from(vec![
            Span::raw(" "),
            Span::styled(title, style),
            Span::raw(" "),
        ]))
        .style(theme.base);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Cuts `s` to `width` display columns (CJK counts double), ending in `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut to `width` display columns in the middle: ids, and names that share a prefix,
/// differ at both ends, so both ends stay and `…` stands for what went.
pub fn truncate_middle(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let room = width - 1;
    let (head_room, tail_room) = (room - room / 2, room / 2);
    let w = |c: &char| c.width().unwrap_or(0);
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + w(&c) > head_room {
            break;
        }
        used += w(&c);
        head.push(c);
    }
    // A wide glyph that did not fit the head leaves its column to the tail.
    let tail_room = tail_room + head_room - used;
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        if used + w(&c) > tail_room {
            break;
        }
        used += w(&c);
        tail.push(c);
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// The fewest columns a name cut in its middle may keep: less than a glyph either side of
/// its `…` no longer names anything.
pub const LEAST_NAME: usize = 5;

/// `head`, `name`, `tail` in `width` columns, the name giving way in its middle: a task's
/// target keeps what was done (`· snapshot NAME`) and where (`@ site`) when the VM's name is
/// long. When even that does not fit, the whole is cut from the end.
pub fn truncate_name_within(head: &str, name: &str, tail: &str, width: usize) -> String {
    let whole = format!("{head}{name}{tail}");
    if whole.width() <= width {
        return whole;
    }
    let fixed = head.width() + tail.width();
    if fixed + LEAST_NAME.min(name.width()) > width {
        return truncate(&whole, width);
    }
    format!("{head}{}{tail}", truncate_middle(name, width - fixed))
}

/// Spans cut to `width` display columns: the span that crosses the edge ends in `…` and
/// those after it go, so a word is never cut without saying so.
pub fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let mut used = 0;
    let mut out = Vec::new();
    for span in spans {
        let w = span.content.width();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        if width > used {
            out.push(Span::styled(
                truncate(&span.content, width - used),
                span.style,
            ));
        }
        break;
    }
    out
}

/// `s` cut or padded to exactly `width` display columns (CJK counts double), so columns
/// after it line up whatever the script.
pub fn pad(s: &str, width: usize) -> String {
    let mut out = truncate(s, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

const SPINNER: [&str; 8] = ["⣾", "⣽", "⣻", "⢿", "⡿", "⣟", "⣯", "⣷"];

/// A spinner frame for the given elapsed time.
pub fn spinner(elapsed: std::time::Duration) -> &'static str {
    SPINNER[(elapsed.as_millis() / 125) as usize % SPINNER.len()]
}

/// A text gauge: `███████░░░ 70%`.
pub fn gauge(fraction: f32, width: usize) -> String {
    let f = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (f * width as f32).round() as usize;
    format!(
        "{}{} {:>3.0}%",
        "█".repeat(filled),
        "░".repeat(width - filled.min(width)),
        f * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What does not fit ends in `…` ("● connecte" or "· 14 backup" said nothing).
    #[test]
    fn cut_spans_say_so() {
        let text = |spans: Vec<Span>| {
            spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        let line = || {
            vec![
                Span::raw("● connected"),
                Span::raw(" │ "),
                Span::raw("refreshed 07:41:02"),
            ]
        };
        assert_eq!(
            text(fit_spans(line(), 40)),
            "● connected │ refreshed 07:41:02"
        );
        assert_eq!(text(fit_spans(line(), 10)), "● connect…");
        assert_eq!(text(fit_spans(line(), 20)), "● connected │ refre…");
        assert_eq!(text(fit_spans(line(), 0)), "");
    }

    #[test]
    fn truncate_counts_wide_chars() {
        assert_eq!(truncate("财务系统-db01", 8), "财务系…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert!(truncate("数据库主节点", 5).width() <= 5);
    }

    #[test]
    fn truncate_middle_keeps_both_ends_by_display_width() {
        let id = "322b3303-270d-4278-9065-f4c7ca71584e";
        assert_eq!(truncate_middle(id, 36), id);
        assert_eq!(truncate_middle(id, 30), "322b3303-270d-4…5-f4c7ca71584e");
        assert_eq!(truncate_middle(id, 30).width(), 30);
        assert_eq!(truncate_middle("财务系统-db01-nightly", 12), "财务系…ghtly");
        for n in 0..20 {
            assert!(
                truncate_middle("财务系统数据库主节点", n).width() <= n,
                "{n}"
            );
        }
        assert_eq!(truncate_middle("abc", 0), "");
        assert_eq!(truncate_middle("abcd", 1), "…");
    }

    #[test]
    fn a_target_gives_way_inside_the_name() {
        let cut = |w| {
            truncate_name_within(
                "",
                "财务系统-db01-主库",
                " · snapshot 升级前 @ dr-zstack",
                w,
            )
        };
        assert_eq!(cut(60), "财务系统-db01-主库 · snapshot 升级前 @ dr-zstack");
        // The VM's name gives way in its middle; what was done and where stay whole.
        assert_eq!(cut(40), "财务…-主库 · snapshot 升级前 @ dr-zstack");
        assert_eq!(cut(40).width(), 40);
        for w in 37..48 {
            let s = cut(w);
            assert!(s.width() <= w, "{w}: {s}");
            assert!(s.ends_with(" · snapshot 升级前 @ dr-zstack"), "{w}: {s}");
        }
        // Too narrow to leave any of the name: the whole is cut from the end.
        assert_eq!(
            cut(20),
            truncate("财务系统-db01-主库 · snapshot 升级前 @ dr-zstack", 20)
        );
        // A head stays too ("VM 财务…").
        assert_eq!(
            truncate_name_within("VM ", "财务系统数据库主节点", " @ lab", 16),
            "VM 财…节点 @ lab"
        );
    }

    #[test]
    fn gauge_bounds() {
        assert_eq!(gauge(0.5, 4), "██░░  50%");
        assert_eq!(gauge(7.0, 2), "██ 100%");
        assert_eq!(gauge(f32::NAN, 2), "░░   0%");
    }

    #[test]
    fn pad_counts_display_columns() {
        assert_eq!(pad("业务网络", 10), "业务网络  ");
        assert_eq!(pad("业务网络", 10).width(), 10);
        assert_eq!(pad("abcdefghijkl", 5), "abcd…");
        assert_eq!(pad("", 3), "   ");
    }
}
