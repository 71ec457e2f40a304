//! What a run reports: latency percentiles, the server's CPU and memory
//! read from `/proc`, a table per scenario and one JSON document.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

/// Percentiles of a sample, in milliseconds.
pub fn percentiles(mut sample: Vec<f64>) -> Value {
    if sample.is_empty() {
        return json!(null);
    }
    sample.sort_by(f64::total_cmp);
    let at = |p: f64| sample[((sample.len() - 1) as f64 * p).round() as usize];
    json!({ "n": sample.len(), "p50": round(at(0.5)), "p99": round(at(0.99)), "max": round(at(1.0)) })
}

pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The server process as `/proc` shows it.
#[derive(Clone, Copy)]
pub struct ServerSample {
    at: Instant,
    /// User and system CPU time, in clock ticks.
    ticks: u64,
}

pub struct Report {
    pid: Option<u32>,
    scenarios: Map<String, Value>,
}

impl Report {
    pub fn new(pid: Option<u32>) -> Self {
        Self { pid, scenarios: Map::new() }
    }

    pub fn sample(&self) -> Option<ServerSample> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid?)).ok()?;
        // Fields after the command name, which is in parentheses.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ServerSample { at: Instant::now(), ticks })
    }

    /// The server's resident memory in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// The server's CPU use since `since`, in percent of one core.
    pub fn cpu_since(&self, since: Option<ServerSample>) -> Option<f64> {
        let (before, now) = (since?, self.sample()?);
        let wall = now.at.duration_since(before.at).max(Duration::from_millis(1)).as_secs_f64();
        Some(round((now.ticks - before.ticks) as f64 / 100.0 / wall * 100.0))
    }

    /// Records a scenario's figures and prints them as a table.
    pub fn add(&mut self, scenario: &str, figures: Value) {
        println!("\n{scenario}");
        print_rows("", &figures);
        self.scenarios.insert(scenario.to_owned(), figures);
    }

    pub fn finish(self, json: bool) {
        if json {
            println!("{}", Value::Object(self.scenarios));
        }
    }
}

fn print_rows(prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                print_rows(&name, v);
            }
        }
        other => println!("  {prefix:<32} {other}"),
    }
}
