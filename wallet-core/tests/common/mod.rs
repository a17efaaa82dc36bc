//! Fixtures shared by the wallet-core integration tests: real wallet files in a temporary
//! directory, real software key files, a clock the test moves, and tools to damage a file the way
//! an attacker or a failing disk would.
#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use outpost_wallet_core::clock::TestClock;
use outpost_wallet_core::{Clock, Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions};
use rusqlite::Connection;
use tempfile::TempDir;

pub const PIN: &str = "482916";
pub const WRONG: &str = "000000";

pub struct Fixture {
    pub dir: TempDir,
    pub clock: Arc<TestClock>,
    pub protector: Arc<SoftwareProtector>,
}

pub fn pin(text: &str) -> Pin {
    Pin::new(text).expect("valid test PIN")
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).expect("key file"));
        Self { dir, clock: Arc::new(TestClock::at(1_800_000_000)), protector }
    }

    pub fn options(&self) -> WalletOptions {
        WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, clock: self.clock.clone() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Creates `name` with [`PIN`] and closes it, so the test starts from a file on disk.
    pub fn create(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        Wallet::create(&path, &pin(PIN), Currency::JPY, self.protector.clone(), self.options())
            .expect("create");
        path
    }

    pub fn open(&self, path: &Path) -> Result<Wallet, outpost_wallet_core::WalletError> {
        Wallet::open(path, self.protector.clone(), self.options())
    }

    pub fn open_unlocked(&self, path: &Path) -> Wallet {
        let wallet = self.open(path).expect("open");
        wallet.unlock(&pin(PIN)).expect("unlock");
        wallet
    }
}

/// Direct SQL on a closed wallet file, as someone with the file (but not the keys) could do.
pub fn sql(path: &Path) -> Connection {
    Connection::open(path).expect("open wallet file with plain SQLite")
}

pub fn blob(path: &Path, query: &str) -> Vec<u8> {
    sql(path).query_row(query, [], |r| r.get(0)).expect("blob")
}

pub fn set_blob(path: &Path, update: &str, value: &[u8]) {
    let changed = sql(path).execute(update, [value]).expect("update");
    assert_eq!(changed, 1, "the tampering statement must hit exactly one row: {update}");
}

pub fn flip_bit(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 0x01;
    out
}

pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

/// A ledger for offline-payment tests: a real `LedgerSigner` that enrols wallets (pins its key
/// in them) and issues purse certificates, exactly as the ledger server will.
pub struct TestLedger {
    pub signer: outpost_wallet_core::protocol::LedgerSigner,
    next_serial: std::sync::atomic::AtomicU32,
}

pub const DAY: u64 = 86_400;

pub fn yen(minor: u64) -> outpost_wallet_core::Amount {
    outpost_wallet_core::Amount::from_minor(minor, Currency::JPY).expect("yen")
}

impl TestLedger {
    pub fn new() -> Self {
        Self {
            signer: outpost_wallet_core::protocol::LedgerSigner::generate().expect("ledger key"),
            next_serial: std::sync::atomic::AtomicU32::new(1),
        }
    }

    pub fn key(&self) -> [u8; 32] {
        self.signer.public_key()
    }

    /// A certificate for `wallet_key` of `amount` yen, issued at `now`, valid for a week.
    pub fn certificate(
        &self,
        wallet_key: [u8; 32],
        member_id: &str,
        amount: u64,
        now: u64,
    ) -> outpost_wallet_core::protocol::PurseCertificate {
        self.signer
            .issue(outpost_wallet_core::protocol::PurseTerms {
                wallet_key,
                serial: self.next_serial.fetch_add(1, Ordering::SeqCst),
                member_id: member_id.into(),
                amount: yen(amount),
                issued_at: now,
                expires_at: now + 7 * DAY,
            })
            .expect("issue purse")
    }

    /// Pins this ledger's key in `wallet` (unlocked) and, when `purse` is not zero, installs a
    /// purse of that many yen.
    pub fn enrol(&self, wallet: &Wallet, member_id: &str, purse: u64, now: u64) {
        wallet.pin_ledger_key(self.key()).expect("pin ledger key");
        if purse > 0 {
            let cert = self.certificate(wallet.public_identity().signing_key, member_id, purse, now);
            assert!(wallet.install_purse(&cert).expect("install purse"));
        }
    }
}

impl Fixture {
    /// A new unlocked wallet named `name`, enrolled with `ledger` as `member_id` with a purse.
    pub fn member(&self, ledger: &TestLedger, name: &str, member_id: &str, purse: u64) -> Wallet {
        let path = self.create(name);
        let wallet = self.open_unlocked(&path);
        ledger.enrol(&wallet, member_id, purse, self.clock.now_unix());
        wallet
    }
}

/// Draws `text` as a QR symbol with the library, then reads the picture back with an independent
/// decoder (rqrr), as a phone camera would: 4 pixels a module inside a 4-module quiet zone.
pub fn photograph_and_scan(text: &str) -> String {
    let image = outpost_wallet_core::qr::render(text).expect("render");
    let side = ((image.width + 8) * 4) as usize;
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
        let (mx, my) = ((x / 4) as u32, (y / 4) as u32);
        let dark = mx >= 4
            && my >= 4
            && mx - 4 < image.width
            && my - 4 < image.width
            && image.is_dark(mx - 4, my - 4);
        if dark { 0 } else { 255 }
    });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol in the picture");
    let (meta, scanned) = grids[0].decode().expect("the picture decodes");
    assert_eq!(meta.version.0 as u8, image.version, "the decoder sees the version drawn");
    scanned
}
