mod cli;

use clap::Parser;
use eoex_server::config::{Cli, Command};
use eoex_server::{Config, Server};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The plugin commands talk to the user on stdout; only warnings go to the log.
    let default_filter = match cli.command {
        Some(Command::Plugin(_)) => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        Some(Command::Plugin(command)) => {
            // A command fails with one line and its causes, never a backtrace.
            if let Err(e) = cli::run(command).await {
                eprintln!("error: {e:#}");
                std::process::exit(1);
            }
            return Ok(());
        }
        None => cli.serve,
    };
    let config = Config::resolve(args)?;
    tracing::debug!(?config, "configuration");
    Server::bind(config)
        .await?
        .run(eoex_server::shutdown_signal())
        .await
}
