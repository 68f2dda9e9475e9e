//! The `hubspoke iam`, `is`, `resource`, `dns`, `explain` and `topology` commands against a real server, with snapshots of
//! their text output (ids redacted).

use assert_cmd::Command;

use crate::support::{OPERATOR_KEY, Server, repository_root};

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
    let file = repository_root().join("tests/integration/topologies/seed.toml");
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
}

#[tokio::test]
async fn address_prefixes_regions_and_zones_from_the_cli() {
    let server = Server::ephemeral().await;
    let (_, key) = account(&server, "prefixes", None).await;
    let cli = |args: &[&str]| run(hubspoke(&server, &key).args(args));

    let regions = json(hubspoke(&server, &key).args(["is", "regions"]));
    assert_eq!(regions.as_array().unwrap().len(), 13);
    let text = cli(&["is", "region", "eu-gb"]);
    assert!(text.contains("https://eu-gb.iaas.cloud.ibm.com"), "{text}");
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
