//! `/metrics` in the Prometheus text format: request latency per route, the database pool,
//! the scheduler and the dispatch sender, upload bytes and the page caches' hit rates. Each
//! instance is scraped on its own. Open to loopback scrapers, or to any with the bearer token
//! `RECTIFY_METRICS_TOKEN` when one is configured.

use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rectify_store::stats;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// One route's latencies.
#[derive(Default, Clone)]
struct Histogram {
    /// Cumulative: `buckets[i]` counts the requests at most `BUCKETS[i]`.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
    /// Answers by status class ("2xx" …).
    statuses: BTreeMap<&'static str, u64>,
}

impl Histogram {
    fn record(&mut self, seconds: f64, status: StatusCode) {
        for (bucket, bound) in self.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.count += 1;
        self.sum_seconds += seconds;
        *self.statuses.entry(class(status)).or_default() += 1;
    }
}

fn class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// A cache's hits and misses.
#[derive(Default)]
pub struct HitRate {
    hits: AtomicU64,
    misses: AtomicU64,
}

impl HitRate {
    pub fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    pub fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
}

/// What this instance measures.
#[derive(Default)]
pub struct Metrics {
    /// By (route pattern, method).
    routes: Mutex<BTreeMap<(String, String), Histogram>>,
    pub ledger_cache: HitRate,
    pub portal_cache: HitRate,
}

/// Times every routed request under its route's pattern (`/items/{number}`, never the
/// address itself, so the series stay few).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "其他".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    if let Ok(mut routes) = state.metrics.routes.lock() {
        routes
            .entry((route, method))
            .or_default()
            .record(seconds, response.status());
    }
    response
}

/// GET /metrics.
pub async fn serve(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, peer, &headers) {
        return crate::error::WebError::NotFound.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        exposition(&state),
    )
        .into_response()
}

fn allowed(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    match &state.config.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes())),
        None => peer.ip().is_loopback(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The text format.
fn exposition(state: &AppState) -> String {
    let mut out = String::new();
    let routes = state
        .metrics
        .routes
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    out.push_str(
        "# HELP rectify_http_request_duration_seconds Time to answer a request, by route.\n",
    );
    out.push_str("# TYPE rectify_http_request_duration_seconds histogram\n");
    for ((route, method), h) in &routes {
        let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
        for (count, bound) in h.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "rectify_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "rectify_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(
            out,
            "rectify_http_request_duration_seconds_sum{{{labels}}} {}",
            h.sum_seconds
        );
        let _ = writeln!(
            out,
            "rectify_http_request_duration_seconds_count{{{labels}}} {}",
            h.count
        );
    }
    out.push_str("# HELP rectify_http_responses_total Answers by route and status class.\n");
    out.push_str("# TYPE rectify_http_responses_total counter\n");
    for ((route, method), h) in &routes {
        for (status, n) in &h.statuses {
            let _ = writeln!(
                out,
                "rectify_http_responses_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
    }
    let (size, idle, max) = state.store.pool_use();
    gauge(
        &mut out,
        "rectify_db_pool_connections",
        "Open database connections.",
        size.into(),
    );
    gauge(
        &mut out,
        "rectify_db_pool_idle_connections",
        "Open database connections not in use.",
        idle as u64,
    );
    gauge(
        &mut out,
        "rectify_db_pool_max_connections",
        "The pool's limit.",
        max.into(),
    );
    for (name, help, counter) in [
        (
            "rectify_scheduler_runs_total",
            "Scheduler ticks run.",
            &stats::SCHEDULER_RUNS,
        ),
        (
            "rectify_scheduler_failures_total",
            "Scheduler ticks that failed.",
            &stats::SCHEDULER_FAILURES,
        ),
        (
            "rectify_deliveries_sent_total",
            "Dispatch messages delivered by e-mail or group robot.",
            &stats::DELIVERIES_SENT,
        ),
        (
            "rectify_delivery_failures_total",
            "Tries to deliver a dispatch message that failed.",
            &stats::DELIVERY_FAILURES,
        ),
        (
            "rectify_upload_bytes_total",
            "Bytes of files uploaded.",
            &stats::UPLOAD_BYTES,
        ),
        (
            "rectify_attachments_tampered_total",
            "Attachment reads refused because the content no longer had its SHA-256.",
            &stats::ATTACHMENTS_TAMPERED,
        ),
    ] {
        counter_line(&mut out, name, help, counter.get());
    }
    out.push_str("# HELP rectify_cache_requests_total Page cache lookups by cache and result.\n");
    out.push_str("# TYPE rectify_cache_requests_total counter\n");
    for (cache, rate) in [
        ("ledger", &state.metrics.ledger_cache),
        ("portal", &state.metrics.portal_cache),
    ] {
        for (result, n) in [("hit", &rate.hits), ("miss", &rate.misses)] {
            let _ = writeln!(
                out,
                "rectify_cache_requests_total{{cache=\"{cache}\",result=\"{result}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
    }
    out
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

fn counter_line(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

/// A label value as the text format writes it.
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
    fn buckets_are_cumulative() {
        let mut h = Histogram::default();
        h.record(0.003, StatusCode::OK);
        h.record(0.2, StatusCode::NOT_FOUND);
        assert_eq!(h.buckets[0], 0, "≤ 1 ms");
        assert_eq!(h.buckets[2], 1, "≤ 5 ms");
        assert_eq!(h.buckets[7], 2, "≤ 250 ms");
        assert_eq!(h.count, 2);
        assert_eq!(h.statuses["2xx"], 1);
        assert_eq!(h.statuses["4xx"], 1);
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd"));
    }
}
