//! The README's five-minute walk-through, run exactly as written: its `sh walkthrough` block, then its
//! `python walkthrough` block, against a real server.
//!
//! The README is written for a server on `127.0.0.1:8080` with DNS on port 8053; the only edits made here point
//! those two at this test's server, so the text a new user pastes is the text that is tested. The Python block needs
//! the IBM SDKs of `tests/sdk/requirements.txt` and the shell block needs `dig`; `scripts/test` installs both.

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;

use crate::support::{Server, repository_root};

const OPERATOR_KEY: &str = "my-operator-key-0123456789";

/// The body of the fenced block whose info string is exactly `info` (for example ```` ```sh walkthrough ````).
fn fenced_block(markdown: &str, info: &str) -> String {
    let opening = format!("```{info}\n");
    let start = markdown.find(&opening).unwrap_or_else(|| panic!("the README has a ```{info} block")) + opening.len();
    let length = markdown[start..].find("\n```").expect("the block is closed");
    markdown[start..start + length + 1].to_owned()
}

/// A port free for UDP and TCP on the spoke's DNS endpoint address, so the README's `-p 8053` can name it.
fn free_dns_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.53.0.2:0").expect("127.53.0.2 is a loopback address");
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.53.0.1", port)).is_ok() && TcpListener::bind(("127.53.0.2", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free on both 127.53.0.1 and 127.53.0.2 after 50 tries");
}

#[tokio::test]
async fn the_readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(repository_root().join("README.md")).unwrap();
    let port = free_dns_port();
    let server = Server::start(&["--ephemeral", "--dns-port", &port.to_string()], Some(OPERATOR_KEY)).await;
    let shell = fenced_block(&readme, "sh walkthrough")
        .replace("http://127.0.0.1:8080", &server.base)
        .replace("-p 8053", &format!("-p {port}"));
    let python = fenced_block(&readme, "python walkthrough").replace("http://127.0.0.1:8080", &server.base);
    let script = format!(
        "set -euo pipefail\n{shell}\nexport HUB_ACCOUNT HUB_APIKEY SPOKE_APIKEY\npython3 - <<'PYTHON'\n{python}PYTHON\n"
    );

    let config = tempfile::tempdir().unwrap();
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_hubspoke")).parent().unwrap().to_owned();
    let path = format!("{}:{}", binary_dir.display(), std::env::var("PATH").unwrap_or_default());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .args(["-c", &script])
            .env("PATH", path)
            .env("HUBSPOKE_CONFIG_DIR", config.path())
            .env_remove("HUBSPOKE_ENDPOINT")
            .env_remove("HUBSPOKE_APIKEY")
            .output()
            .expect("bash runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the walk-through failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}");

    // What the README promises the reader sees.
    let refused = stdout.find("would be REFUSED").expect("step 3 explains the refusal");
    let allowed = stdout.find("would be ALLOWED").expect("step 4 explains the grant");
    assert!(refused < allowed, "{stdout}");
    assert!(stdout.contains("hubspoke iam authorization-policy-create is is DNSBindingConnector"), "{stdout}");
    assert!(stdout.contains("delegates its resolver to the hub"), "{stdout}");
    assert!(stdout.lines().any(|line| line == "10.240.0.5"), "dig prints the hub gateway's address\n{stdout}");
    let zone = stdout.find("app.example.internal").expect("step 7 looks the hub's private record up");
    let lookup = &stdout[zone..];
    assert!(
        lookup.lines().any(|line| line.starts_with("Answer:") && line.ends_with(" 10.240.0.20")),
        "the spoke's lookup answers the hub's record\n{stdout}"
    );
    assert!(lookup.contains("delegates its resolver to the hub"), "the answer comes through the hub\n{stdout}");
    assert!(stdout.lines().any(|line| line == "10.240.0.20"), "dig prints the hub zone's record\n{stdout}");
    let pipeline = stdout.find("refused, as Viewer should be").expect("step 8's create is refused");
    assert!(stdout[..pipeline].contains("hub-vpc"), "step 8's service ID lists the hub's VPCs\n{stdout}");
    assert!(stderr.contains("not_authorized") && stderr.contains("`is.vpc.vpc.create`"), "{stderr}");
    assert!(stdout.contains("grants ['DNS Binding Connector']"), "{stdout}");
    assert!(stdout.lines().any(|line| line.starts_with("hub side: ") && line.ends_with(" stable")), "{stdout}");
    assert!(
        stdout.lines().any(|line| line.starts_with("spoke side: to-hub to crn:") && line.ends_with(" stable")),
        "{stdout}"
    );
}
