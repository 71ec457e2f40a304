//! Rate limits and connection caps: token buckets (through `governor`) per
//! connection and per client address, for stroke events and for edits
//! (undo, redo, clear, erase, rename), a cursor throttle, and caps on the
//! connections and joins of one address.
//!
//! A refused event is told when to retry. Until then the same kind of event
//! from that connection is refused too, so a client that keeps its events
//! in order and resends them after the wait loses nothing. A connection that
//! keeps sending while refused is disconnected.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota as Rate, RateLimiter};
use parking_lot::Mutex;

use super::config::Settings;

/// The kinds of rate-limited events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `stroke:start`, `stroke:points`, `stroke:end`: what drawing sends.
    Stroke,
    /// `undo`, `redo`, `clear`, `erase`, `rename`, and the edits of objects
    /// (`add`, `transform`, `text`, `order`): fewer, and each reaches
    /// everyone on the board.
    Edit,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Stroke => "stroke",
            Class::Edit => "edit",
        }
    }
}

/// What to do with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Refuse it; the client may send it again after this long.
    Retry(Duration),
    /// Refuse it and close the connection: it keeps sending while refused.
    Disconnect,
}

/// Why a connection is not let in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    #[error("too many connections from your address (at most {0})")]
    Connections(usize),
    #[error("too many joins from your address; retry in {0} s")]
    Joins(u64),
    #[error("too many new boards from your address; retry in {0} s")]
    NewBoards(u64),
}

/// Boards one address may create per minute through `/new` and `/go`.
pub const NEW_BOARDS_PER_MINUTE: u32 = 30;
/// Image and PDF uploads one address may make per minute, after a burst
/// (a PDF's pages, or a few images dropped at once).
const UPLOADS_PER_MINUTE: u32 = 30;
const UPLOADS_BURST: u32 = 20;

