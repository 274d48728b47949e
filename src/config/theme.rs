//! Themes: `themes/*.toml` with semantic style slots, embedded, patched by the user's
//! `theme.toml`. `NO_COLOR` drops colours and keeps modifiers.
//!
//! File format: one entry per slot, each naming only what it sets:
//!
//! ```toml
//! error = { fg = "red", bold = true }
//! selection = { fg = "black", bg = "cyan" }
//! ```

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;

pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! slots {
    ($($slot:ident),* $(,)?) => {
        /// Semantic style slots. Panes ask for a meaning, never for a colour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)]
        pub enum Slot { $($slot),* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$slot),*];
            pub fn name(self) -> &'static str {
                match self { $(Slot::$slot => stringify!($slot)),* }
            }
        }
    };
}

slots! {
    text, muted, border, border_focused, title, header, selection, highlight,
    ok, warn, error, info, key, crumb, crumb_active, flash, dialog, prompt,
}

impl Slot {
    pub(crate) fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.iter().copied().find(|s| s.name() == name)
    }
}

/// A style as written in a file: every field optional, so a patch names only what it sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StyleSpec {
    #[serde(default, deserialize_with = "colour")]
    pub(crate) fg: Option<String>,
    #[serde(default, deserialize_with = "colour")]
    pub(crate) bg: Option<String>,
    pub(crate) bold: Option<bool>,
    pub(crate) dim: Option<bool>,
    pub(crate) italic: Option<bool>,
    pub(crate) underline: Option<bool>,
    pub(crate) reversed: Option<bool>,
}

/// A colour as a name or `#rrggbb` (a string), or an index 0-255 (an integer, as the
/// theme files document: `fg = 208`).
fn colour<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Index(i64),
    }
    match Raw::deserialize(d)? {
        Raw::Text(s) => Ok(Some(s)),
        Raw::Index(n) if (0..=255).contains(&n) => Ok(Some(n.to_string())),
        Raw::Index(n) => Err(serde::de::Error::custom(format!(
            "colour {n} is out of range (0-255)"
        ))),
    }
}

impl StyleSpec {
    fn patch(&mut self, other: &StyleSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $(if other.$f.is_some() { self.$f = other.$f.clone(); })* };
        }
        take!(fg, bg, bold, dim, italic, underline, reversed);
    }
}

#[derive(Debug, Clone)]
pub struct Theme {
    specs: BTreeMap<Slot, StyleSpec>,
    styles: BTreeMap<Slot, Style>,
    no_color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::builtin(false)
    }
}

impl Theme {
    /// An embedded theme by name.
    pub fn embedded(name: &str, no_color: bool) -> Option<(Theme, Vec<ConfigError>)> {
        let (n, text) = EMBEDDED.iter().find(|(n, _)| *n == name)?;
        let mut theme = Theme {
            specs: BTreeMap::new(),
            styles: BTreeMap::new(),
            no_color,
        };
        let errors = theme.apply_text(text, &format!("<embedded themes/{n}.toml>"));
        Some((theme, errors))
    }

    /// The default dark theme.
    pub(crate) fn builtin(no_color: bool) -> Theme {
        match Theme::embedded("dark", no_color) {
            Some((t, _)) => t,
            None => Theme {
                specs: BTreeMap::new(),
                styles: BTreeMap::new(),
                no_color,
            },
        }
    }

