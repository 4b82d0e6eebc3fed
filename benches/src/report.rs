//! Output of the simulator: markdown tables, JSON and SVG charts.

use std::fmt::Write as _;
use std::path::Path;

use crate::sim::{MOKA_SYNCED, OPT, PEERS, TraceResult};

/// How a target line reads: "met" or "NOT met".
#[must_use]
pub const fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// One trace's table: a row per contender, a column per capacity, and the
/// `target` contender's distance to the best peer and to OPT.
#[must_use]
pub fn markdown(result: &TraceResult, target: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {} ({} requests, {} distinct keys): hit ratio %\n",
        result.trace, result.requests, result.distinct
    );
    out.push_str("| contender | kind |");
    for row in &result.rows {
        let _ = write!(out, " {} ({}) |", row.entries, row.spec);
    }
    out.push_str("\n|---|---|");
    for _ in &result.rows {
        out.push_str("--:|");
    }
    out.push('\n');
    for (i, name) in result.names.iter().enumerate() {
        let _ = write!(out, "| `{name}` | {} |", result.kinds[i].label());
        for row in &result.rows {
            let _ = write!(out, " {:.2} |", result.ratio(row, i));
        }
        out.push('\n');
    }
    if let Some(deltas) = deltas(result, target) {
        let _ = write!(out, "| **`{target}` − best peer** (pp) | |");
        for d in &deltas {
            let _ = write!(out, " {:+.2} (`{}`) |", d.to_best_peer, d.best_peer);
        }
        let _ = write!(out, "\n| **`{target}` − OPT** (pp) | |");
        for d in &deltas {
            let _ = write!(out, " {:+.2} |", d.to_opt);
        }
        out.push('\n');
    }
    out
}

/// The target contender against the peers and OPT at one capacity.
#[derive(Debug, Clone)]
pub struct Delta {
    /// The capacity in entries.
    pub entries: u64,
    /// The target contender's hit ratio (%).
    pub default: f64,
    /// The best peer's name.
    pub best_peer: &'static str,
    /// The best peer's hit ratio (%).
    pub best_peer_ratio: f64,
    /// Each peer's hit ratio (%), in [`PEERS`] order.
    pub peers: Vec<f64>,
    /// Target minus best peer, in percentage points.
    pub to_best_peer: f64,
    /// OPT's hit ratio (%).
    pub opt: f64,
    /// Target minus OPT, in percentage points.
    pub to_opt: f64,
    /// Target minus the best of quick_cache, exact LRU and moka held to its
    /// capacity ([`MOKA_SYNCED`]), when that column was simulated: moka
    /// unsynced holds more entries than its capacity until its pending
    /// writes are applied, which lifts small caches above what any cache of
    /// that size can reach.
    pub to_best_capacity_bound: Option<f64>,
}

/// The `target` contender's distances at each capacity, when it, the peers
/// and OPT were all simulated.
#[must_use]
pub fn deltas(result: &TraceResult, target: &str) -> Option<Vec<Delta>> {
    let default = result.column(target)?;
    let opt = result.column(OPT)?;
    let peers: Vec<usize> = PEERS.iter().map(|p| result.column(p)).collect::<Option<_>>()?;
    let synced = result.column(MOKA_SYNCED);
    Some(
        result
            .rows
            .iter()
            .map(|row| {
                let ratios: Vec<f64> = peers.iter().map(|&p| result.ratio(row, p)).collect();
                let (best, best_ratio) = ratios
                    .iter()
                    .enumerate()
                    .fold((0, f64::MIN), |acc, (i, &r)| if r > acc.1 { (i, r) } else { acc });
                let d = result.ratio(row, default);
                let o = result.ratio(row, opt);
                let bounded = synced.map(|m| {
                    let others = ratios.iter().skip(1).copied();
                    d - others.fold(result.ratio(row, m), f64::max)
                });
                Delta {
                    entries: row.entries,
                    default: d,
                    best_peer: PEERS[best],
                    best_peer_ratio: best_ratio,
                    peers: ratios,
                    to_best_peer: d - best_ratio,
                    opt: o,
                    to_opt: d - o,
                    to_best_capacity_bound: bounded,
                }
            })
            .collect(),
    )
}

