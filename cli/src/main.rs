//! The `outpost` command: parses the command line and hands each subcommand to its module.
//!
//! Four groups of commands, one module each:
//!
//! ```text
//! outpost demo      the end-to-end story, every claim checked          (demo.rs)
//! outpost wallet …  a member's wallet file in the field                (wallet.rs)
//! outpost ledger …  the finance officer: run the ledger, enrol, pay    (ledger.rs)
//! outpost audit …   the auditor: verify the ledger's log offline       (audit.rs)
//! outpost witness   cosign the ledger's checkpoints, refuse its forks  (witness.rs)
//! ```
//!
//! Exit status: 0 when the command did what it set out to do, 1 when it failed (an error, or a
//! demo check that did not pass), 2 when the command line itself was wrong. Errors are one line,
//! `error: <message>`, on stderr; the command never ends in a panic or a backtrace.

mod audit;
mod bench;
mod demo;
mod error;
mod hq;
mod ledger;
mod listening;
#[cfg(test)]
mod messages;
mod money;
mod officer;
mod pin;
mod progress;
mod scan;
mod show;
mod time;
mod wallet;
mod witness;
mod words;

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
                  `outpost demo` runs the whole story end to end. `outpost wallet` is a member's \
                  wallet in the field (pay and be paid by QR code, offline; sync with the ledger), \
                  `outpost ledger` is the finance officer's (run the ledger, enrol members, pay \
                  them, see risk flags, revoke), and `outpost audit` is the auditor's (verify the \
                  ledger's log offline).",
    after_help = "Start with: outpost demo\n\
                  Then: outpost wallet --help, outpost ledger --help, outpost audit --help",
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

    /// A member's wallet: create it, get enrolled, pay and be paid by QR code, sync.
    ///
    /// Every command works on one wallet file (--wallet, or OUTPOST_WALLET) and its device key
    /// file, and asks for the PIN (or reads OUTPOST_PIN). QR codes are shown as text on a line
    /// of their own; --qr draws them, --svg and --out write them to files. Codes are read as an
    /// argument, with --qr-file, or from stdin.
    #[command(
        arg_required_else_help = true,
        after_help = "Example, Ben asks Aiko for ¥3,000 with no network between them:\n  \
                      outpost wallet request --wallet ben.wallet --amount 3000 --out request.txt\n  \
                      outpost wallet pay     --wallet aiko.wallet --qr-file request.txt --out transfer.txt\n  \
                      outpost wallet accept  --wallet ben.wallet --qr-file transfer.txt --out receipt.txt\n  \
                      outpost wallet confirm --wallet aiko.wallet --qr-file receipt.txt"
    )]
    Wallet(wallet::WalletArgs),

    /// The finance officer: run the ledger, enrol members, credit pay, approve, see flags, revoke.
    ///
    /// `ledger serve` runs the ledger server; the other commands work a running ledger over
    /// HTTP (--ledger URL, or OUTPOST_LEDGER), each request signed with your officer key
    /// (--officer-key, or OUTPOST_OFFICER_KEY). Credits, revocations and limits wait until a
    /// second officer approves them (`ledger approve`).
    #[command(
        after_help = "Example:\n  outpost ledger serve --dir hq --founding-officer <Alice's code> --founding-officer <Ben's code> &\n  \
                            outpost ledger enrol --officer-key alice.officer --qr-file aiko-enrol.txt\n  \
                            outpost ledger credit AIKO-0001 50000 --batch 2026-11 --memo \"November pay\" --officer-key alice.officer\n  \
                            outpost ledger approve <pending id> --officer-key ben.officer"
    )]
    Ledger(ledger::LedgerArgs),

    /// A finance officer's key: make one (`officer new`), and enrol or remove officers.
    #[command(after_help = "Example:\n  outpost officer new --key alice.officer --name \"Alice Sato\"")]
    Officer(officer::OfficerCommandArgs),

    /// The auditor: verify the ledger's exported log offline.
    #[command(
        after_help = "Example:\n  outpost audit verify --file audit.bin --ledger-key <the ledger's key>"
    )]
    Audit(audit::AuditArgs),

    /// Run a witness: cosign a ledger's checkpoints, and only those that extend what it cosigned.
    ///
    /// A C2SP tlog-witness on HTTP (POST /add-checkpoint). It keeps its key and the last
    /// checkpoint it cosigned for each ledger in --dir, and refuses a fork or a rollback; the
    /// ledger is told its key with --witness URL=KEY.
    #[command(
        after_help = "Example:\n  outpost witness --dir w1 --log \"$(the ledger's checkpoint verifier key)\"\n  \
                            outpost ledger serve --dir hq --witness http://127.0.0.1:7400=<the witness key it printed>\n  \
                            outpost witness --dir w1 --log \"$VKEY\" --listen 0.0.0.0:7400 --tls-cert w1-cert.pem --tls-key w1-key.pem"
    )]
    Witness(witness::WitnessArgs),

    /// Measure the wallet and the ledger against the raw cost of their primitives, in one run.
    ///
    /// Each figure is a ratio to the primitives it is built from (Ed25519, the envelope, one
    /// durable SQLite insert) timed in the same run, so a noisy machine moves both sides. Also
    /// times opening, balances and a history page on a wallet with 1,000,000 entries (built on
    /// the first run, about a minute in a release build), and unlocking.
    #[command(
        after_help = "Example:\n  cargo run --release -p outpost-cli -- bench --json --dir bench-data\n  \
                      bash scripts/postgres.sh cargo run --release -p outpost-cli -- bench --backends-only"
    )]
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Directory to work in and keep the 1,000,000-entry history wallet, reused by later runs
    /// [default: a scratch directory, removed afterwards]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// A smoke run: fewer rounds and a 50,000-entry history; not figures to publish
    #[arg(long)]
    quick: bool,

    /// Transfers in the aged wallet's history; it holds one closed purse for every 1,000
    /// (200,000: about a year of use, a purse loaded every other day; 1,000,000: five years)
    /// [default: 1,000,000, or 50,000 with --quick]
    #[arg(long, value_name = "ENTRIES", value_parser = clap::value_parser!(u64).range(10_000..=10_000_000))]
    history: Option<u64>,

    /// Print one JSON object instead of the table
    #[arg(long)]
    json: bool,

    /// Also compare the ledger's backends in the same run: syncs/s and settle_share on SQLite, on
    /// PostgreSQL with one `outpost ledger serve` process and with two on one database, over
    /// loopback HTTP (PostgreSQL only with --postgres)
    #[arg(long)]
    backends: bool,

    /// Compare the ledger's backends only, without the wallet's figures
    #[arg(long, conflicts_with = "backends")]
    backends_only: bool,

    /// A PostgreSQL server the backend comparison may create and drop its databases on;
    /// scripts/postgres.sh sets OUTPOST_TEST_POSTGRES to a throwaway one
    #[arg(long, value_name = "URL", env = "OUTPOST_TEST_POSTGRES", hide_env_values = true)]
    postgres: Option<String>,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Directory to work in; it must not exist yet or be empty [default: ./outpost-demo-<unix time>]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,

    /// Also print a one-line JSON summary as the last line of output, for scripts
    #[arg(long)]
    json: bool,

    /// Afterwards, keep the ledger serving its officers' web console until Ctrl-C
    #[arg(long)]
    console: bool,

    /// The loopback port the console is served on, with --console
    #[arg(long, value_name = "PORT", default_value_t = 8080, requires = "console")]
    console_port: u16,

    /// The ledger's database: a postgres://user@host:port/db URL of an empty database
    /// [default: SQLite, a file in the demo's directory]
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

