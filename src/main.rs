//! The `hubspoke` binary: `serve` runs the server; the other commands are clients of a running server.

use clap::{CommandFactory, Parser, Subcommand};

// Requests allocate and free many small values (parsed JSON, headers, DNS messages); under load glibc's allocator was
// 14% of the server's CPU on AuthZEN evaluations (BENCHMARKS.md). mimalloc keeps per-thread free lists for them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// hubspoke: IBM Cloud s2s authorization policies and VPC DNS sharing, self-hosted.
#[derive(Debug, Parser)]
#[command(name = "hubspoke", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    connection: hubspoke_cli::Connection,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server: HTTP API, and DNS on every VPC's endpoint, with an embedded database.
    #[command(
        after_help = "EXAMPLES:\n  hubspoke serve\n  HUBSPOKE_OPERATOR_APIKEY=my-operator-key-0123456789 hubspoke serve --ephemeral --dns-port 5353\n  hubspoke serve --data-dir /var/lib/hubspoke --listen 0.0.0.0:8080 --enforcement soft\n  hubspoke serve --database-url postgres://hubspoke:secret@db.internal:5432/hubspoke --listen 0.0.0.0:8080"
    )]
    Serve(hubspoke_server::ServeArgs),
    /// Bring a PostgreSQL database to this build's schema (serve never migrates PostgreSQL by itself).
    #[command(
        after_help = "EXAMPLES:\n  hubspoke migrate --database-url postgres://hubspoke:secret@db.internal:5432/hubspoke\n  HUBSPOKE_DATABASE_URL=postgres://hubspoke@localhost/hubspoke hubspoke migrate"
    )]
    Migrate(hubspoke_server::MigrateArgs),
    #[command(flatten)]
    Client(hubspoke_cli::Command),
    /// Print a shell completion script.
    #[command(
        after_help = "EXAMPLES:\n  hubspoke completions bash > /etc/bash_completion.d/hubspoke\n  hubspoke completions zsh > \"${fpath[1]}/_hubspoke\""
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `serve --init`: saved states and topology files, applied by the client against the server itself.
fn init(
    endpoint: String,
    operator_key: String,
    files: Vec<std::path::PathBuf>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>> {
    Box::pin(async move {
        let report = |file: &std::path::Path, step: &str| println!("init {}: {step}", file.display());
        hubspoke_cli::commands::init::apply(&files, &endpoint, &operator_key, &report).await
    })
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            hubspoke_server::init_logging(args.log_json);
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(args.listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot listen on `{}`: {e}", args.listen))?;
                hubspoke_server::run_with_init(args, listener, hubspoke_server::shutdown_signal(), Some(Box::new(init)))
                    .await
            })
        }
        Command::Migrate(args) => {
            hubspoke_server::init_logging(false);
            tokio::runtime::Runtime::new()?.block_on(hubspoke_server::migrate(args))
        }
        Command::Client(command) => std::process::exit(hubspoke_cli::run(command, cli.connection)),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hubspoke", &mut script);
            // A reader that stops early (`| head`) is not an error.
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command a user can run shows examples in its `--help`.
    #[test]
    fn every_command_has_examples_in_its_help() {
        fn leaves(command: &clap::Command, path: String, out: &mut Vec<(String, bool)>) {
            let subcommands: Vec<&clap::Command> =
                command.get_subcommands().filter(|c| c.get_name() != "help").collect();
            if subcommands.is_empty() {
                let has = command.get_after_help().is_some_and(|help| help.to_string().contains("EXAMPLE"));
                out.push((path.clone(), has));
            }
            for sub in subcommands {
                leaves(sub, format!("{path} {}", sub.get_name()), out);
            }
        }
        let mut found = Vec::new();
        leaves(&Cli::command(), "hubspoke".into(), &mut found);
        let missing: Vec<&String> = found.iter().filter(|(_, has)| !has).map(|(path, _)| path).collect();
        assert!(missing.is_empty(), "commands without examples: {missing:?}");
        assert!(found.len() >= 30, "only {} commands were found", found.len());
    }
}
