//! `outpost bench`: how fast the core is, measured against the physical limit of the machine it
//! runs on.
//!
//! Shared machines are noisy, so the headline figures are ratios against the raw primitives an
//! operation cannot avoid, measured in the same run and interleaved with it (one raw run, one
//! real run, and so on), each the median of many:
//!
//! | figure               | the operation                                 | against                                             |
//! |----------------------|-----------------------------------------------|-----------------------------------------------------|
//! | `pay_ratio`          | `Wallet::pay_contact`: sign, seal, commit, QR | one Ed25519 sign + one envelope seal + one durable SQLite insert |
//! | `accept_ratio`       | `Wallet::accept`: decode, open, verify, store, receipt | two Ed25519 verifications + one envelope open + one durable insert + one sign |
//! | `settle_per_s`       | runs of four syncs back to back, each carrying a full batch of transfers to its receiver, settled by the ledger | `verify_limit_per_s`: strict Ed25519 verifications a second on every core, sustained for about as long |
//!
//! "Durable insert" is one row committed by itself into an SQLite file in WAL mode with
//! `synchronous=FULL`, the setting every wallet and the ledger use. Absolute figures too: opening,
//! reading the balances and a 50-entry history page of a wallet holding a million transfers
//! (made by `outpost_wallet_core::wallet::fixture`), unlocking at the default Argon2id profile,
//! and the QR version and size of every message type.
//!
//! Everything runs on real files in a scratch directory (or the one given), removed afterwards
//! except a history fixture, which is kept there to save building it again.

pub mod backends;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use outpost_ledger::Ledger;
use outpost_ledger::simulated::{Member, Payer};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::sync::{MAX_SYNC_TRANSFERS, Outcome, PurseOrder};
use outpost_wallet_core::protocol::{LedgerSigner, PurseCertificate, PurseTerms, Transfer, TransferTerms};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::wallet::fixture::{HistorySpec, build_history};
use outpost_wallet_core::{
    Amount, Clock, Currency, KdfParams, Pin, PublicIdentity, SoftwareProtector, SystemClock, Wallet,
    WalletOptions, envelope,
};

/// What `outpost bench` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct BenchOptions {
    /// Where to work and keep the history fixture; a scratch directory when `None`.
    pub dir: Option<PathBuf>,
    /// Fewer rounds and a 50,000-entry history instead of 1,000,000: a smoke run, not figures to
    /// publish.
    pub quick: bool,
    /// Transfers in the history fixture (and so the aged wallet), instead of 1,000,000 (50,000
    /// when `quick`): one closed purse for every 1,000.
    pub history: Option<u64>,
    /// Also compare the ledger's backends (SQLite, PostgreSQL with one process and with two),
    /// [`backends`]; PostgreSQL when `backends.postgres` names a server.
    pub backends: Option<backends::BackendOptions>,
}

/// The performance targets, reported beside each figure (README, "Performance").
pub const PAY_RATIO_TARGET: f64 = 1.5;
pub const ACCEPT_RATIO_TARGET: f64 = 1.5;
/// `settle_per_s` must reach this share of `verify_limit_per_s`.
pub const SETTLE_SHARE_TARGET: f64 = 0.5;
pub const OPEN_MS_TARGET: f64 = 50.0;
pub const BALANCE_MS_TARGET: f64 = 1.0;
pub const HISTORY_PAGE_MS_TARGET: f64 = 5.0;
/// Pay and accept on the aged wallet against the young one, same run (docs/adr/0020).
pub const AGED_RATIO_TARGET: f64 = 1.15;
pub const BALANCE_AGED_MS_TARGET: f64 = 1.0;
/// A full sync's answer (256 settled transfers) fits a thin link: 40 KiB.
pub const SYNC_ANSWER_BYTES_TARGET: usize = 40 * 1024;

/// One operation against the raw primitives it is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    /// Median of the operation, milliseconds.
    pub op_ms: f64,
    /// Median of its raw primitives run back to back, milliseconds.
    pub raw_ms: f64,
    /// The fastest of each. A durable commit's time varies with the disk far more than the
    /// computing around it does; the fastest runs show what the operation adds beyond it.
    pub op_fastest_ms: f64,
    pub raw_fastest_ms: f64,
}

impl Ratio {
    fn of(op: Vec<f64>, raw: Vec<f64>) -> Ratio {
        let fastest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        Ratio {
            op_fastest_ms: fastest(&op),
            raw_fastest_ms: fastest(&raw),
            op_ms: median(op),
            raw_ms: median(raw),
        }
    }

    /// The figure the targets are set on: median over median.
    pub fn ratio(&self) -> f64 {
        self.op_ms / self.raw_ms
    }

    pub fn fastest_ratio(&self) -> f64 {
        self.op_fastest_ms / self.raw_fastest_ms
    }
}

/// The QR code a message travels in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrFigure {
    pub kind: &'static str,
    /// Smallest QR version that holds it at error correction M.
    pub version: u8,
    /// Message bytes, before base45.
    pub bytes: usize,
    /// Characters of QR text.
    pub chars: usize,
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub quick: bool,
    /// Cores the machine offers (the verification limit uses all of them).
    pub cores: usize,
    pub rounds: usize,
    pub pay: Ratio,
    pub accept: Ratio,
    /// The raw primitives alone, medians: microseconds, and milliseconds for the insert.
    pub sign_us: f64,
    pub verify_us: f64,
    pub seal_us: f64,
    pub open_us: f64,
    pub durable_insert_ms: f64,
    /// Transfers in each settled batch (one sync's worth).
    pub settle_batch: usize,
    /// Syncs in each timed run.
    pub settle_syncs_per_run: usize,
    pub settle_per_s: f64,
    pub verify_limit_per_s: f64,
    /// The median, over the runs, of each run's rate over the limit measured just before it.
    pub settle_share: f64,
    /// The median time of a run's first sync, which starts right after the limit's burst on
    /// every core: one batch's latency from cold, in milliseconds.
    pub settle_first_sync_ms: f64,
    pub verify_one_core_per_s: f64,
    /// Entries in the ledger's audit log when the last batch settled.
    pub ledger_log_entries: u64,
    pub history_entries: u64,
    /// Seconds to build the history fixture (0 when an existing one was reused).
    pub fixture_build_s: f64,
    pub open_ms: f64,
    pub balance_ms: f64,
    pub history_page_ms: f64,
    /// A 50-entry page from the middle of the history.
    pub history_deep_page_ms: f64,
    pub unlock_ms: f64,
    pub qr: Vec<QrFigure>,
    pub aged: AgedFigures,
    pub sync_bytes: SyncBytes,
    /// The ledger's backends compared, when asked (`--backends`).
    pub backends: Option<backends::BackendReport>,
}

