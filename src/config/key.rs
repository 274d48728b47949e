//! Key chords as written in keymap files (`ctrl-d`, `enter`, `G`, `shift-tab`) and their
//! conversion from terminal key events.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

/// A key with its modifiers. Shift is folded into the character (`G`, not `shift-g`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub name: KeyName,
    pub(crate) ctrl: bool,
    pub(crate) alt: bool,
}

impl Key {
    pub const fn plain(name: KeyName) -> Key {
        Key {
            name,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyName::Char(c))
    }

    #[cfg(test)]
    pub(crate) const fn ctrl(c: char) -> Key {
        Key {
            name: KeyName::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    /// Parses `ctrl-d`, `alt-x`, `enter`, `pgdn`, `f5`, `space`, `G`, `?`, `-`.
    pub fn parse(spec: &str) -> Result<Key, String> {
        if spec.is_empty() {
            return Err("empty key".to_string());
        }
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1
                && (lower.starts_with("ctrl-") || lower.starts_with("ctrl+"))
            {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 1
                && (lower.starts_with("alt-") || lower.starts_with("alt+"))
            {
                alt = true;
                rest = &rest[4..];
            } else if rest.chars().count() > 1
                && (lower.starts_with("shift-") || lower.starts_with("shift+"))
            {
                shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let name = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if shift { c.to_ascii_uppercase() } else { c };
                KeyName::Char(if ctrl { c.to_ascii_lowercase() } else { c })
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyName::Enter,
                "esc" | "escape" => KeyName::Esc,
                "tab" if shift => KeyName::BackTab,
                "tab" => KeyName::Tab,
                "backtab" => KeyName::BackTab,
                "backspace" | "bs" => KeyName::Backspace,
                "delete" | "del" => KeyName::Delete,
                "insert" | "ins" => KeyName::Insert,
                "up" => KeyName::Up,
                "down" => KeyName::Down,
                "left" => KeyName::Left,
                "right" => KeyName::Right,
                "pageup" | "pgup" => KeyName::PageUp,
                "pagedown" | "pgdn" => KeyName::PageDown,
                "home" => KeyName::Home,
                "end" => KeyName::End,
                "space" => KeyName::Char(' '),
                "minus" => KeyName::Char('-'),
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=24).contains(&n) => KeyName::F(n),
                    _ => return Err(format!("unknown key {spec:?}")),
                },
            },
        };
        Ok(Key { name, ctrl, alt })
    }

    /// From a terminal event; `None` for keys opsdeck does not bind (media keys, …).
    pub(crate) fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let name = match ev.code {
            KeyCode::Char(c) => KeyName::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::Enter => KeyName::Enter,
            KeyCode::Esc => KeyName::Esc,
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyName::BackTab,
            KeyCode::Tab => KeyName::Tab,
            KeyCode::BackTab => KeyName::BackTab,
            KeyCode::Backspace => KeyName::Backspace,
            KeyCode::Delete => KeyName::Delete,
            KeyCode::Insert => KeyName::Insert,
            KeyCode::Up => KeyName::Up,
            KeyCode::Down => KeyName::Down,
            KeyCode::Left => KeyName::Left,
            KeyCode::Right => KeyName::Right,
            KeyCode::PageUp => KeyName::PageUp,
            KeyCode::PageDown => KeyName::PageDown,
            KeyCode::Home => KeyName::Home,
            KeyCode::End => KeyName::End,
            KeyCode::F(n) => KeyName::F(n),
            _ => return None,
        };
        Some(Key { name, ctrl, alt })
    }

    /// The printable character this key types into a text field, if any.
    pub(crate) fn typed_char(&self) -> Option<char> {
        match self.name {
            KeyName::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.name {
            KeyName::Char(' ') => f.write_str("space"),
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::Enter => f.write_str("enter"),
            KeyName::Esc => f.write_str("esc"),
            KeyName::Tab => f.write_str("tab"),
            KeyName::BackTab => f.write_str("shift-tab"),
            KeyName::Backspace => f.write_str("backspace"),
            KeyName::Delete => f.write_str("del"),
            KeyName::Insert => f.write_str("ins"),
            KeyName::Up => f.write_str("↑"),
            KeyName::Down => f.write_str("↓"),
            KeyName::Left => f.write_str("←"),
            KeyName::Right => f.write_str("→"),
            KeyName::PageUp => f.write_str("pgup"),
            KeyName::PageDown => f.write_str("pgdn"),
            KeyName::Home => f.write_str("home"),
            KeyName::End => f.write_str("end"),
            KeyName::F(n) => write!(f, "f{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chords() {
        assert_eq!(Key::parse("ctrl-d").unwrap(), Key::ctrl('d'));
        assert_eq!(Key::parse("CTRL+D").unwrap(), Key::ctrl('d'));
        assert_eq!(Key::parse("G").unwrap(), Key::char('G'));
        assert_eq!(Key::parse("shift-g").unwrap(), Key::char('G'));
        assert_eq!(Key::parse("-").unwrap(), Key::char('-'));
        assert_eq!(Key::parse("enter").unwrap(), Key::plain(KeyName::Enter));
        assert_eq!(
            Key::parse("shift-tab").unwrap(),
            Key::plain(KeyName::BackTab)
        );
        assert_eq!(Key::parse("pgdn").unwrap(), Key::plain(KeyName::PageDown));
        assert_eq!(Key::parse("f5").unwrap(), Key::plain(KeyName::F(5)));
        assert_eq!(Key::parse("space").unwrap(), Key::char(' '));
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("bogus").is_err());
        assert!(Key::parse("").is_err());
    }

    #[test]
    fn converts_terminal_events() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Some(Key::char('G')));
        let ev = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ev), Some(Key::ctrl('d')));
        assert_eq!(Key::ctrl('d').to_string(), "ctrl-d");
        assert_eq!(Key::ctrl('d').typed_char(), None);
        assert_eq!(Key::char('x').typed_char(), Some('x'));
    }
}
