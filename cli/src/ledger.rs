//! `outpost ledger …`: the finance officer's commands. `serve` runs the HQ ledger in this process
//! (the same server as the `outpost-ledger` binary); every other command works a running ledger
//! through its officer API over HTTP, every request signed with the officer's key, exactly as a
//! remote officer would.
//!
//! ```text
//! serve ─► enrol (a member's enrolment QR) ─► credit (pay) ─► approve (a second officer)
//!                                            ─► members / purses / flags / pending
//!                                            ─► revoke (a purse or a device) ─► approve
//!                                            ─► export (for the auditor)
//! ```

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{ArgGroup, Args, Subcommand};
use outpost_ledger::http::server;
use outpost_ledger::rules::witnessing::{WitnessEndpoint, Witnessing};
use outpost_ledger::{Database, Ledger};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::Checkpoint;
use outpost_wallet_core::qr::PayloadKind;
use outpost_wallet_core::{Amount, SystemClock, audit};

use crate::error::Error;
use crate::hq::{self, Approval, Hq};
use crate::listening::{self, TlsArgs};
pub use crate::officer::OfficerArgs;
use crate::officer::print_pending;
use crate::{money, scan, show, time};
use outpost_ledger::http::officer_api::{ActResultJson, MemberJson, PurseJson};

