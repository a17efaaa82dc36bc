//! A small unit for the sync tests: a ledger on a real SQLite file (or a real PostgreSQL database,
//! see [`test_database`]), members with real wallet files, a clock the test moves for both, and
//! the QR handshake between two phones.
#![allow(dead_code)] // each test file uses a different part of this module

#[allow(clippy::duplicate_mod)] // `common` loads it too
pub mod database;
#[allow(clippy::duplicate_mod)] // suites that use `common` alone load it too
pub mod insider;

#[allow(unused_imports)] // each test file uses a different part of this module
pub use database::{fresh_postgres_database, on_postgres, postgres_server, test_database};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use outpost_ledger::{Ledger, Policy};
pub use outpost_wallet_core::clock::TestClock;
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::{
    Amount, Currency, KdfParams, Pin, SoftwareProtector, SyncOptions, SyncReport, Wallet, WalletOptions,
};
use tempfile::TempDir;

pub const PIN: &str = "482916";
pub const DAY: u64 = 86_400;

pub fn yen(n: u64) -> Amount {
    Amount::from_minor(n, Currency::JPY).unwrap()
}

/// The ledger's own code, called without HTTP: for tests that move the clock past windows.
pub struct InProcess(pub Arc<Ledger>);

impl SyncTransport for InProcess {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.sync(request).map_err(|e| TransportError::Refused { status: 400, message: e.to_string() })
    }
}

pub struct Unit {
    /// Set by tests that damage the ledger on purpose: the books are not checked at the end.
    pub tampered: std::cell::Cell<bool>,
    pub dir: TempDir,
    pub clock: Arc<TestClock>,
    pub protector: Arc<SoftwareProtector>,
    pub ledger: Arc<Ledger>,
    /// Where the ledger's database is: a ledger opened afresh on `dir` needs it too.
    pub database: outpost_ledger::Database,
}

impl Unit {
    pub fn new() -> Self {
        Self::with_policy(Policy::default())
    }

    pub fn with_policy(policy: Policy) -> Self {
        Self::on(&test_database(), policy, 1_800_000_000)
    }

    /// A unit whose ledger is on SQLite whatever the suite's backend, with its clock at the
    /// system's time (as a ledger command started on the same directory would read it).
    pub fn sqlite_now() -> Self {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        Self::on(&outpost_ledger::Database::Sqlite, Policy::default(), now)
    }

    pub fn on(database: &outpost_ledger::Database, policy: Policy, time: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::at(time));
        let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
        let ledger_dir = dir.path().join("ledger");
        std::fs::create_dir(&ledger_dir).unwrap();
        let ledger =
            Arc::new(Ledger::open_on(&ledger_dir, database, Currency::JPY, clock.clone(), policy).unwrap());
        Self {
            tampered: std::cell::Cell::new(false),
            dir,
            clock,
            protector,
            ledger,
            database: database.clone(),
        }
    }

    pub fn transport(&self) -> InProcess {
        InProcess(self.ledger.clone())
    }

    pub fn options(&self) -> WalletOptions {
        WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, clock: self.clock.clone() }
    }

    pub fn wallet_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.wallet"))
    }

    /// A new wallet, enrolled by the officer as `member_id`, with the ledger key pinned.
    pub fn member(&self, name: &str, member_id: &str) -> Wallet {
        let wallet = Wallet::create(
            self.wallet_path(name),
            &Pin::new(PIN).unwrap(),
            Currency::JPY,
            self.protector.clone(),
            self.options(),
        )
        .unwrap();
        let (_, qr) = wallet.enrolment_request(member_id).unwrap();
        self.ledger.enrol(&qr).unwrap();
        wallet.pin_ledger_key(self.ledger.public_key()).unwrap();
        wallet
    }

    pub fn open(&self, path: &Path) -> Wallet {
        let wallet = Wallet::open(path, self.protector.clone(), self.options()).unwrap();
        wallet.unlock(&Pin::new(PIN).unwrap()).unwrap();
        wallet
    }

    /// Plays a cheat: runs `before` on the wallet at `path`, puts back the copy of the file taken
    /// beforehand, and reopens it, as if the spending in `before` never happened.
    pub fn restore_after(&self, wallet: Wallet, before: impl FnOnce(&Wallet)) -> Wallet {
        let path = wallet.path().to_path_buf();
        drop(wallet);
        let copy = path.with_extension("copy");
        std::fs::copy(&path, &copy).unwrap();
        let wallet = self.open(&path);
        before(&wallet);
        drop(wallet);
        std::fs::copy(&copy, &path).unwrap();
        self.open(&path)
    }

    pub fn sync(&self, wallet: &Wallet) -> SyncReport {
        wallet.sync(&self.transport(), &SyncOptions::default()).unwrap()
    }

    pub fn load_purse(&self, wallet: &Wallet, amount: u64) -> SyncReport {
        wallet.sync(&self.transport(), &SyncOptions { purse: Some(yen(amount)) }).unwrap()
    }

    /// The money invariant and the offline audit of the whole log.
    pub fn assert_books(&self) {
        let report = self.ledger.check_invariants().unwrap();
        assert_eq!(report.accounts + report.purses, report.credited + report.losses);
    }
}

impl Drop for Unit {
    /// The invariant holds after every test: accounts and purses add up to everything credited,
    /// the log passes an offline audit, and replaying it gives the stored balances.
    fn drop(&mut self) {
        if !self.tampered.get() && !std::thread::panicking() {
            self.assert_books();
        }
    }
}

/// The QR handshake: `payee` shows a request, `payer` pays it, `payee` accepts, and (when
/// `confirm`) `payer` scans the receipt. Only QR text passes between them.
pub fn pay(payer: &Wallet, payee: &Wallet, amount: u64, confirm: bool) -> [u8; 32] {
    let request = payee.create_request(Some(yen(amount)), "", 600).unwrap();
    let payment = payer.pay_request(&request.qr_text, None, "").unwrap();
    let accepted = payee.accept(&payment.qr_text).unwrap();
    if confirm {
        payer.confirm_receipt(&accepted.receipt_qr).unwrap();
    }
    payment.transfer_id
}

/// Each wallet pays the next one round the circle by QR code, offline: wallet `i` pays
/// `amount(i)`, and confirms the receipt. Eight threads at a time.
pub fn pay_round_the_circle(wallets: &[Wallet], amount: fn(usize) -> u64) {
    let payers: Vec<usize> = (0..wallets.len()).collect();
    std::thread::scope(|scope| {
        for chunk in payers.chunks(wallets.len().div_ceil(8)) {
            scope.spawn(move || {
                for &i in chunk {
                    pay(&wallets[i], &wallets[(i + 1) % wallets.len()], amount(i), true);
                }
            });
        }
    });
}

/// True (and says so) when the suite runs on PostgreSQL and `test` edits `ledger.db` with SQLite
/// directly (tampering tests): it is then skipped, loudly.
pub fn sqlite_only(test: &str) -> bool {
    let postgres = on_postgres();
    if postgres {
        eprintln!("SKIPPED ON POSTGRESQL: {test} edits ledger.db through SQLite");
    }
    postgres
}