/// Pay, accept and balances on the aged wallet: a copy of the history fixture (its closed
/// purses and its million transfers) that has also accepted [`AgedFigures::chain`] transfers
/// from the payer purse the timed accepts continue. Medians, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgedFigures {
    /// Balances on the young payer, for comparison.
    pub young_balance_ms: f64,
    pub pay_ms: f64,
    pub accept_ms: f64,
    pub balance_ms: f64,
    /// Closed purses the aged wallet holds.
    pub closed_purses: u32,
    /// Transfers accepted from the payer purse before the timed accepts.
    pub chain: u32,
}

/// The bytes of a receiver's full sync (256 transfers uploaded, all settled), medians over the
/// settlement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncBytes {
    pub request: usize,
    pub answer: usize,
}

impl BenchReport {
    /// One JSON object, keys in a fixed order so runs can be diffed.
    pub fn to_json(&self) -> String {
        let qr: Vec<String> = self
            .qr
            .iter()
            .map(|q| {
                format!(
                    "\"{}\":{{\"version\":{},\"bytes\":{},\"chars\":{}}}",
                    q.kind, q.version, q.bytes, q.chars
                )
            })
            .collect();
        let transfer_version = self.qr.iter().find(|q| q.kind == "transfer").map_or(0, |q| q.version);
        let met = [
            ("pay_ratio", self.pay.ratio() <= PAY_RATIO_TARGET),
            ("accept_ratio", self.accept.ratio() <= ACCEPT_RATIO_TARGET),
            ("settle_share", self.settle_share >= SETTLE_SHARE_TARGET),
            ("open_ms", self.open_ms <= OPEN_MS_TARGET),
            ("balance_ms", self.balance_ms <= BALANCE_MS_TARGET),
            ("history_page_ms", self.history_page_ms <= HISTORY_PAGE_MS_TARGET),
            ("transfer_qr_version", transfer_version <= qr::BUDGET_VERSION),
            ("pay_aged_ratio", self.pay_aged_ratio() <= AGED_RATIO_TARGET),
            ("accept_aged_ratio", self.accept_aged_ratio() <= AGED_RATIO_TARGET),
            ("balance_aged_ms", self.aged.balance_ms <= BALANCE_AGED_MS_TARGET),
            ("sync_answer_bytes", self.sync_bytes.answer <= SYNC_ANSWER_BYTES_TARGET),
        ];
        let met: Vec<String> = met.iter().map(|(name, ok)| format!("\"{name}\":{ok}")).collect();
        format!(
            "{{\"quick\":{},\"cores\":{},\"rounds\":{},\
             \"pay_ratio\":{:.3},\"pay_ms\":{:.3},\"pay_raw_ms\":{:.3},\"pay_fastest_ratio\":{:.3},\
             \"accept_ratio\":{:.3},\"accept_ms\":{:.3},\"accept_raw_ms\":{:.3},\"accept_fastest_ratio\":{:.3},\
             \"raw\":{{\"sign_us\":{:.1},\"verify_us\":{:.1},\"seal_us\":{:.1},\"open_us\":{:.1},\
             \"durable_insert_ms\":{:.3}}},\
             \"settle_per_s\":{:.0},\"verify_limit_per_s\":{:.0},\"verify_one_core_per_s\":{:.0},\
             \"settle_share\":{:.3},\"settle_batch\":{},\"settle_syncs_per_run\":{},\
             \"settle_first_sync_ms\":{:.2},\"ledger_log_entries\":{},\
             \"history_entries\":{},\"fixture_build_s\":{:.1},\"open_ms\":{:.3},\"balance_ms\":{:.3},\
             \"history_page_ms\":{:.3},\"history_deep_page_ms\":{:.3},\"unlock_ms\":{:.1},\
             \"pay_aged_ratio\":{:.3},\"pay_aged_ms\":{:.3},\"accept_aged_ratio\":{:.3},\"accept_aged_ms\":{:.3},\
             \"balance_young_ms\":{:.3},\"balance_aged_ms\":{:.3},\"aged_closed_purses\":{},\"aged_chain\":{},\
             \"sync_request_bytes\":{},\"sync_answer_bytes\":{},\"sync_up_bytes_per_transfer\":{:.1},\
             \"sync_down_bytes_per_transfer\":{:.1},{}\
             \"qr\":{{{}}},\"targets_met\":{{{}}}}}",
            self.quick,
            self.cores,
            self.rounds,
            self.pay.ratio(),
            self.pay.op_ms,
            self.pay.raw_ms,
            self.pay.fastest_ratio(),
            self.accept.ratio(),
            self.accept.op_ms,
            self.accept.raw_ms,
            self.accept.fastest_ratio(),
            self.sign_us,
            self.verify_us,
            self.seal_us,
            self.open_us,
            self.durable_insert_ms,
            self.settle_per_s,
            self.verify_limit_per_s,
            self.verify_one_core_per_s,
            self.settle_share,
            self.settle_batch,
            self.settle_syncs_per_run,
            self.settle_first_sync_ms,
            self.ledger_log_entries,
            self.history_entries,
            self.fixture_build_s,
            self.open_ms,
            self.balance_ms,
            self.history_page_ms,
            self.history_deep_page_ms,
            self.unlock_ms,
            self.pay_aged_ratio(),
            self.aged.pay_ms,
            self.accept_aged_ratio(),
            self.aged.accept_ms,
            self.aged.young_balance_ms,
            self.aged.balance_ms,
            self.aged.closed_purses,
            self.aged.chain,
            self.sync_bytes.request,
            self.sync_bytes.answer,
            self.sync_up_per_transfer(),
            self.sync_down_per_transfer(),
            self.backends.as_ref().map_or(String::new(), |b| format!("\"backends\":{},", b.to_json())),
            qr.join(","),
            met.join(",")
        )
    }
}

impl BenchReport {
    /// Pay on the aged wallet over pay on the young one, medians of the same run.
    pub fn pay_aged_ratio(&self) -> f64 {
        self.aged.pay_ms / self.pay.op_ms
    }

    pub fn accept_aged_ratio(&self) -> f64 {
        self.aged.accept_ms / self.accept.op_ms
    }

    pub fn sync_up_per_transfer(&self) -> f64 {
        self.sync_bytes.request as f64 / self.settle_batch as f64
    }

