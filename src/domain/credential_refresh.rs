//! When to refresh a credential that says when it expires (an exec plugin's
//! `status.expirationTimestamp`): ahead of the expiry, so that no request ever goes out with
//! a credential the API server has stopped accepting.
//!
//! The credential is refreshed once less than a tenth of its lifetime, or less than
//! [`MIN_MARGIN`], is left, whichever comes first — but never in the first half of its
//! lifetime (a credential valid for 30 s is refreshed after 15 s, not at once and in a loop).
//! A refresh that fails is tried again in half the time still left (between [`MIN_RETRY`] and
//! [`MAX_RETRY`]) until the credential has expired; then the API server's 401 takes over.
//!
//! Pure time arithmetic: every function takes `now` (or the issue time) from the caller.

use jiff::{SignedDuration, Timestamp};

/// The least time left when a credential is refreshed (when its lifetime allows).
pub(crate) const MIN_MARGIN: SignedDuration = SignedDuration::from_secs(60);
/// A credential is refreshed when less than `1 / LIFETIME_SHARE` of its lifetime is left.
pub(crate) const LIFETIME_SHARE: i32 = 10;
/// The soonest a failed refresh is tried again.
pub(crate) const MIN_RETRY: SignedDuration = SignedDuration::from_secs(1);
/// The latest a failed refresh is tried again.
pub(crate) const MAX_RETRY: SignedDuration = SignedDuration::from_secs(30);

/// When a credential issued at `issued` and expiring at `expires` is to be refreshed.
/// One that expired when issued (or before) is due at once.
pub(crate) fn refresh_at(issued: Timestamp, expires: Timestamp) -> Timestamp {
    let lifetime = expires.duration_since(issued);
    if lifetime <= SignedDuration::ZERO {
        return issued;
    }
    let margin = (lifetime / LIFETIME_SHARE)
        .max(MIN_MARGIN)
        .min(lifetime / 2);
    expires.checked_sub(margin).unwrap_or(issued)
}

/// How long from `now` until `at` (zero when it has passed).
pub(crate) fn wait_until(now: Timestamp, at: Timestamp) -> std::time::Duration {
    let left = at.duration_since(now);
    std::time::Duration::try_from(left).unwrap_or(std::time::Duration::ZERO)
}

/// After a refresh failed at `now`: when to try again before the credential expires at
/// `expires`, or `None` when it has expired (the next request's 401 says so).
pub(crate) fn retry_at(now: Timestamp, expires: Timestamp) -> Option<Timestamp> {
    let left = expires.duration_since(now);
    if left <= SignedDuration::ZERO {
        return None;
    }
    let wait = (left / 2).clamp(MIN_RETRY, MAX_RETRY);
    now.checked_add(wait).ok()
}

/// The refresh plan of the credential in use: when it was issued and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    pub issued: Timestamp,
    pub expires: Timestamp,
    /// The next attempt (the planned refresh, or the retry after a failed one).
    pub next: Timestamp,
}

impl Schedule {
    /// A credential just issued at `now`; `None` when it does not say when it expires
    /// (it is refreshed only after the API server refuses it).
    pub(crate) fn new(now: Timestamp, expires: Option<Timestamp>) -> Option<Schedule> {
        let expires = expires?;
        Some(Schedule {
            issued: now,
            expires,
            next: refresh_at(now, expires),
        })
    }

    /// Whether a refresh is due at `now`.
    pub(crate) fn due(&self, now: Timestamp) -> bool {
        now >= self.next
    }

    /// A refresh failed at `now`: the schedule with its retry, or `None` when the credential
    /// has expired.
    pub(crate) fn failed(self, now: Timestamp) -> Option<Schedule> {
        retry_at(now, self.expires).map(|next| Schedule { next, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn a_long_lived_credential_is_refreshed_with_a_tenth_of_its_lifetime_left() {
        // One hour: six minutes before it expires.
        assert_eq!(
            refresh_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T11:00:00Z")),
            t("2026-01-01T10:54:00Z")
        );
        // Fifteen minutes (an EKS token): a tenth is 90 s, more than a minute.
        assert_eq!(
            refresh_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T10:15:00Z")),
            t("2026-01-01T10:13:30Z")
        );
    }

    #[test]
    fn a_short_lived_credential_keeps_a_minute_or_half_its_lifetime() {
        // Five minutes: a tenth (30 s) is less than a minute, so a minute before.
        assert_eq!(
            refresh_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T10:05:00Z")),
            t("2026-01-01T10:04:00Z")
        );
        // Thirty seconds: not at once (a loop), half way.
        assert_eq!(
            refresh_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T10:00:30Z")),
            t("2026-01-01T10:00:15Z")
        );
        // Already expired when issued: due at once.
        assert_eq!(
            refresh_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T09:00:00Z")),
            t("2026-01-01T10:00:00Z")
        );
    }

    #[test]
    fn a_schedule_is_due_at_its_time_and_retries_until_expiry() {
        let issued = t("2026-01-01T10:00:00Z");
        assert_eq!(Schedule::new(issued, None), None);
        let s = Schedule::new(issued, Some(t("2026-01-01T10:05:00Z"))).expect("expires");
        assert!(!s.due(t("2026-01-01T10:03:59Z")));
        assert!(s.due(t("2026-01-01T10:04:00Z")));
        assert_eq!(
            wait_until(t("2026-01-01T10:03:00Z"), s.next),
            std::time::Duration::from_secs(60)
        );
        assert_eq!(
            wait_until(t("2026-01-01T10:04:30Z"), s.next),
            std::time::Duration::ZERO
        );
        // 60 s left: retried in 30 s; 10 s left: in 5 s; 1 s left: in 1 s; expired: none.
        let r = s.failed(t("2026-01-01T10:04:00Z")).expect("retry");
        assert_eq!(r.next, t("2026-01-01T10:04:30Z"));
        assert_eq!(r.expires, s.expires);
        let r = r.failed(t("2026-01-01T10:04:50Z")).expect("retry");
        assert_eq!(r.next, t("2026-01-01T10:04:55Z"));
        let r = r.failed(t("2026-01-01T10:04:59.500Z")).expect("retry");
        assert_eq!(r.next, t("2026-01-01T10:05:00.500Z"));
        assert_eq!(r.failed(t("2026-01-01T10:05:00Z")), None);
        // Ten minutes left: at most 30 s.
        assert_eq!(
            retry_at(t("2026-01-01T10:00:00Z"), t("2026-01-01T10:10:00Z")),
            Some(t("2026-01-01T10:00:30Z"))
        );
    }
}
