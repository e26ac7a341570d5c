//! The figures' statistics: the samples and facts the measuring programs print (lines
//! `BENCH <name> <unit> <sample>,<sample>,...` and `BENCHFACT <name> <value>`), and the order
//! statistics of each series, computed here once for every figure.

use std::collections::BTreeMap;

/// The samples and facts the measuring programs printed.
#[derive(Default)]
pub struct Results {
    /// Each series by name: its unit and samples.
    pub series: BTreeMap<String, (String, Vec<f64>)>,
    /// Each fact by name.
    pub facts: BTreeMap<String, String>,
}

impl Results {
    /// Reads the `BENCH` and `BENCHFACT` lines of `output` (anywhere in a line: test runners
    /// prefix what they pass on).
    pub fn absorb(&mut self, output: &str) {
        self.absorb_as("", output);
    }

    /// As [`Results::absorb`], each name prefixed with `prefix` (e.g. `"firefox."`: the same
    /// program in another engine).
    pub fn absorb_as(&mut self, prefix: &str, output: &str) {
        for line in output.lines() {
            if let Some(at) = line.find("BENCHFACT ") {
                let rest = line[at + "BENCHFACT ".len()..].trim();
                if let Some((name, value)) = rest.split_once(' ') {
                    self.facts
                        .insert(format!("{prefix}{name}"), value.trim().to_owned());
                }
            } else if let Some(at) = line.find("BENCH ") {
                let mut words = line[at + "BENCH ".len()..].split_whitespace();
                if let (Some(name), Some(unit), Some(list)) =
                    (words.next(), words.next(), words.next())
                {
                    let samples: Vec<f64> =
                        list.split(',').filter_map(|v| v.parse().ok()).collect();
                    self.series
                        .insert(format!("{prefix}{name}"), (unit.to_owned(), samples));
                }
            }
        }
    }

    /// The statistics of the series `name`, if it has samples.
    pub fn stats(&self, name: &str) -> Option<Stats> {
        self.series
            .get(name)
            .and_then(|(unit, samples)| Stats::of(unit, samples))
    }

    /// The fact `name`, if it was printed.
    pub fn fact(&self, name: &str) -> Option<&str> {
        self.facts.get(name).map(String::as_str)
    }
}

/// Order statistics of one series.
#[derive(Clone)]
pub struct Stats {
    unit: String,
    n: usize,
    /// The median.
    pub median: f64,
    p25: f64,
    p75: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
    min: f64,
    /// The largest sample.
    pub max: f64,
}

impl Stats {
    fn of(unit: &str, samples: &[f64]) -> Option<Stats> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        Some(Stats {
            unit: unit.to_owned(),
            n: sorted.len(),
            median: quantile(&sorted, 0.5),
            p25: quantile(&sorted, 0.25),
            p75: quantile(&sorted, 0.75),
            p95: quantile(&sorted, 0.95),
            p99: quantile(&sorted, 0.99),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }

    /// A row of the figures' tables (see [`TABLE_HEAD`]).
    pub fn row(&self, label: &str) -> String {
        format!(
            "| {label} | **{}** | {}–{} | {}–{} | {} | {} |",
            num(self.median, &self.unit),
            num(self.p25, &self.unit),
            num(self.p75, &self.unit),
            num(self.min, &self.unit),
            num(self.max, &self.unit),
            num(self.p95, &self.unit),
            self.n
        )
    }
}

/// Linear interpolation between the closest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

fn num(value: f64, unit: &str) -> String {
    let digits = if value.abs() >= 100.0 {
        0
    } else if value.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// The head of every table of figures.
pub const TABLE_HEAD: &str = "| figure | median | IQR (p25–p75) | min–max | p95 | n |\n| --- | --- | --- | --- | --- | --- |";