    pub fn sync_down_per_transfer(&self) -> f64 {
        self.sync_bytes.answer as f64 / self.settle_batch as f64
    }

    /// The figures as a person reads them, each beside its target.
    pub fn to_text(&self) -> String {
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        let mut out = String::new();
        let mut line = |text: String| {
            out.push_str(&text);
            out.push('\n');
        };
        line(format!(
            "pay     {:.3} ms against {:.3} ms raw (sign + seal + durable insert): ratio {:.2}, target {PAY_RATIO_TARGET} {}",
            self.pay.op_ms,
            self.pay.raw_ms,
            self.pay.ratio(),
            verdict(self.pay.ratio() <= PAY_RATIO_TARGET)
        ));
        line(format!(
            "accept  {:.3} ms against {:.3} ms raw (open + 2 verify + durable insert + sign): ratio {:.2}, target {ACCEPT_RATIO_TARGET} {}",
            self.accept.op_ms,
            self.accept.raw_ms,
            self.accept.ratio(),
            verdict(self.accept.ratio() <= ACCEPT_RATIO_TARGET)
        ));
        line(format!(
            "settle  {:.0} transfers/s against {:.0} strict verifications/s on {} cores: {:.0}%, target {:.0}% {} \
             (a run's first sync of {}: {:.1} ms)",
            self.settle_per_s,
            self.verify_limit_per_s,
            self.cores,
            self.settle_share * 100.0,
            SETTLE_SHARE_TARGET * 100.0,
            verdict(self.settle_share >= SETTLE_SHARE_TARGET),
            self.settle_batch,
            self.settle_first_sync_ms
        ));
        line(format!(
            "history of {}: open {:.3} ms (target {OPEN_MS_TARGET} {}), balances {:.3} ms (target {BALANCE_MS_TARGET} {}), \
             50-entry page {:.3} ms (target {HISTORY_PAGE_MS_TARGET} {})",
            self.history_entries,
            self.open_ms,
            verdict(self.open_ms <= OPEN_MS_TARGET),
            self.balance_ms,
            verdict(self.balance_ms <= BALANCE_MS_TARGET),
            self.history_page_ms,
            verdict(self.history_page_ms <= HISTORY_PAGE_MS_TARGET)
        ));
        line(format!(
            "aged    pay {:.3} ms ({:.2}× young), accept {:.3} ms ({:.2}× young), target {AGED_RATIO_TARGET}: pay {}, accept {}; \
             balances {:.3} ms (target {BALANCE_AGED_MS_TARGET} {}) with {} closed purses and a payer purse of {} transfers",
            self.aged.pay_ms,
            self.pay_aged_ratio(),
            self.aged.accept_ms,
            self.accept_aged_ratio(),
            verdict(self.pay_aged_ratio() <= AGED_RATIO_TARGET),
            verdict(self.accept_aged_ratio() <= AGED_RATIO_TARGET),
            self.aged.balance_ms,
            verdict(self.aged.balance_ms <= BALANCE_AGED_MS_TARGET),
            self.aged.closed_purses,
            self.aged.chain
        ));
        line(format!(
            "sync    a full sync of {}: {} bytes up ({:.0} a transfer), {} bytes down ({:.0} a transfer), target {} {}",
            self.settle_batch,
            self.sync_bytes.request,
            self.sync_up_per_transfer(),
            self.sync_bytes.answer,
            self.sync_down_per_transfer(),
            SYNC_ANSWER_BYTES_TARGET,
            verdict(self.sync_bytes.answer <= SYNC_ANSWER_BYTES_TARGET)
        ));
        line(format!("unlock  {:.0} ms at the default Argon2id profile", self.unlock_ms));
        for q in &self.qr {
            line(format!(
                "QR {:<18} version {:>2} at level M, {} bytes, {} characters",
                q.kind, q.version, q.bytes, q.chars
            ));
        }
        if let Some(backends) = &self.backends {
            out.push_str(&backends.to_text());
        }
        out
    }
}

/// Runs every measurement. About a minute and a half on two cores, two thirds of it building the
/// million-entry history, which a `dir` keeps for the next run; `quick` takes about ten seconds.
pub fn run(options: &BenchOptions) -> Result<BenchReport, BenchError> {
    let scratch = Scratch::new(options.dir.as_deref())?;
    let rounds = if options.quick { 20 } else { 200 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // The history first: the aged wallet is a copy of its fixture.
    let history = measure_history(
        options.dir.as_deref().unwrap_or(&scratch.path),
        options.history.unwrap_or(if options.quick { 50_000 } else { 1_000_000 }),
        rounds,
    )?;
    let mut aged = AgedScene::new(&scratch.path, &history, if options.quick { 100 } else { AGED_CHAIN })?;

    let mut scene = PayScene::new(&scratch.path)?;
    let raw = RawPrimitives::new(&scratch.path, &scene.sample_transfer)?;
    let (pay, accept, parts, aged_pay, aged_accept) = scene.measure(&raw, &mut aged, rounds)?;
    let qr = scene.qr_figures()?;
    let young_balance_ms = median(
        (0..rounds)
            .map(|_| timed(|| scene.payer.balances().doing("balances")).map(|(_, t)| t))
            .collect::<Result<Vec<f64>, BenchError>>()?,
    );
    drop(scene);
    let aged_balance_ms = median(
        (0..rounds)
            .map(|_| timed(|| aged.wallet.balances().doing("balances")).map(|(_, t)| t))
            .collect::<Result<Vec<f64>, BenchError>>()?,
    );
    let aged = AgedFigures {
        young_balance_ms,
        pay_ms: aged_pay,
        accept_ms: aged_accept,
        balance_ms: aged_balance_ms,
        closed_purses: history.closed_purses,
        chain: aged.chain,
    };

    let unlock_ms = measure_unlock(&scratch.path, if options.quick { 1 } else { 5 })?;
    let verify_one_core_per_s = verify_rate(&raw, 1, if options.quick { 2_000 } else { 20_000 });
    // Each core verifies as many signatures as a run settles: about as long as the run takes.
    let settlement = measure_settlement(&scratch.path, if options.quick { 4 } else { 12 }, || {
        verify_rate(&raw, cores, MAX_SYNC_TRANSFERS * RECEIVERS)
    })?;
    let backends = match &options.backends {
        Some(asked) => {
            Some(backends::run(&scratch.path.join("backends"), asked, |n| verify_rate(&raw, cores, n))?)
        }
        None => None,
    };

    Ok(BenchReport {
        quick: options.quick,
        cores,
        rounds,
        pay,
        accept,
        sign_us: parts.sign * 1e3,
        verify_us: parts.verify * 1e3,
        seal_us: parts.seal * 1e3,
        open_us: parts.open * 1e3,
        durable_insert_ms: parts.insert,
        settle_batch: MAX_SYNC_TRANSFERS,
        settle_syncs_per_run: RECEIVERS,
        settle_first_sync_ms: settlement.first_sync_ms,
        settle_per_s: settlement.per_s,
        verify_limit_per_s: settlement.limit_per_s,
        settle_share: settlement.share,
        verify_one_core_per_s,
        ledger_log_entries: settlement.log_entries,
        history_entries: history.entries,
        fixture_build_s: history.build_s,
        open_ms: history.open_ms,
        balance_ms: history.balance_ms,
        history_page_ms: history.page_ms,
        history_deep_page_ms: history.deep_page_ms,
        unlock_ms,
        qr,
        aged,
        sync_bytes: settlement.bytes,
        backends,
    })
}

/// The ledger's backends compared ([`backends`]) without the wallet's figures: `outpost bench
/// --backends-only`.
pub fn run_backends(options: &BenchOptions) -> Result<backends::BackendReport, BenchError> {
    let scratch = Scratch::new(options.dir.as_deref())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scene = PayScene::new(&scratch.path)?;
    let raw = RawPrimitives::new(&scratch.path, &scene.sample_transfer)?;
    let asked = options.backends.clone().unwrap_or_default();
    backends::run(&scratch.path.join("backends"), &asked, |n| verify_rate(&raw, cores, n))
}

/// The working directory, removed when done: `run` inside the directory given, or a fresh one
/// under the system's temporary directory.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(given: Option<&Path>) -> Result<Scratch, BenchError> {
        let path = match given {
            Some(dir) => dir.join("run"),
            None => std::env::temp_dir().join(format!("outpost-bench-{}-{}", std::process::id(), now())),
        };
        if path.exists() {
            std::fs::remove_dir_all(&path).doing("clear the scratch directory")?;
        }
        std::fs::create_dir_all(&path).doing("create the scratch directory")?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    match samples.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2.0,
    }
}

