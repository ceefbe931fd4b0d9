//! Colours and text styles in one place, loaded from TOML theme files so every pane draws
//! with the same vocabulary and users can bring their own (`themes/` in the repository
//! ships dark, light, high-contrast and monochrome; users add files under
//! `$XDG_CONFIG_HOME/vmdeck/themes/`).

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Built-in themes, embedded from `themes/*.toml`.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../themes/monochrome.toml")),
];

macro_rules! theme_keys {
    ($($key:ident: $doc:literal),* $(,)?) => {
        #[derive(Clone, Debug, PartialEq)]
        pub struct Theme {
            $(#[doc = $doc] pub $key: Style,)*
        }

        /// A theme file: every key optional, unknown keys refused (and named).
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ThemeFile {
            /// The theme missing keys come from (a built-in or user theme name).
            inherit: Option<String>,
            $($key: Option<StyleSpec>,)*
        }

        impl ThemeFile {
            fn apply(self, mut base: Theme) -> Theme {
                $(if let Some(s) = self.$key { base.$key = s.into(); })*
                base
            }
        }

        impl Theme {
            /// Every themeable key with what it colours (for the README and `config check`).
            pub const KEYS: &'static [(&'static str, &'static str)] = &[$((stringify!($key), $doc),)*];

            fn map_colors(mut self, f: impl Fn(Color) -> Color) -> Theme {
                $(self.$key = map_style(self.$key, &f);)*
                self
            }

            /// A theme with no styling at all, should a built-in file ever fail to parse.
            fn bare() -> Theme {
                Theme { $($key: Style::new(),)* }
            }
        }
    };
}

theme_keys! {
    base: "Text with no other role.",
    border: "Borders of panes without focus.",
    border_focused: "Border of the focused pane.",
    title: "Pane titles without focus.",
    title_focused: "Title of the focused pane.",
    header: "Table headers and section headings.",
    selected: "The selected row of the focused pane.",
    selected_dim: "The selected row of a pane without focus.",
    muted: "Secondary text: times, descriptions, hints.",
    ok: "Healthy states: running, done, succeeded.",
    warn: "Warnings and work in progress.",
    error: "Errors and failures.",
    accent: "Markers of what is chosen, dialog frames.",
    key: "Key names in the footer and help.",
    now_marker: "The snapshot-tree marker of where the VM is now.",
    gauge: "Progress gauges.",
    danger: "Titles of destructive operations.",
    input: "Text being typed.",
}

/// A style as written in a theme file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    #[serde(default, deserialize_with = "color")]
    fg: Option<Color>,
    #[serde(default, deserialize_with = "color")]
    bg: Option<Color>,
    add_modifier: Option<Modifier>,
    sub_modifier: Option<Modifier>,
}

const COLOUR_FORMS: &str = "a name (red, lightblue, darkgray…), 0-255, or #rrggbb";

/// A colour with an error that says what is accepted. An index may be written bare
/// (`fg = 196`) or quoted (`fg = "196"`).
fn color<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Color>, D::Error> {
    struct ColourVisitor;
    impl serde::de::Visitor<'_> for ColourVisitor {
        type Value = Color;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(COLOUR_FORMS)
        }
        fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Color, E> {
            u8::try_from(i)
                .map(Color::Indexed)
                .map_err(|_| E::custom(format!("colour {i} is out of range: use {COLOUR_FORMS}")))
        }
        fn visit_u64<E: serde::de::Error>(self, i: u64) -> Result<Color, E> {
            self.visit_i64(i64::try_from(i).unwrap_or(i64::MAX))
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Color, E> {
            text.parse::<Color>()
                .map_err(|_| E::custom(format!("unknown colour \"{text}\": use {COLOUR_FORMS}")))
        }
    }
    d.deserialize_any(ColourVisitor).map(Some)
}

impl From<StyleSpec> for Style {
    fn from(s: StyleSpec) -> Style {
        let mut style = Style::new();
        if let Some(c) = s.fg {
            style = style.fg(c);
        }
        if let Some(c) = s.bg {
            style = style.bg(c);
        }
        if let Some(m) = s.add_modifier {
            style = style.add_modifier(m);
        }
        if let Some(m) = s.sub_modifier {
            style = style.remove_modifier(m);
        }
        style
    }
}

