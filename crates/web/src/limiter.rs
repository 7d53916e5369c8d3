//! The per-address limit on failed logins: an in-memory count of failures
//! per peer IP address in a sliding window. Beyond the limit the login page
//! answers 429 until the oldest failure in the window ages out. The
//! per-account lockout (`auth::MAX_FAILED_LOGINS`) stays as well; this one
//! stops one address from guessing across many accounts.

use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;

/// Failed logins one address may make within [`WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
pub const WINDOW_MINUTES: i64 = 15;
/// Addresses remembered at most (the oldest are forgotten first).
const MAX_ADDRESSES: usize = 100_000;

/// The peer address of the connection (the server is served with connect
/// info); `0.0.0.0` when unknown, so that all unknown peers share one limit.
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub IpAddr);

impl FromRequestParts<AppState> for PeerIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        // Behind a trusted proxy the client's address, not the proxy's (else
        // every user would share the proxy's one limit).
        Ok(PeerIp(
            crate::transport::client_ip(&parts.headers, &parts.extensions, st.transport)
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<IpAddr, VecDeque<Timestamp>>>,
}

impl LoginLimiter {
    fn window() -> SignedDuration {
        SignedDuration::from_mins(WINDOW_MINUTES)
    }

    /// Minutes to wait when `ip` is over the limit, else `None`.
    pub fn blocked(&self, ip: IpAddr, now: Timestamp) -> Option<i64> {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let q = map.get_mut(&ip)?;
        while q.front().is_some_and(|t| *t + Self::window() <= now) {
            q.pop_front();
        }
        if q.len() < MAX_FAILURES_PER_ADDRESS {
            return None;
        }
        let oldest = *q.front()?;
        let wait = (oldest + Self::window()).duration_since(now);
        Some((wait.as_secs() + 59) / 60)
    }

    /// Counts a failed login from `ip`.
    pub fn failed(&self, ip: IpAddr, now: Timestamp) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_ADDRESSES && !map.contains_key(&ip) {
            map.retain(|_, q| q.back().is_some_and(|t| *t + Self::window() > now));
            if map.len() >= MAX_ADDRESSES {
                return;
            }
        }
        let q = map.entry(ip).or_default();
        q.push_back(now);
        while q.len() > MAX_FAILURES_PER_ADDRESS {
            q.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_the_limit_until_the_window_passes() {
        let l = LoginLimiter::default();
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let other: IpAddr = "10.0.0.8".parse().unwrap();
        let t0: Timestamp = "2026-05-01T08:00:00Z".parse().unwrap();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            assert_eq!(l.blocked(ip, t0), None, "after {i} failures");
            l.failed(ip, t0);
        }
        assert_eq!(l.blocked(ip, t0), Some(WINDOW_MINUTES));
        assert_eq!(l.blocked(other, t0), None);
        let later = t0 + SignedDuration::from_mins(WINDOW_MINUTES);
        assert_eq!(l.blocked(ip, later), None);
    }
}
