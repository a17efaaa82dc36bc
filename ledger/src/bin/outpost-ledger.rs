//! `outpost-ledger`: runs the HQ ledger's HTTP server on one directory.
//!
//! ```text
//! outpost-ledger --dir /var/lib/outpost --founding-officer <code> --founding-officer <code>
//!                [--listen 127.0.0.1:7300] [--currency JPY --exponent 0]
//!                [--witness http://127.0.0.1:7400=<witness key>]...
//!                [--approvals 2] [--approval-hours 24] [--credit-cap N] [--daily-credit-cap N]
//!                [--tls-cert cert.pem --tls-key key.pem] [--ca-file witnesses-ca.pem]
//! outpost-ledger --dir /var/lib/outpost --accept-rewritten-log "restored last night's backup after disk loss"
//! ```
//!
//! The second form is an officer's deliberate act: the ledger refuses to sign a log that does not
//! extend the last checkpoint it signed (docs/adr/0011), and this records, in `checkpoints.log`
//! and the logs, that the log as it stands is accepted anyway and why; then it exits, and the
//! next start signs again.
//!
//! The directory must exist; the ledger makes `ledger.db` and `ledger.key` in it on first start,
//! with its founding officers: each `--founding-officer` is the enrolment code `outpost officer
//! new` printed (the officer's self-signed enrolment, proof they hold their key). At least
//! `--approvals` founders are needed, since every officer act needs that many different officers.
//! Founders are refused on an existing ledger: later officers are enrolled by the officers. It
//! listens on loopback unless told otherwise; with `--tls-cert` and `--tls-key` it serves HTTPS
//! itself. Its limits on a hostile network (connections, timeouts, rates) are
//! `outpost_ledger::http::listener`'s. A key file (ledger key, TLS key) that other users can read is
//! refused, with the chmod to run.
//!
//! Once listening it prints one line to stdout, `listening on http(s)://<address>`; logs go to
//! stderr, filtered by `OUTPOST_LOG` (default `info`). SIGINT or SIGTERM finish the requests under
//! way and exit 0. A startup failure prints one line to stderr and exits 1.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use outpost_ledger::Ledger;
use outpost_ledger::http::listener::Limits;
use outpost_ledger::http::server::Network;
use outpost_ledger::rules::witnessing::{WitnessEndpoint, Witnessing};
use outpost_wallet_core::hex;
use outpost_wallet_core::transport::Trust;
use outpost_wallet_core::{Currency, SystemClock};

