//! Output in `ibmcloud`'s manner: progress lines, `OK`, aligned `Label:   value` blocks; or the API's JSON.

use std::io::Write;

use serde_json::Value;

use crate::Connection;

/// Width of the label column, as in `ibmcloud iam` output.
pub const LABEL_WIDTH: usize = 27;

/// Prints according to `--output` and `-q`.
pub struct Printer {
    json: bool,
    quiet: bool,
}

impl Printer {
    /// A printer for the given options.
    pub fn new(connection: &Connection) -> Printer {
        Printer {
            json: connection.output.as_deref().is_some_and(|o| o.eq_ignore_ascii_case("json")),
            quiet: connection.quiet,
        }
    }

    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        self.json
    }

    /// One line of standard output. A reader that stops early (`| head`) is not an error and must not make the
    /// command panic, as `println!` would: the rest of the output is dropped.
    pub fn line(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = writeln!(stdout, "{text}")
            && error.kind() != std::io::ErrorKind::BrokenPipe
        {
            let _ = writeln!(std::io::stderr(), "cannot write the output: {error}");
        }
    }

    /// A progress line such as `Creating account hub as ...`, unless quiet or JSON.
    pub fn progress(&self, line: &str) {
        if !self.quiet && !self.json {
            self.line(line);
        }
    }

    /// `OK` after a successful call, unless quiet or JSON.
    pub fn ok(&self) {
        self.progress("OK");
    }

    /// A JSON document, pretty-printed.
    pub fn value(&self, value: &Value) {
        self.line(&serde_json::to_string_pretty(value).unwrap_or_default());
    }

    /// The result of a command that returns one resource: its JSON with `--output json`, otherwise `OK` and the
    /// resource as `render` shows it.
    pub fn resource(&self, value: &Value, render: impl FnOnce(&Printer, &Value)) {
        if self.json {
            self.value(value);
        } else {
            self.ok();
            render(self, value);
        }
    }

    /// A block of `Label:   value` lines: IBM's 27-column labels, wider when a label needs it.
    pub fn block(&self, rows: &[(&str, String)]) {
        let width = rows.iter().map(|(label, _)| label.len() + 2).max().unwrap_or(0).max(LABEL_WIDTH);
        for (label, value) in rows {
            self.line(&format!("{:<width$}{value}", format!("{label}:")));
        }
    }

    /// A table whose columns are as wide as their widest cell.
    /// A list as `ibmcloud` shows one: `OK`, then the table, or `No <what> were found.` when it is empty.
    pub fn list(&self, what: &str, header: &[&str], rows: &[Vec<String>]) {
        self.ok();
        if rows.is_empty() {
            self.line(&format!("No {what} were found."));
        } else {
            self.table(header, rows);
        }
    }

    /// A table with a header row, columns aligned.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
        let widths: Vec<usize> = (0..header.len())
            .map(|column| {
                rows.iter()
                    .map(|row| row.get(column).map_or(0, String::len))
                    .chain([header[column].len()])
                    .max()
                    .unwrap_or(0)
                    + 3
            })
            .collect();
        let line = |cells: Vec<&str>| {
            let last = cells.len().saturating_sub(1);
            let text: String = cells
                .iter()
                .enumerate()
                .map(
                    |(i, cell)| if i == last { cell.to_string() } else { format!("{cell:<width$}", width = widths[i]) },
                )
                .collect();
            self.line(text.trim_end());
        };
        line(header.to_vec());
        for row in rows {
            line(row.iter().map(String::as_str).collect());
        }
    }

    /// `FAILED`, then the error code and message as `ibmcloud` shows them, on standard error (a closed standard error
    /// loses them rather than panicking).
    pub fn failed(&self, error: &anyhow::Error) {
        let text = match error.downcast_ref::<crate::client::ApiFailure>() {
            Some(crate::client::ApiFailure::Refused { status, code, message }) => {
                format!("FAILED\nError response from server. Status code: {status}\n{code}: {message}")
            }
            _ => format!("FAILED\n{error:#}"),
        };
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}
