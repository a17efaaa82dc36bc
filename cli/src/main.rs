//! The `outpost` command: parses the command line and hands each subcommand to its module.
//!
//! Exit status: 0 when the command did what it set out to do, 1 when it failed (an error, or a
//! demo check that did not pass), 2 when the command line itself was wrong. Errors are one line,
//! `error: <message>`, on stderr; the command never ends in a panic or a backtrace.

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "outpost",
    version,
    about = "Outpost: an offline-first wallet for personnel on phones",
    long_about = "Outpost: an offline-first wallet for personnel on phones.\n\n\
                  Today this command runs the end-to-end demo: the encrypted wallet store and \
                  an offline QR payment with a double spend caught. Field, finance-officer and \
                  auditor commands come with the ledger, sync and audit, which are not built yet.",
    after_help = "Start with: outpost demo",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk through the encrypted wallet store for real, checking each claim as it goes.
    ///
    /// Creates two wallets in a fresh directory, locks and unlocks them, tries wrong PINs,
    /// changes a PIN, verifies the event log, tampers with a copy of a wallet file and shows the
    /// damage is caught, and shows one device's key cannot open another device's wallet. Exits 0
    /// only if every check passes.
    ///
    /// Unlocking uses the real Argon2id parameters (64 MiB, 3 passes), so each unlock takes a
    /// noticeable moment, as it will on a phone.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Directory to work in; it must not exist yet or be empty [default: ./outpost-demo-<unix time>]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Also print a one-line JSON summary as the last line of output, for scripts
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cli.command {
        Command::Demo(args) => match demo::run(&demo::DemoOptions { dir: args.dir, json: args.json }) {
            Ok(outcome) if outcome.all_passed() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Reports a command-line mistake. For an unknown subcommand the full help follows the error,
/// since the list of commands is what the user was missing.
fn usage_error(e: clap::Error) -> ExitCode {
    if e.kind() != ErrorKind::InvalidSubcommand {
        e.exit();
    }
    let rendered = e.render().to_string();
    let message: Vec<&str> = rendered.lines().take_while(|line| !line.starts_with("Usage:")).collect();
    eprintln!("{}\n", message.join("\n").trim_end());
    eprintln!("{}", Cli::command().render_help());
    ExitCode::from(2)
}