    /// Applies a theme file over this one; each slot entry patches only the fields it names.
    pub(crate) fn apply_text(&mut self, text: &str, file: &str) -> Vec<ConfigError> {
        let raw: BTreeMap<String, Spanned<StyleSpec>> = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return vec![ConfigError::from_toml(file, text, &e)],
        };
        let mut errors = Vec::new();
        for (name, spec) in raw {
            let span = spec.span();
            let Some(slot) = Slot::from_name(&name) else {
                let known: Vec<_> = Slot::ALL.iter().map(|s| s.name()).collect();
                errors.push(ConfigError::at(
                    file,
                    text,
                    span,
                    &name,
                    format!("unknown style slot (known: {})", known.join(", ")),
                ));
                continue;
            };
            let spec = spec.into_inner();
            let mut bad = false;
            for (field, value) in [("fg", &spec.fg), ("bg", &spec.bg)] {
                if let Some(v) = value
                    && Color::from_str(v).is_err()
                {
                    errors.push(ConfigError::at(
                        file,
                        text,
                        span.clone(),
                        &format!("{name}.{field}"),
                        format!("unknown colour {v:?} (use a name such as \"red\", \"#rrggbb\" or 0-255)"),
                    ));
                    bad = true;
                }
            }
            if !bad {
                self.specs.entry(slot).or_default().patch(&spec);
            }
        }
        self.resolve();
        errors
    }

    fn resolve(&mut self) {
        self.styles.clear();
        for slot in Slot::ALL {
            let spec = self.specs.get(slot).cloned().unwrap_or_default();
            let mut style = Style::default();
            if !self.no_color {
                if let Some(c) = spec.fg.as_deref().and_then(|c| Color::from_str(c).ok()) {
                    style = style.fg(c);
                }
                if let Some(c) = spec.bg.as_deref().and_then(|c| Color::from_str(c).ok()) {
                    style = style.bg(c);
                }
            }
            let mods = [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.reversed, Modifier::REVERSED),
            ];
            for (on, m) in mods {
                if on == Some(true) {
                    style = style.add_modifier(m);
                }
            }
            // Without colours a selection and a search match must still be visible.
            if self.no_color && matches!(slot, Slot::selection | Slot::highlight) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            self.styles.insert(*slot, style);
        }
    }

    pub(crate) fn style(&self, slot: Slot) -> Style {
        self.styles.get(&slot).copied().unwrap_or_default()
    }

    pub(crate) fn no_color(&self) -> bool {
        self.no_color
    }
}

