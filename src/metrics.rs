//! What the server counts for its operators, exported at `/metrics` in the
//! Prometheus text format (through `prometheus-client`). Every layer records
//! into one shared `Metrics`; nothing here knows about sockets or SQL.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

/// Why an event was refused, as `/metrics` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Rate,
    Quota,
    Validation,
    Storage,
    /// Not allowed: a viewer, a locked board, not the owner.
    Access,
}

impl Refusal {
    fn name(self) -> &'static str {
        match self {
            Refusal::Rate => "rate",
            Refusal::Quota => "quota",
            Refusal::Validation => "validation",
            Refusal::Storage => "storage",
            Refusal::Access => "access",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    connections: Gauge,
    open_boards: Gauge,
    events: Family<Kind, Counter>,
    refusals: Family<Reason, Counter>,
    commit_batch: Histogram,
    commit_seconds: Histogram,
    storage_retries: Counter,
    relay_overflows: Counter,
    disconnects: Family<Reason, Counter>,
    history_bytes: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("scrawl");
        let metrics = Self {
            connections: Gauge::default(),
            open_boards: Gauge::default(),
            events: Family::default(),
            refusals: Family::default(),
            commit_batch: Histogram::new(exponential_buckets(1.0, 4.0, 7)),
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 4.0, 8)),
            storage_retries: Counter::default(),
            relay_overflows: Counter::default(),
            disconnects: Family::default(),
            history_bytes: Counter::default(),
            registry: Registry::default(),
        };
        registry.register("connections", "Open realtime connections", metrics.connections.clone());
        registry.register("open_boards", "Boards held in memory", metrics.open_boards.clone());
        registry.register("events", "Client events received, by kind", metrics.events.clone());
        registry.register("refusals", "Client events refused, by reason", metrics.refusals.clone());
        registry.register("commit_batch_changes", "Changes per committed transaction", metrics.commit_batch.clone());
        registry.register("commit_seconds", "Time to commit one transaction", metrics.commit_seconds.clone());
        registry.register("storage_retries", "Failed writes that were retried", metrics.storage_retries.clone());
        registry.register(
            "relay_overflows",
            "Connections whose send queue was full, so they were disconnected",
            metrics.relay_overflows.clone(),
        );
        registry.register("disconnects", "Connections closed by the server, by reason", metrics.disconnects.clone());
        registry.register(
            "history_bytes",
            "Bytes of board history sent to joining sockets",
            metrics.history_bytes.clone(),
        );
        Self { registry, ..metrics }
    }
}

impl Metrics {
    pub fn connected(&self) {
        self.connections.inc();
    }

    pub fn disconnected(&self) {
        self.connections.dec();
    }

    pub fn event(&self, kind: &'static str) {
        self.events.get_or_create(&Kind { kind }).inc();
    }

    pub fn refused(&self, why: Refusal) {
        self.refusals.get_or_create(&Reason { reason: why.name() }).inc();
    }

    pub fn commit(&self, changes: usize, took: Duration) {
        self.commit_batch.observe(changes as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    pub fn storage_retry(&self) {
        self.storage_retries.inc();
    }

    pub fn relay_overflow(&self) {
        self.relay_overflows.inc();
    }

    /// The server closed a connection: `overflow`, `abuse`, …
    pub fn disconnect(&self, reason: &'static str) {
        self.disconnects.get_or_create(&Reason { reason }).inc();
    }

    pub fn history_sent(&self, bytes: usize) {
        self.history_bytes.inc_by(bytes as u64);
    }

    /// The text exposition, with `open_boards` as given now.
    pub fn render(&self, open_boards: usize) -> String {
        self.open_boards.set(open_boards as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_counted() {
        let m = Metrics::default();
        m.connected();
        m.event("stroke:points");
        m.event("stroke:points");
        m.refused(Refusal::Rate);
        m.commit(3, Duration::from_millis(2));
        let text = m.render(4);
        for line in [
            "scrawl_connections 1",
            "scrawl_open_boards 4",
            "scrawl_events_total{kind=\"stroke:points\"} 2",
            "scrawl_refusals_total{reason=\"rate\"} 1",
            "scrawl_commit_batch_changes_count 1",
        ] {
            assert!(text.contains(line), "{line:?} missing from\n{text}");
        }
    }
}
