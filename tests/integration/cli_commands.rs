//! The `hubspoke iam`, `is`, `resource`, `dns`, `explain` and `topology` commands against a real server, with snapshots of
//! their text output (ids redacted).

use assert_cmd::Command;

use crate::support::{OPERATOR_KEY, Server, repository_root};
use crate::vpc_rules::with_version;

const SEED_ACCOUNT: &str = "e38cfd44b6e44b249ac75dd5de0cc8aa";
const COS_TARGET: &str = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";
const COS_NAME: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

/// `hubspoke` as `apikey` on `server`, with a private, empty profile directory.
fn hubspoke(server: &Server, apikey: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
    command
        .env("HUBSPOKE_ENDPOINT", &server.base)
        .env("HUBSPOKE_APIKEY", apikey)
        .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join(format!("hubspoke-cli-test-{}", std::process::id())))
        .env_remove("RUST_LOG");
    command
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}\n{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    stdout(&output)
}

fn json(command: &mut Command) -> serde_json::Value {
    serde_json::from_str(&run(command.arg("--output").arg("json"))).unwrap()
}

/// Replaces ids, accounts and addresses so that snapshots are stable.
fn redacted(text: &str) -> insta::Settings {
    let _ = text;
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"r006-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[id]");
    settings.add_filter(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]");
    settings.add_filter(r"IBMid-admin-[0-9a-f]{32}", "[admin]");
    settings.add_filter(r"\b(?:[0-9a-f]{32})\b", "[account]");
    settings.add_filter(r"10\.240\.\d+\.\d+", "[ip]");
    settings.add_filter(r"127\.53\.\d+\.\d+", "[endpoint]");
    settings.add_filter(r"\[endpoint\]:\d+", "[endpoint]:[port]");
    settings.add_filter(r"-p \d+", "-p [port]");
    settings.add_filter(r"Plan for \S+", "Plan for [file]");
    settings
}

