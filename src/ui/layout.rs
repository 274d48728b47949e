//! Screen layout, shared with `App` so that paging and scrolling match what is drawn.
//!
//! ```text
//! header (2)      context, cluster, user / namespace, version, connection
//! crumbs (1)      breadcrumbs
//! prompt (0|1)    `:` command, `/` filter or an input
//! body            bordered view
//! hints (1)       key hints of the focused view
//! flash (1)       messages
//! ```

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::viewport::Viewport;

pub(crate) const HEADER_H: u16 = 2;
pub(crate) const CRUMBS_H: u16 = 1;
pub(crate) const HINTS_H: u16 = 1;
pub(crate) const FLASH_H: u16 = 1;

pub(crate) struct Areas {
    pub header: Rect,
    pub(crate) crumbs: Rect,
    pub(crate) prompt: Option<Rect>,
    pub body: Rect,
    pub(crate) hints: Rect,
    pub(crate) flash: Rect,
}

pub(crate) fn areas(area: Rect, prompt: bool) -> Areas {
    let prompt_h = u16::from(prompt);
    let [header, crumbs, prompt_area, body, hints, flash] = Layout::vertical([
        Constraint::Length(HEADER_H),
        Constraint::Length(CRUMBS_H),
        Constraint::Length(prompt_h),
        Constraint::Min(3),
        Constraint::Length(HINTS_H),
        Constraint::Length(FLASH_H),
    ])
    .areas(area);
    Areas {
        header,
        crumbs,
        prompt: prompt.then_some(prompt_area),
        body,
        hints,
        flash,
    }
}

fn body(size: (u16, u16), prompt: bool) -> Rect {
    areas(Rect::new(0, 0, size.0, size.1), prompt).body
}

/// The layout of a `width`×`height` terminal as `update` needs it (measured by the event
/// loop on start and on every resize).
pub(crate) fn viewport(width: u16, height: u16) -> Viewport {
    let measure = |prompt| {
        let b = body((width, height), prompt);
        (b.width, b.height)
    };
    Viewport {
        size: (width, height),
        body: [measure(false), measure(true)],
    }
}

/// Rows of a list inside the body (borders and the column header excluded).
#[cfg(test)]
pub(crate) fn list_rows(size: (u16, u16), prompt: bool) -> usize {
    viewport(size.0, size.1).list_rows(prompt)
}

/// Lines of a text view inside the body (borders excluded).
#[cfg(test)]
pub(crate) fn text_rows(size: (u16, u16), prompt: bool) -> usize {
    viewport(size.0, size.1).text_rows(prompt)
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights() {
        assert_eq!(list_rows((120, 30), false), 30 - 2 - 1 - 1 - 1 - 3);
        assert_eq!(list_rows((120, 30), true), 21);
        assert_eq!(text_rows((120, 30), false), 23);
        assert_eq!(list_rows((10, 5), false), 1);
    }

    #[test]
    fn the_default_viewport_is_what_120_by_30_measures() {
        assert_eq!(viewport(120, 30), Viewport::default());
    }
}