fn timed<T>(f: impl FnOnce() -> Result<T, BenchError>) -> Result<(T, f64), BenchError> {
    let start = Instant::now();
    let out = f()?;
    Ok((out, ms(start.elapsed())))
}

fn yen(n: u64) -> Result<Amount, BenchError> {
    Amount::from_minor(n, Currency::JPY).doing("make an amount")
}

/// Why `outpost bench` stopped, as one sentence (`docs/messages.md`, "In the `outpost` command").
/// Nothing it measured is printed: a figure from a run that failed part-way would mislead.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A step failed for a reason from outside the benchmark: the disk, the library, the ledger.
    #[error(
        "the benchmark stopped at its step '{step}' ({detail}), so no figures were printed: check the \
         --dir folder is writable and has free space, then run it again"
    )]
    Step { step: &'static str, detail: String },
    /// PostgreSQL, for `--backends`, could not be reached or used.
    #[error(
        "the benchmark could not use PostgreSQL to {step} ({detail}), so no figures were printed: check \
         --postgres names a server you may create databases on, or run scripts/postgres.sh"
    )]
    Postgres { step: &'static str, detail: String },
    /// The ledger the backends benchmark started stopped before it listened.
    #[error(
        "the ledger the benchmark started stopped before listening ({log}), so no figures were printed: \
         check the log's reason, then run it again"
    )]
    LedgerStopped { log: String },
    /// A result the benchmark checks came out wrong: the code measured is at fault.
    #[error(
        "the benchmark found that {check}, so its figures would be wrong and none were printed: report it \
         with the command you ran"
    )]
    Check { check: String },
}

/// A self-check of the benchmark that failed.
fn check(check: impl Into<String>) -> BenchError {
    BenchError::Check { check: check.into() }
}

/// A failed step, with the reason the library or the system gave.
trait Doing<T> {
    fn doing(self, step: &'static str) -> Result<T, BenchError>;
}

impl<T, E: std::fmt::Display> Doing<T> for Result<T, E> {
    fn doing(self, step: &'static str) -> Result<T, BenchError> {
        self.map_err(|e| BenchError::Step { step, detail: e.to_string() })
    }
}

const PIN: &str = "482916";

fn pin() -> Pin {
    Pin::new(PIN).expect("a valid PIN")
}

fn fast() -> WalletOptions {
    WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() }
}

// ---------------------------------------------------------------------------------------------
// The aged wallet
// ---------------------------------------------------------------------------------------------

/// Transfers the aged wallet accepts from one payer purse before the timed accepts continue it.
const AGED_CHAIN: u32 = 500;

/// A wallet used for years: a copy of the history fixture (a million transfers, a thousand closed
/// purses), paying a fresh member and accepting from that member's purse, which has already
/// paid it [`AgedScene::chain`] times.
struct AgedScene {
    wallet: Wallet,
    counterpart: Wallet,
    chain: u32,
}

impl AgedScene {
    fn new(dir: &Path, history: &HistoryFigures, chain: u32) -> Result<AgedScene, BenchError> {
        let path = dir.join("aged.wallet");
        std::fs::copy(&history.path, &path).doing("copy the history fixture")?;
        let protector = Arc::new(SoftwareProtector::open(&history.key).doing("key file")?);
        let wallet = Wallet::open(&path, protector.clone(), fast()).doing("open the aged wallet")?;
        wallet.unlock(&pin()).doing("unlock the aged wallet")?;
        let secret: [u8; 32] = std::fs::read(&history.ledger)
            .doing("the fixture's ledger key")?
            .try_into()
            .map_err(|_| check("the fixture's ledger key is not 32 bytes"))?;
        let ledger = LedgerSigner::from_secret(&secret);
        let counterpart =
            Wallet::create(dir.join("counterpart.wallet"), &pin(), Currency::JPY, protector, fast())
                .doing("create a wallet")?;
        counterpart.pin_ledger_key(ledger.public_key()).doing("pin the ledger key")?;
        let purse = (u64::from(chain) + 1_000) * PRICE;
        let certificate = issue(&ledger, counterpart.public_identity().signing_key, 1, purse)?;
        counterpart.install_purse(&certificate).doing("install a purse")?;
        let scene = AgedScene { wallet, counterpart, chain };
        for _ in 0..chain {
            let payment = scene.pay_to_aged()?;
            scene.wallet.accept(&payment).doing("accept on the aged wallet")?;
        }
        Ok(scene)
    }

