//! A child process for crash scenarios: performs one wallet operation so that the test can kill
//! it part-way (SIGKILL) and check what the wallet file holds afterwards.
//!
//! Usage: `outpost-scenario-child unlock WALLET KEYFILE PIN`
//!        `outpost-scenario-child change-pin WALLET KEYFILE OLD NEW`
//!        `outpost-scenario-child pay WALLET KEYFILE PIN RECEIVER_SIGNING_HEX RECEIVER_AGREEMENT_HEX
//!                                    AMOUNT_YEN DISPLAY_FILE [--hold]`
//!        `outpost-scenario-child accept WALLET KEYFILE PIN TRANSFER_QR_FILE DISPLAY_FILE`
//!        `outpost-scenario-child sync WALLET KEYFILE PIN LEDGER_URL PURSE_YEN`
//!        `outpost-scenario-child sync-direct WALLET KEYFILE PIN LEDGER_DIR PURSE_YEN`
//! Prints `started` before the operation and `done` or `error: ...` after it.
//!
//! `pay` unlocks the wallet before `started`, then pays AMOUNT_YEN to the receiver's public keys
//! with `pay_contact` and "displays" the transfer as a phone would show its QR code: it writes the
//! QR text to DISPLAY_FILE.partial, fsyncs it, renames it to DISPLAY_FILE and fsyncs the folder,
//! so a display file that exists is whole. With `--hold` it prints `committed <transfer id hex>`
//! as soon as the pay returns, before displaying anything, then waits for a line on stdin: the
//! parent can kill it at exactly that point. A line lets it go on and display; stdin closed
//! stops it with an error, displaying nothing.
//!
//! `accept` unlocks, then accepts the transfer QR text in TRANSFER_QR_FILE and displays the
//! receipt's QR text in DISPLAY_FILE as `pay` displays a transfer. `sync` unlocks, then syncs with
//! the ledger server at LEDGER_URL over HTTP; `sync-direct` opens the ledger in LEDGER_DIR in this
//! process as well, so that a kill can land inside the ledger's own transaction. Both ask for a
//! purse of PURSE_YEN when it is not 0.
//!
//! Argon2id: `unlock` and `change-pin` open the wallet with the default options, as the app does.
//! The other operations open it with `KdfParams::INSECURE_FAST_FOR_TESTS` and expect a wallet
//! created with those:
//! the stored PIN wrap decides what an unlock costs, but a dearer target than the stored wrap
//! would re-wrap the key during the unlock (a write and a log entry of its own).

use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use outpost_ledger::{Database, Ledger, Policy};
use outpost_wallet_core::hex;
use outpost_wallet_core::transport::{HttpTransport, SyncTransport, TransportError};
use outpost_wallet_core::{
    Amount, Currency, KdfParams, Pin, PublicIdentity, SoftwareProtector, SyncOptions, SystemClock, Wallet,
    WalletOptions,
};