#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Run the HQ ledger: its database, signing key and HTTP server, until Ctrl-C.
    ///
    /// Makes ledger.db and ledger.key in DIR on first start (the directory too, mode 0700, if it
    /// is missing), with its founding officers: at least two --founding-officer codes (from
    /// `outpost officer new`), since every officer act needs two different officers. Prints the
    /// ledger's public key, its officers, and `listening on http://ADDRESS` once it accepts
    /// connections. Request logs go to stderr (filter them with OUTPOST_LOG, default `info`).
    #[command(
        after_help = "Examples:\n  outpost ledger serve --dir hq --founding-officer <Alice's code> --founding-officer <Ben's code>\n  \
                             outpost ledger serve --dir hq --listen 127.0.0.1:0\n  \
                             outpost ledger serve --dir hq --listen 0.0.0.0:7300 --tls-cert hq-cert.pem --tls-key hq-key.pem"
    )]
    Serve(ServeArgs),

    /// Enrol a member from the enrolment QR code their wallet shows (`outpost wallet identity`).
    ///
    /// Binds the member id in the code to the wallet's keys. Check the fingerprint printed here
    /// against the one on the member's wallet.
    #[command(
        after_help = "Example:\n  outpost ledger enrol --officer-key alice.officer --qr-file aiko-enrol.txt"
    )]
    Enrol(EnrolArgs),

    /// Credit pay or an allowance to a member's online account, from a payroll batch.
    ///
    /// The credit waits until a second officer approves it (`ledger approve`); the ledger
    /// refuses one above its per-credit or per-day cap.
    #[command(
        after_help = "Example:\n  outpost ledger credit AIKO-0001 50000 --batch 2026-11 --memo \"November pay\" --officer-key alice.officer\n  \
                      outpost ledger approve <the pending id it printed> --officer-key ben.officer"
    )]
    Credit(CreditArgs),

    /// List the officer acts waiting for approval.
    #[command(after_help = "Example:\n  outpost ledger pending --officer-key ben.officer")]
    Pending(OfficerArgs),

    /// Approve a pending officer act made by another officer; with enough approvals it runs.
    #[command(
        after_help = "Example:\n  outpost ledger approve 6c1f…(64 hex digits) --officer-key ben.officer"
    )]
    Approve(DecideArgs),

    /// Send one signed request to the officer API and print its answer as it comes (JSON, or the
    /// export's bytes): for scripts and test harnesses. Acts still wait for approval.
    #[command(
        after_help = "Examples:\n  outpost ledger call GET /v1/officer/members/AIKO-0001 --officer-key alice.officer\n  \
                            outpost ledger call POST /v1/officer/members/AIKO-0001/credit \\\n    \
                            --body '{\"amount_minor\": 50000, \"memo\": \"pay\", \"batch\": \"2026-11\"}' --officer-key alice.officer"
    )]
    Call(CallArgs),

    /// Decline a pending officer act: it will never run.
    #[command(
        after_help = "Example:\n  outpost ledger decline 6c1f…(64 hex digits) --officer-key ben.officer"
    )]
    Decline(DecideArgs),

    /// List the members: balances, what their purses hold, purse limits and flags.
    #[command(after_help = "Example:\n  outpost ledger members --officer-key alice.officer")]
    Members(OfficerArgs),

    /// List one member's offline purses, with the ids `ledger revoke --purse` takes.
    #[command(after_help = "Example:\n  outpost ledger purses AIKO-0001 --officer-key alice.officer")]
    Purses(PursesArgs),

    /// List the risk flags the ledger raised, with their reasons and evidence.
    ///
    /// A double spend is certain (both signed transfers are the evidence); the other rules are
    /// signals for a person to look at.
    #[command(after_help = "Example:\n  outpost ledger flags --officer-key alice.officer")]
    Flags(OfficerArgs),

    /// Revoke one offline purse, or a member's device (all its purses, and no more syncs).
    ///
    /// Wallets learn of revoked purses at their next sync and refuse transfers from them.
    #[command(
        after_help = "Examples:\n  outpost ledger revoke --purse 3f9a…(64 hex digits) --officer-key alice.officer\n  \
                             outpost ledger revoke --device AIKO-0001 --reason \"phone lost\" --officer-key alice.officer"
    )]
    Revoke(RevokeArgs),

    /// Export the whole audit log with a signed checkpoint, for an auditor to verify offline.
    #[command(
        after_help = "Example:\n  outpost ledger export --out audit.bin --officer-key alice.officer\n  \
                             outpost audit verify --file audit.bin --ledger-key <the ledger's key>"
    )]
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Directory of the ledger's database and key (made if missing)
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// A founding officer of a new ledger: the enrolment code `outpost officer new` printed
    /// (repeat for each, at least two). Refused on an existing ledger
    #[arg(long = "founding-officer", value_name = "CODE")]
    founding_officers: Vec<String>,
    /// The ledger's database: a postgres://user@host:port/db URL, which several ledger processes
    /// may share (docs/adr/0019) [default: SQLite, ledger.db in --dir]
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Address to listen on; port 0 picks a free port. Stay on loopback unless a TLS proxy is in front
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7300")]
    listen: SocketAddr,
    /// The ledger's currency (ISO 4217 code), fixed when the ledger is first made
    #[arg(long, value_name = "CODE", default_value = "JPY")]
    currency: String,
    /// Decimal places of the currency's minor unit [default: the ISO 4217 value for known codes]
    #[arg(long, value_name = "N")]
    exponent: Option<u8>,
    /// A witness to ask to cosign each new checkpoint: URL=KEY, the key `outpost witness` printed
    /// (repeatable). GET /checkpoint then serves the latest cosigned checkpoint
    #[arg(long = "witness", value_name = "URL=KEY")]
    witnesses: Vec<WitnessEndpoint>,
    #[command(flatten)]
    tls: TlsArgs,
    /// Trust for https:// witnesses: the PEM file of their CA, or of a witness's own certificate
    #[command(flatten)]
    trust: hq::TrustArgs,
}

