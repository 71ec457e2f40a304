//! Gap detection. Every change relay, and the ack of each of our own
//! changes, carries the change's `seq`; after a sync at `seq = S` the ones
//! we learn must cover every number above `S`. The server disconnects a
//! socket rather than skip a relay to it, so a number that stays missing
//! while none of our own events is in flight means something went wrong on
//! the way: the board resyncs.

/// How long a missing seq may stay missing: relays of different senders
/// may overtake each other for a moment.
pub const GAP_WAIT_MS: f64 = 3000.0;

#[derive(Debug, Default)]
pub(super) struct Gaps {
    /// The first seq not seen yet.
    next: u64,
    /// Seqs seen beyond `next`, in order (few: relays overtake one another
    /// only briefly).
    ahead: Vec<u64>,
    /// Since when (ms) a seq has been missing while we waited for nothing.
    since: Option<f64>,
}

impl Gaps {
    /// A sync at `seq`: everything up to it is in.
    pub(super) fn synced(&mut self, seq: u64) {
        *self = Gaps { next: seq + 1, ..Gaps::default() };
    }

    pub(super) fn saw(&mut self, seq: u64) {
        if seq < self.next {
            return;
        }
        if let Err(at) = self.ahead.binary_search(&seq) {
            self.ahead.insert(at, seq);
        }
        let filled = self.ahead.iter().zip(self.next..).take_while(|(&seen, want)| seen == *want).count();
        self.ahead.drain(..filled);
        self.next += filled as u64;
    }

    /// Whether `seq` has not been seen yet.
    pub(super) fn is_new(&self, seq: u64) -> bool {
        seq >= self.next && self.ahead.binary_search(&seq).is_err()
    }

    /// The last seq up to which everything was seen, once anything was: a
    /// reconnection asks for the changes after it.
    pub(super) fn complete(&self) -> Option<u64> {
        self.next.checked_sub(1)
    }

    /// Whether a seq has been missing for longer than `GAP_WAIT_MS` at
    /// `now` (ms), counting only while `idle` (nothing of ours in flight,
    /// whose ack could still bring it).
    pub(super) fn missing(&mut self, now: f64, idle: bool) -> bool {
        if self.ahead.is_empty() || !idle {
            self.since = None;
            return false;
        }
        now - *self.since.get_or_insert(now) > GAP_WAIT_MS
    }
}
