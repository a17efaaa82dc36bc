//! `outpost audit verify`: the auditor's check that the ledger's history is whole and adds up,
//! done offline by the library (`outpost_wallet_core::audit`) on an exported log.
//!
//! The verdict is only as good as the ledger key it is checked against. A key given with
//! `--ledger-key` (from the finance office's records, or from a member's wallet) is the strong
//! form; asking the ledger itself for its key proves only that the log is consistent with
//! whatever key the server presents, and the command says so.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use data_encoding::HEXLOWER;
use outpost_wallet_core::Currency;
use outpost_wallet_core::audit::{self, AuditReport};

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
                             outpost audit verify --ledger http://127.0.0.1:7300 --token-file hq/admin.token"
    )]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// An exported audit log (from `outpost ledger export`)
    #[arg(long, value_name = "FILE", required_unless_present = "ledger")]
    file: Option<PathBuf>,
    /// The ledger's public key (64 hex digits) the log must be signed with
    #[arg(long, value_name = "HEX")]
    ledger_key: Option<String>,
    /// Fetch the export from this ledger (with the admin token), and its key unless --ledger-key is given
    #[arg(long, value_name = "URL")]
    ledger: Option<String>,
    /// File holding the officers' admin token, to fetch the export; or set OUTPOST_ADMIN_TOKEN
    #[arg(long, value_name = "FILE", requires = "ledger")]
    token_file: Option<PathBuf>,
    /// Show totals in this currency when only a file is checked [default: the ledger's, else minor units]
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    /// Decimal places of --currency, for codes without an ISO 4217 value
    #[arg(long, value_name = "N", requires = "currency")]
    exponent: Option<u8>,
}

pub fn run(args: AuditArgs) -> Result<(), Error> {
    match args.command {
        AuditCommand::Verify(args) => verify(&args),
    }
}

fn verify(args: &VerifyArgs) -> Result<(), Error> {
    let given_key = args.ledger_key.as_deref().map(hq::parse_key).transpose().map_err(Error::Usage)?;
    let mut currency =
        args.currency.as_deref().map(|code| money::currency(code, args.exponent)).transpose()?;
    let hq = args.ledger.as_deref().map(Hq::new).transpose()?;
    // The export comes from the file when one is given, else from the ledger with the token.
    let fetch_with_token = match (&args.file, &hq) {
        (None, Some(_)) => Some(hq::officer_token(args.token_file.as_deref())?),
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
                HEXLOWER.encode(&info.public_key)
            );
            info.public_key
        }
        _ => {
            return Err(Error::Usage(
                "say which ledger key the log must be signed with: --ledger-key HEX (or --ledger URL to \
                 ask the ledger)"
                    .into(),
            ));
        }
    };

    let (export, source) = match (&args.file, hq, fetch_with_token) {
        (Some(path), _, _) => {
            (std::fs::read(path).map_err(Error::file("read", path))?, path.display().to_string())
        }
        (None, Some(hq), Some(token)) => {
            let source = format!("the export from {}", hq.url());
            (hq.with_token(token).audit_export()?, source)
        }
        _ => {
            return Err(Error::Usage(
                "give the export with --file FILE, or fetch it with --ledger URL".into(),
            ));
        }
    };

    let (checkpoint, entries) = audit::decode_export(&export)
        .map_err(|e| Error::Refused(format!("{source} is not a readable audit log export: {e}")))?;
    let report = audit::audit_log(&entries, &checkpoint, &key)
        .map_err(|e| Error::Refused(format!("the audit FAILED for {source}: {e}")))?;
    println!("Audit of {source}: passed.");
    println!("  ledger key       {}", HEXLOWER.encode(&key));
    println!("  checkpoint       {} entries, signed at {}", checkpoint.size, time::utc(checkpoint.time));
    print_totals(&report, currency);
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
}
