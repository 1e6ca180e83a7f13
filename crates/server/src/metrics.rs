//! The operators' metrics, counted as requests pass and written in Prometheus' text
//! exposition format: requests by route template and status, latency histograms by route, the
//! connection pool's use, the long jobs running and the audit head's sequence. Labels hold
//! route templates (`/api/v1/cases/{id}`), never a path with an id in it, a query or anything
//! a user typed. Served by `operators`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// The latency histogram's bucket bounds, in microseconds (1 ms to 10 s).
const BUCKETS_MICROS: [u64; 12] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    10_000_000,
];

#[derive(Debug, Default)]
struct Latency {
    /// Requests at or under each bound (not yet cumulative).
    buckets: [u64; BUCKETS_MICROS.len()],
    count: u64,
    sum_micros: u64,
}

/// What the server counts as it answers.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Latency>>,
}

/// The route template a request matched, noted by [`note_route`] for the request log and
/// the metrics (inserted empty by the outer middleware).
#[derive(Debug, Clone, Default)]
pub struct RouteSlot(pub Arc<OnceLock<String>>);

impl RouteSlot {
    /// The template matched, or `unmatched` (a 404 from the fallback).
    pub fn route(&self) -> &str {
        self.0.get().map_or("unmatched", String::as_str)
    }
}

/// Notes the matched route template (a route layer: it runs after routing).
pub async fn note_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(path.as_str().to_owned());
    }
    next.run(request).await
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        if let Ok(mut latency) = self.latency.lock() {
            let l = latency.entry(route.to_owned()).or_default();
            if let Some(i) = BUCKETS_MICROS.iter().position(|b| micros <= *b) {
                l.buckets[i] += 1;
            }
            l.count += 1;
            l.sum_micros = l.sum_micros.saturating_add(micros);
        }
    }

    /// The text exposition of the counters, with the gauges read now.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP jumpup_http_requests_total Requests answered, by route template and status.\n",
        );
        out.push_str("# TYPE jumpup_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "jumpup_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        out.push_str(
            "# HELP jumpup_http_request_duration_seconds Time to answer, by route template.\n",
        );
        out.push_str("# TYPE jumpup_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for (route, l) in latency.iter() {
                let route = label(route);
                let mut cumulative = 0;
                for (bound, n) in BUCKETS_MICROS.iter().zip(l.buckets) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "jumpup_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{}\"}} {cumulative}",
                        seconds(*bound)
                    );
                }
                let _ = writeln!(
                    out,
                    "jumpup_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    l.count
                );
                let _ = writeln!(
                    out,
                    "jumpup_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    seconds(l.sum_micros)
                );
                let _ = writeln!(
                    out,
                    "jumpup_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    l.count
                );
            }
        }
        let gauge = |out: &mut String, name: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        let pool = gauges.pool;
        gauge(
            &mut out,
            "jumpup_db_pool_connections_open",
            "Database connections open.",
            pool.open.to_string(),
        );
        gauge(
            &mut out,
            "jumpup_db_pool_connections_in_use",
            "Database connections in use.",
            pool.open.saturating_sub(pool.idle).to_string(),
        );
        gauge(
            &mut out,
            "jumpup_db_pool_connections_max",
            "The most database connections the pool opens.",
            pool.max.to_string(),
        );
        gauge(
            &mut out,
            "jumpup_jobs_running",
            "Imports and settlement jobs running.",
            gauges.jobs_running.to_string(),
        );
        gauge(
            &mut out,
            "jumpup_jobs_max",
            "Imports and settlement jobs that may run at once.",
            gauges.jobs_max.to_string(),
        );
        gauge(
            &mut out,
            "jumpup_audit_head_seq",
            "The audit chain's latest entry (its sequence number).",
            gauges.audit_head.to_string(),
        );
        out
    }
}

/// A route template as a label value (templates hold no quote or backslash; escaped anyway).
fn label(route: &str) -> String {
    route.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Microseconds as decimal seconds (`2500` → `0.0025`), without floating point.
fn seconds(micros: u64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// What the metrics read at the moment they are asked for.
#[derive(Debug)]
pub struct Gauges {
    pub pool: jumpup_service::PoolUse,
    pub jobs_running: usize,
    pub jobs_max: usize,
    pub audit_head: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_bucketed_cumulatively_and_written_in_seconds() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/cases/{id}", 200, Duration::from_micros(800));
        m.observe("GET", "/api/v1/cases/{id}", 200, Duration::from_millis(30));
        m.observe("GET", "/api/v1/cases/{id}", 404, Duration::from_secs(20));
        let text = m.render(&Gauges {
            pool: jumpup_service::PoolUse {
                open: 3,
                idle: 1,
                max: 8,
            },
            jobs_running: 1,
            jobs_max: 1,
            audit_head: 42,
        });
        for line in [
            r#"jumpup_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="200"} 2"#,
            r#"jumpup_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="404"} 1"#,
            r#"jumpup_http_request_duration_seconds_bucket{route="/api/v1/cases/{id}",le="0.001"} 1"#,
            r#"jumpup_http_request_duration_seconds_bucket{route="/api/v1/cases/{id}",le="0.025"} 1"#,
            r#"jumpup_http_request_duration_seconds_bucket{route="/api/v1/cases/{id}",le="0.05"} 2"#,
            r#"jumpup_http_request_duration_seconds_bucket{route="/api/v1/cases/{id}",le="10"} 2"#,
            r#"jumpup_http_request_duration_seconds_bucket{route="/api/v1/cases/{id}",le="+Inf"} 3"#,
            r#"jumpup_http_request_duration_seconds_sum{route="/api/v1/cases/{id}"} 20.0308"#,
            "jumpup_db_pool_connections_in_use 2",
            "jumpup_audit_head_seq 42",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}
