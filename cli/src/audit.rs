//! `outpost audit verify`: the auditor's check that the ledger's history is whole and adds up,
//! done offline by the library (`outpost_wallet_core::audit`) on an exported log.
//!
//! The verdict is only as good as the ledger key it is checked against. A key given with
//! `--ledger-key` (from the finance office's records, or from a member's wallet) is the strong
//! form; asking the ledger itself for its key proves only that the log is consistent with
//! whatever key the server presents, and the command says so.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use outpost_ledger::http::officer_api::CheckpointJson;
use outpost_wallet_core::Currency;
use outpost_wallet_core::audit::{self, AuditReport};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::Checkpoint;

use crate::error::Error;
use crate::hq::{self, Hq};
use crate::{money, time};

#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Verify the ledger's audit log offline: every signature, the Merkle root, and the books.
    ///
    /// Checks that the signed checkpoint is the ledger's and covers exactly the exported entries,
    /// that every entry is in its place and its signed evidence verifies, that no purse and no
    /// unflagged member ever went below zero, and that accounts plus purses equal everything
    /// credited. Exits non-zero, saying what failed, if anything does.
    #[command(
        after_help = "Examples:\n  outpost audit verify --file audit.bin --ledger-key 5c1d…(64 hex digits)\n  \
                             outpost audit verify --ledger http://127.0.0.1:7300 --officer-key alice.officer"
    )]
    Verify(VerifyArgs),
    /// Save the ledger's newest signed checkpoint to a file, to hold it against later exports.
    ///
    /// A checkpoint held by someone outside HQ is what makes a rewritten history visible: an
    /// export that does not extend it fails `outpost audit verify --checkpoint FILE`. Save one at
    /// every visit; checkpoints of more sizes narrow down which entry was changed.
    #[command(after_help = "Example:\n  outpost audit checkpoint --ledger http://127.0.0.1:7300 \
                      --ledger-key 5c1d…(64 hex digits) --out checkpoint-2031-11-30.json")]
    Checkpoint(CheckpointArgs),
}

#[derive(Debug, Args)]
struct CheckpointArgs {
    /// The ledger to ask
    #[arg(long, value_name = "URL")]
    ledger: String,
    /// The ledger's public key (64 hex digits) the checkpoint must be signed with [default: the key the ledger presents]
    #[arg(long, value_name = "HEX")]
    ledger_key: Option<String>,
    /// Where to write the checkpoint, as the ledger served it
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    trust: hq::TrustArgs,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// An exported audit log (from `outpost ledger export`)
    #[arg(long, value_name = "FILE", required_unless_present = "ledger")]
    file: Option<PathBuf>,
    /// The ledger's public key (64 hex digits) the log must be signed with
    #[arg(long, value_name = "HEX")]
    ledger_key: Option<String>,
    /// Fetch the export from this ledger (signed with --officer-key), and its key unless --ledger-key is given
    #[arg(long, value_name = "URL")]
    ledger: Option<String>,
    /// Your officer key file, to fetch the export from the ledger
    #[arg(long, value_name = "FILE", requires = "ledger")]
    officer_key: Option<PathBuf>,
    /// Read the officer key's passphrase from FILE instead of asking on the terminal
    #[arg(long, value_name = "FILE", requires = "officer_key")]
    passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    trust: hq::TrustArgs,
    /// Show totals in this currency when only a file is checked [default: the ledger's, else minor units]
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Decimal places of --currency, for codes without an ISO 4217 value
    #[arg(long, value_name = "N", requires = "currency")]
    exponent: Option<u8>,
    /// A checkpoint you hold (from `outpost audit checkpoint`, a wallet, or GET /v1/checkpoint or
    /// /checkpoint): the log must extend it. Repeat for each one held
    #[arg(long = "checkpoint", value_name = "FILE")]
    checkpoints: Vec<PathBuf>,
}

pub fn run(args: AuditArgs) -> Result<(), Error> {
    match args.command {
        AuditCommand::Verify(args) => verify(&args),
        AuditCommand::Checkpoint(args) => save_checkpoint(&args),
    }
}