/// The client's address: the connection's peer, or behind a trusted proxy
/// the last address it added to `X-Forwarded-For`.
pub fn client_ip(headers: &axum::http::HeaderMap, peer: Option<std::net::SocketAddr>, trust_proxy: bool) -> IpAddr {
    // The last line and its last entry: what the trusted proxy appended.
    let forwarded = trust_proxy
        .then(|| {
            let last = headers.get_all("x-forwarded-for").iter().next_back()?;
            last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
        })
        .flatten();
    forwarded.or(peer.map(|p| p.ip())).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// Cursor updates one connection may send per second; the rest are dropped.
const CURSORS_PER_SECOND: u32 = 30;
/// Viewports relayed per second and connection, at most.
const VIEWPORTS_PER_SECOND: u32 = 10;
/// Refusals a connection may collect in a burst, and per second after it,
/// before it is disconnected.
const REFUSALS_BURST: u32 = 200;
const REFUSALS_PER_SECOND: u32 = 20;

fn rate(per_second: u32, burst_seconds: u32) -> Rate {
    let per_second = NonZeroU32::new(per_second.max(1)).expect("at least 1");
    let burst = NonZeroU32::new(per_second.get().saturating_mul(burst_seconds)).expect("at least 1");
    Rate::per_second(per_second).allow_burst(burst)
}

/// The limits shared by every connection: per address, and the settings
/// for the per-connection buckets.
pub struct Limits {
    ip_strokes: DefaultKeyedRateLimiter<IpAddr>,
    ip_edits: DefaultKeyedRateLimiter<IpAddr>,
    joins: DefaultKeyedRateLimiter<IpAddr>,
    new_boards: DefaultKeyedRateLimiter<IpAddr>,
    uploads: DefaultKeyedRateLimiter<IpAddr>,
    connections: Mutex<HashMap<IpAddr, usize>>,
    max_connections: usize,
    stroke_rate: u32,
    edit_rate: u32,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        let per_minute = NonZeroU32::new(settings.joins_per_ip_per_minute.max(1)).expect("at least 1");
        Self {
            ip_strokes: RateLimiter::keyed(rate(settings.stroke_rate.max(settings.ip_stroke_rate), 2)),
            ip_edits: RateLimiter::keyed(rate(settings.edit_rate.max(settings.ip_edit_rate), 2)),
            joins: RateLimiter::keyed(Rate::per_minute(per_minute)),
            new_boards: RateLimiter::keyed(Rate::per_minute(NonZeroU32::new(NEW_BOARDS_PER_MINUTE).expect("not 0"))),
            uploads: RateLimiter::keyed(
                Rate::per_minute(NonZeroU32::new(UPLOADS_PER_MINUTE).expect("not 0"))
                    .allow_burst(NonZeroU32::new(UPLOADS_BURST).expect("not 0")),
            ),
            connections: Mutex::default(),
            max_connections: settings.max_connections_per_ip,
            stroke_rate: settings.stroke_rate,
            edit_rate: settings.edit_rate,
        }
    }

    /// Lets a new connection from `ip` in, or says why not. The returned
    /// slot counts it until dropped.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<AddressSlot, AdmissionError> {
        {
            let mut open = self.connections.lock();
            if open.get(&ip).is_some_and(|&count| count >= self.max_connections) {
                return Err(AdmissionError::Connections(self.max_connections));
            }
            if let Err(wait) = self.joins.check_key(&ip) {
                let secs = wait.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
                return Err(AdmissionError::Joins(secs));
            }
            *open.entry(ip).or_default() += 1;
        }
        Ok(AddressSlot { limits: self.clone(), ip })
    }

    /// Lets `ip` create one more board, or says when it may.
    /// Lets one more image or PDF upload from `ip` in; else how many
    /// seconds to wait.
    pub fn upload(&self, ip: IpAddr) -> Result<(), u64> {
        self.uploads.check_key(&ip).map_err(|wait| wait.wait_time_from(DefaultClock::default().now()).as_secs().max(1))
    }

    pub fn new_board(&self, ip: IpAddr) -> Result<(), AdmissionError> {
        self.new_boards.check_key(&ip).map_err(|wait| {
            AdmissionError::NewBoards(wait.wait_time_from(DefaultClock::default().now()).as_secs().max(1))
        })
    }

    /// The buckets of one new connection.
    pub fn for_connection(&self) -> ConnectionLimits {
        ConnectionLimits {
            strokes: RateLimiter::direct(rate(self.stroke_rate, 2)),
            edits: RateLimiter::direct(rate(self.edit_rate, 2)),
            cursors: RateLimiter::direct(rate(CURSORS_PER_SECOND, 1)),
            selections: RateLimiter::direct(rate(CURSORS_PER_SECOND, 1)),
            lasers: RateLimiter::direct(rate(CURSORS_PER_SECOND, 1)),
            viewports: RateLimiter::direct(rate(VIEWPORTS_PER_SECOND, 1)),
            refusals: RateLimiter::direct(
                Rate::per_second(NonZeroU32::new(REFUSALS_PER_SECOND).expect("non-zero"))
                    .allow_burst(NonZeroU32::new(REFUSALS_BURST).expect("non-zero")),
            ),
            blocked: Mutex::new([None, None]),
            held: Mutex::new(None),
        }
    }

    /// Forgets addresses that have not been seen for a while.
    pub fn forget_idle(&self) {
        self.ip_strokes.retain_recent();
        self.ip_edits.retain_recent();
        self.joins.retain_recent();
        self.new_boards.retain_recent();
        self.uploads.retain_recent();
    }
}

/// One open connection of an address; dropping it frees the place.
pub struct AddressSlot {
    limits: Arc<Limits>,
    pub ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.limits.connections.lock();
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// One connection's buckets.
pub struct ConnectionLimits {
    strokes: DefaultDirectRateLimiter,
    edits: DefaultDirectRateLimiter,
    cursors: DefaultDirectRateLimiter,
    /// `select` updates: as many as cursors, on their own budget, so a drag
    /// that moves the pointer still shows its end.
    selections: DefaultDirectRateLimiter,
    lasers: DefaultDirectRateLimiter,
    viewports: DefaultDirectRateLimiter,
    refusals: DefaultDirectRateLimiter,
    /// Until when each class is refused, after a refusal.
    blocked: Mutex<[Option<Instant>; 2]>,
    /// Until when every event is refused, after a retryable refusal of
    /// another kind (storage, a full relay queue, a batch gap): what was
    /// sent after it must wait too, to be resent in order.
    held: Mutex<Option<Instant>>,
}

impl ConnectionLimits {
    /// Refuses every event of this connection for `wait`.
    pub fn hold(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut held = self.held.lock();
        *held = Some(held.map_or(until, |h| h.max(until)));
    }

