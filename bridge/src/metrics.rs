//! What the bridge measures where the work happens — the store's appends, the calls to the
//! support inbox — kept in meters the work writes to and `GET /metrics` reads, in Prometheus's
//! formats (`prometheus-client`).

use std::time::Instant;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

/// Latency buckets from 0.5 ms to about 8 s, doubling: an append on a quiet machine takes a
/// millisecond or two, an Intercom call a few hundred, a retried one seconds.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_5, 2.0, 15))
}

/// The store's appends: how many events, and how long each append took until committed.
#[derive(Debug, Clone)]
pub struct AppendMeter {
    events: Counter,
    latency: Histogram,
}

impl Default for AppendMeter {
    fn default() -> Self {
        Self { events: Counter::default(), latency: latency_buckets() }
    }
}

impl AppendMeter {
    /// An append that began at `started` committed `events` events.
    pub fn appended(&self, started: Instant, events: u64) {
        self.latency.observe(started.elapsed().as_secs_f64());
        self.events.inc_by(events);
    }

    /// Events appended so far.
    pub fn events(&self) -> u64 {
        self.events.get()
    }

    /// Adds the meter's series to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register("baton_events_appended", "Events the store appended", self.events.clone());
        registry.register_with_unit(
            "baton_append",
            "Time from an append's start to its commit",
            Unit::Seconds,
            self.latency.clone(),
        );
    }
}

/// How a call to the support inbox ended.
pub type Outcome = [(&'static str, &'static str); 1];

/// The calls to the support inbox's API, by outcome: how many, and how long each took
/// (its retries included).
#[derive(Debug, Clone)]
pub struct CallMeter {
    calls: Family<Outcome, Counter>,
    latency: Family<Outcome, Histogram, fn() -> Histogram>,
}

impl Default for CallMeter {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            latency: Family::new_with_constructor(latency_buckets as fn() -> Histogram),
        }
    }
}

impl CallMeter {
    /// A call that began at `started` ended with `outcome` (`ok`, `client_error`,
    /// `server_error`, `rate_limited`, `unreachable`).
    pub fn called(&self, started: Instant, outcome: &'static str) {
        let label = [("outcome", outcome)];
        self.calls.get_or_create(&label).inc();
        self.latency.get_or_create(&label).observe(started.elapsed().as_secs_f64());
    }

    /// Calls so far that ended with `outcome`.
    pub fn calls(&self, outcome: &'static str) -> u64 {
        self.calls.get(&[("outcome", outcome)]).map_or(0, |counter| counter.get())
    }

    /// Adds the meter's series to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "baton_intercom_calls",
            "Calls to the Intercom API, by outcome",
            self.calls.clone(),
        );
        registry.register_with_unit(
            "baton_intercom_call",
            "Time an Intercom API call took, retries included, by outcome",
            Unit::Seconds,
            self.latency.clone(),
        );
    }
}
