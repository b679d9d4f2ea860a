//! The instance's own counters, read by `GET /metrics` in the Prometheus text format: request
//! latencies by route pattern (never the path itself: a path may carry a case number), waits for
//! a database connection, the hashing gate's queue and the public page cache. A leaf like
//! `config`: anyone may record here; nothing here knows about a tip, a reporter or a person.
//! The outbox depth is read from the database when the endpoint is asked (`web::api::metrics`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram of atomics, recorded without a lock.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// Everything counted since the start.
#[derive(Default)]
pub struct Metrics {
    /// By (method, route pattern).
    /// By method, then route pattern (looked up without allocating a key per request).
    requests: RwLock<BTreeMap<String, BTreeMap<String, Arc<Histogram>>>>,
    /// Waiting for a pooled connection, by pool (`read`, `write`).
    pub pool_wait_read: Histogram,
    pub pool_wait_write: Histogram,
    pub pool_timeouts: AtomicU64,
    /// Slow hashes queued for a hashing thread, and running now.
    pub hash_waiting: AtomicU64,
    pub hash_running: AtomicU64,
    pub hash_wait: Histogram,
    pub page_cache_hits: AtomicU64,
    pub page_cache_renders: AtomicU64,
    /// Requests being answered now (taken by a worker, not yet answered).
    pub in_flight: AtomicU64,
}

/// Counts a request in flight until dropped (answered, failed or abandoned).
pub struct InFlight;

impl InFlight {
    pub fn start() -> InFlight {
        METRICS.in_flight.fetch_add(1, Relaxed);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        METRICS.in_flight.fetch_sub(1, Relaxed);
    }
}

/// This process's resident memory in bytes (Linux: `VmRSS` in `/proc/self/status`, in kB).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The instance's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

impl Metrics {
    /// One answered request; `route` is the matched pattern (`/staff/tips/{case}`), or
    /// `unmatched` for anything that matched none (so a scanner cannot grow the table).
    pub fn request(&self, method: &str, route: &str, took: Duration) {
        if let Some(h) = self
            .requests
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(method)
            .and_then(|routes| routes.get(route))
        {
            h.observe(took);
            return;
        }
        let h = Arc::clone(
            self.requests
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(method.to_owned())
                .or_default()
                .entry(route.to_owned())
                .or_default(),
        );
        h.observe(took);
    }

    /// The text exposition; `outbox` is the number of messages waiting to be sent and how long
    /// the oldest has waited, in seconds.
    pub fn render(&self, outbox: Option<(i64, Option<i64>)>) -> String {
        let mut out = String::new();
        out.push_str("# HELP tipline_http_request_duration_seconds Time to answer a request, by route pattern.\n");
        out.push_str("# TYPE tipline_http_request_duration_seconds histogram\n");
        let requests = self.requests.read().unwrap_or_else(|e| e.into_inner());
        let by_route = requests
            .iter()
            .flat_map(|(method, routes)| routes.iter().map(move |(route, h)| (method, route, h)));
        for (method, route, h) in by_route {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            h.write(&mut out, "tipline_http_request_duration_seconds", &labels);
        }
        out.push_str("# HELP tipline_db_pool_wait_seconds Time spent waiting for a pooled database connection.\n");
        out.push_str("# TYPE tipline_db_pool_wait_seconds histogram\n");
        let name = "tipline_db_pool_wait_seconds";
        self.pool_wait_read.write(&mut out, name, "pool=\"read\"");
        self.pool_wait_write.write(&mut out, name, "pool=\"write\"");
        gauge(
            &mut out,
            "tipline_db_pool_timeouts_total",
            "counter",
            "Requests that gave up waiting for a database connection.",
            self.pool_timeouts.load(Relaxed),
        );
        gauge(
            &mut out,
            "tipline_hash_gate_waiters",
            "gauge",
            "Slow hashes (receipts, passwords) waiting for a hashing thread.",
            self.hash_waiting.load(Relaxed),
        );
        gauge(
            &mut out,
            "tipline_hash_gate_running",
            "gauge",
            "Slow hashes running now.",
            self.hash_running.load(Relaxed),
        );
        out.push_str(
            "# HELP tipline_hash_gate_wait_seconds Time a slow hash waited for a hashing thread.\n",
        );
        out.push_str("# TYPE tipline_hash_gate_wait_seconds histogram\n");
        self.hash_wait
            .write(&mut out, "tipline_hash_gate_wait_seconds", "");
        gauge(
            &mut out,
            "tipline_page_cache_hits_total",
            "counter",
            "Public pages answered from rendered bytes.",
            self.page_cache_hits.load(Relaxed),
        );
        gauge(
            &mut out,
            "tipline_page_cache_renders_total",
            "counter",
            "Public pages rendered into the cache.",
            self.page_cache_renders.load(Relaxed),
        );
        gauge(
            &mut out,
            "tipline_http_requests_in_flight",
            "gauge",
            "Requests being answered now.",
            self.in_flight.load(Relaxed),
        );
        if let Some(bytes) = resident_bytes() {
            gauge(
                &mut out,
                "process_resident_memory_bytes",
                "gauge",
                "Resident memory of this process.",
                bytes,
            );
        }
        if let Some((n, oldest)) = outbox {
            gauge(
                &mut out,
                "tipline_outbox_depth",
                "gauge",
                "Messages (mails, texts) in the outbox not yet sent.",
                u64::try_from(n).unwrap_or(0),
            );
            gauge(
                &mut out,
                "tipline_outbox_oldest_seconds",
                "gauge",
                "How long the oldest unsent message has waited (0 when none waits).",
                oldest.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            );
        }
        out
    }
}

fn gauge(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_cumulatively_and_sums_in_seconds() {
        let m = Metrics::default();
        m.request("GET", "/report", Duration::from_micros(1500));
        m.request("GET", "/report", Duration::from_millis(30));
        let text = m.render(Some((3, Some(90))));
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("{prefix} in {text}"))
                .to_owned()
        };
        assert_eq!(
            line(
                "tipline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/report\",le=\"0.001\"}"
            ),
            "tipline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/report\",le=\"0.001\"} 0"
        );
        assert!(line("tipline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/report\",le=\"0.002\"}").ends_with(" 1"));
        assert!(line("tipline_http_request_duration_seconds_bucket{method=\"GET\",route=\"/report\",le=\"+Inf\"}").ends_with(" 2"));
        assert_eq!(
            line("tipline_http_request_duration_seconds_sum"),
            "tipline_http_request_duration_seconds_sum{method=\"GET\",route=\"/report\"} 0.0315"
        );
        assert_eq!(line("tipline_outbox_depth "), "tipline_outbox_depth 3");
        assert_eq!(
            line("tipline_outbox_oldest_seconds "),
            "tipline_outbox_oldest_seconds 90"
        );
        assert!(line("tipline_http_requests_in_flight ").ends_with(" 0"));
    }
}