    fn pay_to_aged(&self) -> Result<String, BenchError> {
        let to = self.wallet.public_identity();
        Ok(self.counterpart.pay_contact(&to, yen(PRICE)?, "canteen").doing("pay the aged wallet")?.qr_text)
    }

    /// One timed payment from the aged wallet.
    fn pay(&self) -> Result<f64, BenchError> {
        let to = self.counterpart.public_identity();
        timed(|| self.wallet.pay_contact(&to, yen(PRICE)?, "canteen").doing("pay from the aged wallet"))
            .map(|(_, t)| t)
    }

    /// One timed accept on the aged wallet of the payer purse's next transfer.
    fn accept(&self) -> Result<f64, BenchError> {
        let payment = self.pay_to_aged()?;
        let (accepted, took) = timed(|| self.wallet.accept(&payment).doing("accept on the aged wallet"))?;
        if accepted.already_accepted {
            return Err(check("the aged wallet had accepted this transfer before"));
        }
        Ok(took)
    }
}

// ---------------------------------------------------------------------------------------------
// The raw primitives
// ---------------------------------------------------------------------------------------------

/// The primitives an offline payment cannot do without, each run alone: Ed25519 (signing key and
/// a transfer-sized message), the envelope, and an SQLite file to insert into durably.
struct RawPrimitives {
    signer: SigningKey,
    message: Vec<u8>,
    certificate: Vec<u8>,
    message_signature: ed25519_dalek::Signature,
    certificate_signature: ed25519_dalek::Signature,
    recipient: Identity,
    sealed: Vec<u8>,
    db: rusqlite::Connection,
}

/// Medians of the primitives alone, milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Parts {
    sign: f64,
    verify: f64,
    seal: f64,
    open: f64,
    insert: f64,
}

impl RawPrimitives {
    fn new(dir: &Path, sample_transfer: &Transfer) -> Result<RawPrimitives, BenchError> {
        let signer = SigningKey::from_bytes(&[0x5a; 32]);
        let message = sample_transfer.to_bytes();
        let certificate = sample_transfer.certificate().to_bytes();
        let recipient = Identity::generate().doing("a key")?;
        let sealed = envelope::seal(&recipient.public().agreement_key, "transfer", &message).doing("seal")?;
        let db = rusqlite::Connection::open(dir.join("raw.db")).doing("raw database")?;
        let mode: String =
            db.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)).doing("raw database")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(check(format!("the raw database is in {mode} mode, not WAL")));
        }
        db.pragma_update(None, "synchronous", "FULL").doing("raw database")?;
        db.execute_batch("CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .doing("raw database")?;
        Ok(RawPrimitives {
            message_signature: signer.sign(&message),
            certificate_signature: signer.sign(&certificate),
            signer,
            message,
            certificate,
            recipient,
            sealed,
            db,
        })
    }

    fn sign(&self) -> ed25519_dalek::Signature {
        self.signer.sign(&self.message)
    }

    fn verify(&self, message: &[u8], signature: &ed25519_dalek::Signature) -> Result<(), BenchError> {
        self.signer.verifying_key().verify_strict(message, signature).doing("raw verify")
    }

    fn seal(&self) -> Result<Vec<u8>, BenchError> {
        envelope::seal(&self.recipient.public().agreement_key, "transfer", &self.message).doing("raw seal")
    }

    fn open(&self) -> Result<(), BenchError> {
        envelope::open(&self.recipient, "transfer", &self.sealed).map(drop).doing("raw open")
    }

    /// One row, one transaction, on disk before it returns.
    fn insert(&self, body: &[u8]) -> Result<(), BenchError> {
        self.db.execute("INSERT INTO row (body) VALUES (?1)", [body]).map(drop).doing("raw insert")
    }

    /// What a pay cannot avoid: sign, seal, one durable insert. Returns each part's time.
    fn pay(&self, parts: &mut Vec<Parts>) -> Result<f64, BenchError> {
        let start = Instant::now();
        let signature = self.sign();
        let signed = Instant::now();
        let sealed = self.seal()?;
        let sealed_at = Instant::now();
        self.insert(&[&sealed[..], &signature.to_bytes()].concat())?;
        let end = Instant::now();
        parts.push(Parts {
            sign: ms(signed - start),
            seal: ms(sealed_at - signed),
            insert: ms(end - sealed_at),
            ..Parts::default()
        });
        Ok(ms(end - start))
    }

    /// What an accept cannot avoid: open the envelope, verify the purse certificate and the
    /// transfer, one durable insert, sign the receipt.
    fn accept(&self, parts: &mut Vec<Parts>) -> Result<f64, BenchError> {
        let start = Instant::now();
        self.open()?;
        let opened = Instant::now();
        self.verify(&self.certificate, &self.certificate_signature)?;
        self.verify(&self.message, &self.message_signature)?;
        let verified = Instant::now();
        self.insert(&self.message)?;
        let receipt = self.sign();
        std::hint::black_box(receipt);
        let end = Instant::now();
        parts.push(Parts {
            open: ms(opened - start),
            verify: ms(verified - opened) / 2.0,
            ..Parts::default()
        });
        Ok(ms(end - start))
    }
}

// ---------------------------------------------------------------------------------------------
// Pay and accept
// ---------------------------------------------------------------------------------------------

/// Transfers made from one purse before the next is installed: a realistic chain length, so that
/// an accept checks a realistic number of earlier transfers from the same purse.
const TRANSFERS_PER_PURSE: u64 = 40;
const PRICE: u64 = 250;

/// A payer and a payee that trust one test ledger key, as after enrolment and a sync.
struct PayScene {
    ledger: LedgerSigner,
    payer: Wallet,
    payee: Wallet,
    payee_id: PublicIdentity,
    serial: u32,
    sample_transfer: Transfer,
    last_payment: Option<String>,
    last_receipt: Option<String>,
}