/// `NO_COLOR` (https://no-color.org): set and not empty.
pub(crate) fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_may_be_integers_0_to_255() {
        let mut theme = Theme::builtin(false);
        let errors = theme.apply_text("error = { fg = 208, bg = 0 }\n", "t.toml");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(theme.style(Slot::error).fg, Some(Color::Indexed(208)));
        assert_eq!(theme.style(Slot::error).bg, Some(Color::Indexed(0)));
        let errors = theme.apply_text("ok = { fg = 300 }\n", "t.toml");
        assert_eq!(errors.len(), 1, "{errors:?}");
        let text = errors[0].to_string();
        assert!(text.contains("t.toml") && text.contains("0-255"), "{text}");
    }

    #[test]
    fn embedded_themes_are_complete_and_valid() {
        for (name, _) in EMBEDDED {
            let (theme, errors) = Theme::embedded(name, false).unwrap();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            for slot in Slot::ALL {
                assert!(
                    theme.specs.contains_key(slot),
                    "{name}: slot {} missing",
                    slot.name()
                );
            }
        }
    }

    #[test]
    fn user_patch_merges_field_by_field() {
        let mut theme = Theme::builtin(false);
        let before = theme.style(Slot::ok);
        let errors = theme.apply_text("error = { bg = \"#101010\" }\n", "theme.toml");
        assert!(errors.is_empty(), "{errors:?}");
        let error = theme.style(Slot::error);
        assert_eq!(error.bg, Some(Color::Rgb(16, 16, 16)));
        assert_eq!(
            error.fg,
            Theme::builtin(false).style(Slot::error).fg,
            "fg kept"
        );
        assert_eq!(theme.style(Slot::ok), before, "other slots untouched");
    }

    #[test]
    fn invalid_theme_names_file_line_and_key() {
        let mut theme = Theme::builtin(false);
        let errors = theme.apply_text(
            "ok = { fg = \"green\" }\nwarn = { fg = \"blurple\" }\nsparkle = { bold = true }\n",
            "theme.toml",
        );
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(shown.len(), 2);
        assert!(
            shown[0].starts_with("theme.toml:3: key `sparkle`: unknown style slot"),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].starts_with("theme.toml:2: key `warn.fg`: unknown colour \"blurple\""),
            "{}",
            shown[1]
        );
        let errors = theme.apply_text("ok = { fg = ", "theme.toml");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(1));
        let errors = theme.apply_text("ok = { colour = \"red\" }", "theme.toml");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("colour"), "{}", errors[0]);
    }

    #[test]
    fn no_color_keeps_modifiers_only() {
        let theme = Theme::builtin(true);
        for slot in Slot::ALL {
            let s = theme.style(*slot);
            assert_eq!((s.fg, s.bg), (None, None), "{}", slot.name());
        }
        assert!(
            theme
                .style(Slot::selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(
            theme
                .style(Slot::title)
                .add_modifier
                .contains(Modifier::BOLD)
        );
    }

    /// sRGB of a colour as xterm draws it (0–15: xterm's defaults; 16–255: the fixed cube
    /// and greys), or `None` for the terminal's own colour.
    fn rgb(c: Color) -> Option<(u8, u8, u8)> {
        const BASE: [(u8, u8, u8); 16] = [
            (0, 0, 0),
            (205, 0, 0),
            (0, 205, 0),
            (205, 205, 0),
            (0, 0, 238),
            (205, 0, 205),
            (0, 205, 205),
            (229, 229, 229),
            (127, 127, 127),
            (255, 0, 0),
            (0, 255, 0),
            (255, 255, 0),
            (92, 92, 255),
            (255, 0, 255),
            (0, 255, 255),
            (255, 255, 255),
        ];
        let index = |i: u8| -> (u8, u8, u8) {
            match i {
                0..=15 => BASE[i as usize],
                16..=231 => {
                    let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
                    let i = i - 16;
                    (level(i / 36), level((i / 6) % 6), level(i % 6))
                }
                _ => {
                    let g = 8 + 10 * (i - 232);
                    (g, g, g)
                }
            }
        };
        Some(match c {
            Color::Reset => return None,
            Color::Black => index(0),
            Color::Red => index(1),
            Color::Green => index(2),
            Color::Yellow => index(3),
            Color::Blue => index(4),
            Color::Magenta => index(5),
            Color::Cyan => index(6),
            Color::Gray => index(7),
            Color::DarkGray => index(8),
            Color::LightRed => index(9),
            Color::LightGreen => index(10),
            Color::LightYellow => index(11),
            Color::LightBlue => index(12),
            Color::LightMagenta => index(13),
            Color::LightCyan => index(14),
            Color::White => index(15),
            Color::Indexed(i) => index(i),
            Color::Rgb(r, g, b) => (r, g, b),
        })
    }

    /// WCAG 2 relative luminance.
    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        let lin = |v: u8| {
            let c = f64::from(v) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    /// WCAG 2 contrast ratio.
    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// Every pair a theme draws text with (each slot's colours, with the terminal's own
    /// where it sets none; text slots also on the dialog's background) keeps a contrast
    /// of at least 4.5:1 (WCAG AA for text); borders, which are not text, 3:1.
    #[test]
    fn every_theme_has_readable_contrast() {
        // The terminal each theme is meant for: (background, default foreground).
        let terminals = [
            ("dark", (0, 0, 0), (229, 229, 229)),
            ("light", (255, 255, 255), (0, 0, 0)),
            ("high-contrast", (0, 0, 0), (255, 255, 255)),
        ];
        let mut failures = Vec::new();
        for (name, term_bg, term_fg) in terminals {
            let (theme, _) = Theme::embedded(name, false).unwrap();
            let colours = |slot: Slot| {
                let s = theme.style(slot);
                let fg = s.fg.and_then(rgb).unwrap_or(term_fg);
                let bg = s.bg.and_then(rgb).unwrap_or(term_bg);
                if s.add_modifier.contains(Modifier::REVERSED) {
                    (bg, fg)
                } else {
                    (fg, bg)
                }
            };
            let dialog_bg = colours(Slot::dialog).1;
            for slot in Slot::ALL {
                let (fg, bg) = colours(*slot);
                let min = if matches!(slot, Slot::border | Slot::border_focused) {
                    3.0
                } else {
                    4.5
                };
                let mut pairs = vec![(fg, bg, "own background")];
                if matches!(slot, Slot::text | Slot::key | Slot::warn) {
                    pairs.push((fg, dialog_bg, "dialog background"));
                }
                for (fg, bg, on) in pairs {
                    let ratio = contrast(fg, bg);
                    if ratio < min {
                        failures.push(format!(
                            "{name}: {} {fg:?} on {on} {bg:?}: {ratio:.2} < {min}",
                            slot.name()
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn contrast_matches_wcag_examples() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 0.01);
        assert!((contrast((119, 119, 119), (255, 255, 255)) - 4.48).abs() < 0.01);
        assert_eq!(rgb(Color::Indexed(28)), Some((0, 135, 0)));
        assert_eq!(rgb(Color::Indexed(244)), Some((128, 128, 128)));
    }
}