async fn account(server: &Server, name: &str, id: Option<&str>) -> (String, String) {
    let mut command = hubspoke(server, OPERATOR_KEY);
    command.args(["account-create", name]);
    if let Some(id) = id {
        command.args(["--id", id]);
    }
    let created = json(&mut command);
    (created["id"].as_str().unwrap().to_owned(), created["apikey"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_seed_cli_commands_run_as_printed() {
    let server = Server::ephemeral().await;
    // The seed's account id, so that its `--file` JSON runs exactly as printed.
    let (account_id, key) = account(&server, "seed", Some(SEED_ACCOUNT)).await;
    assert_eq!(account_id, SEED_ACCOUNT);

    // `ibmcloud iam authorization-policy-create is DNSBindingConnector --source-resource-type vpc --target-resource-type vpc`
    let text = run(hubspoke(&server, &key).args([
        "iam",
        "authorization-policy-create",
        "is",
        "DNSBindingConnector",
        "--source-resource-type",
        "vpc",
        "--target-resource-type",
        "vpc",
    ]));
    redacted(&text).bind(|| insta::assert_snapshot!("seed_two_positional_form", text));

    // `ibmcloud iam authorization-policy-create --file JSON_FILE` with the seed's JSON, unchanged.
    let file = repository_root().join("tests/sdk/fixtures/seed-cli-file.json");
    let text = run(hubspoke(&server, &key).args(["iam", "authorization-policy-create", "--file"]).arg(&file));
    redacted(&text).bind(|| insta::assert_snapshot!("seed_file_form", text));

    // Running it again is a conflict, printed as ibmcloud prints failures.
    let output =
        hubspoke(&server, &key).args(["iam", "authorization-policy-create", "--file"]).arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("FAILED\n") && stderr.contains("policy_conflict_error: The policy wasn't created"),
        "{stderr}"
    );

    let policies = json(hubspoke(&server, &key).args(["iam", "authorization-policies"]));
    assert_eq!(policies.as_array().unwrap().len(), 2);
    let text = run(hubspoke(&server, &key).args(["iam", "authorization-policies"]));
    redacted(&text).bind(|| insta::assert_snapshot!("authorization_policies", text));
    let id = policies[1]["id"].as_str().unwrap();
    let shown = json(hubspoke(&server, &key).args(["iam", "authorization-policy", id]));
    assert_eq!(shown["subjects"][0]["attributes"][3]["value"], "r006-fd189c4f-52a0-4694-abfd-186cb6011a3c");
    let text = run(hubspoke(&server, &key).args(["iam", "authorization-policy-delete", id, "-f"]));
    assert!(text.contains(&format!("Authorization policy {id} was deleted.")));
    assert!(
        hubspoke(&server, &key).args(["iam", "authorization-policy-delete", id]).output().unwrap().status.code()
            == Some(1),
        "no -f, no terminal: refused"
    );

    let text = run(hubspoke(&server, &key).args(["iam", "roles", "--service", "is", "--source-service", "is"]));
    redacted(&text).bind(|| insta::assert_snapshot!("roles_is_is", text));
    let output =
        hubspoke(&server, &key).args(["iam", "authorization-policy-create", "is", "is", "Viewer2"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("RoleDoesnotExist: `Viewer2`"));
}

#[tokio::test]
async fn the_hub_and_spoke_scenario_from_the_cli_with_explanations() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (spoke_account, spoke_key) = account(&server, "spoke", None).await;
    let hub = |args: &[&str]| run(hubspoke(&server, &hub_key).args(args));
    let spoke = |args: &[&str]| run(hubspoke(&server, &spoke_key).args(args));

    let text = hub(&["is", "vpc-create", "hub-vpc", "--dns-enable-hub", "true"]);
    redacted(&text).bind(|| insta::assert_snapshot!("vpc_create_hub", text));
    hub(&["is", "subnet-create", "hub-subnet", "hub-vpc", "--zone", "us-south-1", "--ipv4-address-count", "256"]);
    hub(&["resource", "service-instance-create", "dns-hub", "dns-svcs", "standard-dns", "global"]);
    let text = hub(&[
        "dns",
        "custom-resolver-create",
        "--instance",
        "dns-hub",
        "--name",
        "hub-resolver",
        "--location",
        "hub-subnet",
        "--enable",
    ]);
    redacted(&text).bind(|| insta::assert_snapshot!("custom_resolver_create", text));
    let text = hub(&[
        "is",
        "endpoint-gateway-create",
        "--vpc",
        "hub-vpc",
        "--subnet",
        "hub-subnet",
        "--name",
        "hub-cos",
        "--target",
        COS_TARGET,
        "--wait",
    ]);
    redacted(&text).bind(|| insta::assert_snapshot!("endpoint_gateway_create", text));
    let hub_vpc = json(hubspoke(&server, &hub_key).args(["is", "vpc", "hub-vpc"]));
    let hub_crn = hub_vpc["crn"].as_str().unwrap();
    let hub_id = hub_vpc["id"].as_str().unwrap();

    spoke(&["is", "vpc-create", "spoke-vpc"]);
    let spoke_vpc = json(hubspoke(&server, &spoke_key).args(["is", "vpc", "spoke-vpc"]));
    let spoke_id = spoke_vpc["id"].as_str().unwrap();

    // Refused, explained, and fixed with the command the explanation gives.
    let output = hubspoke(&server, &spoke_key)
        .args(["is", "vpc-dns-resolution-binding-create", "spoke-vpc", "--target-vpc", hub_crn])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("FAILED\nError response from server. Status code: 401\nnot_authorized: "), "{stderr}");
    let text = spoke(&["explain", "binding", "--spoke", "spoke-vpc", "--hub", hub_crn]);
    redacted(&text).bind(|| insta::assert_snapshot!("explain_refused", text));
    hub(&[
        "iam",
        "authorization-policy-create",
        "is",
        "is",
        "DNS Binding Connector",
        "--source-service-account",
        &spoke_account,
        "--source-resource-type",
        "vpc",
        "--source-resource",
        spoke_id,
        "--target-resource-type",
        "vpc",
        "--target-resource",
        hub_id,
    ]);
    let text = spoke(&["explain", "binding", "--spoke", "spoke-vpc", "--hub", hub_crn]);
    assert!(text.contains("would be ALLOWED"), "{text}");

    let text = spoke(&[
        "is",
        "vpc-dns-resolution-binding-create",
        "spoke-vpc",
        "--target-vpc",
        hub_crn,
        "--name",
        "to-hub",
        "--wait",
    ]);
    redacted(&text).bind(|| insta::assert_snapshot!("binding_create", text));
    let text =
        spoke(&["is", "vpc-update", "spoke-vpc", "--dns-resolver-type", "delegated", "--delegate-to-vpc", hub_crn]);
    redacted(&text).bind(|| insta::assert_snapshot!("vpc_update_delegated", text));
    let text = spoke(&["dns", "lookup", COS_NAME, "--vpc", "spoke-vpc"]);
    redacted(&text).bind(|| insta::assert_snapshot!("dns_lookup_delegated", text));

    // Back: system resolver, delete the binding.
    spoke(&["is", "vpc-update", "spoke-vpc", "--dns-resolver-type", "system"]);
    spoke(&["is", "vpc-dns-resolution-binding-delete", "spoke-vpc", "to-hub", "-f"]);
    let bindings = json(hubspoke(&server, &spoke_key).args(["is", "vpc-dns-resolution-bindings", "spoke-vpc"]));
    assert_eq!(bindings.as_array().unwrap().len(), 0);
    let gateways = json(hubspoke(&server, &hub_key).args(["is", "endpoint-gateways", "--vpc", "hub-vpc"]));
    assert_eq!(gateways[0]["name"], "hub-cos");

    // The spoke tears down what it built. Without -f and without a terminal to confirm on, nothing is deleted and
    // the command fails.
    spoke(&["is", "subnet-create", "spoke-subnet", "spoke-vpc", "--zone", "us-south-1", "--ipv4-address-count", "256"]);
    let output = hubspoke(&server, &spoke_key).args(["is", "subnet-delete", "spoke-subnet"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("add -f"), "{output:?}");
    spoke(&["is", "subnet-delete", "spoke-subnet", "-f"]);
    spoke(&["is", "vpc-delete", "spoke-vpc", "-f"]);
    let vpcs = json(hubspoke(&server, &spoke_key).args(["is", "vpcs"]));
    assert_eq!(vpcs.as_array().unwrap().len(), 0, "{vpcs}");
}

/// The policy a hub account writes to let one spoke VPC bind to one of its VPCs, through the CLI; returns its id.
fn grant(server: &Server, hub_key: &str, spoke_account: &str, spoke_vpc: &str, hub_vpc: &str) -> String {
    let policy = json(hubspoke(server, hub_key).args([
        "iam",
        "authorization-policy-create",
        "is",
        "is",
        "DNSBindingConnector",
        "--source-service-account",
        spoke_account,
        "--source-resource-type",
        "vpc",
        "--source-resource",
        spoke_vpc,
        "--target-resource-type",
        "vpc",
        "--target-resource",
        hub_vpc,
    ]));
    policy["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn explain_binding_answers_as_the_server_decides_for_the_spoke_and_for_the_hub() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (spoke_account, spoke_key) = account(&server, "spoke", None).await;
    let hub = |args: &[&str]| run(hubspoke(&server, &hub_key).args(args));
    let spoke = |args: &[&str]| run(hubspoke(&server, &spoke_key).args(args));
    let vpc = |key: &str, name: &str| json(hubspoke(&server, key).args(["is", "vpc", name]));

    // The hub VPC, ready for bindings (rule H10: an enabled custom resolver), and a VPC of the same account that is
    // no hub.
    hub(&["is", "vpc-create", "hub-vpc", "--dns-enable-hub", "true"]);
    hub(&["is", "subnet-create", "hub-subnet", "hub-vpc", "--zone", "us-south-1", "--ipv4-address-count", "256"]);
    hub(&["resource", "service-instance-create", "dns-hub", "dns-svcs", "standard-dns", "global"]);
    hub(&[
        "dns",
        "custom-resolver-create",
        "--instance",
        "dns-hub",
        "--name",
        "r",
        "--location",
        "hub-subnet",
        "--enable",
    ]);
    hub(&["is", "vpc-create", "lab-vpc"]);
    let (hub_vpc, lab_vpc) = (vpc(&hub_key, "hub-vpc"), vpc(&hub_key, "lab-vpc"));
    let (hub_id, hub_crn) = (hub_vpc["id"].as_str().unwrap(), hub_vpc["crn"].as_str().unwrap());
    let (lab_id, lab_crn) = (lab_vpc["id"].as_str().unwrap(), lab_vpc["crn"].as_str().unwrap());
    spoke(&["is", "vpc-create", "spoke-vpc"]);
    let spoke_vpc = vpc(&spoke_key, "spoke-vpc");
    let (spoke_id, spoke_crn) = (spoke_vpc["id"].as_str().unwrap(), spoke_vpc["crn"].as_str().unwrap());

    // A VPC of another account that is no hub, which authorizes the spoke (so that IAM does not refuse first): the
    // explanation names rule C3, as the create then answers. The CLI cannot see that VPC; only the server can say.
    let lab_policy = grant(&server, &hub_key, &spoke_account, spoke_id, lab_id);
    let text = spoke(&["explain", "binding", "--spoke", "spoke-vpc", "--hub", lab_crn]);
    redacted(&text).bind(|| insta::assert_snapshot!("explain_cross_account_not_a_hub", text));
    assert!(text.contains("would be REFUSED") && text.contains("1. rule C3, "), "{text}");
    let explained =
        json(hubspoke(&server, &spoke_key).args(["explain", "binding", "--spoke", spoke_id, "--hub", lab_crn]));
    assert_eq!(
        (&explained["allowed"], &explained["refusals"][0]["rule"]),
        (&serde_json::json!(false), &serde_json::json!("C3"))
    );
    let output = hubspoke(&server, &spoke_key)
        .args(["is", "vpc-dns-resolution-binding-create", "spoke-vpc", "--target-vpc", lab_crn])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = explained["refusals"][0]["message"].as_str().unwrap();
    assert!(!output.status.success() && stderr.contains(first), "the create answers with the first refusal: {stderr}");

    // The hub's administrator names the spoke by CRN and sees what its own policies say: before the grant, the
    // denial and the nearest policy (the one for the lab VPC).
    let as_hub =
        |hub: &str| run(hubspoke(&server, &hub_key).args(["explain", "binding", "--spoke", spoke_crn, "--hub", hub]));
    let text = as_hub("hub-vpc");
    redacted(&text).bind(|| insta::assert_snapshot!("explain_hub_before_grant", text));
    assert!(text.contains("would be REFUSED") && text.contains("Explanation:") && text.contains(&lab_policy), "{text}");

    // The spoke's administrator sees the same refusal and the command to ask for, never the hub's policies.
    let as_spoke = || {
        let text = spoke(&["explain", "binding", "--spoke", "spoke-vpc", "--hub", hub_crn]);
        let json = run(hubspoke(&server, &spoke_key).args([
            "explain",
            "binding",
            "--spoke",
            "spoke-vpc",
            "--hub",
            hub_crn,
            "--output",
            "json",
        ]));
        (text, json)
    };
    let (text, json_text) = as_spoke();
    assert!(text.contains("rule C8") && text.contains("The hub's administrator can grant it with:"), "{text}");
    for seen in [&text, &json_text] {
        assert!(
            !seen.contains(&lab_policy) && !seen.contains("Explanation"),
            "the hub's policies stay the hub's: {seen}"
        );
    }

    // After the grant: the hub's administrator sees the policy that grants it; the spoke's still does not.
    let policy = grant(&server, &hub_key, &spoke_account, spoke_id, hub_id);
    let text = as_hub(hub_id);
    redacted(&text).bind(|| insta::assert_snapshot!("explain_hub_after_grant", text));
    assert!(
        text.contains("would be ALLOWED") && text.contains(&format!("Granted by:                `{policy}`")),
        "{text}"
    );
    let (text, json_text) = as_spoke();
    assert!(text.contains("would be ALLOWED") && text.contains("Permitted:                 yes"), "{text}");
    for seen in [&text, &json_text] {
        assert!(!seen.contains(&policy) && !seen.contains(&lab_policy), "the hub's policies stay the hub's: {seen}");
    }
    spoke(&["is", "vpc-dns-resolution-binding-create", "spoke-vpc", "--target-vpc", hub_crn, "--name", "to-hub"]);

    // A reader that has gone (`| head -0`) ends the output, not the command: no panic, and the verdict's exit code.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(["explain", "binding", "--spoke", spoke_crn, "--hub", "hub-vpc", "--endpoint", &server.base])
        .env("HUBSPOKE_APIKEY", &hub_key)
        .env("HUBSPOKE_CONFIG_DIR", tempfile::tempdir().unwrap().path())
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && !stderr.contains("panicked"), "{stderr}");

    // A VPC that is neither the caller's nor named by CRN is not found, and the command fails as others do.
    let output = hubspoke(&server, &hub_key)
        .args(["explain", "binding", "--spoke", "spoke-vpc", "--hub", "hub-vpc"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no vpc named or with id `spoke-vpc`"));
}

#[tokio::test]
async fn one_topology_apply_builds_the_seed_scenario_and_a_second_does_nothing() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (_, spoke_key) = account(&server, "spoke", None).await;
    let file = repository_root().join("tests/integration/topologies/two-accounts.toml");
    let topology = |verb: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", verb])
            .arg(&file)
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key);
        command.env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-test"));
        run(&mut command)
    };
    let plan = topology("plan");
    redacted(&plan).bind(|| insta::assert_snapshot!("topology_plan", plan));
    let applied = topology("apply");
    assert!(applied.contains("The topology is in place."), "{applied}");
    let again = topology("apply");
    assert!(again.contains("0 of 9 steps to do") && again.contains("Nothing to do"), "{again}");

    // The spoke resolves the hub's COS gateway through its delegated resolver.
    let spoke_vpc = json(hubspoke(&server, &spoke_key).args(["is", "vpc", "spoke-vpc"]));
    assert_eq!(spoke_vpc["dns"]["resolver"]["type"], "delegated");
    let lookup = json(hubspoke(&server, &spoke_key).args([
        "dns",
        "lookup",
        COS_NAME,
        "--vpc",
        spoke_vpc["id"].as_str().unwrap(),
    ]));
    assert_eq!(lookup["source"]["kind"], "delegated");
    assert_eq!(lookup["answers"].as_array().unwrap().len(), 1);

    // `topology show` draws what stands: the tree, DOT and SVG.
    let show = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", "show"])
            .arg(&file)
            .args(args)
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key);
        run(&mut command)
    };
    let tree = show(&[]);
    for expected in [
        "hub hub-vpc (",
        "├── gateway hub-cos (primary)",
        "└── spoke spoke-vpc (",
        "├── binding to-hub: stable, ok",
        "├── resolver delegated to this hub",
        "└── authorized by ",
    ] {
        assert!(tree.contains(expected), "`{expected}` in\n{tree}");
    }
    let dot = show(&["--format", "dot"]);
    assert!(
        dot.starts_with("digraph topology {") && dot.contains("delegates DNS") && dot.contains("color=green"),
        "{dot}"
    );
    let picture = std::env::temp_dir().join(format!("hubspoke-topology-{}.svg", std::process::id()));
    show(&["--format", "svg", "--out", picture.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&picture).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">hub-vpc<") && svg.contains("stroke-dasharray"), "{svg}");
    std::fs::remove_file(&picture).unwrap();

    // Destroy removes all of it, in IBM's order, and leaves both accounts empty; a second destroy does nothing.
    let destroyed = topology_destroy(&server, &file, &hub_key, &spoke_key);
    assert!(destroyed.contains("The topology is destroyed."), "{destroyed}");
    for key in [&hub_key, &spoke_key] {
        assert_empty(&server, key, &[]).await;
    }
    let resolvers = json(hubspoke(&server, &hub_key).args(["dns", "custom-resolvers", "--instance", "dns-hub"]));
    assert_eq!(resolvers, serde_json::json!([]));
    let again = topology_destroy(&server, &file, &hub_key, &spoke_key);
    assert!(again.contains("Nothing to do"), "{again}");
}

