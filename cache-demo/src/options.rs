//! The command line: every knob of the demo, with its range checked before
//! anything runs.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;

/// A product-catalog service over an embedded SQLite database, run without
/// and with the cache, side by side.
///
/// Five scenarios: a thundering herd on one cold product, a fan-out of order
/// lines (per-key queries vs DataLoader batching), steady Zipf traffic,
/// warmup of the hot set, and a memoized function (`#[async_ttl]`). The
/// database is created and seeded on first run; every query waits a simulated
/// network round trip, as a remote database would.
#[derive(Debug, Clone, Parser, Serialize)]
#[command(name = "cache-demo", version, about, long_about = None, allow_negative_numbers = true)]
pub(crate) struct Options {
    /// Products in the catalog (seeded on first run, re-seeded when it changes).
    #[arg(long, default_value_t = 100_000, value_parser = whole(1, 10_000_000))]
    pub(crate) products: u64,

    /// The SQLite file [default: $TMPDIR/cache-demo/catalog.sqlite3].
    #[arg(long, value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,

    /// Simulated network latency added to every query, in milliseconds (0: none).
    #[arg(long, value_name = "MS", default_value_t = 2, value_parser = whole(0, 10_000))]
    pub(crate) db_latency_ms: u64,

    /// Connections in the database pool: queries beyond it wait for one.
    #[arg(long, default_value_t = 32, value_parser = whole(1, 256))]
    pub(crate) pool_size: u64,

    /// Requests in the steady-traffic scenario.
    #[arg(long, default_value_t = 200_000, value_parser = whole(1, 100_000_000))]
    pub(crate) requests: u64,

    /// Distinct products the traffic draws from [default: every product].
    #[arg(long, value_parser = whole(1, 10_000_000))]
    pub(crate) keys: Option<u64>,

    /// Zipf exponent of the traffic (0: uniform; about 1: a few products are very hot).
    #[arg(long, value_name = "S", default_value_t = 1.0, value_parser = parse_exponent)]
    pub(crate) zipf: f64,

    /// Requests in flight at once in the traffic scenarios.
    #[arg(long, default_value_t = 64, value_parser = whole(1, 10_000))]
    pub(crate) concurrency: u64,

    /// Entries each cache holds.
    #[arg(long, default_value_t = 10_000, value_parser = whole(1, 100_000_000))]
    pub(crate) capacity: u64,

    /// Time to live of cached products, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = whole(1, 31_536_000))]
    pub(crate) ttl_secs: u64,

    /// The cache's store: default (the builder's), lru, ttl, moka, or
    /// policy:<lru|fifo|lfu|sieve|tinylfu>.
    #[arg(long, default_value = "default", value_parser = StoreKind::parse)]
    pub(crate) store: StoreKind,

    /// Concurrent requests for one cold product in the thundering-herd scenario.
    #[arg(long, default_value_t = 1_000, value_parser = whole(1, 100_000))]
    pub(crate) herd: u64,

    /// Order lines resolved in the fan-out scenario.
    #[arg(long, default_value_t = 5_000, value_parser = whole(1, 1_000_000))]
    pub(crate) order_lines: u64,

    /// Distinct products among the order lines [default: 500, at most --products].
    #[arg(long, value_parser = whole(1, 10_000_000))]
    pub(crate) order_products: Option<u64>,

    /// Hottest products loaded ahead of traffic in the warmup scenario
    /// [default: --capacity, at most the products traffic draws from].
    #[arg(long, value_parser = whole(1, 10_000_000))]
    pub(crate) hot_set: Option<u64>,

    /// First requests measured in the warmup scenario.
    #[arg(long, default_value_t = 5_000, value_parser = whole(1, 100_000_000))]
    pub(crate) first_requests: u64,

    /// Requests through the memoized function scenario.
    #[arg(long, default_value_t = 20_000, value_parser = whole(1, 100_000_000))]
    pub(crate) memo_requests: u64,

    /// How long each run of the outage and slow-database scenarios lasts,
    /// in milliseconds (the trouble covers its middle third).
    #[arg(long, default_value_t = 3_000, value_parser = whole(300, 600_000))]
    pub(crate) trouble_ms: u64,