impl PayScene {
    fn new(dir: &Path) -> Result<PayScene, BenchError> {
        let protector = Arc::new(SoftwareProtector::create(dir.join("device.key")).doing("key file")?);
        let create = |name: &str| {
            Wallet::create(dir.join(name), &pin(), Currency::JPY, protector.clone(), fast())
                .doing("create a wallet")
        };
        let (payer, payee) = (create("payer.wallet")?, create("payee.wallet")?);
        let ledger = LedgerSigner::generate().doing("ledger key")?;
        for wallet in [&payer, &payee] {
            wallet.pin_ledger_key(ledger.public_key()).doing("pin the ledger key")?;
        }
        let payee_id = payee.public_identity();
        let sample = Identity::generate().doing("a key")?;
        let certificate = issue(&ledger, sample.public().signing_key, 1, TRANSFERS_PER_PURSE * PRICE)?;
        let sample_transfer = Transfer::sign(
            certificate.clone(),
            TransferTerms {
                seq: 1,
                prev_hash: certificate.chain_start(),
                spent_after: PRICE,
                amount: PRICE,
                receiver_key: payee_id.signing_key,
                request_nonce: None,
                time: now(),
                memo: "canteen".into(),
            },
            &sample,
        )
        .doing("sample transfer")?;
        Ok(PayScene {
            ledger,
            payer,
            payee,
            payee_id,
            serial: 0,
            sample_transfer,
            last_payment: None,
            last_receipt: None,
        })
    }

    /// Interleaves raw and real runs: raw pay, pay, raw accept, accept; then the receipt, untimed.
    /// The aged wallet's pay and accept run in the same rounds, right after the young ones:
    /// their medians are returned last.
    #[allow(clippy::type_complexity)]
    fn measure(
        &mut self,
        raw: &RawPrimitives,
        aged: &mut AgedScene,
        rounds: usize,
    ) -> Result<(Ratio, Ratio, Parts, f64, f64), BenchError> {
        let (mut pay, mut pay_raw, mut accept, mut accept_raw) = (vec![], vec![], vec![], vec![]);
        let (mut aged_pay, mut aged_accept) = (vec![], vec![]);
        let (mut pay_parts, mut accept_parts) = (vec![], vec![]);
        // A few untimed rounds first: page cache, WAL file, lazily built tables.
        for round in 0..rounds + 5 {
            if (round as u64).is_multiple_of(TRANSFERS_PER_PURSE) {
                self.serial += 1;
                let certificate = issue(
                    &self.ledger,
                    self.payer.public_identity().signing_key,
                    self.serial,
                    TRANSFERS_PER_PURSE * PRICE,
                )?;
                self.payer.install_purse(&certificate).doing("install a purse")?;
            }
            let warm = round < 5;
            let raw_ms = raw.pay(&mut pay_parts)?;
            let (payment, pay_ms) =
                timed(|| self.payer.pay_contact(&self.payee_id, yen(PRICE)?, "canteen").doing("pay"))?;
            let aged_pay_ms = aged.pay()?;
            let raw_accept_ms = raw.accept(&mut accept_parts)?;
            let (accepted, accept_ms) = timed(|| self.payee.accept(&payment.qr_text).doing("accept"))?;
            let aged_accept_ms = aged.accept()?;
            if accepted.already_accepted || accepted.transfer_id != payment.transfer_id {
                return Err(check("accept did not take the transfer just paid"));
            }
            self.payer.confirm_receipt(&accepted.receipt_qr).doing("confirm the receipt")?;
            if !warm {
                pay.push(pay_ms);
                pay_raw.push(raw_ms);
                accept.push(accept_ms);
                accept_raw.push(raw_accept_ms);
                aged_pay.push(aged_pay_ms);
                aged_accept.push(aged_accept_ms);
            }
            self.last_payment = Some(payment.qr_text);
            self.last_receipt = Some(accepted.receipt_qr);
        }
        let parts = Parts {
            sign: median(pay_parts.iter().map(|p| p.sign).collect()),
            seal: median(pay_parts.iter().map(|p| p.seal).collect()),
            insert: median(pay_parts.iter().map(|p| p.insert).collect()),
            verify: median(accept_parts.iter().map(|p| p.verify).collect()),
            open: median(accept_parts.iter().map(|p| p.open).collect()),
        };
        Ok((
            Ratio::of(pay, pay_raw),
            Ratio::of(accept, accept_raw),
            parts,
            median(aged_pay),
            median(aged_accept),
        ))
    }

    fn qr_figures(&self) -> Result<Vec<QrFigure>, BenchError> {
        let (_, enrolment) = self.payer.enrolment_request("MEMBER-0001").doing("enrolment QR")?;
        let request = self
            .payee
            .create_request(Some(yen(PRICE)?), "canteen lunch", 600)
            .doing("payment request")?
            .qr_text;
        let certificate =
            qr::encode(PayloadKind::PurseCertificate, &self.sample_transfer.certificate().to_bytes());
        let texts = [
            ("enrolment", enrolment),
            ("payment_request", request),
            ("transfer", self.last_payment.clone().ok_or_else(|| check("no transfer was made"))?),
            ("receipt", self.last_receipt.clone().ok_or_else(|| check("no receipt was made"))?),
            ("purse_certificate", certificate),
        ];
        texts
            .into_iter()
            .map(|(kind, text)| {
                let (_, bytes) = qr::decode(&text).doing("QR text")?;
                let version = qr::version_for(&text).doing("QR version")?;
                Ok(QrFigure { kind, version, bytes: bytes.len(), chars: text.len() })
            })
            .collect()
    }
}

fn issue(
    ledger: &LedgerSigner,
    wallet_key: [u8; 32],
    serial: u32,
    amount: u64,
) -> Result<PurseCertificate, BenchError> {
    let issued_at = now();
    ledger
        .issue(PurseTerms {
            wallet_key,
            serial,
            member_id: "MEMBER-0001".into(),
            amount: yen(amount)?,
            issued_at,
            expires_at: issued_at + 7 * 86_400,
        })
        .doing("issue a purse")
}

// ---------------------------------------------------------------------------------------------
// Unlock, verification limit, settlement, history
// ---------------------------------------------------------------------------------------------

/// Opening and unlocking a wallet wrapped at the default Argon2id profile (64 MiB, 3 passes).
fn measure_unlock(dir: &Path, rounds: usize) -> Result<f64, BenchError> {
    let protector = Arc::new(SoftwareProtector::create(dir.join("unlock.key")).doing("key file")?);
    let path = dir.join("unlock.wallet");
    let options = WalletOptions::default();
    drop(
        Wallet::create(&path, &pin(), Currency::JPY, protector.clone(), options.clone())
            .doing("create a wallet")?,
    );
    let samples = (0..rounds)
        .map(|_| {
            let wallet = Wallet::open(&path, protector.clone(), options.clone()).doing("open")?;
            timed(|| wallet.unlock(&pin()).doing("unlock")).map(|(_, t)| t)
        })
        .collect::<Result<Vec<f64>, BenchError>>()?;
    Ok(median(samples))
}