/// The HQ ledger's HTTP server.
#[derive(Debug, Parser)]
#[command(name = "outpost-ledger", version, about)]
struct Args {
    /// Directory of the ledger's key and checkpoint file, and of its SQLite database unless
    /// --database says otherwise. It must exist.
    #[arg(long, value_name = "PATH", global = true)]
    dir: Option<PathBuf>,
    /// The ledger's database: a postgres://user@host:port/db URL, which several outpost-ledger
    /// processes (each with the same --dir contents: key and checkpoint file) may share. Default:
    /// ledger.db (SQLite) in --dir.
    #[arg(long, value_name = "URL", global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on. Port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7300")]
    listen: SocketAddr,
    /// ISO 4217 code of the ledger's currency, fixed when the ledger is created.
    #[arg(long, value_name = "CODE", default_value = "JPY")]
    currency: String,
    /// Decimal places of the currency's minor unit.
    #[arg(long, value_name = "N", default_value_t = 0)]
    exponent: u8,
    /// Accept the database's log although it does not extend the last checkpoint signed (after a
    /// deliberate restore from a backup), record why, and exit. Wallets and auditors holding the
    /// old checkpoint will still see the rewrite.
    #[arg(long, value_name = "REASON")]
    accept_rewritten_log: Option<String>,
    /// A witness to ask to cosign each new checkpoint, as URL=KEY with the key `outpost witness`
    /// printed (repeatable). `GET /checkpoint` then serves the latest cosigned checkpoint.
    #[arg(long = "witness", value_name = "URL=KEY")]
    witnesses: Vec<WitnessEndpoint>,
    /// A founding officer of a new ledger: the enrolment code `outpost officer new` printed
    /// (repeat for each; at least --approvals of them). Refused on an existing ledger.
    #[arg(long = "founding-officer", value_name = "CODE")]
    founding_officers: Vec<String>,
    /// How many different officers must sign each officer act (the maker included); at least 2.
    #[arg(long, value_name = "N", default_value_t = 2)]
    approvals: usize,
    /// Hours a pending officer act waits for its approvals before it expires.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    approval_hours: u64,
    /// The largest single credit, in minor units.
    #[arg(long, value_name = "MINOR")]
    credit_cap: Option<u64>,
    /// The most credited in any 24 hours, in minor units.
    #[arg(long, value_name = "MINOR")]
    daily_credit_cap: Option<u64>,
    /// PEM certificate chain to serve HTTPS with (the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert; refused unless only its owner can read it (chmod 600).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Trust for https:// witnesses: the PEM file of their CA, or of a witness's own certificate.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Connections open at once; more wait in the kernel's backlog.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers (and the TLS handshake); also how long
    /// an idle keep-alive connection is kept.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().header_read.as_secs())]
    header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().body_read.as_secs())]
    body_timeout: u64,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Copy the SQLite ledger in --dir into the empty PostgreSQL database --database, then prove
    /// the copy (same leaves, same root, invariants on both) and exit.
    Migrate,
}

/// The ledger's policy from the command line.
fn policy(args: &Args) -> outpost_ledger::Policy {
    let mut policy = outpost_ledger::Policy::default();
    let officers = &mut policy.officers;
    officers.threshold = args.approvals;
    officers.approval_ttl = args.approval_hours.saturating_mul(3600);
    if let Some(cap) = args.credit_cap {
        officers.credit_cap_minor = cap;
    }
    if let Some(cap) = args.daily_credit_cap {
        officers.daily_credit_cap_minor = cap;
    }
    policy
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => e.exit(),
        Err(e) => return fail(&usage_error(&e)),
    };
    if let Err(e) = outpost_ledger::http::process::log_to_stderr() {
        return fail(&StartError::from(e).to_string());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&StartError::Runtime { detail: e.to_string() }.to_string()),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// What stops `outpost-ledger` from starting, or ends it, in the words the operator reads after
/// `outpost-ledger:`. The ledger's, the TLS set-up's, the CA file's and logging's errors keep their
/// own words (`docs/messages.md`); the rest are worded here, and checked against the section
/// "Starting `outpost-ledger`" by the tests below.
#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Ledger(#[from] outpost_ledger::LedgerError),
    #[error(transparent)]
    Tls(#[from] outpost_ledger::http::tls::TlsError),
    #[error(transparent)]
    Trust(#[from] outpost_wallet_core::transport::TrustError),
    #[error(transparent)]
    Log(#[from] outpost_ledger::http::process::LogError),
    #[error("no ledger directory was given: give --dir DIR (see --help)")]
    NoDir,
    #[error(
        "--database {given} is not a postgres:// URL: give one, or leave it out to keep ledger.db in --dir"
    )]
    BadDatabase { given: String },
    #[error("{} is not a directory: create it first (mkdir -m 700)", .dir.display())]
    NotADirectory { dir: PathBuf },
    #[error(
        "--currency {code} --exponent {exponent} is not a currency ({detail}): give a three-letter code and its \
         number of decimal places"
    )]
    BadCurrency { code: String, exponent: u8, detail: String },
    #[error(
        "cannot start the async runtime ({detail}): check the machine's free memory and threads, then try again"
    )]
    Runtime { detail: String },
    #[error("cannot listen on {address} ({detail}): choose another --listen address, or stop what uses it")]
    CannotListen { address: String, detail: String },
    #[error("cannot handle Ctrl-C and SIGTERM ({detail}), so the ledger did not start: try again")]
    NoSignals { detail: String },
    #[error("cannot write to standard output ({detail}): check where the output goes")]
    Stdout { detail: String },
    #[error("the server stopped ({detail}): read its log, then start it again")]
    Stopped { detail: String },
}

