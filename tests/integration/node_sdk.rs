//! The official Node SDK (`@ibm-cloud/platform-services`) creates, reads and deletes the seed's authorization, and
//! manages an access group and its members, and access policies and custom roles.
//!
//! `scripts/test` installs the SDK into `tests/node/node_modules` (`npm ci`); without it this test fails, it does not
//! skip.

use crate::support::{Server, run_node};

#[tokio::test]
async fn the_node_sdk_manages_the_seed_authorization() {
    let server = Server::ephemeral().await;
    let hub = server.account("hub").await;
    let spoke = server.account("spoke").await;
    let environment = vec![
        ("HUBSPOKE_URL", server.base.clone()),
        ("HUB_APIKEY", hub.api_key.clone()),
        ("HUB_ACCOUNT", hub.id.clone()),
        ("SPOKE_ACCOUNT", spoke.id.clone()),
    ];
    let stdout = run_node("tests/node", "conformance.mjs", environment).await;
    assert!(stdout.contains("\"deleted\":true"), "{stdout}");
    assert!(stdout.contains("\"access_group_deleted\":true"), "{stdout}");
}

#[tokio::test]
async fn the_node_sdk_manages_access_policies_and_custom_roles() {
    let server = Server::ephemeral().await;
    let account = server.account("people").await;
    let environment = vec![
        ("HUBSPOKE_URL", server.base.clone()),
        ("ACCOUNT_APIKEY", account.api_key.clone()),
        ("ACCOUNT", account.id.clone()),
    ];
    let stdout = run_node("tests/node", "access.mjs", environment).await;
    assert!(stdout.contains("\"access\":true,\"roles\":true"), "{stdout}");
}