/// Strict Ed25519 verifications a second of a transfer-sized message, `per_thread` on each of
/// `threads` cores at once.
fn verify_rate(raw: &RawPrimitives, threads: usize, per_thread: usize) -> f64 {
    let (key, message, signature) = (raw.signer.verifying_key(), &raw.message[..], raw.message_signature);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..per_thread {
                    std::hint::black_box(key.verify_strict(message, &signature).is_ok());
                }
            });
        }
    });
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

/// Settlement beside the raw limit, as medians over the measured runs.
struct SettlementFigures {
    bytes: SyncBytes,
    per_s: f64,
    limit_per_s: f64,
    share: f64,
    first_sync_ms: f64,
    log_entries: u64,
}

/// Receivers (canteens) in the settlement runs, each sending one full sync in every run.
const RECEIVERS: usize = 4;

/// Sixteen payers pay [`RECEIVERS`] canteens a full sync's worth of transfers each; the canteens'
/// syncs then reach the ledger back to back, as a busy ledger receives them, and the ledger
/// verifies, settles and answers each. A run is timed from the first sync's start to the last
/// one's end: the ledger's work only, since signing the requests and checking the answers are the
/// phones' work, done before and after. Before each run, `limit` measures the raw verification
/// rate on every core, sustained over about as many signatures, so that each run is compared with
/// the machine as it was just then: the share is the median of the runs' own ratios, as pay and
/// accept are. Also returns the medians of both rates, of the first sync's time in each run, and
/// the log size at the end.
fn measure_settlement(
    dir: &Path,
    runs: usize,
    limit: impl Fn() -> f64,
) -> Result<SettlementFigures, BenchError> {
    let ledger_dir = dir.join("ledger");
    std::fs::create_dir_all(&ledger_dir).doing("ledger directory")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ledger = Ledger::open(&ledger_dir, Currency::JPY, clock).doing("open the ledger")?;
    let mut canteens = (0..RECEIVERS)
        .map(|i| Member::enrol(&ledger, &format!("CANTEEN-{i:04}"), now()).doing("enrol"))
        .collect::<Result<Vec<_>, _>>()?;
    const PAYERS: usize = 16;
    let per_payer = MAX_SYNC_TRANSFERS / PAYERS;
    let mut payers = Vec::new();
    for i in 0..PAYERS {
        let mut payer = Member::enrol(&ledger, &format!("PAYER-{i:04}"), now()).doing("enrol")?;
        ledger.credit(&payer.member_id, yen(50_000)?, "pay").doing("credit")?;
        let purse = Some(PurseOrder { closing: Vec::new(), amount: 20_000 });
        let response = payer.sync(&ledger, Vec::new(), purse, now()).doing("sync")?;
        let certificate = response.purse.clone().ok_or_else(|| check("the ledger issued no purse"))?;
        payers.push(Payer::new(payer, certificate));
    }
    let (mut rates, mut limits, mut shares, mut firsts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ups, mut downs) = (Vec::new(), Vec::new());
    // One run more than measured: the first after opening prepares the statements and reads the
    // log into the ledger's cache, which a ledger in service has long done.
    for run in 0..=runs {
        let mut requests = Vec::with_capacity(RECEIVERS);
        for canteen in &mut canteens {
            let mut transfers = Vec::with_capacity(MAX_SYNC_TRANSFERS);
            for payer in &mut payers {
                for _ in 0..per_payer {
                    let receiver = canteen.identity.public().signing_key;
                    transfers.push(payer.pay(receiver, 10, now()).doing("pay")?);
                }
            }
            requests.push((transfers.len(), canteen.request(transfers, None, now()).doing("sync request")?));
        }
        let limit_per_s = limit();
        let start = Instant::now();
        let mut answers = Vec::with_capacity(RECEIVERS);
        let mut first_ms = 0.0;
        for (_, request) in &requests {
            answers.push(ledger.sync(request).doing("sync")?);
            if answers.len() == 1 {
                first_ms = start.elapsed().as_secs_f64() * 1e3;
            }
        }
        let took = start.elapsed().as_secs_f64();
        let mut count = 0;
        for ((canteen, (sent, request)), answer) in canteens.iter_mut().zip(&requests).zip(&answers) {
            let (_, response) = canteen.follow(&ledger.public_key(), request, answer).doing("sync")?;
            let settled = response.outcomes.iter().filter(|o| o.outcome == Outcome::Settled).count();
            if settled != *sent {
                return Err(check(format!("the ledger settled {settled} of {sent} transfers")));
            }
            count += sent;
        }
        if run > 0 {
            for ((_, request), answer) in requests.iter().zip(&answers) {
                ups.push(request.len() as f64);
                downs.push(answer.len() as f64);
            }
            let rate = count as f64 / took;
            rates.push(rate);
            limits.push(limit_per_s);
            shares.push(rate / limit_per_s);
            firsts.push(first_ms);
        }
    }
    ledger.check_invariants().doing("the ledger's books")?;
    let (size, _) = ledger.audit_root().doing("the ledger's log")?;
    Ok(SettlementFigures {
        bytes: SyncBytes { request: median(ups) as usize, answer: median(downs) as usize },
        per_s: median(rates),
        limit_per_s: median(limits),
        share: median(shares),
        first_sync_ms: median(firsts),
        log_entries: size,
    })
}

/// Figures on a wallet holding `entries` transfers, and where its fixture is kept.
struct HistoryFigures {
    path: PathBuf,
    key: PathBuf,
    /// The secret of the ledger that issued the fixture's purses, so that a copy can be paid on.
    ledger: PathBuf,
    closed_purses: u32,
    entries: u64,
    build_s: f64,
    open_ms: f64,
    balance_ms: f64,
    page_ms: f64,
    deep_page_ms: f64,
}

