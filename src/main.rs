//! The `hubspoke` binary: `serve` runs the server; the other commands are clients of a running server.

use clap::{CommandFactory, Parser, Subcommand};

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
    /// Start the server: the HTTP API with an embedded database.
    Serve(hubspoke_server::ServeArgs),
    #[command(flatten)]
    Client(hubspoke_cli::Command),
    /// Print a shell completion script, for example `hubspoke completions bash > /etc/bash_completion.d/hubspoke`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
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
                hubspoke_server::run(args, listener, hubspoke_server::shutdown_signal()).await
            })
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
