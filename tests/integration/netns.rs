//! Tests that need addresses no host interface has, in network namespaces they create and remove.

use std::process::Command;

/// A network namespace with its loopback up, removed when dropped.
struct Namespace(String);

impl Namespace {
    fn create(addresses: &[&str]) -> Namespace {
        let name = format!("hubspoke-test-{}", std::process::id());
        let run = |args: &[&str]| {
            let status = Command::new("ip").args(args).status().expect("`ip` from iproute2 is installed");
            assert!(status.success(), "ip {args:?}");
        };
        run(&["netns", "add", &name]);
        let namespace = Namespace(name.clone());
        run(&["netns", "exec", &name, "ip", "link", "set", "lo", "up"]);
        for address in addresses {
            run(&["netns", "exec", &name, "ip", "addr", "add", address, "dev", "lo"]);
        }
        namespace
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "delete", &self.0]).status();
    }
}

#[test]
fn the_hub_custom_resolver_address_answers_with_the_hub_view() {
    let namespace = Namespace::create(&["10.240.0.4/32"]);
    let script = crate::support::repository_root().join("tests/netns/custom_resolver_address.py");
    let output = Command::new("ip")
        .args(["netns", "exec", &namespace.0, "python3"])
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_hubspoke"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("\"custom_resolver\": \"10.240.0.4\""), "{stdout}");
}