fn map_style(mut s: Style, f: &impl Fn(Color) -> Color) -> Style {
    s.fg = s.fg.map(f);
    s.bg = s.bg.map(f);
    s
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

impl Theme {
    pub fn dark() -> Self {
        Theme::built_in("dark").unwrap_or_else(Theme::bare)
    }

    /// No colours at all (NO_COLOR): selection by reverse video, emphasis by bold.
    pub fn monochrome() -> Self {
        Theme::built_in("monochrome").unwrap_or_else(Theme::bare)
    }

    fn built_in(name: &str) -> Option<Theme> {
        let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Theme::parse(text, name, &|_| None).ok()
    }

    /// Parses a theme file. `resolve` finds the text of an inherited user theme by name.
    pub fn parse(
        text: &str,
        origin: &str,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Theme, String> {
        Theme::parse_depth(text, origin, resolve, 0)
    }

    fn parse_depth(
        text: &str,
        origin: &str,
        resolve: &dyn Fn(&str) -> Option<String>,
        depth: usize,
    ) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            match line {
                Some(l) => format!("theme {origin}, line {l}: {}", e.message()),
                None => format!("theme {origin}: {}", e.message()),
            }
        })?;
        let base = match file.inherit.as_deref() {
            None | Some("dark") if origin == "dark" => Theme::bare(),
            None => Theme::dark(),
            Some(parent) => {
                if depth > 8 {
                    return Err(format!("theme {origin}: inherit chain too long (a loop?)"));
                }
                let text = resolve(parent)
                    .or_else(|| {
                        BUILT_IN
                            .iter()
                            .find(|(n, _)| *n == parent)
                            .map(|(_, t)| t.to_string())
                    })
                    .ok_or_else(|| {
                        format!("theme {origin}: inherits unknown theme \"{parent}\"")
                    })?;
                Theme::parse_depth(&text, parent, resolve, depth + 1)?
            }
        };
        Ok(file.apply(base))
    }

    /// Loads a theme by name or path: a path (contains `/` or ends in `.toml`), then
    /// `<user_dir>/NAME.toml`, then the built-ins.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, String> {
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        let user_file = |n: &str| user_dir.map(|d| d.join(format!("{n}.toml")));
        let resolve = |n: &str| user_file(n).and_then(|p| read(&p));
        if name.contains('/') || name.ends_with(".toml") {
            let text = std::fs::read_to_string(name)
                .map_err(|e| format!("cannot read theme file {name}: {e}"))?;
            return Theme::parse(&text, name, &resolve);
        }
        if let Some(text) = resolve(name) {
            return Theme::parse(&text, name, &resolve);
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::parse(text, name, &resolve),
            None => Err(format!(
                "no theme named \"{name}\": use one of {} or add {}",
                BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
                user_file(name)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "a theme file".into())
            )),
        }
    }

    /// Adapts a theme to the terminal: monochrome under `NO_COLOR`, and `#rrggbb` colours
    /// mapped to the 256-colour palette unless `COLORTERM` says truecolor.
    pub fn for_terminal(self, no_color: bool, truecolor: bool) -> Theme {
        if no_color {
            return Theme::monochrome();
        }
        if truecolor {
            return self;
        }
        self.map_colors(|c| match c {
            Color::Rgb(r, g, b) => Color::Indexed(nearest_256(r, g, b)),
            other => other,
        })
    }

    /// The theme for this process's terminal (`NO_COLOR`, `COLORTERM`).
    pub fn adapt_to_env(self) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let truecolor = std::env::var("COLORTERM")
            .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "truecolor" | "24bit"));
        self.for_terminal(no_color, truecolor)
    }

    /// The default theme for this terminal.
    pub fn from_env() -> Self {
        Theme::dark().adapt_to_env()
    }
}

/// Where user themes live: `$XDG_CONFIG_HOME/vmdeck/themes`.
pub fn user_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "vmdeck").map(|d| d.config_dir().join("themes"))
}

