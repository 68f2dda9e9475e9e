//! What `hubspoke serve --init` applies before the server reports ready: saved states (`hubspoke state save`
//! documents) and topology files, in the order given, against the server itself as the operator.

use anyhow::Context;
use reqwest::Method;
use serde_json::Value;

use crate::client::Client;

/// Applies each file in turn: a document whose `format` is `hubspoke-state` is loaded (replacing the state), any
/// other file is a topology applied step by step. `report` hears each step before it runs.
pub async fn apply(
    paths: &[std::path::PathBuf],
    endpoint: &str,
    operator_key: &str,
    report: &(dyn Fn(&std::path::Path, &str) + Send + Sync),
) -> anyhow::Result<()> {
    for path in paths {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
        let state = serde_json::from_str::<Value>(&text).ok().filter(|document| document["format"] == "hubspoke-state");
        match state {
            Some(document) => {
                report(path, "load the saved state");
                Client::new(endpoint, operator_key)
                    .call(Method::PUT, "/_hubspoke/state", Some(&document))
                    .await
                    .with_context(|| format!("loading the saved state `{}`", path.display()))?;
            }
            None => super::topology::apply_file(path, endpoint, operator_key, report).await?,
        }
    }
    Ok(())
}
