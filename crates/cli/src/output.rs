//! Output in `ibmcloud`'s manner: progress lines, `OK`, aligned `Label:   value` blocks; or the API's JSON.

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
        Printer { json: connection.output.as_deref() == Some("json"), quiet: connection.quiet }
    }

    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        self.json
    }

    /// A progress line such as `Creating account hub as ...`, unless quiet or JSON.
    pub fn progress(&self, line: &str) {
        if !self.quiet && !self.json {
            println!("{line}");
        }
    }

    /// `OK` after a successful call, unless quiet or JSON.
    pub fn ok(&self) {
        self.progress("OK");
    }

    /// A JSON document, pretty-printed.
    pub fn value(&self, value: &Value) {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    }

    /// A block of `Label:   value` lines.
    pub fn block(&self, rows: &[(&str, String)]) {
        for (label, value) in rows {
            println!("{:<LABEL_WIDTH$}{value}", format!("{label}:"));
        }
    }

    /// `FAILED`, then the error code and message as `ibmcloud` shows them, on standard error.
    pub fn failed(&self, error: &anyhow::Error) {
        eprintln!("FAILED");
        match error.downcast_ref::<crate::client::ApiFailure>() {
            Some(crate::client::ApiFailure::Refused { status, code, message }) => {
                eprintln!("Error response from server. Status code: {status}");
                eprintln!("{code}: {message}");
            }
            _ => eprintln!("{error:#}"),
        }
    }
}