/// The summary over all traces: per row the `target` contender, each peer,
/// the distances, and the averages; plus whether the hit-ratio targets hold
/// (every row ≥ the best peer − 1 point; on average ≥ every peer + 1 point).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn summary_markdown(results: &[TraceResult], target: &str) -> String {
    let mut out = format!(
        "### Summary: `{target}` against the peers\n\n\
         | trace | capacity | `{target}` | moka | quick_cache | exact LRU | − best peer | OPT | − OPT |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let mut all = Vec::new();
    let mut labels = Vec::new();
    for result in results {
        for d in deltas(result, target).unwrap_or_default() {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:+.2} | {:.2} | {:+.2} |",
                result.trace,
                d.entries,
                d.default,
                d.peers[0],
                d.peers[1],
                d.peers[2],
                d.to_best_peer,
                d.opt,
                d.to_opt
            );
            labels.push(format!("{}, {} entries", result.trace, d.entries));
            all.push(d);
        }
    }
    if all.is_empty() {
        return String::new();
    }
    let n = all.len() as f64;
    let avg = |f: &dyn Fn(&Delta) -> f64| all.iter().map(f).sum::<f64>() / n;
    let _ = writeln!(
        out,
        "| **average** | {} rows | {:.2} | {:.2} | {:.2} | {:.2} | {:+.2} | {:.2} | {:+.2} |",
        all.len(),
        avg(&|d| d.default),
        avg(&|d| d.peers[0]),
        avg(&|d| d.peers[1]),
        avg(&|d| d.peers[2]),
        avg(&|d| d.to_best_peer),
        avg(&|d| d.opt),
        avg(&|d| d.to_opt)
    );
    let (worst, worst_at) = all
        .iter()
        .zip(&labels)
        .map(|(d, at)| (d.to_best_peer, at.as_str()))
        .fold((f64::MAX, ""), |acc, x| if x.0 < acc.0 { x } else { acc });
    let below = all.iter().filter(|d| d.to_best_peer < -1.0).count();
    let margins: Vec<String> = PEERS
        .iter()
        .enumerate()
        .map(|(p, name)| format!("{name} {:+.2}", avg(&|d| d.default) - avg(&|d| d.peers[p])))
        .collect();
    let beats_each = (0..PEERS.len()).all(|p| avg(&|d| d.default) >= avg(&|d| d.peers[p]) + 1.0);
    let _ = writeln!(
        out,
        "\nTarget 1, every row ≥ best peer − 1 pp: {}; worst row {worst:+.2} pp ({worst_at}); \
         {below} of {} rows below −1.\n\
         Target 2, on average ≥ every peer + 1 pp: {} (average minus each peer: {}).",
        verdict(worst >= -1.0),
        all.len(),
        verdict(beats_each),
        margins.join(", ")
    );
    let bounded: Vec<(f64, &str)> = all
        .iter()
        .zip(&labels)
        .filter_map(|(d, at)| d.to_best_capacity_bound.map(|b| (b, at.as_str())))
        .collect();
    if bounded.len() == all.len() {
        let (worst, at) =
            bounded.iter().copied().fold((f64::MAX, ""), |a, x| if x.0 < a.0 { x } else { a });
        let below = bounded.iter().filter(|(b, _)| *b < -1.0).count();
        let _ = writeln!(
            out,
            "With moka held to its capacity (`{MOKA_SYNCED}` in place of `moka`): worst row \
             {worst:+.2} pp ({at}); {below} of {} rows below −1.",
            all.len()
        );
    }
    out
}

/// Every result as JSON (hand-written: no serde needed).
#[must_use]
pub fn json(results: &[TraceResult]) -> String {
    let mut out = String::from("[");
    for (t, result) in results.iter().enumerate() {
        if t > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"trace\":{},\"requests\":{},\"distinct\":{},\"rows\":[",
            quote(&result.trace),
            result.requests,
            result.distinct
        );
        for (r, row) in result.rows.iter().enumerate() {
            if r > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"capacity\":{},\"spec\":{},\"hit_ratio\":{{",
                row.entries,
                quote(&row.spec.to_string())
            );
            for (i, name) in result.names.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:{:.4}", quote(name), result.ratio(row, i) / 100.0);
            }
            out.push_str("}}");
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

