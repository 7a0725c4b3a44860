//! What `GET /metrics` reports, in the Prometheus text format (0.0.4), on its own listener
//! (`CUENTAS_METRICS_BIND`), never on the public port.
//!
//! Counters and histograms live in one process-wide registry of atomics (a hand-written
//! format: a dozen series need no client library); the code that does the work records into
//! it with one call. Gauges of shared state (the outbox, the pool) are read at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds, in seconds, of the latency buckets (a 2 ms page to a 10 s upload).
const BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram: cumulative counts are computed when written out.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Microseconds.
    sum: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum.fetch_add(micros, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum.load(Ordering::Relaxed) as f64 / 1e6;
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

#[derive(Default)]
struct Registry {
    /// By (route pattern, method, status).
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    sign_ins: AtomicU64,
    sign_in_failures: AtomicU64,
    throttled: AtomicU64,
    argon2_waiting: AtomicI64,
    argon2_wait: Histogram,
    pool_wait: Histogram,
    photo_pipeline: Histogram,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

/// One request answered: its route pattern (`/equipo/{id}/{action}/`, never the raw path, so
/// the series stay few), method and status.
pub fn request_finished(route: &str, method: &str, status: u16, elapsed: Duration) {
    let Ok(mut requests) = REGISTRY.requests.lock() else {
        return;
    };
    // Any other word a client sends as a method is one series, or made-up methods would grow
    // the registry without end.
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "OTHER",
    };
    requests
        .entry((route.to_owned(), method.to_owned(), status))
        .or_default()
        .observe(elapsed);
}

/// A sign-in that succeeded (`true`) or failed.
pub fn sign_in(succeeded: bool) {
    let counter = if succeeded {
        &REGISTRY.sign_ins
    } else {
        &REGISTRY.sign_in_failures
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A request a throttle refused.
pub fn throttle_refused() {
    REGISTRY.throttled.fetch_add(1, Ordering::Relaxed);
}

/// A password hash or check starts waiting for a core; the guard ends the wait.
pub fn argon2_queued() -> Argon2Wait {
    REGISTRY.argon2_waiting.fetch_add(1, Ordering::Relaxed);
    Argon2Wait(std::time::Instant::now())
}

/// Counts one password job waiting for a core until dropped, then records how long it waited.
pub struct Argon2Wait(std::time::Instant);

impl Drop for Argon2Wait {
    fn drop(&mut self) {
        REGISTRY.argon2_waiting.fetch_sub(1, Ordering::Relaxed);
        REGISTRY.argon2_wait.observe(self.0.elapsed());
    }
}

/// How long a database connection took to check out of the pool.
pub fn pool_checkout(elapsed: Duration) {
    REGISTRY.pool_wait.observe(elapsed);
}

/// How long one photo took through the pipeline (inspection, waiting its turn, decoding,
/// resizing, encoding).
pub fn photo_processed(elapsed: Duration) {
    REGISTRY.photo_pipeline.observe(elapsed);
}

/// What the scrape reads from shared state at that moment.
pub struct Gauges {
    pub outbox_pending: i64,
    pub outbox_failed: i64,
    /// Seconds since the oldest mail still waiting was queued (0 when none waits).
    pub outbox_oldest_age: i64,
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
}

/// The whole exposition, in the Prometheus text format.
pub fn render(gauges: &Gauges) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let r = &*REGISTRY;
    let requests = "cuentas_http_request_duration_seconds";
    help(
        &mut out,
        requests,
        "histogram",
        "Time to answer a request, by route pattern, method and status.",
    );
    if let Ok(series) = r.requests.lock() {
        for ((route, method, status), histogram) in series.iter() {
            let labels = format!(
                "route=\"{}\",method=\"{}\",status=\"{status}\"",
                escape(route),
                escape(method)
            );
            histogram.write(&mut out, requests, &labels);
        }
    }
    let load =
        |counter: &AtomicU64| i64::try_from(counter.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    let single: [(&str, &str, &str, i64); 10] = [
        (
            "cuentas_sign_ins_total",
            "counter",
            "Successful sign-ins.",
            load(&r.sign_ins),
        ),
        (
            "cuentas_sign_in_failures_total",
            "counter",
            "Failed sign-ins (wrong password, unknown account, wrong code).",
            load(&r.sign_in_failures),
        ),
        (
            "cuentas_throttle_refusals_total",
            "counter",
            "Requests a throttle refused (sign-in, mail, password checks).",
            load(&r.throttled),
        ),
        (
            "cuentas_outbox_pending",
            "gauge",
            "Mails queued and not yet sent.",
            gauges.outbox_pending,
        ),
        (
            "cuentas_outbox_failed",
            "gauge",
            "Mails given up after their attempts (kept for inspection).",
            gauges.outbox_failed,
        ),
        (
            "cuentas_outbox_oldest_pending_age_seconds",
            "gauge",
            "Age of the oldest mail still waiting.",
            gauges.outbox_oldest_age,
        ),
        (
            "cuentas_argon2_queue_depth",
            "gauge",
            "Password hashes and checks waiting for a core.",
            r.argon2_waiting.load(Ordering::Relaxed),
        ),
        (
            "cuentas_db_pool_connections",
            "gauge",
            "Database connections open.",
            i64::from(gauges.pool_connections),
        ),
        (
            "cuentas_db_pool_idle_connections",
            "gauge",
            "Database connections open and idle.",
            i64::from(gauges.pool_idle),
        ),
        (
            "cuentas_db_pool_max_connections",
            "gauge",
            "The pool's size limit.",
            i64::from(gauges.pool_max),
        ),
    ];
    for (name, kind, text, value) in single {
        help(&mut out, name, kind, text);
        let _ = writeln!(out, "{name} {value}");
    }
    let histograms = [
        (
            "cuentas_argon2_wait_seconds",
            "Time a password hash or check waited for a core.",
            &r.argon2_wait,
        ),
        (
            "cuentas_db_pool_wait_seconds",
            "Time to check a connection out of the pool.",
            &r.pool_wait,
        ),
        (
            "cuentas_photo_pipeline_seconds",
            "Time one uploaded photo took through the image pipeline.",
            &r.photo_pipeline,
        ),
    ];
    for (name, text, histogram) in histograms {
        help(&mut out, name, "histogram", text);
        histogram.write(&mut out, name, "");
    }
    out
}

fn help(out: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(out, "# HELP {name} {text}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the format wants it: backslash, quote and newline escaped.
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
    fn a_histogram_is_cumulative_and_ends_with_inf() {
        let histogram = Histogram::default();
        histogram.observe(Duration::from_millis(1));
        histogram.observe(Duration::from_millis(30));
        histogram.observe(Duration::from_secs(60));
        let mut out = String::new();
        histogram.write(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.002\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.05\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
    }

    #[test]
    fn a_made_up_method_is_one_series() {
        for method in ["AAAA", "AAAB", "BREW"] {
            request_finished(
                "/made-up-method-test/",
                method,
                405,
                Duration::from_millis(1),
            );
        }
        request_finished(
            "/made-up-method-test/",
            "GET",
            200,
            Duration::from_millis(1),
        );
        let requests = REGISTRY.requests.lock().expect("lock");
        let methods: Vec<&str> = requests
            .keys()
            .filter(|(route, _, _)| route == "/made-up-method-test/")
            .map(|(_, method, _)| method.as_str())
            .collect();
        assert_eq!(methods.len(), 2, "{methods:?}");
        assert!(methods.contains(&"OTHER") && methods.contains(&"GET"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