const USAGE: &str = "usage: unlock WALLET KEYFILE PIN | change-pin WALLET KEYFILE OLD NEW | \
                     pay WALLET KEYFILE PIN RECEIVER_SIGNING_HEX RECEIVER_AGREEMENT_HEX AMOUNT_YEN \
                     DISPLAY_FILE [--hold] | accept WALLET KEYFILE PIN TRANSFER_QR_FILE DISPLAY_FILE | \
                     sync WALLET KEYFILE PIN LEDGER_URL PURSE_YEN | \
                     sync-direct WALLET KEYFILE PIN LEDGER_DIR PURSE_YEN";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => {
            println!("done");
            ExitCode::SUCCESS
        }
        Err(message) => {
            println!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (op, wallet, key, rest) = match args {
        [op, wallet, key, rest @ ..] => (op.as_str(), wallet, key, rest),
        _ => return Err(USAGE.into()),
    };
    let open = |kdf| -> Result<Wallet, String> {
        let protector = Arc::new(SoftwareProtector::open(key).map_err(|e| e.to_string())?);
        let options = WalletOptions { kdf, ..Default::default() };
        Wallet::open(wallet, protector, options).map_err(|e| e.to_string())
    };
    match (op, rest) {
        ("unlock", [p]) => {
            let wallet = open(KdfParams::DEFAULT)?;
            say("started")?;
            wallet.unlock(&pin(p)?).map_err(|e| e.to_string())
        }
        ("change-pin", [old, new]) => {
            let wallet = open(KdfParams::DEFAULT)?;
            say("started")?;
            wallet.change_pin(&pin(old)?, &pin(new)?).map_err(|e| e.to_string())
        }
        ("pay", [p, signing, agreement, amount, display, flags @ ..]) => {
            let hold = match flags {
                [] => false,
                [flag] if flag == "--hold" => true,
                _ => return Err(USAGE.into()),
            };
            let key =
                |text: &str| hex::decode_array(text).map_err(|e| format!("a key in hex, not {text:?}: {e}"));
            let to = PublicIdentity { signing_key: key(signing)?, agreement_key: key(agreement)? };
            let yen: u64 = amount.parse().map_err(|_| format!("not a whole number of yen: {amount:?}"))?;
            let amount = Amount::from_minor(yen, Currency::JPY).map_err(|e| e.to_string())?;
            let wallet = open(KdfParams::INSECURE_FAST_FOR_TESTS)?;
            wallet.unlock(&pin(p)?).map_err(|e| e.to_string())?;
            say("started")?;
            let payment = wallet.pay_contact(&to, amount, "").map_err(|e| e.to_string())?;
            if hold {
                say(&format!("committed {}", hex::encode(&payment.transfer_id)))?;
                let mut line = String::new();
                let read = std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
                if read == 0 {
                    return Err("stdin closed while holding: nothing displayed".into());
                }
            }
            show(Path::new(display), &payment.qr_text).map_err(|e| format!("display: {e}"))
        }
        ("accept", [p, transfer, display]) => {
            let text = std::fs::read_to_string(transfer).map_err(|e| format!("{transfer}: {e}"))?;
            let wallet = open(KdfParams::INSECURE_FAST_FOR_TESTS)?;
            wallet.unlock(&pin(p)?).map_err(|e| e.to_string())?;
            say("started")?;
            let accepted = wallet.accept(&text).map_err(|e| e.to_string())?;
            show(Path::new(display), &accepted.receipt_qr).map_err(|e| format!("display: {e}"))
        }
        ("sync", [p, url, purse]) => {
            let wallet = open(KdfParams::INSECURE_FAST_FOR_TESTS)?;
            wallet.unlock(&pin(p)?).map_err(|e| e.to_string())?;
            let options = sync_options(purse)?;
            say("started")?;
            wallet.sync(&HttpTransport::new(url), &options).map(drop).map_err(|e| e.to_string())
        }
        ("sync-direct", [p, ledger_dir, purse]) => {
            let wallet = open(KdfParams::INSECURE_FAST_FOR_TESTS)?;
            wallet.unlock(&pin(p)?).map_err(|e| e.to_string())?;
            let options = sync_options(purse)?;
            // The ledger's database: postgres.url in its directory when the test put it on
            // PostgreSQL, else its ledger.db.
            let dir = Path::new(ledger_dir);
            let database = match std::fs::read_to_string(dir.join("postgres.url")) {
                Ok(url) => Database::Postgres(url),
                Err(_) => Database::Sqlite,
            };
            let ledger =
                Ledger::open_on(dir, &database, Currency::JPY, Arc::new(SystemClock), Policy::default())
                    .map_err(|e| e.to_string())?;
            say("started")?;
            wallet.sync(&Direct(ledger), &options).map(drop).map_err(|e| e.to_string())
        }
        _ => Err(format!("unknown operation or arguments: {op:?}; {USAGE}")),
    }
}

fn sync_options(purse_yen: &str) -> Result<SyncOptions, String> {
    let yen: u64 = purse_yen.parse().map_err(|_| format!("not a whole number of yen: {purse_yen:?}"))?;
    let purse = match yen {
        0 => None,
        yen => Some(Amount::from_minor(yen, Currency::JPY).map_err(|e| e.to_string())?),
    };
    Ok(SyncOptions { purse })
}

/// The ledger's own code in this process: a sync killed part-way may be killed inside the
/// ledger's transaction.
struct Direct(Ledger);

impl SyncTransport for Direct {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.sync(request).map_err(|e| TransportError::Refused { status: 400, message: e.to_string() })
    }
}

fn pin(text: &str) -> Result<Pin, String> {
    Pin::new(text).map_err(|e| e.to_string())
}

/// One line to the parent, flushed at once: the parent acts on it.
fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| e.to_string())
}

/// "Displays" the QR text: write it under a temporary name, fsync, rename into place and fsync the
/// folder, so `path` either does not exist or holds the whole text.
fn show(path: &Path, qr_text: &str) -> std::io::Result<()> {
    let mut partial = PathBuf::from(path);
    partial.as_mut_os_string().push(".partial");
    let mut file = File::create(&partial)?;
    file.write_all(qr_text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, path)?;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(folder)?.sync_all()
}