fn fail(message: &str) -> ExitCode {
    eprintln!("outpost-ledger: {message}");
    ExitCode::FAILURE
}

/// clap's error on one line: its message without the usage block that follows it.
fn usage_error(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .filter(|l| !l.is_empty())
        .collect();
    let message = message.join(" ");
    message.strip_prefix("error: ").unwrap_or(&message).to_owned() + " (see --help)"
}

async fn run(args: Args) -> Result<(), StartError> {
    let Some(dir) = &args.dir else { return Err(StartError::NoDir) };
    let database = outpost_ledger::Database::parse(args.database.as_deref())
        .map_err(|_| StartError::BadDatabase { given: args.database.clone().unwrap_or_default() })?;
    if !dir.is_dir() {
        return Err(StartError::NotADirectory { dir: dir.clone() });
    }
    let currency = Currency::new(&args.currency, args.exponent).map_err(|e| StartError::BadCurrency {
        code: args.currency.clone(),
        exponent: args.exponent,
        detail: e.to_string(),
    })?;
    let policy = policy(&args);
    if let Some(Command::Migrate) = args.command {
        // The PostgreSQL client blocks: never on the async runtime's own threads.
        let migration = tokio::task::block_in_place(|| {
            Ledger::migrate(dir, &database, currency, Arc::new(SystemClock), policy)
        })?;
        let rows: Vec<String> = migration.rows.iter().map(|(table, n)| format!("{table} {n}")).collect();
        println!(
            "copied {} into {database}: {}. Both logs hold {} entries with root {}; invariants and the offline audit pass on both",
            dir.join("ledger.db").display(),
            rows.join(", "),
            migration.size,
            hex::encode(&migration.root)
        );
        return Ok(());
    }
    let ledger = tokio::task::block_in_place(|| {
        Ledger::open_for_serving(
            dir,
            &database,
            currency,
            Arc::new(SystemClock),
            policy,
            &args.founding_officers,
        )
    })?;
    if let Some(reason) = &args.accept_rewritten_log {
        let recovery = tokio::task::block_in_place(|| ledger.accept_rewritten_log(reason))?;
        println!(
            "accepted the rewritten log: the ledger had signed {} entries (root {}); it now signs from {} \
             entries (root {}), of which the first {} are unchanged. Recorded in {} with the reason.\n\
             What was found: {}",
            recovery.old_size,
            hex::encode(&recovery.old_root),
            recovery.new_size,
            hex::encode(&recovery.new_root),
            recovery.kept,
            dir.join("checkpoints.log").display(),
            recovery.finding
        );
        return Ok(());
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(outpost_ledger::http::tls::acceptor(cert, key)?),
        _ => None,
    };
    let trust = match &args.ca_file {
        Some(path) => Trust::from_pem_file(path)?,
        None => Trust::none(),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let limits = Limits {
        max_connections: args.max_connections,
        header_read: Duration::from_secs(args.header_timeout.max(1)),
        body_read: Duration::from_secs(args.body_timeout.max(1)),
        ..Limits::default()
    };
    let network = Network { tls, limits };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| StartError::CannotListen { address: args.listen.to_string(), detail: e.to_string() })?;
    let address = listener
        .local_addr()
        .map_err(|e| StartError::CannotListen { address: args.listen.to_string(), detail: e.to_string() })?;
    // Installed before the line is printed: a signal sent as soon as it appears is caught.
    let shutdown = outpost_ledger::http::process::shutdown_signal()
        .map_err(|detail| StartError::NoSignals { detail })?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {scheme}://{address}")
        .and_then(|()| stdout.flush())
        .map_err(|e| StartError::Stdout { detail: e.to_string() })?;
    drop(stdout);
    let key = hex::encode(&ledger.public_key());
    tracing::info!(%address, currency = currency.code(), %key, "ledger serving");

    let ledger = Arc::new(ledger);
    let witnessing = (!args.witnesses.is_empty())
        .then(|| Arc::new(Witnessing::with_trust(Arc::clone(&ledger), dir, args.witnesses.clone(), &trust)));
    outpost_ledger::http::server::serve_on(listener, ledger, witnessing, network, shutdown)
        .await
        .map_err(|e| StartError::Stopped { detail: e.to_string() })?;
    tracing::info!("ledger stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::StartError;

    const TABLE: &str = include_str!("../../../docs/messages.md");

    /// The table's code for `error`, or `None` when its words are another table's.
    fn code(error: &StartError) -> Option<&'static str> {
        use StartError as E;
        Some(match error {
            E::Ledger(_) | E::Tls(_) | E::Trust(_) | E::Log(_) => return None,
            E::NoDir => "StartError::NoDir",
            E::BadDatabase { .. } => "StartError::BadDatabase",
            E::NotADirectory { .. } => "StartError::NotADirectory",
            E::BadCurrency { .. } => "StartError::BadCurrency",
            E::Runtime { .. } => "StartError::Runtime",
            E::CannotListen { .. } => "StartError::CannotListen",
            E::NoSignals { .. } => "StartError::NoSignals",
            E::Stdout { .. } => "StartError::Stdout",
            E::Stopped { .. } => "StartError::Stopped",
        })
    }

    fn samples() -> Vec<StartError> {
        vec![
            StartError::NoDir,
            StartError::BadDatabase { given: "mysql://x".into() },
            StartError::NotADirectory { dir: "/srv/outpost".into() },
            StartError::BadCurrency {
                code: "yen".into(),
                exponent: 0,
                detail: "“YEN” is not a currency".into(),
            },
            StartError::Runtime { detail: "out of memory".into() },
            StartError::CannotListen { address: "127.0.0.1:7300".into(), detail: "address in use".into() },
            StartError::NoSignals { detail: "too many open files".into() },
            StartError::Stdout { detail: "broken pipe".into() },
            StartError::Stopped { detail: "too many open files".into() },
        ]
    }

    /// Every sample is in the section word for word, every row has a sample, and each is one
    /// sentence: what happened, then what to do.
    #[test]
    fn every_start_error_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        let section = TABLE.split("## Starting `outpost-ledger`").nth(1).unwrap_or_default();
        let section = section.split("\n## ").next().unwrap();
        let rows: BTreeMap<&str, &str> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                (cells[0].trim_matches('`'), cells[1])
            })
            .collect();
        let samples = samples();
        assert!(!section.is_empty(), "the section in docs/messages.md");
        let texts: Vec<(&str, String)> = samples
            .iter()
            .map(|e| (code(e).expect("a sample of the command's own words"), e.to_string()))
            .collect();
        for (code, text) in &texts {
            println!("| `{code}` | {text} |");
        }
        for (code, text) in texts {
            assert_eq!(
                rows.get(code).copied(),
                Some(text.as_str()),
                "the row for `{code}` differs from the code"
            );
            let outside: String =
                text.split('(').map(|part| part.split_once(')').map_or(part, |(_, after)| after)).collect();
            assert_eq!(outside.matches(": ").count(), 1, "{code}: not one `what: what to do`: {text}");
            assert!(!text.contains(". ") && !text.contains(';') && !text.contains('"'), "{code}: {text}");
        }
        let named: Vec<&str> = samples.iter().filter_map(code).collect();
        let missing: Vec<&&str> = rows.keys().filter(|c| !named.contains(c)).collect();
        assert!(missing.is_empty(), "rows with no sample: {missing:?}");
    }
}
