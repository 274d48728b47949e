//! `W`: why a Pending pod does not schedule, against the node pools.

use super::App;

impl App {
    pub(super) fn open_why_pending(&mut self) {
        self.flash("why pending: not built yet", super::Level::Warn);
    }
}
