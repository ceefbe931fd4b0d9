//! Word wrapping that never lets a wide (CJK) glyph spill past the area.
//!
//! ratatui 0.30's `Wrap` can put a double-width glyph in the last column of a line, so its
//! second half lands on the pane's border and erases it ("Description: 主数据中心超融合集群"
//! in a 32-column pane). Every wrapped paragraph goes through here instead.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

/// `lines` as a paragraph for an area `width` columns wide, wrapped at spaces (words
/// longer than a line are cut by display width).
pub fn paragraph<'a>(lines: impl IntoIterator<Item = Line<'a>>, width: u16) -> Paragraph<'static> {
    Paragraph::new(wrap(lines, width))
}

pub fn wrap<'a>(lines: impl IntoIterator<Item = Line<'a>>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut out = Vec::new();
    for line in lines {
        let chars: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
            .collect();
        let start = out.len();
        wrap_one(&chars, width, &mut out);
        for l in &mut out[start..] {
            l.style = line.style;
            l.alignment = line.alignment;
        }
    }
    out
}

fn wrap_one(chars: &[(char, Style)], width: usize, out: &mut Vec<Line<'static>>) {
    let w = |c: char| c.width().unwrap_or(0);
    let mut cur: Vec<(char, Style)> = Vec::new();
    let mut used = 0;
    let mut i = 0;
    while i < chars.len() {
        let space = chars[i].0 == ' ';
        let end = (i..chars.len())
            .find(|&j| (chars[j].0 == ' ') != space)
            .unwrap_or(chars.len());
        let token = &chars[i..end];
        let tw: usize = token.iter().map(|(c, _)| w(*c)).sum();
        if used + tw <= width {
            cur.extend_from_slice(token);
            used += tw;
        } else if space {
            // The break falls in these spaces: they end the line and are not carried over.
            out.push(to_line(&cur));
            cur.clear();
            used = 0;
        } else {
            // The word starts a new line; one longer than a line is then cut.
            if used > 0 {
                out.push(to_line(trim_end(&cur)));
                cur.clear();
                used = 0;
            }
            for &(c, st) in token {
                let cw = w(c);
                if used + cw > width && used > 0 {
                    out.push(to_line(&cur));
                    cur.clear();
                    used = 0;
                }
                cur.push((c, st));
                used += cw;
            }
        }
        i = end;
    }
    out.push(to_line(&cur));
}

fn trim_end(chars: &[(char, Style)]) -> &[(char, Style)] {
    let n = chars
        .iter()
        .rposition(|(c, _)| *c != ' ')
        .map_or(0, |p| p + 1);
    &chars[..n]
}

fn to_line(chars: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, st) in chars {
        if style.is_some_and(|s| s != st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::{Color, Stylize};
    use ratatui::widgets::{Block, Borders};

    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_wide_glyph_never_lands_on_the_border() {
        let line = Line::from(vec![
            Span::raw("Description: ").dark_gray(),
            Span::raw("主数据中心超融合集群"),
        ]);
        let mut t = Terminal::new(TestBackend::new(34, 5)).unwrap();
        t.draw(|f| {
            let block = Block::default().borders(Borders::ALL);
            let inner = block.inner(f.area());
            f.render_widget(block, f.area());
            f.render_widget(paragraph([line.clone()], inner.width), inner);
        })
        .unwrap();
        let buf = t.backend().buffer();
        for y in 1..4 {
            assert_eq!(buf[(33, y)].symbol(), "│", "row {y}: {buf:?}");
        }
        assert_eq!(buf[(1, 2)].symbol(), "主", "the word moved whole: {buf:?}");
    }

    #[test]
    fn words_wrap_at_spaces_and_long_ones_are_cut_by_width() {
        let l = wrap([Line::raw("The VM currently sits on this snapshot.")], 16);
        assert_eq!(texts(&l), ["The VM currently", "sits on this", "snapshot."]);
        let l = wrap([Line::raw("Id: 6c0ed34d-f8fa-4bf6-86cd")], 10);
        assert_eq!(texts(&l), ["Id:", "6c0ed34d-f", "8fa-4bf6-8", "6cd"]);
        // CJK has no spaces: cut between glyphs, each line within the width.
        let l = wrap([Line::raw("备份计划灾备异地备份")], 7);
        assert_eq!(texts(&l), ["备份计", "划灾备", "异地备", "份"]);
    }

    #[test]
    fn styles_indentation_and_empty_lines_are_kept() {
        let l = wrap(
            [
                Line::from(vec![Span::raw("key: ").fg(Color::Red), Span::raw("value")]),
                Line::raw(""),
                Line::raw("  indented text here"),
            ],
            40,
        );
        assert_eq!(texts(&l), ["key: value", "", "  indented text here"]);
        assert_eq!(l[0].spans.len(), 2);
        assert_eq!(l[0].spans[0].style.fg, Some(Color::Red));
        assert_eq!(l[0].spans[1].style.fg, None);
    }
}
