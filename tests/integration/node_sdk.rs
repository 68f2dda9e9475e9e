//! The official Node SDK (`@ibm-cloud/platform-services`) creates, reads and deletes the seed's authorization.
//!
//! `scripts/test` installs the SDK into `tests/node/node_modules` (`npm ci`); without it this test fails, it does not
//! skip.

use std::process::Command;

use crate::support::{Server, repository_root};

#[tokio::test]
async fn the_node_sdk_manages_the_seed_authorization() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let root = repository_root();
    let base = server.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(root.join("tests/node/conformance.mjs"))
            .current_dir(root.join("tests/node"))
            .env("HUBSPOKE_URL", base)
            .env("HUB_APIKEY", &hub.api_key)
            .env("HUB_ACCOUNT", &hub.id)
            .env("SPOKE_ACCOUNT", &spoke.id)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("\"deleted\":true"), "{stdout}");
}