    /// Seed of the random traffic, for repeatable runs.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,

    /// Adds scenario 6: two instances sharing the Redis at this URL
    /// (`redis://127.0.0.1:6379`) as their second tier and backplane.
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) redis: Option<String>,

    /// Print one JSON document (results and Prometheus text) instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
}

impl Options {
    /// Checks the settings that depend on each other; the message names them.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let keys = self.keys();
        if keys > self.products {
            return Err(format!(
                "--keys ({keys}) cannot exceed --products ({}): traffic draws from existing products",
                self.products
            ));
        }
        if let Some(order_products) = self.order_products.filter(|n| *n > self.products) {
            return Err(format!(
                "--order-products ({order_products}) cannot exceed --products ({})",
                self.products
            ));
        }
        if let Some(hot_set) = self.hot_set.filter(|n| *n > keys) {
            return Err(format!(
                "--hot-set ({hot_set}) cannot exceed the products traffic draws from ({keys})"
            ));
        }
        Ok(())
    }

    /// Distinct products the traffic draws from.
    pub(crate) fn keys(&self) -> u64 {
        self.keys.unwrap_or(self.products)
    }

    /// Distinct products among the order lines of the fan-out.
    pub(crate) fn order_products(&self) -> u64 {
        self.order_products.unwrap_or_else(|| self.products.min(500))
    }

    /// Products warmed in the warmup scenario: the hottest ones.
    pub(crate) fn hot_set(&self) -> u64 {
        self.hot_set.unwrap_or_else(|| self.capacity.min(self.keys()))
    }

    /// The simulated network latency of one query.
    pub(crate) fn db_latency(&self) -> Duration {
        Duration::from_millis(self.db_latency_ms)
    }

    /// The time to live of cached products.
    pub(crate) fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl_secs)
    }

    /// These options with every derived default filled in, as the run used
    /// them (for the JSON report: no `null` where a value was used).
    pub(crate) fn resolved(&self) -> Self {
        Self {
            db: Some(self.db_path()),
            keys: Some(self.keys()),
            order_products: Some(self.order_products()),
            hot_set: Some(self.hot_set()),
            ..self.clone()
        }
    }

    /// The database file, defaulted under the system's temp directory.
    pub(crate) fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("cache-demo").join("catalog.sqlite3"))
    }
}

/// A parser of whole numbers from `min` to `max` whose messages say what is
/// wrong: `-5` for a count "must be positive", not "unexpected argument".
fn whole(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync {
    move |text: &str| {
        let value: i128 =
            text.trim().parse().map_err(|_| format!("`{text}` is not a whole number"))?;
        if value < i128::from(min) {
            return Err(match min {
                0 => "must not be negative".to_owned(),
                1 => "must be positive (at least 1)".to_owned(),
                _ => format!("must be at least {min}"),
            });
        }
        u64::try_from(value)
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| format!("must be at most {max}"))
    }
}

/// A Zipf exponent: finite, between 0 and 10.
fn parse_exponent(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if value.is_finite() && (0.0..=10.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not in 0..=10"))
    }
}

/// Where a cache keeps its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub(crate) enum StoreKind {
    /// The builder's default store (no `.store(..)` call).
    Default,
    /// `LruStore`: exact least-recently-used order.
    Lru,
    /// `TtlStore`: the entry closest to expiry leaves first.
    Ttl,
    /// `MokaStore`: moka's concurrent TinyLFU cache.
    Moka,
    /// `PolicyStore` over one of the workspace's eviction policies.
    Policy(PolicyKind),
}

/// An eviction policy of `PolicyStore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// Least recently used.
    Lru,
    /// First in, first out.
    Fifo,
    /// Least frequently used.
    Lfu,
    /// SIEVE.
    Sieve,
    /// Window TinyLFU.
    TinyLfu,
}

