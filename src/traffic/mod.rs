//! Low-traffic windows learned from Prometheus: the weekly profile of one
//! series (per weekday and wall-clock slot in a zone, the median over the
//! lookback), the slots at or below a threshold, and the runs of them that
//! become windows. Knows nothing of rules or TOML; a `[[window]]` with
//! `traffic` holds a [`TrafficSource`].
//!
//! `prometheus` asks the server (`/api/v1/query_range`, in pieces, with
//! auth, timeouts and bounded answers), `profile` is the pure maths, `spans`
//! turns runs into the weekly spans a window reads, `fetch` caches a profile
//! under the state directory like a calendar feed, and `source` is what a
//! window rule holds.

mod fetch;
mod profile;
mod prometheus;
mod source;
mod spans;

pub use fetch::{CacheOptions, MAX_LOOKBACK, ProfileCopy, ProfileQuery, fetch, obtain, range};
pub use profile::{Below, Profile, Run, Step, slot_day, slot_label};
pub use prometheus::{
    Auth, MAX_POINTS, MAX_RESPONSE_BYTES, PromError, Prometheus, QUERY_TIMEOUT, Sample,
};
pub use source::{TrafficSource, TrafficSpec};
pub use spans::{from_to, time_spec};
