//! The wallet's operations beside the raw primitives they cannot avoid, measured in the same run
//! so the ratio means something on a noisy machine:
//!
//! - `pay`: `Wallet::pay_contact` (sign, seal, durable commit, QR text) against one Ed25519 sign,
//!   one envelope seal and one durable SQLite insert (WAL, `synchronous=FULL`);
//! - `accept`: `Wallet::accept` (decode, open, verify, durable store, receipt) against one
//!   envelope open, two strict Ed25519 verifications, one durable insert and one sign;
//! - `primitives`: each raw primitive alone;
//! - `history`: opening, the balances of, and 50-entry history pages of a wallet holding
//!   `OUTPOST_BENCH_HISTORY` transfers (default 1,000,000; built once by `wallet::fixture` and
//!   kept in the system's temporary directory, since building takes about a minute);
//! - `unlock`: opening and unlocking at the default Argon2id profile.
//!
//! Each operation and its raw counterpart run interleaved (one of each, only one timed), so both
//! meet the same pattern of commits on the disk. Criterion still measures them at different
//! moments, and a disk's flush time can drift between the two: for the ratios, use
//! `outpost bench --json`, which interleaves them within one series and works the ratios out.
//!
//! `cargo bench -p outpost-wallet-core`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature, Signer, SigningKey};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{LedgerSigner, PurseTerms, Transfer, TransferTerms};
use outpost_wallet_core::wallet::fixture::{HistorySpec, build_history};
use outpost_wallet_core::{
    Amount, Currency, KdfParams, Pin, PublicIdentity, SoftwareProtector, Wallet, WalletOptions, envelope,
};

const PIN: &str = "482916";
const PRICE: u64 = 250;
/// Transfers from one purse before the payer loads the next, as in the field: an accept checks
/// the new transfer against those it already holds from the same purse.
const PER_PURSE: u32 = 40;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn yen(n: u64) -> Amount {
    Amount::from_minor(n, Currency::JPY).unwrap()
}

fn fast() -> WalletOptions {
    WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() }
}

fn pin() -> Pin {
    Pin::new(PIN).unwrap()
}

/// The raw primitives, at the sizes a transfer has.
struct Raw {
    signer: SigningKey,
    transfer: Vec<u8>,
    transfer_signature: Signature,
    certificate: Vec<u8>,
    certificate_signature: Signature,
    recipient: Identity,
    sealed: Vec<u8>,
    db: rusqlite::Connection,
}

impl Raw {
    fn new(dir: &std::path::Path) -> Raw {
        let ledger = LedgerSigner::generate().unwrap();
        let (sender, receiver) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let issued_at = now();
        let certificate = ledger
            .issue(PurseTerms {
                wallet_key: sender.public().signing_key,
                serial: 1,
                member_id: "MEMBER-0001".into(),
                amount: yen(10_000),
                issued_at,
                expires_at: issued_at + 86_400,
            })
            .unwrap();
        let terms = TransferTerms {
            seq: 1,
            prev_hash: certificate.chain_start(),
            spent_after: PRICE,
            amount: PRICE,
            receiver_key: receiver.public().signing_key,
            request_nonce: None,
            time: issued_at,
            memo: "canteen".into(),
        };
        let transfer = Transfer::sign(certificate.clone(), terms, &sender).unwrap().to_bytes();
        let certificate = certificate.to_bytes();
        let signer = SigningKey::from_bytes(&[0x5a; 32]);
        let db = rusqlite::Connection::open(dir.join("raw.db")).unwrap();
        let mode: String = db.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        db.pragma_update(None, "synchronous", "FULL").unwrap();
        db.execute_batch("CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").unwrap();
        Raw {
            transfer_signature: signer.sign(&transfer),
            certificate_signature: signer.sign(&certificate),
            sealed: envelope::seal(&receiver.public().agreement_key, "transfer", &transfer).unwrap(),
            recipient: receiver,
            signer,
            transfer,
            certificate,
            db,
        }
    }

    fn sign(&self) -> Signature {
        self.signer.sign(&self.transfer)
    }

    fn verify(&self, message: &[u8], signature: &Signature) {
        self.signer.verifying_key().verify_strict(message, signature).unwrap();
    }

    fn seal(&self) -> Vec<u8> {
        envelope::seal(&self.recipient.public().agreement_key, "transfer", &self.transfer).unwrap()
    }

    fn open(&self) {
        envelope::open(&self.recipient, "transfer", &self.sealed).unwrap();
    }

    /// One row in its own transaction, on disk before it returns.
    fn insert(&self, body: &[u8]) {
        self.db.execute("INSERT INTO row (body) VALUES (?1)", [body]).unwrap();
    }

    fn pay(&self) {
        let signature = self.sign();
        let sealed = self.seal();
        self.insert(&[&sealed[..], &signature.to_bytes()].concat());
    }

    fn accept(&self) {
        self.open();
        self.verify(&self.certificate, &self.certificate_signature);
        self.verify(&self.transfer, &self.transfer_signature);
        self.insert(&self.transfer);
        std::hint::black_box(self.sign());
    }
}

/// A payer trusting a test ledger key, as after enrolment and a sync, and whom it pays.
struct Payer {
    ledger: LedgerSigner,
    payer: Wallet,
    payee_id: PublicIdentity,
    serial: u32,
    paid_from_purse: u32,
}