/// `topology destroy FILE -f` with the two accounts' keys.
fn topology_destroy(server: &Server, file: &std::path::Path, hub_key: &str, spoke_key: &str) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
    command
        .args(["topology", "destroy", "-f"])
        .arg(file)
        .env("HUBSPOKE_ENDPOINT", &server.base)
        .env("HUB_APIKEY", hub_key)
        .env("SPOKE_APIKEY", spoke_key)
        .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-destroy-test"));
    run(&mut command)
}

/// The account of `key` holds no VPC resource, custom resolver or authorization (in the default region and `regions`).
async fn assert_empty(server: &Server, key: &str, regions: &[&str]) {
    for region in [&[""][..], regions].concat() {
        for list in ["vpcs", "subnets", "endpoint-gateways", "network-acls", "public-gateways"] {
            let mut command = hubspoke(server, key);
            command.args(["is", list]);
            if !region.is_empty() {
                command.args(["--region", region]);
            }
            let listed = json(&mut command);
            // Every VPC brings a default ACL; with no VPC left there is none.
            assert_eq!(listed, serde_json::json!([]), "{list} in `{region}`");
        }
    }
    let policies = json(hubspoke(server, key).args(["iam", "authorization-policies"]));
    assert_eq!(policies, serde_json::json!([]));
}

#[tokio::test]
async fn a_topology_declares_manual_prefixes_network_acls_and_its_region() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (_, spoke_key) = account(&server, "spoke", None).await;
    let file = repository_root().join("tests/integration/topologies/landing-zone.toml");
    let topology = |verb: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", verb])
            .arg(&file)
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key)
            .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-lz-test"));
        run(&mut command)
    };
    let plan = topology("plan");
    assert!(plan.contains("create hub VPC `lz-hub` with manual address prefixes"), "{plan}");
    assert!(plan.contains("create network ACL `lz-hub-acl` with 6 rules in `lz-hub`"), "{plan}");
    assert!(plan.contains("create public gateway `lz-hub-pgw-eu-de-1` in `lz-hub` (eu-de-1)"), "{plan}");
    let subnet = "create subnet `lz-hub-subnet-a` 10.10.10.0/24 in `lz-hub` (eu-de-1) on ACL `lz-hub-acl` with public gateway `lz-hub-pgw-eu-de-1`";
    assert!(plan.contains(subnet), "{plan}");
    let applied = topology("apply");
    assert!(applied.contains("The topology is in place."), "{applied}");
    let again = topology("apply");
    assert!(again.contains("0 of 14 steps to do") && again.contains("Nothing to do"), "{again}");

    // Everything is in eu-de, and nothing in the default region.
    let hub = |args: &[&str]| json(hubspoke(&server, &hub_key).args(args));
    assert_eq!(hub(&["is", "vpcs"]), serde_json::json!([]));
    let vpc = hub(&["is", "vpc", "lz-hub", "-r", "eu-de"]);
    assert!(vpc["crn"].as_str().unwrap().contains(":is:eu-de:"), "{vpc}");
    let prefixes = hub(&["is", "vpc-address-prefixes", "lz-hub", "-r", "eu-de"]);
    let prefixes: Vec<(&str, &str)> = prefixes
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["cidr"].as_str().unwrap(), p["zone"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(prefixes, [("10.10.10.0/24", "eu-de-1")]);
    let subnets = hub(&["is", "subnets", "-r", "eu-de"]);
    assert_eq!(subnets[0]["ipv4_cidr_block"], "10.10.10.0/24");
    assert_eq!(subnets[0]["network_acl"]["name"], "lz-hub-acl");
    assert_eq!(subnets[0]["public_gateway"]["name"], "lz-hub-pgw-eu-de-1");
    let rules = hub(&["is", "network-acl-rules", "lz-hub-acl", "-r", "eu-de"]);
    let names: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "ibmflow-iaas-outbound");
    assert_eq!(names[5], "ibmflow-deny-all-outbound");

    // The spoke resolves the hub's eu-de COS gateway through its delegated resolver.
    let spoke_vpc = json(hubspoke(&server, &spoke_key).args(["is", "vpc", "lz-spoke", "--region", "eu-de"]));
    assert_eq!(spoke_vpc["dns"]["resolver"]["type"], "delegated");
    let name = "s3.direct.eu-de.cloud-object-storage.appdomain.cloud";
    let lookup =
        json(hubspoke(&server, &spoke_key).args(["dns", "lookup", name, "--vpc", spoke_vpc["id"].as_str().unwrap()]));
    assert_eq!(lookup["answers"].as_array().unwrap().len(), 1, "{lookup}");

    // A rule added by hand makes the ACL differ from the file: plan says so and apply does nothing.
    run(hubspoke(&server, &hub_key).args([
        "is",
        "network-acl-rule-add",
        "lz-hub-acl",
        "allow",
        "inbound",
        "any",
        "10.0.0.0/8",
        "10.0.0.0/8",
        "--name",
        "by-hand",
        "--region",
        "eu-de",
    ]));
    let mut plan = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
    plan.args(["topology", "plan"])
        .arg(&file)
        .env("HUBSPOKE_ENDPOINT", &server.base)
        .env("HUB_APIKEY", &hub_key)
        .env("SPOKE_APIKEY", &spoke_key);
    let refused = plan.output().unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("network ACL `lz-hub-acl` exists with the rules") && stderr.contains("by-hand"),
        "{stderr}"
    );

    let destroyed = topology_destroy(&server, &file, &hub_key, &spoke_key);
    assert!(destroyed.contains("The topology is destroyed."), "{destroyed}");
    for key in [&hub_key, &spoke_key] {
        assert_empty(&server, key, &["eu-de"]).await;
    }
    let resolvers = json(hubspoke(&server, &hub_key).args(["dns", "custom-resolvers", "--instance", "lz-dns"]));
    assert_eq!(resolvers, serde_json::json!([]));
}