fn main() -> ExitCode {
    // First, while this is the only thread: the PIN leaves the environment.
    pin::take_from_env();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cli.command {
        Command::Demo(args) => match outpost_ledger::Database::parse(args.database.as_deref())
            .map_err(|_| error::Error::BadDatabase { given: args.database.clone().unwrap_or_default() })
            .and_then(|database| {
                Ok(demo::run(&demo::DemoOptions {
                    dir: args.dir,
                    json: args.json,
                    console: args.console.then_some(args.console_port),
                    database,
                })?)
            }) {
            Ok(outcome) if outcome.all_passed() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => e.report(),
        },
        Command::Wallet(args) => finish(wallet::run(args)),
        Command::Ledger(args) => finish(ledger::run(args)),
        Command::Officer(args) => finish(officer::run(args)),
        Command::Audit(args) => finish(audit::run(args)),
        Command::Witness(args) => finish(witness::run(args)),
        Command::Bench(args) => {
            let backends = (args.backends || args.backends_only).then(|| bench::backends::BackendOptions {
                postgres: args.postgres.filter(|url| !url.trim().is_empty()),
                quick: args.quick,
            });
            let options =
                bench::BenchOptions { dir: args.dir, quick: args.quick, history: args.history, backends };
            let printed = if args.backends_only {
                bench::run_backends(&options).map(|report| {
                    if args.json {
                        format!("{{\"backends\":{}}}", report.to_json())
                    } else {
                        report.to_text()
                    }
                })
            } else {
                bench::run(&options).map(|report| if args.json { report.to_json() } else { report.to_text() })
            };
            match printed {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn finish(result: Result<(), error::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
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