/// The nearest colour of the xterm 256-colour palette (6×6×6 cube or grey ramp).
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const STEPS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let idx = |v: u8| {
        STEPS
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| (i32::from(**s) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i)
    };
    let (ri, gi, bi) = (idx(r), idx(g), idx(b));
    let cube = 16 + 36 * ri as u8 + 6 * gi as u8 + bi as u8;
    let dist = |a: (u8, u8, u8)| {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        d(a.0, r) + d(a.1, g) + d(a.2, b)
    };
    let cube_rgb = (STEPS[ri], STEPS[gi], STEPS[bi]);
    let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    let grey_i = (avg.saturating_sub(8) / 10).min(23);
    let grey_v = 8 + 10 * grey_i;
    if dist((grey_v, grey_v, grey_v)) < dist(cube_rgb) {
        232 + grey_i
    } else {
        cube
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses() {
        for (name, text) in BUILT_IN {
            let t = Theme::parse(text, name, &|_| None).unwrap_or_else(|e| panic!("{e}"));
            assert_ne!(
                t.selected,
                Style::new(),
                "{name}: selection must be visible"
            );
        }
        assert_eq!(Theme::dark().border.fg, Some(Color::DarkGray));
    }

    #[test]
    fn shipped_dark_file_sets_every_key() {
        let text = BUILT_IN[0].1;
        for (key, _) in Theme::KEYS {
            assert!(
                text.contains(&format!("\n{key} = ")),
                "dark.toml lacks {key}"
            );
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Theme::parse("bordr = { fg = \"red\" }\n", "mine", &|_| None).unwrap_err();
        assert!(
            e.contains("bordr") && e.contains("mine") && e.contains("line 1"),
            "{e}"
        );
        let e = Theme::parse("border = { fgg = \"red\" }\n", "mine", &|_| None).unwrap_err();
        assert!(e.contains("fgg"), "{e}");
        let e = Theme::parse("border = { fg = \"reddish\" }\n", "mine", &|_| None).unwrap_err();
        assert!(e.contains("reddish") || e.contains("color"), "{e}");
    }

    /// The README writes colours as `COLOR`, "0-255" among them: a bare index works like a
    /// quoted one, and what is no colour says what is accepted.
    #[test]
    fn a_colour_index_may_be_bare_or_quoted() {
        let t = Theme::parse("ok = { fg = 196, bg = \"17\" }\n", "mine", &|_| None).unwrap();
        assert_eq!(t.ok.fg, Some(Color::Indexed(196)));
        assert_eq!(t.ok.bg, Some(Color::Indexed(17)));
        for bad in ["256", "-1", "true", "1.5"] {
            let e =
                Theme::parse(&format!("ok = {{ fg = {bad} }}\n"), "mine", &|_| None).unwrap_err();
            assert!(e.contains("0-255") && e.contains("line 1"), "{bad}: {e}");
        }
    }

    #[test]
    fn missing_keys_inherit() {
        let t = Theme::parse("ok = { fg = \"#00ff00\" }\n", "mine", &|_| None).unwrap();
        assert_eq!(t.ok.fg, Some(Color::Rgb(0, 255, 0)));
        assert_eq!(t.border, Theme::dark().border);
        let user = |n: &str| (n == "base").then(|| "warn = { fg = \"blue\" }\n".to_string());
        let t = Theme::parse("inherit = \"base\"\n", "mine", &user).unwrap();
        assert_eq!(t.warn.fg, Some(Color::Blue));
        let e = Theme::parse("inherit = \"nope\"\n", "mine", &|_| None).unwrap_err();
        assert!(e.contains("nope"), "{e}");
        let looped = |_: &str| Some("inherit = \"self\"\n".to_string());
        assert!(
            Theme::parse("inherit = \"self\"\n", "self", &looped)
                .unwrap_err()
                .contains("loop")
        );
    }

    #[test]
    fn no_truecolor_maps_to_256_and_no_color_is_monochrome() {
        let light = Theme::load("light", None).unwrap();
        assert!(matches!(light.selected.bg, Some(Color::Rgb(..))));
        let t = light.clone().for_terminal(false, false);
        assert!(matches!(t.selected.bg, Some(Color::Indexed(_))));
        assert_eq!(nearest_256(0, 95, 135), 24, "cube (0, 1, 2)");
        assert_eq!(nearest_256(128, 128, 128), 244);
        assert_eq!(light.clone().for_terminal(false, true), light);
        let mono = light.for_terminal(true, true);
        assert!(mono.selected.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(mono.selected.fg, None);
    }

    #[test]
    fn load_names_the_options_when_unknown() {
        let e = Theme::load("solarized", None).unwrap_err();
        assert!(
            e.contains("solarized") && e.contains("high-contrast"),
            "{e}"
        );
    }

    #[test]
    fn readme_documents_every_key() {
        let readme = include_str!("../README.md");
        for (key, _) in Theme::KEYS {
            assert!(
                readme.contains(&format!("| `{key}` |")),
                "README lacks {key}"
            );
        }
    }
}
