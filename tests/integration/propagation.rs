//! `--iam-propagation-delay`: a new authorization takes effect for decisions only once it has propagated, as IAM's
//! does, so the refusal right after a grant that scripts meet against IBM can be rehearsed; the refusal and the
//! explanation say when it will count.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::Server;
use crate::vpc_rules::Net;

#[tokio::test]
async fn a_new_authorization_counts_only_once_it_has_propagated() {
    const DELAY_MS: u64 = 2000;
    let server = Server::start(&["--ephemeral", "--iam-propagation-delay", &format!("{DELAY_MS}ms")], None).await;
    let net = Net::new(&server).await;
    let (hub, spoke) = net.two_accounts().await;
    net.grant(Some(spoke["id"].as_str().unwrap()), &hub).await;
    let granted = Instant::now();

    let (status, refusal) = net.bind(&net.spoke, &spoke, &hub).await;
    if granted.elapsed() < Duration::from_millis(DELAY_MS) {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refusal}");
        let message = refusal["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("counts once it has propagated"), "{message}");
        let explain = json!({ "spoke": { "id": spoke["id"] }, "hub": { "crn": hub["crn"] } });
        let explained = net.ok(&net.spoke, Method::POST, "/_hubspoke/explain/binding", Some(explain)).await;
        assert_eq!(explained["decision"]["permitted"], false, "{explained}");
        assert!(explained["decision"]["propagates_at"].is_string(), "{explained}");
    }

    // Once propagated, the same request succeeds with no other change.
    let deadline = Instant::now() + Duration::from_millis(DELAY_MS + 5000);
    loop {
        let (status, body) = net.bind(&net.spoke, &spoke, &hub).await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(Instant::now() < deadline, "still refused {:?} after the grant", granted.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(granted.elapsed() >= Duration::from_millis(DELAY_MS), "permitted before the delay passed");
}