#[tokio::test]
async fn address_prefixes_regions_and_zones_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "prefixes", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));

    let regions = json(hubspoke(&server, &key).args(["is", "regions"]));
    assert_eq!(regions.as_array().unwrap().len(), 13);
    let text = cli(&["is", "region", "eu-gb"]);
    assert!(text.contains(&server.url("/eu-gb")), "{text}");
    // `--region` (or `-r`) works in another region, whose resources the default region does not list.
    let frankfurt = json(hubspoke(&server, &key).args(["is", "--region", "eu-de", "vpc-create", "frankfurt"]));
    assert!(frankfurt["id"].as_str().unwrap().starts_with("r010-"), "{frankfurt}");
    let listed = json(hubspoke(&server, &key).args(["is", "vpcs", "-r", "eu-de"]));
    assert_eq!(listed[0]["name"], "frankfurt", "{listed}");
    assert_eq!(json(hubspoke(&server, &key).args(["is", "vpcs"])), serde_json::json!([]));
    cli(&["is", "vpc-delete", "frankfurt", "-r", "eu-de", "-f"]);
    // An empty list says so, as `ibmcloud` lists do.
    let empty = cli(&["is", "vpcs", "-r", "eu-de"]);
    assert!(empty.contains("OK\nNo VPCs were found."), "{empty}");
    let text = cli(&["is", "zones", "us-south"]);
    assert!(["us-south-1", "us-south-2", "us-south-3"].iter().all(|zone| text.contains(zone)), "{text}");
    let output = hubspoke(&server, &key).args(["is", "region", "mars"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Status code: 404"));

    cli(&["is", "vpc-create", "manual-vpc", "--address-prefix-management", "manual"]);
    let text =
        cli(&["is", "vpc-address-prefix-create", "apps", "manual-vpc", "us-south-1", "10.10.0.0/16", "--default"]);
    assert!(text.contains("10.10.0.0/16") && text.contains("Default"), "{text}");
    cli(&["is", "vpc-address-prefix-create", "data", "manual-vpc", "us-south-2", "10.20.0.0/16"]);
    let listed = json(hubspoke(&server, &key).args(["is", "vpc-address-prefixes", "manual-vpc"]));
    let mut names: Vec<&str> = listed.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["apps", "data"]);
    let text =
        cli(&["is", "vpc-address-prefix-update", "manual-vpc", "apps", "--name", "apps-east", "--default", "false"]);
    assert!(text.contains("apps-east"), "{text}");
    let shown = json(hubspoke(&server, &key).args(["is", "vpc-address-prefix", "manual-vpc", "apps-east"]));
    assert_eq!((shown["cidr"].as_str(), shown["is_default"].as_bool()), (Some("10.10.0.0/16"), Some(false)));
    // An overlapping prefix is refused with the server's code.
    let output = hubspoke(&server, &key)
        .args(["is", "vpc-address-prefix-create", "clash", "manual-vpc", "us-south-3", "10.10.4.0/24"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("address_prefix_overlap"));
    cli(&["is", "vpc-address-prefix-delete", "manual-vpc", "apps-east", "data", "-f"]);
    let listed = json(hubspoke(&server, &key).args(["is", "vpc-address-prefixes", "manual-vpc"]));
    assert_eq!(listed.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn security_groups_network_acls_and_routing_tables_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "guarded", None).await;
    let vpc = json(hubspoke(&server, &key).args(["is", "vpc-create", "guarded-vpc"]));
    let sg_id = vpc["default_security_group"]["id"].as_str().unwrap().to_owned();
    let groups = json(hubspoke(&server, &key).args(["is", "security-groups", "--vpc", "guarded-vpc"]));
    assert_eq!(groups[0]["id"], sg_id.as_str());
    run(hubspoke(&server, &key).args(["is", "security-group-create", "web", "guarded-vpc"]));
    let rule = json(hubspoke(&server, &key).args([
        "is",
        "security-group-rule-add",
        "web",
        "inbound",
        "tcp",
        "--port-min",
        "443",
        "--port-max",
        "443",
        "--remote",
        "10.0.0.0/8",
        "--name",
        "https",
    ]));
    assert_eq!((rule["port_min"].clone(), rule["remote"]["cidr_block"].clone()), (443.into(), "10.0.0.0/8".into()));
    let shown = run(hubspoke(&server, &key).args(["is", "security-group", "web"]));
    assert!(shown.contains("https") && shown.contains("ports 443-443"), "{shown}");
    let rules = json(hubspoke(&server, &key).args(["is", "security-group-rules", "web"]));
    assert_eq!(rules.as_array().unwrap().len(), 1);
    run(hubspoke(&server, &key).args(["is", "security-group-rule-delete", "web", "https", "-f"]));
    run(hubspoke(&server, &key).args(["is", "security-group-delete", "web", "-f"]));
    let refused = hubspoke(&server, &key).args(["is", "security-group-delete", &sg_id, "-f"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("security_group_default"), "{refused:?}");

    run(hubspoke(&server, &key).args(["is", "network-acl-create", "strict", "guarded-vpc"]));
    let add = |args: &[&str]| {
        let mut command = hubspoke(&server, &key);
        command.args(["is", "network-acl-rule-add", "strict"]).args(args);
        json(&mut command)
    };
    add(&["deny", "inbound", "any", "0.0.0.0/0", "0.0.0.0/0", "--name", "deny-rest"]);
    add(&[
        "allow",
        "inbound",
        "tcp",
        "10.0.0.0/8",
        "0.0.0.0/0",
        "--name",
        "ssh",
        "--destination-port-min",
        "22",
        "--destination-port-max",
        "22",
        "--before-rule-id",
        "deny-rest",
    ]);
    let rules = json(hubspoke(&server, &key).args(["is", "network-acl-rules", "strict"]));
    let names: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ssh", "deny-rest"]);
    let shown = run(hubspoke(&server, &key).args(["is", "network-acl", "strict"]));
    assert!(shown.contains("dst 22-22"), "{shown}");
    run(hubspoke(&server, &key).args(["is", "network-acl-rule-delete", "strict", "ssh", "-f"]));
    let acls = json(hubspoke(&server, &key).args(["is", "network-acls", "--vpc", "guarded-vpc"]));
    assert_eq!(acls.as_array().unwrap().len(), 2);
    let tables = run(hubspoke(&server, &key).args(["is", "vpc-routing-tables", "guarded-vpc"]));
    assert!(tables.contains("guarded-vpc-default-routing-table"), "{tables}");
}

#[tokio::test]
async fn lists_show_every_page() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "many", None).await;
    let token = server.token(&key).await;
    for n in 0..105 {
        let body = serde_json::json!({ "name": format!("vpc-{n:03}") });
        let (status, created) =
            server.call(reqwest::Method::POST, &with_version("/v1/vpcs"), Some(&token), Some(body)).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
    }
    let listed = json(hubspoke(&server, &key).args(["is", "vpcs"]));
    assert_eq!(listed.as_array().unwrap().len(), 105);
    let text = run(hubspoke(&server, &key).args(["is", "vpcs"]));
    assert!(text.contains("vpc-000") && text.contains("vpc-104"), "{text}");
}

#[tokio::test]
async fn custom_resolvers_by_name_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "resolvers", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));
    cli(&["is", "vpc-create", "hub", "--dns-enable-hub", "true"]);
    cli(&["is", "subnet-create", "hub-subnet", "hub", "--zone", "us-south-1", "--ipv4-address-count", "256"]);
    cli(&["resource", "service-instance-create", "dns-i", "dns-svcs", "standard-dns", "global"]);
    // `--enabled` is accepted where `--enable` is, as `custom-resolver-update` spells it.
    let created = cli(&[
        "dns",
        "custom-resolver-create",
        "--instance",
        "dns-i",
        "--name",
        "hub-resolver",
        "--location",
        "hub-subnet",
        "--enabled",
    ]);
    assert!(created.contains("Enabled:                   true"), "{created}");
    let listed = cli(&["dns", "custom-resolvers", "--instance", "dns-i"]);
    assert!(listed.contains("OK\nID") && listed.contains("hub-resolver") && listed.contains("(enabled)"), "{listed}");
    // By name, and `--disable` as the same as `--enabled false`.
    let disabled = cli(&["dns", "custom-resolver-update", "hub-resolver", "--instance", "dns-i", "--disable"]);
    assert!(disabled.contains("Enabled:                   false"), "{disabled}");
    cli(&["dns", "custom-resolver-delete", "hub-resolver", "--instance", "dns-i", "-f"]);
    let empty = cli(&["dns", "custom-resolvers", "--instance", "dns-i"]);
    assert!(empty.contains("No custom resolvers were found."), "{empty}");
    let output = hubspoke(&server, &key)
        .args(["dns", "custom-resolver-delete", "hub-resolver", "--instance", "dns-i", "-f"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no custom resolver named or with id `hub-resolver`"));
}

#[tokio::test]
async fn topology_plan_says_what_it_would_change_and_refuses_what_it_cannot() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (_, spoke_key) = account(&server, "spoke", None).await;
    let topology = |file: &str, verb: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", verb])
            .arg(repository_root().join("tests/integration/topologies").join(file))
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key)
            .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-plan-test"));
        command.output().unwrap()
    };
    // An existing VPC that is not yet a hub is made one, not reported as done.
    run(hubspoke(&server, &hub_key).args(["is", "vpc-create", "hub-vpc"]));
    let plan = topology("two-accounts.toml", "plan");
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("+ make the existing VPC `hub-vpc` a hub"), "{text}");
    assert!(topology("two-accounts.toml", "apply").status.success());
    let hub = json(hubspoke(&server, &hub_key).args(["is", "vpc", "hub-vpc"]));
    assert_eq!(hub["dns"]["enable_hub"], true);

    // What cannot change is refused by the plan, and apply does nothing at all.
    run(hubspoke(&server, &hub_key).args(["is", "vpc-create", "lz-hub", "--region", "eu-de"]));
    for verb in ["plan", "apply"] {
        let refused = topology("landing-zone.toml", verb);
        assert_eq!(refused.status.code(), Some(1), "{verb}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("`lz-hub` exists with address prefixes the file does not declare (10.243.0.0/18"),
            "{verb}: {stderr}"
        );
    }
    let acls = json(hubspoke(&server, &hub_key).args(["is", "network-acls", "--region", "eu-de"]));
    assert!(acls.as_array().unwrap().iter().all(|acl| acl["name"] != "lz-hub-acl"), "{acls}");
}

