//! The profile `hubspoke login` writes: the endpoint and API key, in a file only its owner can read.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// What `hubspoke login` remembers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The server's base URL.
    pub endpoint: Option<String>,
    /// The API key.
    pub apikey: Option<String>,
}

/// Where the profile lives: `$HUBSPOKE_CONFIG_DIR/config.json`, else `~/.hubspoke/config.json`.
pub fn path() -> anyhow::Result<PathBuf> {
    if let Some(directory) = std::env::var_os("HUBSPOKE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(directory).join("config.json"));
    }
    let home =
        std::env::var_os("HOME").filter(|h| !h.is_empty()).context("neither HUBSPOKE_CONFIG_DIR nor HOME is set")?;
    Ok(PathBuf::from(home).join(".hubspoke").join("config.json"))
}

/// Reads the profile; a missing file is an empty profile.
pub fn load() -> anyhow::Result<Profile> {
    let path = path()?;
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("reading the profile `{}`", path.display()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Profile::default()),
        Err(error) => Err(error).with_context(|| format!("reading the profile `{}`", path.display())),
    }
}

/// Writes the profile with mode 0600, replacing the old one atomically.
pub fn save(profile: &Profile) -> anyhow::Result<PathBuf> {
    let path = path()?;
    let directory = path.parent().context("the profile path has no directory")?;
    std::fs::create_dir_all(directory).with_context(|| format!("creating `{}`", directory.display()))?;
    let temporary = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).with_context(|| format!("writing `{}`", temporary.display()))?;
    file.write_all(&serde_json::to_vec_pretty(profile)?)?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path).with_context(|| format!("writing `{}`", path.display()))?;
    Ok(path)
}
