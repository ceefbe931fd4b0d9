//! Colours and text styles in one place, so every pane draws with the same vocabulary.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub title_focused: Style,
    pub header: Style,
    /// The selected row of the focused pane.
    pub selected: Style,
    /// The selected row of a pane without focus.
    pub selected_dim: Style,
    pub muted: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub accent: Style,
    pub key: Style,
    pub now_marker: Style,
    pub gauge: Style,
    pub danger: Style,
    pub input: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

impl Theme {
    pub fn dark() -> Self {
        let s = Style::new;
        Theme {
            base: s(),
            border: s().fg(Color::DarkGray),
            border_focused: s().fg(Color::Cyan),
            title: s().fg(Color::Gray),
            title_focused: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: s().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            selected: s()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            selected_dim: s().bg(Color::DarkGray),
            muted: s().fg(Color::DarkGray),
            ok: s().fg(Color::Green),
            warn: s().fg(Color::Yellow),
            error: s().fg(Color::Red).add_modifier(Modifier::BOLD),
            accent: s().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            key: s().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            now_marker: s().fg(Color::Green).add_modifier(Modifier::BOLD),
            gauge: s().fg(Color::Cyan),
            danger: s().fg(Color::Red).add_modifier(Modifier::BOLD),
            input: s().fg(Color::White).bg(Color::Black),
        }
    }

    /// No colours at all (NO_COLOR): selection by reverse video, emphasis by bold.
    pub fn monochrome() -> Self {
        let s = Style::new;
        let bold = s().add_modifier(Modifier::BOLD);
        Theme {
            base: s(),
            border: s(),
            border_focused: bold,
            title: s(),
            title_focused: bold.add_modifier(Modifier::UNDERLINED),
            header: bold,
            selected: s().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            selected_dim: s().add_modifier(Modifier::UNDERLINED),
            muted: s().add_modifier(Modifier::DIM),
            ok: s(),
            warn: bold,
            error: bold,
            accent: bold,
            key: bold,
            now_marker: bold,
            gauge: s(),
            danger: bold.add_modifier(Modifier::UNDERLINED),
            input: s().add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The default theme, or monochrome when `NO_COLOR` is set.
    pub fn from_env() -> Self {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::monochrome(),
            _ => Theme::dark(),
        }
    }
}
