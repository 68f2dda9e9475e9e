//! Runs the conformance suite of the official Python SDKs (`tests/sdk`) against a real server.
//!
//! The suite needs `python3` with the packages of `tests/sdk/requirements.txt`; `scripts/test` installs them. When
//! they are missing this test fails (it does not skip), so CI can never pass without running the SDKs.

use std::process::Command;

use crate::support::{OPERATOR_KEY, Server, repository_root};

#[tokio::test]
async fn the_official_python_sdks_pass_the_conformance_suite() {
    let server = Server::ephemeral().await;
    let root = repository_root();
    let output = tokio::task::spawn_blocking({
        let base = server.base.clone();
        move || {
            Command::new("python3")
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sdk"])
                .current_dir(&root)
                .env("HUBSPOKE_URL", base)
                .env("HUBSPOKE_OPERATOR_APIKEY", OPERATOR_KEY)
                .output()
                .expect("python3 runs")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the SDK suite failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("passed") && !stdout.contains("skipped"),
        "the SDK suite ran no test or skipped some:\n{stdout}"
    );
}