#[derive(Debug, Args)]
struct CallArgs {
    /// GET, POST, PUT or DELETE
    #[arg(value_name = "METHOD")]
    method: String,
    /// The path, starting /v1/officer/
    #[arg(value_name = "PATH")]
    path: String,
    /// The JSON body
    #[arg(long, value_name = "JSON")]
    body: Option<String>,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct DecideArgs {
    /// The pending act's id, as `ledger pending` or the maker's command printed it
    #[arg(value_name = "ID")]
    id: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct EnrolArgs {
    /// The member's enrolment QR text (OP1E:…); quote it (it may contain spaces); `-` or nothing reads stdin
    #[arg(value_name = "ENROLMENT-QR")]
    enrolment: Option<String>,
    /// Read the enrolment QR text from FILE
    #[arg(long, value_name = "FILE", conflicts_with = "enrolment")]
    qr_file: Option<PathBuf>,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct CreditArgs {
    /// The member to credit
    #[arg(value_name = "MEMBER")]
    member_id: String,
    /// How much, in the ledger's currency (e.g. 50000, or 1,250.50)
    #[arg(value_name = "AMOUNT")]
    amount: String,
    /// What it is for, kept in the audit log
    #[arg(long, value_name = "TEXT", default_value = "", hide_default_value = true)]
    memo: String,
    /// The payroll batch it belongs to (e.g. 2026-11), kept in the signed request and the log
    #[arg(long, value_name = "REF")]
    batch: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct PursesArgs {
    /// The member whose purses to list
    #[arg(value_name = "MEMBER")]
    member_id: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["purse", "device"])))]
struct RevokeArgs {
    /// The purse to revoke (64 hex digits, from `ledger purses` or a flag's evidence)
    #[arg(long, value_name = "ID")]
    purse: Option<String>,
    /// Revoke this member's device: all its purses, and it may no longer sync
    #[arg(long, value_name = "MEMBER")]
    device: Option<String>,
    /// Why, kept in the audit log
    #[arg(long, value_name = "TEXT", default_value = "revoked by a finance officer")]
    reason: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// File to write the export to (must not exist yet)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    officer: OfficerArgs,
}

pub fn run(args: LedgerArgs) -> Result<(), Error> {
    match args.command {
        LedgerCommand::Serve(args) => serve(&args),
        // The code is read and checked before the officer's passphrase is asked for: an empty or
        // damaged scan, or a code of another kind, costs no passphrase entry.
        LedgerCommand::Enrol(args) => {
            let qr_text = scan::read_code(
                "the enrolment request",
                PayloadKind::Enrolment,
                args.enrolment.as_deref(),
                args.qr_file.as_deref(),
            )?;
            enrol(&args.officer.connect()?, &qr_text)
        }
        LedgerCommand::Credit(args) => credit(&args.officer.connect()?, &args),
        LedgerCommand::Pending(officer) => pending(&officer.connect()?),
        LedgerCommand::Call(args) => {
            let body = args
                .body
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>)
                .transpose()
                .map_err(|e| Error::BodyNotJson { detail: e.to_string() })?;
            let method = args.method.to_ascii_uppercase();
            let answer = args.officer.connect()?.call(&method, &args.path, body.as_ref())?;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&answer)
                .and_then(|()| stdout.flush())
                .map_err(Error::file("write the answer to", "standard output"))
        }
        LedgerCommand::Approve(args) => approve(&args.officer.connect()?, &args.id),
        LedgerCommand::Decline(args) => {
            let declined = args.officer.connect()?.decline(&args.id)?;
            println!("Declined: {} (made by {}). It will never run.", declined.act, declined.maker.name);
            Ok(())
        }
        LedgerCommand::Members(officer) => members(&officer.connect()?),
        LedgerCommand::Purses(args) => purses(&args.officer.connect()?, &args.member_id),
        LedgerCommand::Flags(officer) => flags(&officer.connect()?),
        LedgerCommand::Revoke(args) => revoke(&args.officer.connect()?, &args),
        LedgerCommand::Export(args) => {
            let hq = args.officer.connect()?;
            export(&hq, &args.out, show::new_file(&args.out)?)
        }
    }
}

fn serve(args: &ServeArgs) -> Result<(), Error> {
    let currency = money::currency(&args.currency, args.exponent)?;
    let dir = &args.dir;
    make_private_dir(dir)?;
    init_logging()?;
    let trust = args.trust.trust()?;
    let database = Database::parse(args.database.as_deref())
        .map_err(|_| Error::BadDatabase { given: args.database.clone().unwrap_or_default() })?;
    let clock = Arc::new(SystemClock);
    let ledger = Ledger::open_for_serving(
        dir,
        &database,
        currency,
        clock,
        Default::default(),
        &args.founding_officers,
    )?;
    let officers = ledger.officers()?;
    let ledger = Arc::new(ledger);
    let key = ledger.public_key();
    let announce = || {
        println!("Ledger in {} keeping {}", dir.display(), currency.code());
        if database.is_postgres() {
            println!("database: {database}");
        }
        println!("ledger key: {}", hex::encode(&key));
        // For auditors who check GET /checkpoint with signed-note tools (docs/adr/0012).
        println!("checkpoint verifier key: {}", Checkpoint::verifier_key(&key));
        for officer in &officers {
            println!("officer: {} ({})", officer.name, hex::encode(&officer.public_key));
        }
        for witness in &args.witnesses {
            println!("witness: {} ({})", witness.url, witness.key.name());
        }
    };
    let witnessing = (!args.witnesses.is_empty())
        .then(|| Arc::new(Witnessing::with_trust(Arc::clone(&ledger), dir, args.witnesses.clone(), &trust)));
    listening::serve("the ledger", args.listen, &args.tls, announce, |listener, network, shutdown| {
        server::serve_on(listener, ledger, witnessing, network, shutdown)
    })?;
    println!("Ledger stopped.");
    Ok(())
}

