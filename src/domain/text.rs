//! Plain text helpers shared by the sources (error lines) and the screens.

/// One line, at most `max` characters (control characters and runs of blanks become one
/// space; the cut is marked with `…`).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut blank = false;
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push(c);
            blank = false;
        }
    }
    if out.chars().count() > max {
        let mut cut: String = out.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_blanks_and_cuts() {
        assert_eq!(one_line(" a\n\n b\tc ", 80), "a b c");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
