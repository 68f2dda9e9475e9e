//! The `hubspoke` client commands against a real server: login, the profile file, the operator's account commands.

use std::process::{Command, Output};

use crate::support::{OPERATOR_KEY, Server};

fn hubspoke(config_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubspoke"))
        .args(args)
        .env("HUBSPOKE_CONFIG_DIR", config_dir)
        .env_remove("HUBSPOKE_ENDPOINT")
        .env_remove("HUBSPOKE_APIKEY")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn login_saves_a_private_profile_that_later_commands_use() {
    let server = Server::ephemeral().await;
    let config = tempfile::tempdir().unwrap();

    let refused = hubspoke(config.path(), &["login", "--endpoint", &server.base, "--apikey", "wrong-key"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.starts_with("FAILED") && stderr.contains("Provided API key could not be found."), "{stderr}");
    assert!(!config.path().join("config.json").exists(), "a refused login saves nothing");

    // An address without a scheme, as the banner prints it, is plain HTTP.
    let bare = server.base.trim_start_matches("http://");
    let login = hubspoke(config.path(), &["login", "--endpoint", bare, "--apikey", OPERATOR_KEY]);
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    let login = hubspoke(config.path(), &["login", "--endpoint", &server.base, "--apikey", OPERATOR_KEY]);
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    assert!(stdout(&login).contains("iam-hubspoke-operator"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(config.path().join("config.json")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let created = hubspoke(config.path(), &["account-create", "hub"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let text = stdout(&created);
    assert!(text.contains("OK") && text.contains("API key:"), "{text}");
    // `-q` leaves only the result.
    let quiet = stdout(&hubspoke(config.path(), &["account-create", "quiet-one", "-q"]));
    assert!(!quiet.contains("Creating account") && !quiet.contains("OK") && quiet.contains("API key:"), "{quiet}");

    let listed = hubspoke(config.path(), &["accounts", "--output", "JSON"]);
    let accounts: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(accounts[0]["name"], "hub");
    assert_eq!(accounts.as_array().unwrap().len(), 2);

    // The new account's administrator may not list accounts; the flag overrides the profile.
    let json = hubspoke(config.path(), &["account-create", "spoke", "--output", "json"]);
    let spoke: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let apikey = spoke["apikey"].as_str().unwrap();
    let refused = hubspoke(config.path(), &["accounts", "--apikey", apikey]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("insufficent_permissions"));
    // A key beginning with `-` is still a key, not an option: the server refuses it, the parser does not.
    let hyphen = hubspoke(config.path(), &["accounts", "--apikey", "-not-a-key"]);
    assert_eq!(hyphen.status.code(), Some(1), "{}", String::from_utf8_lossy(&hyphen.stderr));
    assert!(String::from_utf8_lossy(&hyphen.stderr).contains("FAILED"));
}

#[test]
fn without_a_profile_commands_say_how_to_connect() {
    let config = tempfile::tempdir().unwrap();
    let output = hubspoke(config.path(), &["accounts"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("hubspoke login --endpoint URL --apikey KEY"));
}