fn save_checkpoint(args: &CheckpointArgs) -> Result<(), Error> {
    let hq = Hq::with_trust(&args.ledger, &args.trust.trust()?)?;
    let key = match args.ledger_key.as_deref() {
        Some(key) => hq::parse_key(key, "the ledger key")?,
        None => {
            let key = hq.ledger_info()?.public_key;
            println!(
                "Checked against the key the ledger presents: {} (compare it with the key your members' \
                 wallets pinned)",
                hex::encode(&key)
            );
            key
        }
    };
    let served = hq.checkpoint()?;
    let checkpoint = parse_checkpoint(&served)
        .map_err(|e| Error::NoCheckpointServed { url: hq.url().to_owned(), detail: e.to_string() })?;
    checkpoint
        .verify(&key)
        .map_err(|e| Error::CheckpointNotSigned { key: hex::encode(&key), detail: e.to_string() })?;
    std::fs::write(&args.out, &served).map_err(Error::file("write", &args.out))?;
    println!(
        "Saved the checkpoint of {} entries signed at {} to {}.\nKeep it outside HQ, and check later exports \
         against it: outpost audit verify --checkpoint {} …",
        checkpoint.size,
        time::utc(checkpoint.time),
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// A checkpoint in any form the ledger hands out: the compact signed bytes (sync answers, QR
/// codes), the JSON of `GET /v1/checkpoint` or its `signed` hex alone, or the signed note of
/// `GET /checkpoint`.
fn parse_checkpoint(bytes: &[u8]) -> Result<Checkpoint, String> {
    if let Ok(checkpoint) = Checkpoint::from_bytes(bytes) {
        return Ok(checkpoint);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "neither a signed checkpoint nor text".to_owned())?;
    let trimmed = text.trim();
    let digits = if trimmed.starts_with('{') {
        let json: CheckpointJson =
            serde_json::from_str(trimmed).map_err(|e| format!("not the JSON of a checkpoint: {e}"))?;
        Some(json.signed)
    } else {
        hex::decode(trimmed).is_ok().then(|| trimmed.to_owned())
    };
    match digits {
        Some(digits) => {
            let bytes = hex::decode(&digits).map_err(|e| format!("bad hex: {e}"))?;
            Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string())
        }
        None => Checkpoint::from_note(bytes).map_err(|e| format!("not a checkpoint note: {e}")),
    }
}

fn read_checkpoint(path: &Path) -> Result<Checkpoint, Error> {
    let bytes = std::fs::read(path).map_err(Error::file("read", path))?;
    parse_checkpoint(&bytes)
        .map_err(|e| Error::NotACheckpoint { path: path.to_owned(), detail: e.to_string() })
}

fn verify(args: &VerifyArgs) -> Result<(), Error> {
    let given_key = args.ledger_key.as_deref().map(|key| hq::parse_key(key, "the ledger key")).transpose()?;
    let mut currency =
        args.currency.as_deref().map(|code| money::currency(code, args.exponent)).transpose()?;
    let trust = args.trust.trust()?;
    let hq = args.ledger.as_deref().map(|url| Hq::with_trust(url, &trust)).transpose()?;
    // The export comes from the file when one is given, else from the ledger, signed for.
    let fetch_as = match (&args.file, &hq, &args.officer_key) {
        (None, Some(_), Some(path)) => Some(crate::officer::unlock(path, args.passphrase_file.as_deref())?),
        (None, Some(_), None) => {
            return Err(Error::ExportNeedsOfficer);
        }
        _ => None,
    };

    let info = match &hq {
        Some(hq) if given_key.is_none() || currency.is_none() => Some(hq.ledger_info()?),
        _ => None,
    };
    if let Some(info) = &info {
        currency.get_or_insert(info.currency);
    }
    let key = match (given_key, &info, &hq) {
        (Some(key), _, _) => key,
        (None, Some(info), Some(hq)) => {
            println!(
                "Using the key the ledger at {} presents: {}\n(compare it with the key your members' \
                 wallets pinned: a key from the ledger itself cannot vouch for the ledger)",
                hq.url(),
                hex::encode(&info.public_key)
            );
            info.public_key
        }
        _ => {
            return Err(Error::NoLedgerKey);
        }
    };

    let held = args.checkpoints.iter().map(|path| read_checkpoint(path)).collect::<Result<Vec<_>, _>>()?;

    let (export, source) = match (&args.file, hq, fetch_as) {
        (Some(path), _, _) => {
            (std::fs::read(path).map_err(Error::file("read", path))?, path.display().to_string())
        }
        (None, Some(hq), Some(officer)) => {
            let source = format!("the export from {}", hq.url());
            (hq.with_officer(officer).audit_export()?, source)
        }
        _ => {
            return Err(Error::NoExport);
        }
    };

    let (checkpoint, entries) = audit::decode_export(&export)
        .map_err(|e| Error::NotAnExport { source_name: source.to_string(), detail: e.to_string() })?;
    let report = audit::audit_log(&entries, &checkpoint, &key)
        .map_err(|error| Error::AuditFailed { source_name: source.clone(), error: Box::new(error) })?;
    audit::check_against_held(&entries, &held, &key)
        .map_err(|error| Error::AuditFailed { source_name: source.clone(), error: Box::new(error) })?;
    println!("Audit of {source}: passed.");
    println!("  ledger key       {}", hex::encode(&key));
    println!("  checkpoint       {} entries, signed at {}", checkpoint.size, time::utc(checkpoint.time));
    print_totals(&report, currency);
    if held.is_empty() {
        println!(
            "  history          NOT checked: with no --checkpoint held from before, this shows only that the \
             log is consistent in itself, not that its history was never rewritten"
        );
    } else {
        for checkpoint in &held {
            println!(
                "  extends          the checkpoint held of {} entries signed at {}",
                checkpoint.size,
                time::utc(checkpoint.time)
            );
        }
    }
    Ok(())
}

fn print_totals(report: &AuditReport, currency: Option<Currency>) {
    let amount = |minor: i64| match currency {
        Some(currency) => money::signed(minor, currency),
        None => format!("{minor} (minor units)"),
    };
    println!("  entries          {}, every signature and the Merkle root verified", report.entries);
    println!("  credited         {}", amount(report.credited));
    println!("  accounts         {}", amount(report.accounts));
    println!("  in purses        {}", amount(report.purses));
    println!("  balanced         accounts + purses = credited");
    if report.flagged.is_empty() {
        println!("  flagged members  none");
    } else {
        println!("  flagged members  {} (proved double spends)", report.flagged.join(", "));
    }
    print_officer_acts(report, currency);
}

/// Who did each officer act, from the signatures the audit checked: money first.
fn print_officer_acts(report: &AuditReport, currency: Option<Currency>) {
    use outpost_wallet_core::audit::EntryKind;
    fn names(act: &outpost_wallet_core::officer::authority::Attribution) -> Vec<&str> {
        act.officers.iter().map(|(_, name)| name.as_str()).collect()
    }
    let founders: Vec<&str> = report
        .officer_acts
        .iter()
        .filter(|a| a.kind == EntryKind::OfficerFounded)
        .flat_map(|a| a.officers.iter().map(|(_, name)| name.as_str()))
        .collect();
    if founders.is_empty() {
        println!(
            "  officers         none founded: officer acts are NOT attributed ({} unsigned)",
            report.unattributed
        );
        return;
    }
    println!("  founding officers {}", founders.join(", "));
    let links: Vec<String> = report
        .officer_acts
        .iter()
        .filter(|a| a.kind == EntryKind::PasskeyLinked)
        .map(|a| format!("{} (entry {})", names(a).join(""), a.seq))
        .collect();
    if !links.is_empty() {
        println!("  passkeys linked  {}, each by the officer's own key", links.join(", "));
    }
    let acts: Vec<_> = report.officer_acts.iter().filter(|a| a.officers.len() > 1).collect();
    println!(
        "  officer acts     {} signed by two or more officers each, every signature checked",
        acts.len()
    );
    for act in acts {
        let names = names(act);
        let (maker, approvers) = (names[0], names[1..].join(", "));
        let what = match act.kind {
            EntryKind::Credited => {
                let amount = report_amount(act, currency);
                format!(
                    "credit {amount} to {} (batch {})",
                    act.member_id,
                    act.batch.as_deref().unwrap_or("?")
                )
            }
            EntryKind::DeviceReplaced => format!("device of {} replaced", act.member_id),
            EntryKind::DeviceLost => format!("device of {} reported lost", act.member_id),
            EntryKind::PurseLimitSet => format!("purse limit of {} set", act.member_id),
            EntryKind::Revoked => format!("a purse of {} revoked", act.member_id),
            other => other.to_string(),
        };
        println!("    entry {:>5}  {what}: made by {maker}, approved by {approvers}", act.seq);
    }
}

fn report_amount(
    act: &outpost_wallet_core::officer::authority::Attribution,
    currency: Option<Currency>,
) -> String {
    match (act.amount_minor, currency) {
        (Some(minor), Some(currency)) => money::signed(minor, currency),
        (Some(minor), None) => format!("{minor} (minor units)"),
        (None, _) => "?".into(),
    }
}