#[tokio::test]
async fn public_gateways_and_reserved_ips_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "egress", None).await;
    run(hubspoke(&server, &key).args(["is", "vpc-create", "egress-vpc"]));
    let text =
        run(hubspoke(&server, &key).args(["is", "public-gateway-create", "egress-pgw", "egress-vpc", "us-south-1"]));
    redacted(&text).bind(|| insta::assert_snapshot!("public_gateway_create", text));
    let second = json(hubspoke(&server, &key).args([
        "is",
        "public-gateway-create",
        "egress-pgw-2",
        "egress-vpc",
        "us-south-2",
        "--floating-ip-address",
        "203.0.113.10",
    ]));
    assert_eq!(second["floating_ip"]["address"], "203.0.113.10");
    let listed = json(hubspoke(&server, &key).args(["is", "public-gateways"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let renamed =
        json(hubspoke(&server, &key).args(["is", "public-gateway-update", "egress-pgw", "--name", "egress-1"]));
    assert_eq!(renamed["name"], "egress-1");
    let shown = run(hubspoke(&server, &key).args(["is", "public-gateway", "egress-1"]));
    assert!(shown.contains("198.18.0.1") && shown.contains("us-south-1"), "{shown}");

    run(hubspoke(&server, &key).args(["is", "subnet-create", "egress-subnet", "egress-vpc", "--zone", "us-south-1"]));
    let attached =
        json(hubspoke(&server, &key).args(["is", "subnet-public-gateway-attach", "egress-subnet", "egress-1"]));
    assert_eq!(attached["name"], "egress-1");
    let refused = hubspoke(&server, &key).args(["is", "public-gateway-delete", "egress-1", "-f"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("public_gateway_in_use"), "{refused:?}");
    let wrong_zone =
        hubspoke(&server, &key).args(["is", "subnet-public-gateway-attach", "egress-subnet", "egress-pgw-2"]).output();
    assert!(String::from_utf8_lossy(&wrong_zone.unwrap().stderr).contains("(rule G9)"));
    run(hubspoke(&server, &key).args(["is", "subnet-public-gateway-detach", "egress-subnet", "-f"]));
    run(hubspoke(&server, &key).args(["is", "public-gateway-delete", "egress-1", "egress-pgw-2", "-f"]));
    assert_eq!(json(hubspoke(&server, &key).args(["is", "public-gateways"])), serde_json::json!([]));

    let subnet = json(hubspoke(&server, &key).args(["is", "subnets", "--vpc", "egress-vpc"]))[0]["id"].clone();
    let path = format!("/v1/subnets/{}/reserved_ips?version=2026-10-06", subnet.as_str().unwrap());
    let token = server.token(&key).await;
    let (status, _) =
        server.call(reqwest::Method::POST, &path, Some(&token), Some(serde_json::json!({ "name": "spare" }))).await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let updated = json(hubspoke(&server, &key).args([
        "is",
        "subnet-reserved-ip-update",
        "egress-subnet",
        "spare",
        "--name",
        "kept",
        "--auto-delete",
        "true",
    ]));
    assert_eq!((&updated["name"], &updated["auto_delete"]), (&serde_json::json!("kept"), &serde_json::json!(true)));
    // Every resource the CLI creates it can also delete: reserved IPs and network ACLs too.
    let listed = run(hubspoke(&server, &key).args(["is", "subnet-reserved-ips", "egress-subnet"]));
    assert!(listed.contains("OK\nID") && listed.contains("kept"), "{listed}");
    run(hubspoke(&server, &key).args(["is", "subnet-reserved-ip-delete", "egress-subnet", "kept", "-f"]));
    let listed = run(hubspoke(&server, &key).args(["is", "subnet-reserved-ips", "egress-subnet"]));
    assert!(listed.contains("No reserved IPs were found."), "{listed}");
    run(hubspoke(&server, &key).args(["is", "network-acl-create", "spare-acl", "egress-vpc"]));
    run(hubspoke(&server, &key).args(["is", "network-acl-delete", "spare-acl", "-f"]));
    let acls = json(hubspoke(&server, &key).args(["is", "network-acls"]));
    assert!(acls.as_array().unwrap().iter().all(|acl| acl["name"] != "spare-acl"), "{acls}");
}

#[tokio::test]
async fn endpoint_gateway_resource_bindings_from_the_cli() {
    let server = Server::ephemeral().await;
    let (account_id, key) = account(&server, "local", None).await;
    run(hubspoke(&server, &key).args(["is", "vpc-create", "local-vpc"]));
    let cos = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";
    run(hubspoke(&server, &key).args([
        "is",
        "endpoint-gateway-create",
        "--target",
        cos,
        "--vpc",
        "local-vpc",
        "--name",
        "local-cos",
        "--dns-resolution-binding-mode",
        "per_resource_binding",
    ]));
    let empty = run(hubspoke(&server, &key).args(["is", "endpoint-gateway-resource-bindings", "local-cos"]));
    assert!(empty.contains("No resource bindings were found."), "{empty}");
    let bucket = format!("crn:v1:bluemix:public:cloud-object-storage:global:a/{account_id}:guid:bucket:logs");
    let text = run(hubspoke(&server, &key).args([
        "is",
        "endpoint-gateway-resource-binding-create",
        "local-cos",
        "--target-crn",
        &bucket,
        "--name",
        "logs-bucket",
    ]));
    assert!(
        text.contains("logs.s3.direct.us-south.cloud-object-storage.appdomain.cloud") && text.contains("weak"),
        "{text}"
    );
    let listed = run(hubspoke(&server, &key).args(["is", "endpoint-gateway-resource-bindings", "local-cos"]));
    assert!(listed.contains("logs-bucket") && listed.contains("Service endpoint"), "{listed}");
    let shown =
        json(hubspoke(&server, &key).args(["is", "endpoint-gateway-resource-binding", "local-cos", "logs-bucket"]));
    assert_eq!(shown["target"]["crn"], bucket.as_str());
    let refused = hubspoke(&server, &key)
        .args(["is", "endpoint-gateway-resource-binding-create", "local-cos", "--target-crn", &bucket])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("(rule RB4)"), "{refused:?}");
    run(hubspoke(&server, &key).args([
        "is",
        "endpoint-gateway-resource-binding-delete",
        "local-cos",
        "logs-bucket",
        "-f",
    ]));
    let listed = json(hubspoke(&server, &key).args(["is", "endpoint-gateway-resource-bindings", "local-cos"]));
    assert_eq!(listed, serde_json::json!([]));
}

#[tokio::test]
async fn transit_gateways_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "transit", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));
    let mut vpcs = Vec::new();
    for (name, cidr) in [("hub-vpc", "10.10.10.0/24"), ("spoke-vpc", "10.40.10.0/24")] {
        vpcs.push(json(hubspoke(&server, &key).args([
            "is",
            "vpc-create",
            name,
            "--address-prefix-management",
            "manual",
        ])));
        cli(&["is", "vpc-address-prefix-create", &format!("{name}-prefix"), name, "us-south-1", cidr]);
    }
    let text = cli(&["tg", "gateway-create", "--name", "lz-tg", "--location", "us-south", "--routing", "local"]);
    let mut settings = redacted(&text);
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "[time]");
    settings.clone().bind(|| insta::assert_snapshot!("tg_gateway_create", text));
    for (name, vpc) in ["hub", "spoke"].iter().zip(&vpcs) {
        let crn = vpc["crn"].as_str().unwrap();
        cli(&["tg", "connection-create", "lz-tg", "--name", name, "--network-type", "vpc", "--network-id", crn]);
    }
    let text = cli(&["tg", "connections", "lz-tg"]);
    settings.clone().bind(|| insta::assert_snapshot!("tg_connections", text));
    let gateways = json(hubspoke(&server, &key).args(["tg", "gateways"]));
    assert_eq!((gateways[0]["name"].as_str(), gateways[0]["connection_count"].as_u64()), (Some("lz-tg"), Some(2)));
    let text = cli(&["tg", "gateway-update", "lz-tg", "--name", "lz-tg-2"]);
    assert!(text.contains("lz-tg-2"), "{text}");
    assert_eq!(json(hubspoke(&server, &key).args(["tg", "gateway", "lz-tg-2"]))["status"], "available");
    // A gateway with connections stays, with the server's rule.
    let output = hubspoke(&server, &key).args(["tg", "gateway-delete", "lz-tg-2", "-f"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("(rule T6)"));
    cli(&["tg", "connection-delete", "lz-tg-2", "hub", "-f"]);
    cli(&["tg", "connection-delete", "lz-tg-2", "spoke", "-f"]);
    cli(&["tg", "gateway-delete", "lz-tg-2", "-f"]);
    assert_eq!(json(hubspoke(&server, &key).args(["tg", "gateways"])), serde_json::json!([]));
}

#[tokio::test]
async fn resource_groups_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "grouped", None).await;
    let text = run(hubspoke(&server, &key).args(["resource", "group-create", "hub-resource-group"]));
    redacted(&text).bind(|| insta::assert_snapshot!("resource_group_create", text));
    let text = run(hubspoke(&server, &key).args(["resource", "groups"]));
    redacted(&text).bind(|| insta::assert_snapshot!("resource_groups", text));
    let renamed =
        json(hubspoke(&server, &key).args(["resource", "group-update", "hub-resource-group", "-n", "network"]));
    assert_eq!(renamed["name"], "network");
    let shown = run(hubspoke(&server, &key).args(["resource", "group", "network"]));
    assert!(shown.contains("network") && shown.contains("ACTIVE"), "{shown}");
    let defaults = json(hubspoke(&server, &key).args(["resource", "groups", "--default"]));
    assert_eq!(defaults.as_array().unwrap().len(), 1);
    assert_eq!((defaults[0]["name"].clone(), defaults[0]["default"].clone()), ("Default".into(), true.into()));
    let vpc =
        json(hubspoke(&server, &key).args(["is", "vpc-create", "grouped-vpc", "--resource-group-name", "network"]));
    assert_eq!(
        (vpc["resource_group"]["id"].clone(), vpc["resource_group"]["name"].clone()),
        (renamed["id"].clone(), "network".into())
    );
    let refused = hubspoke(&server, &key).args(["resource", "group-delete", "network", "-f"]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("resource_group_not_empty"), "{refused:?}");
    run(hubspoke(&server, &key).args(["is", "vpc-delete", "grouped-vpc", "-f"]));
    run(hubspoke(&server, &key).args(["resource", "group-delete", "network", "-f"]));
    let refused = hubspoke(&server, &key).args(["resource", "group-delete", "Default", "-f"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("resource_group_default"), "{refused:?}");
    let groups = json(hubspoke(&server, &key).args(["resource", "groups"]));
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
}

