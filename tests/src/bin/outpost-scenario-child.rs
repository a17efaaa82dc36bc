//! A child process for crash scenarios: performs one wallet operation so that the test can kill
//! it part-way (SIGKILL) and check what the wallet file holds afterwards.
//!
//! Usage: `outpost-scenario-child unlock WALLET KEYFILE PIN`
//!        `outpost-scenario-child change-pin WALLET KEYFILE OLD NEW`
//! Prints `started` before the operation and `done` or `error: ...` after it.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use outpost_wallet_core::{Pin, SoftwareProtector, Wallet, WalletOptions};

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
        _ => return Err("usage: unlock WALLET KEYFILE PIN | change-pin WALLET KEYFILE OLD NEW".into()),
    };
    let protector = Arc::new(SoftwareProtector::open(key).map_err(|e| e.to_string())?);
    let wallet = Wallet::open(wallet, protector, WalletOptions::default()).map_err(|e| e.to_string())?;
    let pin = |s: &String| Pin::new(s.as_str()).map_err(|e| e.to_string());
    println!("started");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    match (op, rest) {
        ("unlock", [p]) => wallet.unlock(&pin(p)?),
        ("change-pin", [old, new]) => wallet.change_pin(&pin(old)?, &pin(new)?),
        _ => return Err(format!("unknown operation {op:?}")),
    }
    .map_err(|e| e.to_string())
}
