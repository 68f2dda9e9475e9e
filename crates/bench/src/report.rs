//! Result rows and the Markdown table they are printed as: suite, workload, size, metric, ours, comparator, ratio,
//! target, pass.

use std::fmt::Write;

/// One measured line.
#[derive(Clone, Debug)]
pub struct Row {
    /// `decide`, `http`, `dns` or `store`.
    pub suite: &'static str,
    /// What ran, for example `realistic, allow`.
    pub workload: String,
    /// The number of policies or names.
    pub size: usize,
    /// What was measured, with its unit.
    pub metric: String,
    /// hubspoke's figure.
    pub ours: f64,
    /// The comparator's name and figure, when there is one.
    pub comparator: Option<(String, f64)>,
    /// The target as words, and whether it was met; `None` when the row only informs.
    pub target: Option<(String, bool)>,
}

impl Row {
    /// A row that only informs.
    pub fn info(
        suite: &'static str,
        workload: impl Into<String>,
        size: usize,
        metric: impl Into<String>,
        ours: f64,
    ) -> Row {
        Row { suite, workload: workload.into(), size, metric: metric.into(), ours, comparator: None, target: None }
    }

    /// With a comparator's figure.
    pub fn against(mut self, name: impl Into<String>, figure: f64) -> Row {
        self.comparator = Some((name.into(), figure));
        self
    }

    /// With a target and its verdict.
    pub fn target(mut self, words: impl Into<String>, met: bool) -> Row {
        self.target = Some((words.into(), met));
        self
    }

    /// The comparator's figure divided by ours (how many times smaller ours is, for times and bytes).
    pub fn ratio(&self) -> Option<f64> {
        self.comparator.as_ref().map(|(_, theirs)| theirs / self.ours)
    }
}

fn number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| suite | workload | size | metric | ours | comparator | ratio (theirs / ours) | target | pass |\n|---|---|---:|---|---:|---|---:|---|---|\n",
    );
    for row in rows {
        let (comparator, ratio) = match (&row.comparator, row.ratio()) {
            (Some((name, figure)), Some(ratio)) => (format!("{name}: {}", number(*figure)), format!("{ratio:.2}×")),
            _ => ("".into(), "".into()),
        };
        let (target, pass) = match &row.target {
            Some((words, met)) => (words.clone(), if *met { "yes" } else { "**no**" }.to_owned()),
            None => ("".into(), "".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {comparator} | {ratio} | {target} | {pass} |",
            row.suite,
            row.workload,
            row.size,
            row.metric,
            number(row.ours)
        );
    }
    out
}