#[tokio::test]
async fn forwarding_rules_and_secondary_zones_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "forwarding", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));
    let timeless = |text: &str| {
        let mut settings = redacted(text);
        settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "[time]");
        settings
    };
    cli(&["is", "vpc-create", "hub", "--dns-enable-hub", "true"]);
    cli(&["is", "subnet-create", "hub-subnet", "hub", "--zone", "us-south-1", "--ipv4-address-count", "256"]);
    cli(&["resource", "service-instance-create", "dns-i", "dns-svcs", "standard-dns", "global"]);
    // `dns COMMAND --instance dns-i ARGS...`.
    let with = |args: &[&str]| {
        let mut all = vec!["dns", args[0], "--instance", "dns-i"];
        all.extend_from_slice(&args[1..]);
        cli(&all)
    };
    with(&["custom-resolver-create", "--name", "hub-resolver", "--location", "hub-subnet", "--enable"]);

    let text = with(&[
        "custom-resolver-forwarding-rule-create",
        "hub-resolver",
        "--match",
        "example.com",
        "--dns-svcs",
        "10.0.0.7,10.0.0.8:5353",
        "--view",
        r#"{"name": "spoke", "expression": "ipInRange(source.ip, '10.1.0.0/16')", "forward_to": ["10.1.0.7"]}"#,
        "-d",
        "on-premises",
    ]);
    timeless(&text).bind(|| insta::assert_snapshot!("forwarding_rule_create", text));
    let text = with(&["custom-resolver-forwarding-rules", "hub-resolver"]);
    timeless(&text).bind(|| insta::assert_snapshot!("forwarding_rules", text));

    // The default rule stays (rule F1); a zone rule goes.
    let rules = json(hubspoke(&server, &key).args([
        "dns",
        "custom-resolver-forwarding-rules",
        "--instance",
        "dns-i",
        "hub-resolver",
    ]));
    let (default, zone) = (rules[0]["id"].as_str().unwrap(), rules[1]["id"].as_str().unwrap());
    let output = hubspoke(&server, &key)
        .args(["dns", "custom-resolver-forwarding-rule-delete", "--instance", "dns-i", "hub-resolver", default, "-f"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("(rule F1)"));
    let updated = with(&["custom-resolver-forwarding-rule-update", "hub-resolver", zone, "--remove-views"]);
    assert!(updated.contains("Views:") && !updated.contains("spoke:"), "{updated}");
    with(&["custom-resolver-forwarding-rule-delete", "hub-resolver", zone, "-f"]);

    let text =
        with(&["secondary-zone-create", "hub-resolver", "--name", "onprem.example", "--transfer-from", "10.0.0.7"]);
    timeless(&text).bind(|| insta::assert_snapshot!("secondary_zone_create", text));
    let zones = json(hubspoke(&server, &key).args(["dns", "secondary-zones", "--instance", "dns-i", "hub-resolver"]));
    let zone = zones[0]["id"].as_str().unwrap();
    let disabled = with(&["secondary-zone-update", "hub-resolver", zone, "--enabled", "false"]);
    assert!(disabled.contains("false"), "{disabled}");
    with(&["secondary-zone-delete", "hub-resolver", zone, "-f"]);
    let empty = with(&["secondary-zones", "hub-resolver"]);
    assert!(empty.contains("No secondary zones were found."), "{empty}");

    let resolver = json(hubspoke(&server, &key).args(["dns", "custom-resolvers", "--instance", "dns-i"]));
    let location = resolver[0]["locations"][0]["id"].as_str().unwrap();
    let ordered = with(&["custom-resolver-location-order", "hub-resolver", location]);
    assert!(ordered.contains(location), "{ordered}");
}

#[tokio::test]
async fn a_topology_declares_forwarding_rules_on_the_hub_resolver() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let file = repository_root().join("tests/integration/topologies/hub-forwarding.toml");
    let topology = |verb: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command.args(["topology", verb]).arg(&file).env("HUBSPOKE_ENDPOINT", &server.base).env("HUB_APIKEY", &hub_key);
        command.env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-forwarding-test"));
        run(&mut command)
    };
    let plan = topology("plan");
    assert!(
        plan.contains("forward `onprem.example.com` to 10.250.0.7, 10.250.0.8 on custom resolver `hub-resolver`"),
        "{plan}"
    );
    topology("apply");
    assert!(topology("apply").contains("Nothing to do"));
    let rules = json(hubspoke(&server, &hub_key).args([
        "dns",
        "custom-resolver-forwarding-rules",
        "--instance",
        "dns-hub",
        "hub-resolver",
    ]));
    assert_eq!(rules[1]["match"], "onprem.example.com");
    assert_eq!(rules[1]["forward_to"], serde_json::json!(["10.250.0.7", "10.250.0.8"]));
    assert_eq!(rules[1]["description"], "on-premises");

    // A rule changed by hand is reported, not silently kept.
    let id = rules[1]["id"].as_str().unwrap();
    run(hubspoke(&server, &hub_key).args([
        "dns",
        "custom-resolver-forwarding-rule-update",
        "--instance",
        "dns-hub",
        "hub-resolver",
        id,
        "--dns-svcs",
        "10.250.0.9",
    ]));
    let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
    command.args(["topology", "plan"]).arg(&file).env("HUBSPOKE_ENDPOINT", &server.base).env("HUB_APIKEY", &hub_key);
    command.env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-forwarding-test"));
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("the forwarding rule for `onprem.example.com` exists"));
}

#[tokio::test]
async fn a_topology_declares_a_private_zone_a_delegated_spoke_resolves_through_the_hub() {
    let server = Server::ephemeral().await;
    let (_, hub_key) = account(&server, "hub", None).await;
    let (_, spoke_key) = account(&server, "spoke", None).await;
    let file = repository_root().join("tests/integration/topologies/hub-zone.toml");
    let topology = |verb: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", verb])
            .arg(&file)
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key)
            .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-zone-test"));
        command
    };
    // A zone name the service refuses stops the apply before any VPC is built.
    for (name, rule) in [("example.internal1", "(rule Z1)"), ("hub.appdomain.cloud", "(rule Z2)")] {
        let refused_file = std::env::temp_dir().join(format!("hubspoke-topology-zone-{}.toml", std::process::id()));
        let text = std::fs::read_to_string(&file).unwrap().replace("\"example.internal\"", &format!("\"{name}\""));
        std::fs::write(&refused_file, text).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspoke"));
        command
            .args(["topology", "apply"])
            .arg(&refused_file)
            .env("HUBSPOKE_ENDPOINT", &server.base)
            .env("HUB_APIKEY", &hub_key)
            .env("SPOKE_APIKEY", &spoke_key)
            .env("HUBSPOKE_CONFIG_DIR", std::env::temp_dir().join("hubspoke-topology-zone-test"));
        let output = command.output().unwrap();
        std::fs::remove_file(&refused_file).unwrap();
        assert_eq!(output.status.code(), Some(1));
        let refused = String::from_utf8_lossy(&output.stderr);
        assert!(refused.contains(&format!("`{name}`")) && refused.contains(rule), "{refused}");
        assert_eq!(json(hubspoke(&server, &hub_key).args(["is", "vpcs"])), serde_json::json!([]));
    }

    let plan = run(&mut topology("plan"));
    for step in [
        "+ create DNS zone `example.internal` (label `hub`) in instance `dns-hub`",
        "+ permit hub VPC `hub-vpc` to resolve DNS zone `example.internal`",
        "+ add A record `app.example.internal` 10.240.0.10 (TTL 300 s) to DNS zone `example.internal`",
        "+ add CNAME record `www.example.internal` app.example.internal to DNS zone `example.internal`",
    ] {
        assert!(plan.contains(step), "`{step}` in\n{plan}");
    }
    let applied = run(&mut topology("apply"));
    assert!(applied.contains("The topology is in place."), "{applied}");
    let again = run(&mut topology("apply"));
    assert!(again.contains("Nothing to do"), "{again}");
    let zones = json(hubspoke(&server, &hub_key).args(["dns", "zones", "-i", "dns-hub"]));
    assert_eq!(zones[0]["name"], "example.internal");
    assert_eq!(zones[0]["label"], "hub");
    assert_eq!(zones[0]["description"], "private names of the hub");
    assert_eq!(zones[0]["state"], "active");

    // A real query at the spoke's DNS endpoint: the delegated spoke resolves the hub's private zone.
    let spoke_token = server.token(&spoke_key).await;
    let spoke_vpc = json(hubspoke(&server, &spoke_key).args(["is", "vpc", "spoke-vpc"]));
    let path = format!("/_hubspoke/vpcs/{}/dns_endpoint", spoke_vpc["id"].as_str().unwrap());
    let (status, endpoint) = server.call(reqwest::Method::GET, &path, Some(&spoke_token), None).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{endpoint}");
    let endpoint = std::net::SocketAddr::new(
        endpoint["address"].as_str().unwrap().parse().unwrap(),
        endpoint["port"].as_u64().unwrap() as u16,
    );
    let answered = hickory_proto::op::ResponseCode::NoError;
    crate::dns::expect(endpoint, "app.example.internal", answered, &["10.240.0.10"], "spoke through the hub").await;
    let lookup = json(hubspoke(&server, &spoke_key).args([
        "dns",
        "lookup",
        "app.example.internal",
        "--vpc",
        spoke_vpc["id"].as_str().unwrap(),
    ]));
    assert_eq!(lookup["source"]["kind"], "delegated", "{lookup}");

    // A record changed by hand is reported, not silently kept or duplicated.
    let records =
        json(hubspoke(&server, &hub_key).args(["dns", "resource-records", "example.internal", "-i", "dns-hub"]));
    let app = records.as_array().unwrap().iter().find(|record| record["type"] == "A").unwrap();
    run(hubspoke(&server, &hub_key).args([
        "dns",
        "resource-record-update",
        "example.internal",
        app["id"].as_str().unwrap(),
        "--name",
        "app",
        "--ipv4",
        "10.240.0.99",
        "--ttl",
        "300",
        "-i",
        "dns-hub",
    ]));
    let output = topology("apply").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let refused = String::from_utf8_lossy(&output.stderr);
    assert!(
        refused.contains("the A record `app.example.internal` exists with `10.240.0.99`, not `10.240.0.10`"),
        "{refused}"
    );
    let records =
        json(hubspoke(&server, &hub_key).args(["dns", "resource-records", "example.internal", "-i", "dns-hub"]));
    assert_eq!(records.as_array().unwrap().len(), 2, "nothing was added: {records}");

    // Destroy removes the records, the permission and the zone before the resolver and the VPCs; a second does
    // nothing.
    let destroyed = topology_destroy(&server, &file, &hub_key, &spoke_key);
    let order: Vec<usize> = [
        "Destroying: delete CNAME record `www.example.internal`",
        "Destroying: remove hub VPC `hub-vpc` from the permitted networks of DNS zone `example.internal`",
        "Destroying: delete DNS zone `example.internal`",
        "Destroying: disable and delete custom resolver `hub-resolver`",
        "Destroying: delete VPC `hub-vpc`",
    ]
    .iter()
    .map(|step| destroyed.find(step).unwrap_or_else(|| panic!("`{step}` in\n{destroyed}")))
    .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{destroyed}");
    assert!(destroyed.contains("The topology is destroyed."), "{destroyed}");
    let zones = json(hubspoke(&server, &hub_key).args(["dns", "zones", "-i", "dns-hub"]));
    assert_eq!(zones, serde_json::json!([]));
    for key in [&hub_key, &spoke_key] {
        assert_empty(&server, key, &[]).await;
    }
    let again = topology_destroy(&server, &file, &hub_key, &spoke_key);
    assert!(again.contains("Nothing to do"), "{again}");
}

