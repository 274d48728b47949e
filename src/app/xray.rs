//! `x` / `:xray KIND`: owners and dependents of an object as a tree.

use super::App;

impl App {
    pub(super) fn open_xray_from_selection(&mut self) {
        self.flash("xray: not built yet", super::Level::Warn);
    }
}