/// The ledger's directory holds its signing key: made readable by its owner only.
pub(crate) fn make_private_dir(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(Error::file("create the ledger directory", dir))
}

pub(crate) fn init_logging() -> Result<(), Error> {
    use outpost_ledger::http::process::log_to_stderr;
    Ok(log_to_stderr()?)
}

fn enrol(hq: &Hq, qr_text: &str) -> Result<(), Error> {
    let member = hq.enrol(qr_text)?;
    let info = hq.ledger_info()?;
    println!(
        "Enrolled {}: wallet fingerprint {}, offline purse limit {}.",
        member.member_id,
        member.wallet_fingerprint,
        money::signed(i64::try_from(member.purse_limit_minor).unwrap_or(i64::MAX), info.currency)
    );
    println!("Check that the member's wallet shows the same fingerprint (`outpost wallet identity`).");
    println!("Give the member the ledger's key to pin at their first sync (`wallet sync --ledger-key`):");
    println!("  {}", hex::encode(&info.public_key));
    Ok(())
}

fn credit(hq: &Hq, args: &CreditArgs) -> Result<(), Error> {
    let currency = hq.ledger_info()?.currency;
    let amount = Amount::parse(args.amount.trim(), currency)?;
    let pending = hq.credit(&args.member_id, amount, &args.memo, &args.batch)?;
    print_pending(&pending);
    Ok(())
}

fn pending(hq: &Hq) -> Result<(), Error> {
    let pending = hq.pending()?;
    if pending.is_empty() {
        println!("Nothing waits for approval.");
        return Ok(());
    }
    for act in pending {
        let approvers: Vec<&str> = act.approvers.iter().map(|o| o.name.as_str()).collect();
        println!("{}  {}", act.pending_id, act.act);
        println!(
            "    made by {}{}; {} needed before {}",
            act.maker.name,
            if approvers.is_empty() {
                String::new()
            } else {
                format!(", approved by {}", crate::words::list(&approvers))
            },
            crate::words::count(act.approvals_needed, "more approval", "more approvals"),
            time::utc(act.expires_at)
        );
    }
    Ok(())
}

fn approve(hq: &Hq, id: &str) -> Result<(), Error> {
    match hq.approve(id)? {
        Approval::Waiting(pending) => {
            println!(
                "Approved: {}. It still needs {}.",
                pending.act,
                crate::words::count(pending.approvals_needed, "more approval", "more approvals")
            );
        }
        Approval::Executed(result) => {
            println!("Approved and done.");
            match result {
                ActResultJson::Credited { balance_minor }
                | ActResultJson::Member(MemberJson { balance_minor, .. }) => {
                    let currency = hq.ledger_info()?.currency;
                    println!("Online balance now {}.", money::signed(balance_minor, currency));
                }
                ActResultJson::RevokedPurses { revoked_purses } => println!(
                    "{} revoked; the device may no longer sync.",
                    crate::words::count(revoked_purses.len(), "purse", "purses")
                ),
                ActResultJson::RevokedPurse { revoked_purse } => {
                    println!(
                        "Revoked purse {revoked_purse}. Wallets refuse transfers from it once they sync."
                    )
                }
                ActResultJson::OfficerEnrolled(officer) => println!("Officer {} enrolled.", officer.name),
                ActResultJson::OfficerRemoved { removed_officer } => {
                    println!("Officer {removed_officer} removed.")
                }
            }
        }
    }
    Ok(())
}