#[tokio::test]
async fn dns_zones_permitted_networks_and_records_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "zones", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));
    let snapshot = |name: &str, text: &str| {
        let mut settings = redacted(text);
        settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
        settings.bind(|| insta::assert_snapshot!(name, text));
    };
    let text = cli(&["resource", "service-instance-create", "dns-hub", "dns-svcs", "standard-dns", "global"]);
    snapshot("service_instance_create", &text);
    cli(&["is", "vpc-create", "hub-vpc"]);
    let text = cli(&["dns", "zone-create", "example.com", "-i", "dns-hub", "-l", "hub", "-d", "hub zone"]);
    snapshot("dns_zone_create", &text);
    let text = cli(&["dns", "permitted-network-add", "example.com", "--vpc-crn", "hub-vpc", "-i", "dns-hub"]);
    assert!(text.contains("State:") && text.contains("ACTIVE"), "{text}");
    let text = cli(&["dns", "zones", "-i", "dns-hub"]);
    assert!(text.contains("example.com") && text.contains("active"), "{text}");
    let text = cli(&[
        "dns",
        "resource-record-create",
        "example.com",
        "--type",
        "A",
        "--name",
        "www",
        "--ipv4",
        "10.0.0.5",
        "-i",
        "dns-hub",
    ]);
    snapshot("dns_resource_record_create", &text);
    cli(&[
        "dns",
        "resource-record-create",
        "example.com",
        "--type",
        "SRV",
        "--name",
        "voip",
        "--service",
        "_sip",
        "--protocol",
        "udp",
        "--priority",
        "1",
        "--weight",
        "2",
        "--port",
        "5060",
        "--target",
        "www.example.com",
        "--ttl",
        "60",
        "-i",
        "dns-hub",
    ]);
    let text = cli(&["dns", "resource-records", "example.com", "-i", "dns-hub"]);
    snapshot("dns_resource_records", &text);
    // A CNAME where an A record is: refused, with the rule in the message.
    let output = hubspoke(&server, &key)
        .args(["dns", "resource-record-create", "example.com", "--type", "CNAME", "--name", "www"])
        .args(["--cname", "web.example.com", "-i", "dns-hub"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let refused = format!("{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    assert!(refused.contains("FAILED") && refused.contains("(rule R5)"), "{refused}");

    let records = json(hubspoke(&server, &key).args(["dns", "resource-records", "example.com", "-i", "dns-hub"]));
    let a = records.as_array().unwrap().iter().find(|r| r["type"] == "A").unwrap()["id"].as_str().unwrap().to_owned();
    let text = cli(&[
        "dns",
        "resource-record-update",
        "example.com",
        &a,
        "--name",
        "www",
        "--ipv4",
        "10.0.0.6",
        "-i",
        "dns-hub",
    ]);
    assert!(text.contains("10.0.0.6"), "{text}");

    // The zone's records go out as a zone file and come back into a zone of the same name in another instance.
    let directory = tempfile::tempdir().unwrap();
    let zone_file = directory.path().join("example.com.zone");
    let zone_file = zone_file.to_str().unwrap();
    cli(&["dns", "resource-records-export", "example.com", "--file", zone_file, "-i", "dns-hub"]);
    let exported = std::fs::read_to_string(zone_file).unwrap();
    assert!(exported.starts_with("$ORIGIN example.com.\n") && exported.contains("10.0.0.6"), "{exported}");
    cli(&["resource", "service-instance-create", "dns-copy", "dns-svcs", "standard-dns", "global"]);
    cli(&["dns", "zone-create", "example.com", "-i", "dns-copy"]);
    let text = cli(&["dns", "resource-records-import", "example.com", "--file", zone_file, "-i", "dns-copy"]);
    let records = exported.lines().filter(|line| !line.starts_with('$')).count();
    assert!(text.contains("Records added") && text.contains("Records failed"), "{text}");
    let copied = json(hubspoke(&server, &key).args(["dns", "resource-records", "example.com", "-i", "dns-copy"]));
    assert_eq!(copied.as_array().unwrap().len(), records, "{copied}");
    cli(&["dns", "zone-delete", "example.com", "-i", "dns-copy", "-f"]);
    cli(&["resource", "service-instance-delete", "dns-copy", "-f"]);

    cli(&["dns", "resource-record-delete", "example.com", &a, "-i", "dns-hub", "-f"]);
    let networks = json(hubspoke(&server, &key).args(["dns", "permitted-networks", "example.com", "-i", "dns-hub"]));
    let vpc = networks[0]["id"].as_str().unwrap().to_owned();
    cli(&["dns", "permitted-network-remove", "example.com", &vpc, "-i", "dns-hub", "-f"]);
    cli(&["dns", "zone-delete", "example.com", "-i", "dns-hub", "-f"]);
    cli(&["resource", "service-instance-delete", "dns-hub", "-f"]);
    let left = json(hubspoke(&server, &key).args(["resource", "service-instances"]));
    assert_eq!(left.as_array().unwrap().len(), 0, "{left}");
}

#[tokio::test]
async fn access_groups_from_the_cli_in_ibmcloud_shapes() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "groups", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));

    let text = cli(&["iam", "access-group-create", "network-admins", "-d", "Administers the hub VPC"]);
    redacted(&text).bind(|| insta::assert_snapshot!("access_group_create", text));
    let created = json(hubspoke(&server, &key).args(["iam", "access-group", "network-admins"]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("AccessGroupId-"), "{created}");

    let text = cli(&["iam", "access-group-user-add", "network-admins", "IBMid-550002G2B4", "IBMid-550002G2B5"]);
    assert!(text.contains("IBMid-550002G2B4, IBMid-550002G2B5 added to access group network-admins"), "{text}");
    cli(&["iam", "access-group-service-id-add", "network-admins", "ServiceId-1b3c4d5e-0000-4000-8000-000000000000"]);
    let text = cli(&["iam", "access-group-members", "network-admins"]);
    redacted(&text).bind(|| insta::assert_snapshot!("access_group_members", text));
    let text = cli(&["iam", "access-groups"]);
    redacted(&text).bind(|| insta::assert_snapshot!("access_groups", text));
    let of_user = json(hubspoke(&server, &key).args(["iam", "access-groups", "-u", "IBMid-550002G2B5"]));
    assert_eq!(of_user.as_array().unwrap().len(), 1, "{of_user}");
    let of_service = json(hubspoke(&server, &key).args([
        "iam",
        "access-groups",
        "-s",
        "ServiceId-1b3c4d5e-0000-4000-8000-000000000000",
    ]));
    assert_eq!(of_service[0]["id"], serde_json::json!(id));

    // A malformed IBMid is refused, and the command fails.
    let output =
        hubspoke(&server, &key).args(["iam", "access-group-user-add", "network-admins", "alice"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("(rule AG4)"));

    let text = cli(&["iam", "access-group-update", "network-admins", "-n", "hub-admins", "-d", "Hub VPC"]);
    redacted(&text).bind(|| insta::assert_snapshot!("access_group_update", text));
    let text = cli(&["iam", "access-group-user-remove", "hub-admins", "IBMid-550002G2B4"]);
    assert!(text.contains("User IBMid-550002G2B4 is removed from access group hub-admins"), "{text}");

    // Two groups may share a name; the CLI then asks for the id.
    cli(&["iam", "access-group-create", "hub-admins"]);
    let output = hubspoke(&server, &key).args(["iam", "access-group", "hub-admins"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("2 access groups are named `hub-admins`"));
    let shown = json(hubspoke(&server, &key).args(["iam", "access-group", &id]));
    assert_eq!(shown["description"], "Hub VPC");

    // A group with members is deleted only with -r.
    let output = hubspoke(&server, &key).args(["iam", "access-group-delete", &id, "-f"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("(rule AG9)"));
    let text = cli(&["iam", "access-group-delete", &id, "-f", "-r"]);
    assert!(text.contains(&format!("Access group {id} is deleted successfully")), "{text}");
    let left = json(hubspoke(&server, &key).args(["iam", "access-groups"]));
    assert_eq!(left.as_array().unwrap().len(), 2, "the Public Access group and the twin: {left}");
}

#[tokio::test]
async fn access_policies_and_custom_roles_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "people", None).await;
    let user = "IBMid-550002G2B4";

    // `ibmcloud iam user-policy-create USER --roles Viewer --service-name is --attributes "vpcId=*"`
    let text = run(hubspoke(&server, &key).args([
        "iam",
        "user-policy-create",
        user,
        "--roles",
        "Viewer,DNS Binding Connector",
        "--service-name",
        "is",
        "--attributes",
        "vpcId=*",
    ]));
    redacted(&text).bind(|| insta::assert_snapshot!("user_policy_create", text));
    let text = run(hubspoke(&server, &key).args([
        "iam",
        "user-policy-create",
        user,
        "--roles",
        "Administrator",
        "--account-management",
    ]));
    assert!(text.contains("Service Type:") && text.contains("platform_service"), "{text}");
    let text = run(hubspoke(&server, &key).args(["iam", "user-policies", user]));
    redacted(&text).bind(|| insta::assert_snapshot!("user_policies", text));
    let policies = json(hubspoke(&server, &key).args(["iam", "user-policies", user]));
    assert_eq!(policies.as_array().unwrap().len(), 2);

    // A service ID by `ServiceId-…` (the `iam-` form is what the policy holds), through v2 with any resource group.
    let service = "ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab";
    let created = json(hubspoke(&server, &key).args([
        "iam",
        "service-policy-create",
        service,
        "-r",
        "Reader,Manager",
        "--service-name",
        "dns-svcs",
        "--resource-group-id",
        "*",
        "--api-version",
        "v2",
    ]));
    assert_eq!(created["subject"]["attributes"][0]["value"], format!("iam-{service}"));
    assert_eq!(
        created["resource"]["attributes"][2],
        serde_json::json!({ "key": "resourceGroupId", "operator": "stringExists", "value": true })
    );
    let listed = json(hubspoke(&server, &key).args(["iam", "service-policies", service]));
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // An access group policy names a group of the account.
    run(hubspoke(&server, &key).args(["iam", "access-group-create", "policy-holders"]));
    let created = json(hubspoke(&server, &key).args(["iam", "access-group", "policy-holders"]));
    let group = created["id"].as_str().unwrap().to_owned();
    let group = group.as_str();
    run(hubspoke(&server, &key).args([
        "iam",
        "access-group-policy-create",
        group,
        "--roles",
        "Editor",
        "--service-name",
        "is",
    ]));
    let text = run(hubspoke(&server, &key).args(["iam", "access-group-policies", group]));
    redacted(&text).bind(|| insta::assert_snapshot!("access_group_policies", text));

    // A role the service does not offer, and a subject that is not an id.
    let output = hubspoke(&server, &key)
        .args(["iam", "user-policy-create", user, "--roles", "Writer2", "--service-name", "is"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("RoleDoesnotExist: `Writer2`"));
    let output = hubspoke(&server, &key)
        .args(["iam", "user-policy-create", "alice@example.com", "--roles", "Viewer"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a user's IAM id"));

    // Custom roles: create, find by display name in a policy, update, and delete once no policy grants it.
    let text = run(hubspoke(&server, &key).args([
        "iam",
        "role-create",
        "VpcReader",
        "--display-name",
        "VPC reader",
        "--service-name",
        "is",
        "-a",
        "is.vpc.vpc.read,is.vpc.vpc.list",
        "-d",
        "Reads VPCs",
    ]));
    redacted(&text).bind(|| insta::assert_snapshot!("role_create", text));
    let roles = json(hubspoke(&server, &key).args(["iam", "roles", "--service", "is"]));
    let role = &roles["custom_roles"][0];
    let role_id = role["id"].as_str().unwrap().to_owned();
    let granted = json(hubspoke(&server, &key).args([
        "iam",
        "user-policy-create",
        "IBMid-OTHER1",
        "--roles",
        "VPC reader",
        "--service-name",
        "is",
    ]));
    assert_eq!(granted["roles"][0]["role_id"], role["crn"]);
    let updated = json(hubspoke(&server, &key).args(["iam", "role-update", &role_id, "-a", "is.vpc.vpc.read"]));
    assert_eq!(updated["actions"], serde_json::json!(["is.vpc.vpc.read"]));
    assert_eq!(updated["display_name"], "VPC reader");
    let output = hubspoke(&server, &key).args(["iam", "role-delete", &role_id, "-f"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("role_conflict_error"), "{output:?}");
    let policy = granted["id"].as_str().unwrap();
    run(hubspoke(&server, &key).args(["iam", "user-policy-delete", "IBMid-OTHER1", policy, "-f"]));
    let text = run(hubspoke(&server, &key).args(["iam", "role-delete", &role_id, "-f"]));
    assert!(text.contains("was deleted"), "{text}");
}

#[tokio::test]
async fn service_ids_api_keys_and_users_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "identities", None).await;
    let identity_filters = |text: &str| {
        let mut settings = redacted(text);
        settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\+0000", "[time]");
        settings.add_filter(r"\S*hubspoke-cli-service-key-\d+\.json", "[file]");
        settings.add_filter(r"IBMid-[A-Z0-9]{10}\b", "[user]");
        settings.add_filter(r"API Key:( +)\S+", "API Key:$1[secret]");
        settings
    };
    let text = run(hubspoke(&server, &key).args(["iam", "service-id-create", "deployer", "-d", "CI deployments"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("service_id_create", text));
    let text = run(hubspoke(&server, &key).args(["iam", "service-ids"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("service_ids", text));
    let shown = json(hubspoke(&server, &key).args(["iam", "service-id", "deployer"]));
    assert_eq!(shown["name"], "deployer");
    let file = std::env::temp_dir().join(format!("hubspoke-cli-service-key-{}.json", std::process::id()));
    let text = run(hubspoke(&server, &key).args([
        "iam",
        "service-api-key-create",
        "deployer-key",
        "deployer",
        "--file",
        file.to_str().unwrap(),
    ]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("service_api_key_create", text));
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    std::fs::remove_file(&file).unwrap();
    let secret = saved["apikey"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "the file keeps the secret: {saved}");
    assert!(text.contains(&secret), "the secret is printed once");
    let keys = json(hubspoke(&server, &key).args(["iam", "service-api-keys", shown["id"].as_str().unwrap()]));
    assert_eq!((keys.as_array().unwrap().len(), keys[0]["apikey"].as_str()), (1, Some("")));

    // The service ID's key works, and the service ID reads only itself.
    let own = json(hubspoke(&server, &secret).args(["iam", "service-ids"]));
    assert_eq!(own.as_array().unwrap().len(), 1);
    let refused = hubspoke(&server, &secret).args(["iam", "service-id-create", "more"]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("forbidden"), "{refused:?}");

    let locked = json(hubspoke(&server, &key).args(["iam", "service-id-lock", "deployer"]));
    assert_eq!(locked["locked"], true);
    let refused = hubspoke(&server, &key).args(["iam", "service-id-delete", "deployer", "-f"]).output().unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("entity_locked"), "{refused:?}");
    run(hubspoke(&server, &key).args(["iam", "service-id-unlock", "deployer"]));
    let text = run(hubspoke(&server, &key).args(["iam", "service-id-delete", "deployer", "-f"]));
    assert!(text.contains("deleted successfully"), "{text}");

    // The caller's own keys.
    let text = run(hubspoke(&server, &key).args(["iam", "api-key-create", "laptop", "-d", "my laptop"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("api_key_create", text));
    let text = run(hubspoke(&server, &key).args(["iam", "api-keys"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("api_keys", text));
    run(hubspoke(&server, &key).args(["iam", "api-key-delete", "laptop", "-f"]));
    let keys = json(hubspoke(&server, &key).args(["iam", "api-keys"]));
    assert_eq!(keys.as_array().unwrap().len(), 1, "{keys}");

    // Users.
    let text = run(hubspoke(&server, &key).args(["iam", "user-invite", "ana@example.com"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("user_invite", text));
    let text = run(hubspoke(&server, &key).args(["iam", "account-users"]));
    identity_filters(&text).bind(|| insta::assert_snapshot!("account_users", text));
}