/// Builds (or reuses, from an earlier run in the same directory) a wallet with `entries`
/// transfers of history, then times opening it, reading its balances and paging its history.
fn measure_history(dir: &Path, entries: u64, rounds: usize) -> Result<HistoryFigures, BenchError> {
    // "aged-": the fixture of this build (a thousand closed purses), not the "history-" one of
    // builds before docs/adr/0020, whose wallet had 250 and whose ledger key was not kept.
    let path = dir.join(format!("aged-{entries}.wallet"));
    let key = dir.join(format!("aged-{entries}.key"));
    let ledger = dir.join(format!("aged-{entries}.ledger"));
    let spec = HistorySpec::new(entries);
    // Every purse but the newest ends closed.
    let purses = (entries / spec.sent_every).div_ceil(u64::from(spec.own_purse_transfers)) as u32;
    let closed_purses = purses - 1;
    let mut build_s = 0.0;
    if !path.exists() || !ledger.exists() {
        let _ = std::fs::remove_file(&key);
        let protector = Arc::new(SoftwareProtector::create(&key).doing("key file")?);
        let partial = dir.join(format!("aged-{entries}.partial"));
        let _ = std::fs::remove_file(&partial);
        let wallet =
            Wallet::create(&partial, &pin(), Currency::JPY, protector, fast()).doing("create a wallet")?;
        let (built, took) = timed(|| build_history(&wallet, &spec).doing("build the history"))?;
        drop(wallet);
        if built.own_purses != purses {
            return Err(check(format!("the fixture has {} purses, not {purses}", built.own_purses)));
        }
        write_secret(&ledger, &built.ledger.export_secret()[..])?;
        build_s = took / 1e3;
        if wallet_balances_differ(&partial, &key, &built.balances)? {
            return Err(check("the history fixture does not read back its own balances"));
        }
        // Renamed only once whole: an interrupted build is started again, never measured.
        std::fs::rename(&partial, &path).doing("keep the history fixture")?;
    }
    let protector: Arc<SoftwareProtector> = Arc::new(SoftwareProtector::open(&key).doing("key file")?);
    let mut opens = Vec::new();
    for _ in 0..rounds.min(50) {
        let (wallet, took) = timed(|| Wallet::open(&path, protector.clone(), fast()).doing("open"))?;
        opens.push(took);
        drop(wallet);
    }
    let wallet = Wallet::open(&path, protector, fast()).doing("open")?;
    wallet.unlock(&pin()).doing("unlock")?;
    let mut balances = Vec::new();
    let mut pages = Vec::new();
    let mut deep = Vec::new();
    let middle = entries / 2;
    for _ in 0..rounds {
        balances.push(timed(|| wallet.balances().doing("balances"))?.1);
        let (page, took) = timed(|| wallet.history(None, 50).doing("history"))?;
        if page.len() != 50 || page[0].position != entries {
            return Err(check("the newest history page is not the newest 50 entries"));
        }
        pages.push(took);
        let (page, took) = timed(|| wallet.history(Some(middle), 50).doing("history"))?;
        if page.len() != 50 || page[0].position != middle - 1 {
            return Err(check("a history page from the middle does not start where asked"));
        }
        deep.push(took);
    }
    Ok(HistoryFigures {
        path,
        key,
        ledger,
        closed_purses,
        entries,
        build_s,
        open_ms: median(opens),
        balance_ms: median(balances),
        page_ms: median(pages),
        deep_page_ms: median(deep),
    })
}

/// A bench-only secret (the fixture's ledger key), readable by its owner alone.
fn write_secret(path: &Path, secret: &[u8]) -> Result<(), BenchError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).doing("keep the fixture's ledger key")?;
    file.write_all(secret).doing("keep the fixture's ledger key")?;
    file.sync_all().doing("keep the fixture's ledger key")
}

fn wallet_balances_differ(
    path: &Path,
    key: &Path,
    expected: &outpost_wallet_core::Balances,
) -> Result<bool, BenchError> {
    let protector = Arc::new(SoftwareProtector::open(key).doing("key file")?);
    let wallet = Wallet::open(path, protector, fast()).doing("open")?;
    wallet.unlock(&pin()).doing("unlock")?;
    Ok(wallet.balances().doing("balances")? != *expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> BenchReport {
        let ratio =
            |op_ms, raw_ms| Ratio { op_ms, raw_ms, op_fastest_ms: op_ms / 2.0, raw_fastest_ms: raw_ms / 2.0 };
        BenchReport {
            quick: true,
            cores: 2,
            rounds: 20,
            pay: ratio(1.2, 1.0),
            accept: ratio(2.0, 1.0),
            sign_us: 20.0,
            verify_us: 40.0,
            seal_us: 75.0,
            open_us: 60.0,
            durable_insert_ms: 1.0,
            settle_batch: 256,
            settle_syncs_per_run: 4,
            settle_first_sync_ms: 12.5,
            settle_per_s: 5_000.0,
            verify_limit_per_s: 20_000.0,
            settle_share: 0.25,
            verify_one_core_per_s: 10_000.0,
            ledger_log_entries: 600,
            history_entries: 50_000,
            fixture_build_s: 6.0,
            open_ms: 0.3,
            balance_ms: 0.5,
            history_page_ms: 0.2,
            history_deep_page_ms: 0.2,
            unlock_ms: 150.0,
            qr: vec![QrFigure { kind: "transfer", version: 14, bytes: 345, chars: 523 }],
            aged: AgedFigures {
                young_balance_ms: 0.02,
                pay_ms: 1.3,
                accept_ms: 2.1,
                balance_ms: 0.4,
                closed_purses: 999,
                chain: 500,
            },
            sync_bytes: SyncBytes { request: 92_000, answer: 10_240 },
            backends: None,
        }
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn the_json_holds_each_ratio_and_says_which_targets_were_met() {
        let json = report().to_json();
        assert!(json.starts_with("{\"quick\":true,\"cores\":2,\"rounds\":20,\"pay_ratio\":1.200,"), "{json}");
        assert!(json.contains("\"accept_ratio\":2.000,"), "{json}");
        assert!(json.contains("\"settle_share\":0.250,"), "{json}");
        assert!(
            json.contains("\"qr\":{\"transfer\":{\"version\":14,\"bytes\":345,\"chars\":523}}"),
            "{json}"
        );
        assert!(
            json.ends_with(
                "\"targets_met\":{\"pay_ratio\":true,\"accept_ratio\":false,\"settle_share\":false,\
                 \"open_ms\":true,\"balance_ms\":true,\"history_page_ms\":true,\"transfer_qr_version\":true,\
                 \"pay_aged_ratio\":true,\"accept_aged_ratio\":true,\"balance_aged_ms\":true,\
                 \"sync_answer_bytes\":true}}"
            ),
            "{json}"
        );
        assert_eq!(json.matches('{').count(), json.matches('}').count());
    }

    #[test]
    fn the_text_names_every_missed_target() {
        let text = report().to_text();
        assert_eq!(text.matches("MISSED").count(), 2, "{text}");
        assert!(text.contains("ratio 2.00, target 1.5 MISSED"), "{text}");
    }
}