fn members(hq: &Hq) -> Result<(), Error> {
    let currency = hq.ledger_info()?.currency;
    let members = hq.members()?;
    if members.is_empty() {
        println!("No members enrolled yet: enrol one with `outpost ledger enrol`.");
        return Ok(());
    }
    let mut rows =
        vec![row(["member", "wallet fingerprint", "online", "in purses", "purse limit", "flagged"])];
    rows.extend(members.iter().map(|m: &MemberJson| {
        vec![
            m.member_id.clone(),
            m.wallet_fingerprint.clone(),
            money::signed(m.balance_minor, currency),
            money::signed(m.in_purses_minor, currency),
            money::signed(i64::try_from(m.purse_limit_minor).unwrap_or(i64::MAX), currency),
            if m.flagged { "FLAGGED".into() } else { "-".into() },
        ]
    }));
    print!("{}", table(&rows));
    Ok(())
}

fn purses(hq: &Hq, member_id: &str) -> Result<(), Error> {
    let currency = hq.ledger_info()?.currency;
    let purses = hq.purses(member_id)?;
    if purses.is_empty() {
        println!("{member_id} has no purses yet: one is issued when their wallet syncs with --purse.");
        return Ok(());
    }
    let mut rows = vec![row(["purse id", "serial", "amount", "outstanding", "state", "expires"])];
    rows.extend(purses.iter().map(|p: &PurseJson| {
        vec![
            p.purse_id.clone(),
            p.serial.to_string(),
            money::signed(i64::try_from(p.amount_minor).unwrap_or(i64::MAX), currency),
            money::signed(p.outstanding_minor, currency),
            p.state.to_string(),
            time::utc(p.expires_at),
        ]
    }));
    print!("{}", table(&rows));
    Ok(())
}

fn flags(hq: &Hq) -> Result<(), Error> {
    let flags = hq.flags()?;
    if flags.is_empty() {
        println!("No risk flags.");
        return Ok(());
    }
    for flag in flags {
        println!("{}  {} (score {})  at {}", flag.member_id, flag.code, flag.score, time::utc(flag.at));
        println!("    {}", flag.detail);
        if !flag.evidence.is_empty() {
            println!("    evidence: {}", flag.evidence.join(", "));
        }
    }
    Ok(())
}

fn revoke(hq: &Hq, args: &RevokeArgs) -> Result<(), Error> {
    match (&args.purse, &args.device) {
        (Some(purse_id), None) => print_pending(&hq.revoke_purse(purse_id.trim(), &args.reason)?),
        (None, Some(member_id)) => print_pending(&hq.revoke_device(member_id, &args.reason)?),
        _ => return Err(Error::NothingToRevoke),
    }
    Ok(())
}

fn export(hq: &Hq, path: &Path, mut file: std::fs::File) -> Result<(), Error> {
    let written = (|| {
        let bytes = hq.audit_export()?;
        let (checkpoint, entries) =
            audit::decode_export(&bytes).map_err(|e| Error::ExportDoesNotDecode { detail: e.to_string() })?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(Error::file("write", path))?;
        Ok::<_, Error>((checkpoint, entries.len(), bytes.len()))
    })();
    let (checkpoint, entries, size) = match written {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
    };
    let key = hex::encode(&hq.ledger_info()?.public_key);
    println!(
        "Wrote {} ({size} bytes): {entries} log entries under a checkpoint signed at {}.",
        path.display(),
        time::utc(checkpoint.time)
    );
    println!("An auditor verifies it offline with:");
    println!("  outpost audit verify --file {} --ledger-key {key}", path.display());
    Ok(())
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// Rows as left-aligned columns two spaces apart, the first row being the header.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up_their_columns() {
        let rows = vec![row(["member", "online"]), row(["AIKO-0001", "¥40,000"]), row(["BEN", "-¥9,000"])];
        assert_eq!(table(&rows), "member     online\nAIKO-0001  ¥40,000\nBEN        -¥9,000\n");
    }
}