impl Payer {
    /// The payer, and the payee it pays (who trusts the same ledger key), in `dir`.
    fn new(dir: &std::path::Path) -> (Payer, Wallet) {
        let protector = Arc::new(SoftwareProtector::create(dir.join("device.key")).unwrap());
        let create = |name: &str| {
            Wallet::create(dir.join(name), &pin(), Currency::JPY, protector.clone(), fast()).unwrap()
        };
        let (payer, payee) = (create("payer.wallet"), create("payee.wallet"));
        let ledger = LedgerSigner::generate().unwrap();
        payer.pin_ledger_key(ledger.public_key()).unwrap();
        payee.pin_ledger_key(ledger.public_key()).unwrap();
        let payee_id = payee.public_identity();
        (Payer { ledger, payer, payee_id, serial: 0, paid_from_purse: PER_PURSE }, payee)
    }

    /// Pays the payee once, from a fresh purse every `PER_PURSE` payments. Returns the QR text.
    fn pay(&mut self) -> String {
        if self.paid_from_purse == PER_PURSE {
            self.serial += 1;
            self.paid_from_purse = 0;
            let issued_at = now();
            let certificate = self
                .ledger
                .issue(PurseTerms {
                    wallet_key: self.payer.public_identity().signing_key,
                    serial: self.serial,
                    member_id: "MEMBER-0001".into(),
                    amount: yen(u64::from(PER_PURSE) * PRICE),
                    issued_at,
                    expires_at: issued_at + 86_400,
                })
                .unwrap();
            self.payer.install_purse(&certificate).unwrap();
        }
        self.paid_from_purse += 1;
        self.payer.pay_contact(&self.payee_id, yen(PRICE), "canteen").unwrap().qr_text
    }
}

fn pay_and_accept(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let raw = Raw::new(dir.path());
    let (mut payer, payee) = Payer::new(dir.path());

    // Each side runs interleaved with the other, timed alone: both see the same pattern of
    // commits on the disk, whose flush time varies far more than anything else here.
    let mut group = c.benchmark_group("pay");
    group.bench_function("raw sign + seal + durable insert", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                payer.pay();
                let start = Instant::now();
                raw.pay();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.bench_function("Wallet::pay_contact", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                raw.pay();
                let start = Instant::now();
                payer.pay();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.finish();

    let mut group = c.benchmark_group("accept");
    group.bench_function("raw open + 2 verify + durable insert + sign", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                payee.accept(&payer.pay()).unwrap();
                let start = Instant::now();
                raw.accept();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.bench_function("Wallet::accept", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let text = payer.pay();
                raw.accept();
                let start = Instant::now();
                payee.accept(&text).unwrap();
                timed += start.elapsed();
            }
            timed
        })
    });
    group.finish();

    let mut group = c.benchmark_group("primitives");
    group.bench_function("ed25519 sign", |b| b.iter(|| raw.sign()));
    group.bench_function("ed25519 verify_strict", |b| {
        b.iter(|| raw.verify(&raw.transfer, &raw.transfer_signature))
    });
    group.bench_function("envelope seal", |b| b.iter(|| raw.seal()));
    group.bench_function("envelope open", |b| b.iter(|| raw.open()));
    group.bench_function("durable insert", |b| b.iter(|| raw.insert(&raw.transfer)));
    group.finish();
}

/// The history fixture, built on first use and kept for later runs.
fn history_wallet(entries: u64) -> Wallet {
    let dir = std::env::temp_dir().join("outpost-bench-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("history-{entries}.wallet"));
    let key = dir.join(format!("history-{entries}.key"));
    let open = || -> Option<Wallet> {
        let protector = Arc::new(SoftwareProtector::open(&key).ok()?);
        let wallet = Wallet::open(&path, protector, fast()).ok()?;
        wallet.unlock(&pin()).ok()?;
        Some(wallet)
    };
    if let Some(wallet) = open() {
        return wallet;
    }
    eprintln!("building a {entries}-entry history in {} (once; about a minute per million)", dir.display());
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    for stale in [&path, &key, &partial] {
        let _ = std::fs::remove_file(stale);
    }
    let protector = Arc::new(SoftwareProtector::create(&key).unwrap());
    let wallet = Wallet::create(&partial, &pin(), Currency::JPY, protector, fast()).unwrap();
    build_history(&wallet, &HistorySpec::new(entries)).unwrap();
    drop(wallet);
    std::fs::rename(&partial, &path).unwrap();
    open().expect("the fixture just built opens")
}

fn history(c: &mut Criterion) {
    let entries: u64 = std::env::var("OUTPOST_BENCH_HISTORY").map_or(1_000_000, |v| v.parse().unwrap());
    let wallet = history_wallet(entries);
    let path = wallet.path().to_path_buf();
    let protector = Arc::new(SoftwareProtector::open(path.with_extension("key")).unwrap());
    let mut group = c.benchmark_group(format!("history of {entries}"));
    group.bench_function("Wallet::open", |b| {
        b.iter(|| Wallet::open(&path, protector.clone(), fast()).unwrap())
    });
    group.bench_function("Wallet::balances", |b| b.iter(|| wallet.balances().unwrap()));
    group.bench_function("Wallet::history, newest 50", |b| b.iter(|| wallet.history(None, 50).unwrap()));
    group.bench_function("Wallet::history, 50 from the middle", |b| {
        b.iter(|| wallet.history(Some(entries / 2), 50).unwrap())
    });
    group.finish();
}

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
    let path = dir.path().join("default.wallet");
    drop(Wallet::create(&path, &pin(), Currency::JPY, protector.clone(), WalletOptions::default()).unwrap());
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.bench_function("open + unlock, default Argon2id", |b| {
        b.iter(|| {
            let wallet = Wallet::open(&path, protector.clone(), WalletOptions::default()).unwrap();
            wallet.unlock(&pin()).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, pay_and_accept, history, unlock);
criterion_main!(benches);