impl StoreKind {
    /// Parses `default`, `lru`, `ttl`, `moka` or `policy:<name>`.
    fn parse(text: &str) -> Result<Self, String> {
        let policy = |name: &str| match name {
            "lru" => Ok(PolicyKind::Lru),
            "fifo" => Ok(PolicyKind::Fifo),
            "lfu" => Ok(PolicyKind::Lfu),
            "sieve" => Ok(PolicyKind::Sieve),
            "tinylfu" => Ok(PolicyKind::TinyLfu),
            other => Err(format!(
                "unknown policy `{other}`: expected one of lru, fifo, lfu, sieve, tinylfu"
            )),
        };
        match text {
            "default" => Ok(Self::Default),
            "lru" => Ok(Self::Lru),
            "ttl" => Ok(Self::Ttl),
            "moka" => Ok(Self::Moka),
            _ => match text.strip_prefix("policy:") {
                Some(name) => policy(name).map(Self::Policy),
                None => Err(format!(
                    "unknown store `{text}`: expected default, lru, ttl, moka or policy:<lru|fifo|lfu|sieve|tinylfu>"
                )),
            },
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Lru => f.write_str("lru"),
            Self::Ttl => f.write_str("ttl"),
            Self::Moka => f.write_str("moka"),
            Self::Policy(policy) => {
                let name = match policy {
                    PolicyKind::Lru => "lru",
                    PolicyKind::Fifo => "fifo",
                    PolicyKind::Lfu => "lfu",
                    PolicyKind::Sieve => "sieve",
                    PolicyKind::TinyLfu => "tinylfu",
                };
                write!(f, "policy:{name}")
            }
        }
    }
}

impl From<StoreKind> for String {
    fn from(kind: StoreKind) -> Self {
        kind.to_string()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Options::command().debug_assert();
    }

    #[test]
    fn stores_parse_and_print_back() {
        for text in [
            "default",
            "lru",
            "ttl",
            "moka",
            "policy:lru",
            "policy:fifo",
            "policy:lfu",
            "policy:sieve",
            "policy:tinylfu",
        ] {
            assert_eq!(StoreKind::parse(text).unwrap().to_string(), text);
        }
        assert!(StoreKind::parse("policy:random").unwrap_err().contains("unknown policy"));
        assert!(StoreKind::parse("redis").unwrap_err().contains("unknown store"));
    }

    #[test]
    fn dependent_settings_are_checked() {
        let options =
            Options::try_parse_from(["cache-demo", "--products", "10", "--keys", "20"]).unwrap();
        assert!(options.validate().unwrap_err().contains("--keys"));
        let options =
            Options::try_parse_from(["cache-demo", "--products", "10", "--hot-set", "5"]).unwrap();
        assert_eq!(options.validate(), Ok(()));
        assert_eq!((options.hot_set(), options.order_products()), (5, 10));
        let options =
            Options::try_parse_from(["cache-demo", "--products", "10", "--hot-set", "11"]).unwrap();
        assert!(options.validate().unwrap_err().contains("--hot-set"));
        let defaults = Options::try_parse_from(["cache-demo"]).unwrap();
        assert_eq!((defaults.hot_set(), defaults.order_products()), (10_000, 500));
        assert!(Options::try_parse_from(["cache-demo", "--concurrency", "0"]).is_err());
        assert!(Options::try_parse_from(["cache-demo", "--zipf", "nan"]).is_err());
    }

    #[test]
    fn counts_say_what_is_wrong_with_them() {
        let parse = whole(1, 100);
        assert_eq!(parse("5"), Ok(5));
        assert_eq!(parse("-5").unwrap_err(), "must be positive (at least 1)");
        assert_eq!(parse("0").unwrap_err(), "must be positive (at least 1)");
        assert_eq!(parse("101").unwrap_err(), "must be at most 100");
        assert_eq!(parse("ten").unwrap_err(), "`ten` is not a whole number");
        assert_eq!(whole(0, 10)("-1").unwrap_err(), "must not be negative");
        let error = Options::try_parse_from(["cache-demo", "--requests", "-5"]).unwrap_err();
        assert!(error.to_string().contains("must be positive"), "{error}");
    }

    #[test]
    fn resolved_options_hold_every_derived_default() {
        let options = Options::try_parse_from(["cache-demo", "--products", "300"]).unwrap();
        let resolved = options.resolved();
        assert_eq!(resolved.keys, Some(300));
        assert_eq!(resolved.order_products, Some(300));
        assert_eq!(resolved.hot_set, Some(300));
        assert_eq!(resolved.db, Some(options.db_path()));
    }
}
