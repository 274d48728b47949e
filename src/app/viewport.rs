//! The screen as the ui lays it out, measured by the event loop (`ui::layout::viewport`) on
//! start and on every resize and handed to [`super::App`] with `Msg::Resize`: `update` pages
//! and scrolls by it without asking the ui.

/// A list's borders and column header: the rows of a list area that show no item.
pub(crate) const LIST_CHROME: usize = 3;
/// A text view's borders.
pub(crate) const TEXT_CHROME: usize = 2;

/// Terminal size and the body area (the bordered view between the crumbs and the hints),
/// without and with the prompt line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub size: (u16, u16),
    /// (width, height) of the body: `[no prompt, prompt]`.
    pub body: [(u16, u16); 2],
}

impl Default for Viewport {
    /// 120×30, as `ui::layout::viewport(120, 30)` measures it (a ui test keeps the two equal);
    /// the event loop replaces it before the first frame.
    fn default() -> Self {
        Viewport {
            size: (120, 30),
            body: [(120, 25), (120, 24)],
        }
    }
}

impl Viewport {
    /// (width, height) of the body.
    pub fn body(&self, prompt: bool) -> (u16, u16) {
        self.body[usize::from(prompt)]
    }

    /// Rows of a list that fill the body.
    pub fn list_rows(&self, prompt: bool) -> usize {
        list_rows_in(self.body(prompt).1)
    }

    /// Lines of a text view that fills the body.
    pub fn text_rows(&self, prompt: bool) -> usize {
        usize::from(self.body(prompt).1)
            .saturating_sub(TEXT_CHROME)
            .max(1)
    }
}

/// Rows of a list drawn in an area `height` rows high.
pub(crate) fn list_rows_in(height: u16) -> usize {
    usize::from(height).saturating_sub(LIST_CHROME).max(1)
}
