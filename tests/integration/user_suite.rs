//! Runs `tests/user-suite`, a pytest suite written the way users write theirs, against a server started as they would
//! start it: `--init` builds a known world, `--iam-propagation-delay` reproduces IBM's window after a grant; the suite
//! saves the world and loads it back after every test.

use std::process::Command;

use crate::support::{OPERATOR_KEY, Server, repository_root};

#[tokio::test]
async fn a_user_style_pytest_suite_passes() {
    let root = repository_root();
    let init = root.join("tests/user-suite/hub.toml");
    let server =
        Server::start(&["--ephemeral", "--iam-propagation-delay", "2s", "--init", init.to_str().unwrap()], None).await;
    let ready = server.wait_ready().await;
    assert!(ready, "the server did not become ready");
    let output = tokio::task::spawn_blocking({
        let base = server.base.clone();
        move || {
            Command::new("python3")
                .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/user-suite"])
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
    assert!(output.status.success(), "the user-style suite failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("5 passed") && !stdout.contains("skipped"), "{stdout}");
}
