//! Where the operator's API key comes from: the environment, a generated file in the data directory, or (with
//! `--ephemeral`, where nothing is written) the startup banner.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use hubspoke_app::identity::generate_api_key;

use crate::config::ServeArgs;

/// The resolved key and where it came from.
pub(crate) enum OperatorKey {
    Given(String),
    File { key: String, path: PathBuf, generated: bool },
    Printed(String),
}

/// Shortest operator key accepted from the environment.
const MIN_KEY_CHARS: usize = 16;

impl OperatorKey {
    pub(crate) fn resolve(args: &ServeArgs) -> anyhow::Result<OperatorKey> {
        if let Some(key) = args.operator_apikey.as_deref().filter(|key| !key.is_empty()) {
            anyhow::ensure!(
                key.chars().count() >= MIN_KEY_CHARS,
                "HUBSPOKE_OPERATOR_APIKEY must be at least {MIN_KEY_CHARS} characters long"
            );
            return Ok(OperatorKey::Given(key.to_owned()));
        }
        if args.ephemeral {
            return Ok(OperatorKey::Printed(generate_api_key()));
        }
        let path = args.data_dir.join("operator-apikey");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let key = existing.trim().to_owned();
            anyhow::ensure!(!key.is_empty(), "`{}` is empty; delete it to generate a new key", path.display());
            return Ok(OperatorKey::File { key, path, generated: false });
        }
        let key = generate_api_key();
        write_private(&path, &key).with_context(|| format!("writing the operator key to `{}`", path.display()))?;
        Ok(OperatorKey::File { key, path, generated: true })
    }

    pub(crate) fn key(&self) -> &str {
        match self {
            OperatorKey::Given(key) | OperatorKey::Printed(key) | OperatorKey::File { key, .. } => key,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            OperatorKey::Given(_) => "from HUBSPOKE_OPERATOR_APIKEY".to_owned(),
            OperatorKey::File { path, generated: true, .. } => format!("generated, in {}", path.display()),
            OperatorKey::File { path, generated: false, .. } => format!("in {}", path.display()),
            OperatorKey::Printed(key) => format!("{key} (generated for this ephemeral run)"),
        }
    }
}

/// Creates the file readable by its owner only (mode 0600), so the key is never world-readable, not even briefly.
fn write_private(path: &PathBuf, key: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{key}")?;
    file.sync_all()
}
