//! Capacities given as entries (`1000`) or as a share of a trace's distinct
//! keys (`5%`).

use std::fmt;

/// One capacity of the simulator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CapacitySpec {
    /// This many entries.
    Entries(u64),
    /// This percentage of the trace's distinct keys.
    Percent(f64),
}

impl CapacitySpec {
    /// The capacity in entries for a trace of `distinct` keys: the share is
    /// rounded half to even (as the traces' README), and at least 1.
    #[must_use]
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn resolve(self, distinct: usize) -> u64 {
        match self {
            Self::Entries(n) => n,
            Self::Percent(p) => ((distinct as f64 * p / 100.0).round_ties_even() as u64).max(1),
        }
    }
}

impl fmt::Display for CapacitySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Entries(n) => write!(f, "{n}"),
            Self::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses a comma-separated list of capacities: `1%,5%,1000`.
///
/// # Errors
///
/// An empty list, or an item that is not a positive whole number of entries
/// or a percentage in `(0, 100]`; the message names the item.
pub fn parse_capacities(list: &str) -> Result<Vec<CapacitySpec>, String> {
    let specs = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_capacity)
        .collect::<Result<Vec<_>, _>>()?;
    if specs.is_empty() {
        return Err(format!("no capacity in {list:?}"));
    }
    Ok(specs)
}

fn parse_capacity(item: &str) -> Result<CapacitySpec, String> {
    if let Some(p) = item.strip_suffix('%') {
        match p.trim().parse::<f64>() {
            Ok(p) if p > 0.0 && p <= 100.0 => Ok(CapacitySpec::Percent(p)),
            _ => Err(format!("capacity {item:?}: a percentage must be in (0, 100]")),
        }
    } else {
        match item.parse::<u64>() {
            Ok(n) if n > 0 => Ok(CapacitySpec::Entries(n)),
            _ => Err(format!(
                "capacity {item:?}: expected a positive number of entries or a percentage such as 5%"
            )),
        }
    }
}

/// The default capacities: 1%, 5% and 10% of the distinct keys, plus 25% and
/// 50% on small loop-heavy traces.
#[must_use]
pub fn default_capacities(small: bool) -> Vec<CapacitySpec> {
    let mut specs = vec![1.0, 5.0, 10.0];
    if small {
        specs.extend([25.0, 50.0]);
    }
    specs.into_iter().map(CapacitySpec::Percent).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_percentages() {
        let specs = parse_capacities("1%, 5%,1000,12.5%").unwrap();
        assert_eq!(
            specs,
            [
                CapacitySpec::Percent(1.0),
                CapacitySpec::Percent(5.0),
                CapacitySpec::Entries(1000),
                CapacitySpec::Percent(12.5)
            ]
        );
        for bad in ["", "0", "-3", "abc", "0%", "101%", "x%", "1,,two"] {
            let err = parse_capacities(bad).unwrap_err();
            assert!(err.contains("capacity"), "{bad}: {err}");
        }
    }

    #[test]
    fn percentages_round_like_the_trace_readme() {
        // (distinct, percent, entries) from shared/traces/README.md
        for (distinct, p, want) in [
            (186_880, 1.0, 1_869),
            (2_529, 5.0, 126),
            (2_529, 50.0, 1_264),
            (1_409, 50.0, 704),
            (258_368, 5.0, 12_918),
            (13_756, 1.0, 138),
        ] {
            assert_eq!(CapacitySpec::Percent(p).resolve(distinct), want, "{distinct} {p}");
        }
        assert_eq!(CapacitySpec::Percent(1.0).resolve(10), 1, "at least one entry");
    }
}