    /// How long every event of this connection is still held.
    pub fn held(&self) -> Option<Duration> {
        let until = (*self.held.lock())?;
        until.checked_duration_since(Instant::now())
    }

    /// Counts one more refusal of an event sent while held; `true` once the
    /// connection ignored so many that it is cut off.
    pub fn refused_while_held(&self) -> bool {
        self.refusals.check().is_err()
    }

    /// Decides on one event of `class` from this connection at `ip`.
    pub fn check(&self, class: Class, limits: &Limits, ip: IpAddr) -> Verdict {
        let now = Instant::now();
        let slot = class as usize;
        let mut blocked = self.blocked.lock();
        let wait = match blocked[slot] {
            Some(until) if until > now => Some(until - now),
            _ => {
                let (own, shared) = match class {
                    Class::Stroke => (&self.strokes, &limits.ip_strokes),
                    Class::Edit => (&self.edits, &limits.ip_edits),
                };
                match own.check().and_then(|()| shared.check_key(&ip)) {
                    Ok(()) => None,
                    Err(not_until) => {
                        // Only here: making a clock reads CPUID, which a VM traps.
                        let at = DefaultClock::default().now();
                        let wait = not_until.wait_time_from(at).max(Duration::from_millis(1));
                        blocked[slot] = Some(now + wait);
                        Some(wait)
                    }
                }
            }
        };
        match wait {
            None => Verdict::Allow,
            Some(_) if self.refusals.check().is_err() => Verdict::Disconnect,
            Some(wait) => Verdict::Retry(wait),
        }
    }

    /// Whether a cursor update may be relayed now.
    pub fn cursor(&self) -> bool {
        self.cursors.check().is_ok()
    }

    /// Whether a selection update may be relayed now.
    pub fn selection(&self) -> bool {
        self.selections.check().is_ok()
    }

    /// Whether a laser pointer's position may be relayed now.
    pub fn laser(&self) -> bool {
        self.lasers.check().is_ok()
    }

    /// Whether a viewport may be relayed now.
    pub fn viewport(&self) -> bool {
        self.viewports.check().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            stroke_rate: 10,
            edit_rate: 2,
            max_connections_per_ip: 2,
            joins_per_ip_per_minute: 3,
            ..Settings::default()
        }
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn a_burst_passes_then_the_class_waits_and_the_other_does_not() {
        let limits = Limits::new(&settings());
        let conn = limits.for_connection();
        // Two seconds' worth pass at once.
        for _ in 0..20 {
            assert_eq!(conn.check(Class::Stroke, &limits, IP), Verdict::Allow);
        }
        let Verdict::Retry(wait) = conn.check(Class::Stroke, &limits, IP) else { panic!("expected a refusal") };
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        // While blocked, every stroke event is refused; edits are not.
        assert!(matches!(conn.check(Class::Stroke, &limits, IP), Verdict::Retry(_)));
        assert_eq!(conn.check(Class::Edit, &limits, IP), Verdict::Allow);
        std::thread::sleep(wait + Duration::from_millis(5));
        assert_eq!(conn.check(Class::Stroke, &limits, IP), Verdict::Allow);
    }

    #[test]
    fn a_connection_that_ignores_refusals_is_disconnected() {
        let limits = Limits::new(&settings());
        let conn = limits.for_connection();
        let verdicts: Vec<Verdict> = (0..1000).map(|_| conn.check(Class::Edit, &limits, IP)).collect();
        let refused = verdicts.iter().filter(|v| matches!(v, Verdict::Retry(_))).count();
        assert_eq!(refused, REFUSALS_BURST as usize);
        assert_eq!(verdicts.last(), Some(&Verdict::Disconnect));
    }

    #[test]
    fn an_address_has_a_connection_cap_and_a_join_rate() {
        let limits = Arc::new(Limits::new(&settings()));
        let a = limits.admit(IP).unwrap();
        let _b = limits.admit(IP).unwrap();
        assert_eq!(limits.admit(IP).err(), Some(AdmissionError::Connections(2)));
        drop(a);
        // A place is free again, for the third join this minute; a fourth waits.
        let c = limits.admit(IP).unwrap();
        drop(c);
        assert!(matches!(limits.admit(IP).err(), Some(AdmissionError::Joins(_))));
        let other: IpAddr = "10.0.0.7".parse().unwrap();
        assert!(limits.admit(other).is_ok());
    }
}
