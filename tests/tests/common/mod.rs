//! What the scenario tests share: the test PIN and cheap Argon2id options, yen, the ledger's own
//! code as a wallet's transport, and the QR handshake between two wallets.
#![allow(dead_code)] // each test file uses a different part of this module

use outpost_ledger::Ledger;
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::{Amount, Currency, KdfParams, Pin, Wallet, WalletOptions};

pub const PIN: &str = "482916";

pub fn pin() -> Pin {
    Pin::new(PIN).unwrap()
}

/// Wallet options with the cheap test Argon2id profile: what these scenarios test is not the
/// unlock, and the default profile would make every open cost a quarter of a second.
pub fn fast() -> WalletOptions {
    WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() }
}

pub fn yen(n: u64) -> Amount {
    Amount::from_minor(n, Currency::JPY).unwrap()
}

/// The ledger's own code in this process, as a wallet's sync transport.
pub struct Direct<'a>(pub &'a Ledger);

impl SyncTransport for Direct<'_> {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.sync(request).map_err(|e| TransportError::Refused { status: 400, message: e.to_string() })
    }
}

/// The QR handshake: `payee` shows a request, `payer` pays it, `payee` accepts, `payer` scans
/// the receipt. Only QR text passes between them. Returns the transfer id.
pub fn pay(payer: &Wallet, payee: &Wallet, amount: u64) -> [u8; 32] {
    let request = payee.create_request(Some(yen(amount)), "", 600).unwrap();
    let payment = payer.pay_request(&request.qr_text, None, "").unwrap();
    let accepted = payee.accept(&payment.qr_text).unwrap();
    payer.confirm_receipt(&accepted.receipt_qr).unwrap();
    payment.transfer_id
}

/// The database a scenario's ledger runs on: SQLite in its directory, or, with
/// `OUTPOST_LEDGER_BACKEND=postgres`, a fresh database on the PostgreSQL at
/// `OUTPOST_TEST_POSTGRES` (scripts/postgres.sh starts one and sets it). Asked for PostgreSQL
/// without a server, it fails rather than run on SQLite.
pub fn test_database() -> outpost_ledger::Database {
    match std::env::var("OUTPOST_LEDGER_BACKEND").as_deref() {
        Ok("postgres") => {}
        Ok("sqlite") | Ok("") | Err(std::env::VarError::NotPresent) => {
            return outpost_ledger::Database::Sqlite;
        }
        other => panic!("OUTPOST_LEDGER_BACKEND={other:?}: only postgres or sqlite"),
    }
    let server = std::env::var("OUTPOST_TEST_POSTGRES").ok().filter(|url| !url.trim().is_empty()).expect(
        "OUTPOST_LEDGER_BACKEND=postgres but OUTPOST_TEST_POSTGRES is not set: run through scripts/postgres.sh",
    );
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("s_{}_{next}_{nanos}", std::process::id());
    let mut client = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    outpost_ledger::Database::Postgres(format!("{base}/{name}"))
}