/// A JSON string literal.
#[must_use]
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes an SVG chart of hit ratio against capacity (log scale), one line
/// per contender (the `target` contender and OPT drawn thick), to `path`.
///
/// # Errors
///
/// When the file cannot be written or the chart cannot be drawn.
#[allow(clippy::cast_precision_loss)]
pub fn svg_chart(result: &TraceResult, target: &str, path: &Path) -> Result<(), String> {
    use plotters::prelude::*;

    let err = |e: &dyn std::fmt::Display| format!("chart {}: {e}", path.display());
    let xs: Vec<f64> = result.rows.iter().map(|r| r.entries as f64).collect();
    let (min_x, max_x) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let max_y = result
        .rows
        .iter()
        .flat_map(|row| (0..result.names.len()).map(move |i| (row, i)))
        .map(|(row, i)| result.ratio(row, i))
        .fold(0.0, f64::max);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let caption = format!("{}: hit ratio against capacity", result.trace);
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .right_y_label_area_size(10)
        .build_cartesian_2d(
            (min_x * 0.9..max_x * 1.1).log_scale(),
            0.0..(max_y * 1.1).clamp(1.0, 100.0),
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("capacity (entries)")
        .y_desc("hit ratio (%)")
        .draw()
        .map_err(|e| err(&e))?;
    for (i, name) in result.names.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let width = if *name == target || *name == OPT { 3 } else { 1 };
        let style = ShapeStyle { color, filled: true, stroke_width: width };
        let points: Vec<(f64, f64)> =
            result.rows.iter().map(|row| (row.entries as f64, result.ratio(row, i))).collect();
        chart
            .draw_series(LineSeries::new(points, style))
            .map_err(|e| err(&e))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::CapacitySpec;
    use crate::sim::{DEFAULT_STORE, contenders, simulate};
    use crate::trace::Trace;
    use crate::zipf::zipf_keys;

    #[test]
    fn tables_json_and_chart() {
        let trace = Trace::from_keys("tiny \"z\"", zipf_keys(300, 0.9, 3_000, 1));
        let specs = [CapacitySpec::Entries(10), CapacitySpec::Percent(10.0)];
        let result = simulate(&trace, &specs, &contenders(), 1);
        let md = markdown(&result, DEFAULT_STORE);
        assert!(
            md.contains("| `PolicyStore<WTinyLfu>` | store |")
                && md.contains("`PolicyStore<WTinyLfu>` − OPT")
        );
        let summary = summary_markdown(std::slice::from_ref(&result), DEFAULT_STORE);
        assert!(summary.contains("average") && summary.contains("Target 2"), "{summary}");
        assert!(summary.contains("moka held to its capacity"), "{summary}");
        let d = &deltas(&result, DEFAULT_STORE).unwrap()[0];
        let synced = result.ratio(&result.rows[0], result.column(MOKA_SYNCED).unwrap());
        let best_bounded = d.peers[1].max(d.peers[2]).max(synced);
        assert_eq!(d.to_best_capacity_bound, Some(d.default - best_bounded));
        let by_policy = summary_markdown(std::slice::from_ref(&result), "policy WTinyLfu");
        assert!(by_policy.contains("| `policy WTinyLfu` |") && by_policy.contains("worst row"));
        assert!(summary_markdown(std::slice::from_ref(&result), "nobody").is_empty());
        let js = json(std::slice::from_ref(&result));
        assert!(js.starts_with("[{\"trace\":\"tiny \\\"z\\\"\"") && js.ends_with("}]}]"));
        let path = std::env::temp_dir().join(format!("benches-chart-{}.svg", std::process::id()));
        svg_chart(&result, DEFAULT_STORE, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("<svg") && svg.contains("PolicyStore"));
    }
}
