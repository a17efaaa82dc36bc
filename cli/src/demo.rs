//! `outpost demo`: the encrypted wallet store, a ledger on its own SQLite file served on loopback,
//! an offline QR payment, sync and settlement, a double spend caught, and an offline audit,
//! exercised for real and checked step by step.
//!
//! Every claim the demo makes is a check that passes or fails against the real library, the real
//! ledger server over HTTP and real files, with the default Argon2id parameters users get; nothing
//! is simulated. The server is stopped before the demo returns.
//!
//! The demo only ever writes inside its own directory, which must be new or empty, so it can never
//! overwrite a real wallet or key file. A step that fails unexpectedly (the library returns an
//! error where the step needed a value) counts as a failed check and ends the walk-through, since
//! later steps build on earlier ones.

use std::fmt::Display;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use outpost_ledger::http::loopback::Loopback;
use outpost_ledger::http::officer_api::CreditBody;
use outpost_ledger::rules::officers::{Act, Approved, Outcome as ActOutcome};
use outpost_ledger::rules::witnessing::{WitnessEndpoint, Witnessing};
use outpost_ledger::witness::Witness;
use outpost_ledger::{Database, EntryKind, Ledger};
use outpost_wallet_core::officer::OfficerKey;
use outpost_wallet_core::protocol::chain::{self, Link};
use outpost_wallet_core::protocol::cosignature::WitnessKey;
use outpost_wallet_core::protocol::note::SignedNote;
use outpost_wallet_core::protocol::{Checkpoint, Transfer};
use outpost_wallet_core::transport::HttpTransport;
use outpost_wallet_core::wallet::HeldReason;
use outpost_wallet_core::{
    Amount, Currency, EventKind, KdfParams, Pin, SoftwareProtector, SyncOptions, SystemClock, TransferStatus,
    VaultError, Wallet, WalletError, WalletOptions,
};
use outpost_wallet_core::{audit, qr};
use rusqlite::OptionalExtension;

/// Prints one line of the run. Output piped into `head` or a closed terminal must not turn into a
/// panic halfway through the checks, so a failed write is ignored and the run carries on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const AIKO_PIN: &str = "482916";
const AIKO_NEW_PIN: &str = "730145";
const BEN_PIN: &str = "205817";
const CHIDI_PIN: &str = "618294";
/// Wrong guesses: one far off, one a single digit away, as a real slip would be.
const WRONG_PINS: [&str; 2] = ["111111", "482917"];

/// Where a sealed row's ciphertext starts: one version byte, then a 24-byte nonce.
const SEALED_HEADER_LEN: usize = 1 + 24;
/// The byte flipped in the tampered copy: a few bytes into the ciphertext itself.
const TAMPERED_BYTE: usize = SEALED_HEADER_LEN + 5;

/// What the user asked for on the command line.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where to work; `None` for `./outpost-demo-<unix time>`.
    pub dir: Option<PathBuf>,
    /// Print a JSON summary as the last line of stdout.
    pub json: bool,
    /// The ledger's database: SQLite in the demo's directory (the default), or PostgreSQL.
    pub database: Database,
    /// Keep the ledger serving on this loopback port after the walk-through, for the officers'
    /// web console (docs/adr/0021), until Ctrl-C; its officers' key files are left in the
    /// directory with a passphrase file, so that each can link a passkey.
    pub console: Option<u16>,
}

/// The passphrase of the demo officers' key files (in `officer-passphrase`): a demo, not a secret.
const OFFICER_PASSPHRASE: &str = "demo-officer-passphrase";

/// Why the demo could not start. Once it has started, problems are failed checks instead.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the directory {} is not empty, and the demo writes only into a new or empty one: choose another \
         with --dir", .0.display()
    )]
    NotEmpty(PathBuf),
    #[error("{} exists and is not a directory: choose another with --dir", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot prepare the directory {} ({source}): check its permissions and the disk", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// The result of a run, for the exit code and the JSON summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub checks_passed: u32,
    pub checks_failed: u32,
    pub wallets: u32,
    pub log_verified: bool,
    pub tamper_detected: bool,
    /// Offline transfers accepted by a receiver.
    pub offline_transfers: u32,
    pub double_spend_detected: bool,
    /// QR version (error correction M) and payload bytes of the transfer shown.
    pub transfer_qr_version: u8,
    pub transfer_qr_bytes: usize,
    /// Members enrolled with the ledger.
    pub members: u32,
    /// Transfers the ledger settled into a receiver's online account.
    pub settled: u32,
    /// The exported audit log passed the offline audit.
    pub audit_verified: bool,
    /// The ledger's accounts and purses add up to everything credited.
    pub ledger_balanced: bool,
    pub dir: PathBuf,
}

impl Outcome {
    pub fn all_passed(&self) -> bool {
        self.checks_failed == 0 && self.checks_passed > 0
    }

    /// One JSON object, keys in a fixed order so scripts and people can diff runs.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"checks_passed\":{},\"checks_failed\":{},\"wallets\":{},\"log_verified\":{},\
             \"tamper_detected\":{},\"offline_transfers\":{},\"double_spend_detected\":{},\
             \"transfer_qr_version\":{},\"transfer_qr_bytes\":{},\"members\":{},\"settled\":{},\
             \"audit_verified\":{},\"ledger_balanced\":{},\"dir\":{}}}",
            self.checks_passed,
            self.checks_failed,
            self.wallets,
            self.log_verified,
            self.tamper_detected,
            self.offline_transfers,
            self.double_spend_detected,
            self.transfer_qr_version,
            self.transfer_qr_bytes,
            self.members,
            self.settled,
            self.audit_verified,
            self.ledger_balanced,
            json_string(&self.dir.to_string_lossy())
        )
    }
}

/// Runs the whole demo, printing as it goes. `Err` only if it could not start.
pub fn run(options: &DemoOptions) -> Result<Outcome, DemoError> {
    let requested = options.dir.clone().unwrap_or_else(default_dir);
    let dir = prepare_dir(&requested)?;

    say_wrapped(
        "",
        "",
        "Outpost demo: wallets, a ledger on loopback, offline QR payments, sync and audit, every claim checked.",
    );
    say!("Working in {}", dir.display());

    let mut run = Run { database: options.database.clone(), console: options.console, ..Run::default() };
    if let Err(stop) = walk_through(&dir, &mut run) {
        run.check(false, &format!("{}: {}", stop.doing, stop.error));
        say!("\nStopped early: the remaining steps build on this one.");
    }

    let outcome = Outcome {
        checks_passed: run.passed,
        checks_failed: run.failed,
        wallets: run.wallets,
        log_verified: run.log_verified,
        tamper_detected: run.tamper_detected,
        offline_transfers: run.offline_transfers,
        double_spend_detected: run.double_spend_detected,
        transfer_qr_version: run.transfer_qr_version,
        transfer_qr_bytes: run.transfer_qr_bytes,
        members: run.members,
        settled: run.settled,
        audit_verified: run.audit_verified,
        ledger_balanced: run.ledger_balanced,
        dir,
    };
    say!();
    say!("{} checks passed, {} failed.", outcome.checks_passed, outcome.checks_failed);
    say_wrapped(
        "",
        "",
        "Next: the same steps by hand with `outpost wallet …` and `outpost ledger …` (see the README).",
    );
    say!("Files left in {}", outcome.dir.display());
    if options.json {
        say!("{}", outcome.to_json());
    }
    Ok(outcome)
}

/// `./outpost-demo-<unix time>`, with `-2`, `-3`... appended if a run in the same second took it.
fn default_dir() -> PathBuf {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let base = format!("outpost-demo-{now}");
    (1..)
        .map(|n| PathBuf::from(if n == 1 { base.clone() } else { format!("{base}-{n}") }))
        .find(|dir| !dir.exists())
        .unwrap_or_else(|| PathBuf::from(base))
}

/// Creates `dir` if needed and refuses one with anything in it. Returns it as an absolute path,
/// so what is printed can be pasted anywhere.
fn prepare_dir(dir: &Path) -> Result<PathBuf, DemoError> {
    let io = |source| DemoError::Io { path: dir.to_path_buf(), source };
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => return Err(DemoError::NotADirectory(dir.to_path_buf())),
        Ok(_) => {
            if fs::read_dir(dir).map_err(io)?.next().is_some() {
                return Err(DemoError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(dir).map_err(io)?,
        Err(e) => return Err(io(e)),
    }
    std::path::absolute(dir).map_err(io)
}

/// The tally of checks and the facts the summary reports.
#[derive(Debug, Default)]
struct Run {
    passed: u32,
    failed: u32,
    wallets: u32,
    log_verified: bool,
    tamper_detected: bool,
    offline_transfers: u32,
    double_spend_detected: bool,
    transfer_qr_version: u8,
    transfer_qr_bytes: usize,
    members: u32,
    settled: u32,
    audit_verified: bool,
    ledger_balanced: bool,
    database: Database,
    /// `DemoOptions::console`.
    console: Option<u16>,
}

impl Run {
    /// Records and prints one check; returns whether it passed.
    fn check(&mut self, ok: bool, claim: &str) -> bool {
        if ok {
            self.passed += 1;
            say_wrapped("   pass  ", "         ", claim);
        } else {
            self.failed += 1;
            say_wrapped("   FAIL  ", "         ", claim);
        }
        ok
    }
}

/// The demo reads on an 80-column terminal: longer lines are wrapped at spaces.
const COLUMNS: usize = 80;

/// `text` wrapped at spaces to lines of at most `width` characters (a word longer than that,
/// such as a path, gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Prints `text` wrapped to 80 columns, the first line after `first`, the rest after `rest`.
fn say_wrapped(first: &str, rest: &str, text: &str) {
    for (i, line) in wrap(text, COLUMNS - first.chars().count().max(rest.chars().count())).iter().enumerate()
    {
        say!("{}{line}", if i == 0 { first } else { rest });
    }
}

/// Prints a step's heading and what it does and proves.
fn step(number: u32, title: &str, purpose: &str) {
    say!();
    say!("{number}. {title}");
    say_wrapped("   ", "   ", purpose);
}

/// Prints an observation that is not itself a check: a value, an error text, a timing.
fn show(label: &str, value: impl Display) {
    say_wrapped("         ", "           ", &format!("{label}: {value}"));
}

/// Prints a line of narration between checks.
fn tell(text: &str) {
    say_wrapped("         ", "         ", text);
}

/// An unexpected error that ends the walk-through: what the step was doing, and the error.
struct Stop {
    doing: &'static str,
    error: String,
}

trait OrStop<T> {
    fn or_stop(self, doing: &'static str) -> Result<T, Stop>;
}

impl<T, E: Display> OrStop<T> for Result<T, E> {
    fn or_stop(self, doing: &'static str) -> Result<T, Stop> {
        self.map_err(|e| Stop { doing, error: e.to_string() })
    }
}

fn pin(text: &str) -> Result<Pin, Stop> {
    Pin::new(text).or_stop("making a PIN")
}

fn millis(start: Instant) -> u128 {
    start.elapsed().as_millis()
}

fn walk_through(dir: &Path, run: &mut Run) -> Result<(), Stop> {
    let key_path = dir.join("device.key");
    let aiko_path = dir.join("aiko.wallet");

    step(1, "A device key", "A software key protector stands in for the phone's Keystore or Secure Enclave.");
    let created = SoftwareProtector::create(&key_path).or_stop("creating device.key")?;
    drop(created);
    run.check(key_path.is_file(), "device.key was created");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key_path).or_stop("reading device.key")?.permissions().mode() & 0o777;
        run.check(mode == 0o600, &format!("device.key is readable only by its owner (mode {mode:o})"));
    }

    step(
        2,
        "Aiko's wallet",
        "A new wallet gets fresh keys, a zero balance and a data key wrapped by her PIN and the device key.",
    );
    let fingerprint = {
        let protector = Arc::new(SoftwareProtector::open(&key_path).or_stop("loading device.key")?);
        let started = Instant::now();
        let wallet =
            Wallet::create(&aiko_path, &pin(AIKO_PIN)?, Currency::JPY, protector, WalletOptions::default())
                .or_stop("creating Aiko's wallet")?;
        run.wallets += 1;
        show("created in", format!("{} ms", millis(started)));
        let fingerprint = wallet.public_identity().fingerprint();
        show("fingerprint", &fingerprint);
        run.check(wallet.is_unlocked(), "the new wallet starts unlocked");
        fingerprint
    };
    let file = fs::read(&aiko_path).or_stop("reading aiko.wallet")?;
    run.check(!contains(&file, AIKO_PIN.as_bytes()), "the PIN appears nowhere in aiko.wallet");

    step(
        3,
        "Reopen it",
        "A closed wallet opens locked: it can say who it is, but shows nothing else without the PIN.",
    );
    let protector = Arc::new(SoftwareProtector::open(&key_path).or_stop("loading device.key")?);
    let wallet = Wallet::open(&aiko_path, protector.clone(), WalletOptions::default())
        .or_stop("reopening Aiko's wallet")?;
    run.check(!wallet.is_unlocked(), "the reopened wallet is locked");
    let reopened = wallet.public_identity().fingerprint();
    run.check(
        reopened == fingerprint,
        &format!("its fingerprint is readable without the PIN and matches ({reopened})"),
    );
    let locked = wallet.balances();
    if let Err(e) = &locked {
        show("balance while locked", e);
    }
    run.check(matches!(locked, Err(WalletError::Locked)), "reading the balance is refused while locked");

    step(
        4,
        "Wrong PINs, then the right one",
        "Wrong PINs are counted and say how many tries remain; the right one opens the wallet.",
    );
    let mut tries_before_delay = Vec::new();
    for wrong in WRONG_PINS {
        let result = wallet.unlock(&pin(wrong)?);
        match &result {
            Err(e) => show(&format!("PIN {wrong}"), e),
            Ok(()) => show(&format!("PIN {wrong}"), "unlocked (it should not have)"),
        }
        if let Err(WalletError::Vault(VaultError::PinIncorrect { tries_before_delay: left, .. })) = result {
            tries_before_delay.push(left);
        }
    }
    let counted = tries_before_delay.iter().map(u32::to_string).collect::<Vec<_>>();
    run.check(
        tries_before_delay.len() == WRONG_PINS.len() && tries_before_delay.windows(2).all(|w| w[1] < w[0]),
        &format!(
            "both wrong PINs were refused, the tries left before a delay going down ({})",
            counted.join(", then ")
        ),
    );
    let started = Instant::now();
    let unlocked = wallet.unlock(&pin(AIKO_PIN)?);
    let unlock_ms = millis(started);
    run.check(unlocked.is_ok() && wallet.is_unlocked(), "the right PIN unlocks the wallet");
    unlocked.or_stop("unlocking Aiko's wallet")?;
    let defaults = KdfParams::DEFAULT;
    show(
        "unlock took",
        format!(
            "{unlock_ms} ms (Argon2id, {} MiB, {} passes: what every PIN guess costs)",
            defaults.m_cost_kib() / 1024,
            defaults.t_cost()
        ),
    );
    let balance = wallet.balances().or_stop("reading Aiko's balance")?;
    show("balance", balance.online);
    run.check(balance.online == Amount::zero(Currency::JPY), "the balance reads ¥0");

    step(
        5,
        "Change the PIN",
        "A new PIN re-wraps the data key; from then on only the new PIN opens the wallet.",
    );
    wallet.change_pin(&pin(AIKO_PIN)?, &pin(AIKO_NEW_PIN)?).or_stop("changing Aiko's PIN")?;
    wallet.lock();
    run.check(!wallet.is_unlocked(), "the wallet is locked again");
    let old = wallet.unlock(&pin(AIKO_PIN)?);
    if let Err(e) = &old {
        show("old PIN", e);
    }
    run.check(
        matches!(old, Err(WalletError::Vault(VaultError::PinIncorrect { .. }))),
        "the old PIN is refused",
    );
    run.check(wallet.unlock(&pin(AIKO_NEW_PIN)?).is_ok() && wallet.is_unlocked(), "the new PIN unlocks it");

    step(
        6,
        "The event log",
        "Every change is in a hash-chained log; verifying it walks the chain from the first entry.",
    );
    match wallet.verify_log() {
        Ok(report) => {
            show("entries", report.entries);
            let events = wallet.events(None, 100).or_stop("reading the event log")?;
            for event in events.iter().rev() {
                tell(&format!("#{} {}: {}", event.seq, event.kind.words(), event.detail));
            }
            run.log_verified =
                run.check(report.entries as usize == events.len(), "the log verifies, every entry readable");
            let kinds: Vec<EventKind> = events.iter().rev().map(|e| e.kind).collect();
            run.check(
                kinds.first() == Some(&EventKind::WalletCreated) && kinds.contains(&EventKind::PinChanged),
                "it records the wallet's creation and the PIN change",
            );
        }
        Err(e) => {
            show("verification", &e);
            run.check(false, "the log verifies");
        }
    }
    // Closing the last connection checkpoints the WAL into the main file, so a plain copy of
    // aiko.wallet is the whole wallet.
    drop(wallet);

    step(
        7,
        "Tampering",
        "One bit flipped in the sealed balance of a copy is refused, not shown as a wrong amount.",
    );
    let tampered_path = dir.join("aiko-tampered.wallet");
    if wal_path(&aiko_path).exists() {
        return Err(Stop {
            doing: "copying aiko.wallet",
            error: "its write-ahead log is still present, so a copy would miss data".into(),
        });
    }
    fs::copy(&aiko_path, &tampered_path).or_stop("copying aiko.wallet")?;
    let flipped = flip_balance_bit(&tampered_path).or_stop("editing aiko-tampered.wallet")?;
    run.check(
        flipped,
        &format!("one bit of byte {TAMPERED_BYTE} of the sealed 'online' balance was flipped"),
    );
    let copy = Wallet::open(&tampered_path, protector.clone(), WalletOptions::default())
        .or_stop("opening aiko-tampered.wallet")?;
    run.check(
        copy.unlock(&pin(AIKO_NEW_PIN)?).is_ok(),
        "the copy still unlocks (its key record and identity are untouched)",
    );
    let read = copy.balances();
    match &read {
        Err(e) => show("balance", e),
        Ok(b) => show("balance", format!("{} (it should have been refused)", b.online)),
    }
    run.tamper_detected = run.check(
        matches!(read, Err(WalletError::Vault(VaultError::Tampered { table: "balance", .. }))),
        "reading the damaged balance is refused as tampered",
    );
    drop(copy);
    let original = Wallet::open(&aiko_path, protector.clone(), WalletOptions::default())
        .or_stop("reopening aiko.wallet")?;
    original.unlock(&pin(AIKO_NEW_PIN)?).or_stop("unlocking aiko.wallet")?;
    let balance = original.balances().or_stop("reading Aiko's balance")?;
    run.check(
        balance.online == Amount::zero(Currency::JPY),
        &format!("the untouched original still opens and reads {}", balance.online),
    );
    drop(original);

    step(
        8,
        "Ben's wallet, on another device",
        "A wallet is bound to its device key: Aiko's key cannot open Ben's wallet, even with his PIN.",
    );
    let ben_path = dir.join("ben.wallet");
    let ben_protector =
        Arc::new(SoftwareProtector::create(dir.join("ben-device.key")).or_stop("creating ben-device.key")?);
    let ben = Wallet::create(
        &ben_path,
        &pin(BEN_PIN)?,
        Currency::JPY,
        ben_protector.clone(),
        WalletOptions::default(),
    )
    .or_stop("creating Ben's wallet")?;
    run.wallets += 1;
    let ben_fingerprint = ben.public_identity().fingerprint();
    show("fingerprint", &ben_fingerprint);
    run.check(ben_fingerprint != fingerprint, "Ben's identity differs from Aiko's");
    drop(ben);
    let wrong_device =
        Wallet::open(&ben_path, protector, WalletOptions::default()).or_stop("opening ben.wallet")?;
    let refused = wrong_device.unlock(&pin(BEN_PIN)?);
    if let Err(e) = &refused {
        show("with Aiko's device key", e);
    }
    run.check(
        matches!(refused, Err(WalletError::Vault(VaultError::Protector(_)))),
        "Aiko's device key cannot unwrap Ben's wallet key",
    );
    drop(wrong_device);
    let failures = pin_failures(&ben_path).or_stop("reading ben.wallet's PIN counter")?;
    run.check(failures == Some(0), "the refusal did not count against Ben's PIN tries");
    let right_device =
        Wallet::open(&ben_path, ben_protector, WalletOptions::default()).or_stop("opening ben.wallet")?;
    run.check(right_device.unlock(&pin(BEN_PIN)?).is_ok(), "Ben's own device key and PIN open it");
    drop(right_device);

    offline_payment(dir, run)
}

/// Steps 9 to 11: a purse, an offline payment by QR text, and a double spend caught.
fn offline_payment(dir: &Path, run: &mut Run) -> Result<(), Stop> {
    let aiko_path = dir.join("aiko.wallet");
    let ben_path = dir.join("ben.wallet");
    let aiko_key = || SoftwareProtector::open(dir.join("device.key")).map(Arc::new);
    let ben_key = || SoftwareProtector::open(dir.join("ben-device.key")).map(Arc::new);
    let open = |path: &Path, key: Arc<SoftwareProtector>, pin_text: &str| -> Result<Wallet, Stop> {
        let wallet = Wallet::open(path, key, WalletOptions::default()).or_stop("opening a wallet")?;
        wallet.unlock(&pin(pin_text)?).or_stop("unlocking a wallet")?;
        Ok(wallet)
    };
    let yen = |n| Amount::from_minor(n, Currency::JPY).or_stop("making an amount");

    step(
        9,
        "The ledger at HQ",
        &format!(
            "A ledger on {}, served over HTTP on loopback, founded by two finance officers; they enrol \
             three phones, and each payroll credit needs both of them.",
            if run.database.is_postgres() { "a PostgreSQL database" } else { "its own SQLite file" }
        ),
    );
    let ledger_dir = dir.join("ledger");
    fs::create_dir(&ledger_dir).or_stop("making the ledger directory")?;
    let (mori, tanaka) = match run.console {
        None => (
            OfficerKey::generate("Officer Mori").or_stop("making an officer key")?,
            OfficerKey::generate("Officer Tanaka").or_stop("making an officer key")?,
        ),
        Some(_) => {
            let passphrase_file = dir.join("officer-passphrase");
            fs::write(&passphrase_file, OFFICER_PASSPHRASE).or_stop("writing officer-passphrase")?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&passphrase_file, fs::Permissions::from_mode(0o600))
                    .or_stop("making officer-passphrase private")?;
            }
            let passphrase = Pin::new(OFFICER_PASSPHRASE).or_stop("making the officers' passphrase")?;
            let create = |file: &str, name: &str| {
                OfficerKey::create(&dir.join(file), name, &passphrase, KdfParams::DEFAULT)
                    .or_stop("making an officer key file")
            };
            (create("mori.officer", "Officer Mori")?, create("tanaka.officer", "Officer Tanaka")?)
        }
    };
    let founders = [&mori, &tanaka]
        .map(|officer| officer.enrolment_code(now_unix()).or_stop("making an enrolment code"))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let ledger = Arc::new(
        Ledger::found_on(
            &ledger_dir,
            &run.database,
            Currency::JPY,
            Arc::new(SystemClock),
            Default::default(),
            &founders,
        )
        .or_stop("starting the ledger")?,
    );
    let hq =
        Loopback::ledger(ledger.clone(), run.console.unwrap_or(0)).or_stop("starting the ledger server")?;
    let database = match &run.database {
        Database::Sqlite => ledger_dir.join("ledger.db").display().to_string(),
        postgres => postgres.to_string(),
    };
    show("ledger", format!("{} on {database}", hq.url));
    let transport = HttpTransport::new(&hq.url);
    let aiko = open(&aiko_path, aiko_key().or_stop("loading device.key")?, AIKO_NEW_PIN)?;
    let ben = open(&ben_path, ben_key().or_stop("loading ben-device.key")?, BEN_PIN)?;
    let chidi_key = Arc::new(
        SoftwareProtector::create(dir.join("chidi-device.key")).or_stop("creating chidi-device.key")?,
    );
    let chidi = Wallet::create(
        dir.join("chidi.wallet"),
        &pin(CHIDI_PIN)?,
        Currency::JPY,
        chidi_key,
        WalletOptions::default(),
    )
    .or_stop("creating Chidi's wallet")?;
    run.wallets += 1;
    show("Chidi's new phone, fingerprint", chidi.public_identity().fingerprint());
    for (wallet, member_id) in [(&aiko, "AIKO-0001"), (&ben, "BEN-0002"), (&chidi, "CHIDI-0003")] {
        let (_, qr_text) = wallet.enrolment_request(member_id).or_stop("making an enrolment QR code")?;
        ledger.enrol(&qr_text).or_stop("enrolling a member")?;
        wallet.pin_ledger_key(ledger.public_key()).or_stop("pinning the ledger key")?;
        run.members += 1;
    }
    run.check(run.members == 3, "the officers enrolled three members from their enrolment QR codes");
    tell(
        "November's pay: ¥50,000 for Aiko and ¥30,000 for Ben, each credit made by one officer and approved by the other.",
    );
    let waiting = officer_credit(&ledger, &mori, None, "AIKO-0001", 50_000)?;
    run.check(
        waiting.is_none(),
        "Officer Mori's credit of Aiko's pay waits: one officer alone cannot move money",
    );
    let aiko_balance = officer_credit(&ledger, &mori, Some(&tanaka), "AIKO-0001", 50_000)?;
    officer_credit(&ledger, &tanaka, Some(&mori), "BEN-0002", 30_000)?;
    run.check(
        aiko_balance == Some(50_000),
        "with Officer Tanaka's approval the payroll credit ran: two officers signed it",
    );
    tell(
        "Before going out of reach, Aiko asks for a ¥10,000 offline purse and Ben for ¥5,000; Chidi, paid nothing yet, syncs without asking for one.",
    );
    let loaded = aiko
        .sync(&transport, &SyncOptions { purse: Some(yen(10_000)?) })
        .or_stop("Aiko syncing for a purse")?;
    ben.sync(&transport, &SyncOptions { purse: Some(yen(5_000)?) }).or_stop("Ben syncing for a purse")?;
    chidi.sync(&transport, &SyncOptions::default()).or_stop("Chidi syncing")?;
    let a = aiko.balances().or_stop("reading Aiko's balances")?;
    let b = ben.balances().or_stop("reading Ben's balances")?;
    show("Aiko after sync", format!("online {}, offline purse {}", a.online, a.offline_purse));
    show("Ben after sync", format!("online {}, offline purse {}", b.online, b.offline_purse));
    run.check(
        loaded.new_purse == Some(yen(10_000)?) && a.offline_purse == yen(10_000)? && a.online == yen(40_000)?,
        "the ledger moved ¥10,000 of Aiko's pay into a signed offline purse",
    );
    drop(aiko);
    // Kept for step 11: a copy of Aiko's wallet as it is before she pays.
    let before_path = dir.join("aiko-before-paying.wallet");
    fs::copy(&aiko_path, &before_path).or_stop("copying aiko.wallet")?;
    let aiko = open(&aiko_path, aiko_key().or_stop("loading device.key")?, AIKO_NEW_PIN)?;

    step(
        10,
        "Paying offline, by QR code only",
        "No network: Ben shows a request, Aiko shows a sealed transfer, Ben shows a receipt.",
    );
    let request = ben.create_request(Some(yen(3_000)?), "canteen", 600).or_stop("making Ben's request")?;
    draw("Ben's phone shows a signed request for ¥3,000 (canteen):", &request.qr_text)?;
    tell(
        "Aiko's phone checks: Ben signed it, it has not expired, it is in yen, and her offline purse covers it. It signs a transfer and saves it before showing it.",
    );
    let payment = aiko.pay_request(&request.qr_text, None, "").or_stop("paying Ben's request")?;
    let image = qr::render(&payment.qr_text).or_stop("drawing the transfer QR code")?;
    let payload = qr::decode(&payment.qr_text).or_stop("reading the transfer QR text")?.1.len();
    let characters = payment.qr_text.len();
    run.transfer_qr_version = image.version;
    run.transfer_qr_bytes = payload;
    tell("Aiko's phone shows the transfer, sealed to Ben's key:");
    for line in image.to_terminal_within(PICTURE_COLUMNS).lines() {
        say!("         {line}");
    }
    run.check(
        image.version <= qr::BUDGET_VERSION,
        &format!(
            "the transfer is one QR code, version {}-M ({characters} characters of QR text)",
            image.version
        ),
    );
    tell(
        "Ben's phone checks: it opens only with his key; the ledger signed Aiko's purse; Aiko signed this transfer; it is addressed to him and answers his request; the purse has not expired and covers the running total.",
    );
    let accepted = ben.accept(&payment.qr_text).or_stop("Ben accepting the transfer")?;
    run.offline_transfers += 1;
    run.check(
        accepted.amount == yen(3_000)?,
        &format!("Ben accepted {} from {}", accepted.amount, accepted.sender_member_id),
    );
    let again = ben.accept(&payment.qr_text).or_stop("Ben scanning the transfer again")?;
    run.check(
        again.already_accepted && again.receipt_qr == accepted.receipt_qr,
        "scanning it again credits nothing more and shows the same receipt",
    );
    draw("Ben's phone shows his signed receipt:", &accepted.receipt_qr)?;
    tell("Aiko's phone checks: Ben's key signed it, for this very transfer.");
    let confirmed = aiko.confirm_receipt(&accepted.receipt_qr).or_stop("Aiko scanning the receipt")?;
    run.check(
        confirmed.transfer_id == payment.transfer_id,
        "Aiko's phone matched Ben's receipt to her transfer",
    );
    let a = aiko.balances().or_stop("reading Aiko's balances")?;
    let b = ben.balances().or_stop("reading Ben's balances")?;
    show("Aiko", format!("purse {}, pending out {}", a.offline_purse, a.pending_outgoing));
    show("Ben", format!("pending in {} (until the ledger settles it)", b.pending_incoming));
    run.check(
        a.offline_purse == yen(7_000)?
            && a.pending_outgoing == yen(3_000)?
            && b.pending_incoming == yen(3_000)?,
        "Aiko's purse went down by ¥3,000 and Ben holds ¥3,000 pending",
    );
    let status = aiko.history(None, 1).or_stop("reading Aiko's history")?.first().map(|h| h.status);
    run.check(status == Some(TransferStatus::Delivered), "Aiko's history shows the transfer delivered");

    say!();
    tell("Still offline, Ben pays Chidi ¥1,500 for a boot repair from his own purse.");
    let request =
        chidi.create_request(Some(yen(1_500)?), "boot repair", 600).or_stop("making Chidi's request")?;
    let payment = ben.pay_request(&request.qr_text, None, "").or_stop("paying Chidi's request")?;
    draw("Ben's phone shows the transfer, sealed to Chidi:", &payment.qr_text)?;
    let accepted = chidi.accept(&payment.qr_text).or_stop("Chidi accepting the transfer")?;
    run.offline_transfers += 1;
    ben.confirm_receipt(&accepted.receipt_qr).or_stop("Ben scanning Chidi's receipt")?;
    let c = chidi.balances().or_stop("reading Chidi's balances")?;
    run.check(
        accepted.sender_member_id == "BEN-0002" && c.pending_incoming == yen(1_500)?,
        "Chidi accepted ¥1,500 from BEN-0002 and Ben holds Chidi's receipt",
    );

    step(
        11,
        "Spending twice from a restored copy",
        "A cheat restores the copy of Aiko's wallet from before she paid and spends the same purse again.",
    );
    let restored = open(&before_path, aiko_key().or_stop("loading device.key")?, AIKO_NEW_PIN)?;
    let purse = restored.balances().or_stop("reading the restored balances")?.offline_purse;
    show("the restored copy's purse", purse);
    tell("The copy pays Ben ¥9,000 from that purse: the ¥3,000 Aiko already spent from it is spent again.");
    let second =
        restored.pay_contact(&ben.public_identity(), yen(9_000)?, "again").or_stop("paying from the copy")?;
    let caught = ben.accept(&second.qr_text);
    match &caught {
        Err(e) => show("Ben's phone", e),
        Ok(a) => show("Ben's phone", format!("accepted {} (it should not have)", a.amount)),
    }
    run.double_spend_detected = run.check(
        matches!(caught, Err(WalletError::DoubleSpend { .. })),
        "Ben's phone caught the double spend offline: same purse, same sequence number, two transfers",
    );
    let b = ben.balances().or_stop("reading Ben's balances")?;
    let kept = ben.history(None, 10).or_stop("reading Ben's history")?;
    let received = kept.iter().filter(|h| !h.status.is_outgoing()).count();
    run.check(
        b.pending_incoming == yen(3_000)?
            && kept.iter().any(|h| h.status == TransferStatus::DoubleSpendEvidence)
            && received == 2,
        "the second transfer was not credited; both are kept as evidence for the ledger",
    );
    run.check(ben.verify_log().is_ok(), "Ben's event log still verifies, with the double spend recorded");
    drop(restored);

    step(
        12,
        "Back online: sync and settle",
        "The phones sync over HTTP; the ledger settles what was accepted and reads the evidence Ben kept.",
    );
    aiko.sync(&transport, &SyncOptions::default()).or_stop("Aiko syncing")?;
    ben.sync(&transport, &SyncOptions::default()).or_stop("Ben syncing")?;
    let chidi_report = chidi.sync(&transport, &SyncOptions::default()).or_stop("Chidi syncing")?;
    // Every settled transfer has one receiver, who sees it as received and settled.
    for wallet in [&ben, &chidi] {
        let history = wallet.history(None, 50).or_stop("reading a history")?;
        run.settled += history.iter().filter(|h| h.status == TransferStatus::ReceivedSettled).count() as u32;
    }
    let b = ben.balances().or_stop("reading Ben's balances")?;
    let c = chidi.balances().or_stop("reading Chidi's balances")?;
    show("Ben after sync", format!("online {}, pending in {}", b.online, b.pending_incoming));
    show("Chidi after sync", format!("online {}, pending in {}", c.online, c.pending_incoming));
    run.check(
        b.online == yen(28_000)? && b.pending_incoming.is_zero(),
        "Ben's online ¥25,000 became ¥28,000: the ledger settled Aiko's ¥3,000 once",
    );
    run.check(
        c.online == yen(1_500)? && c.pending_incoming.is_zero(),
        "the ledger settled Ben's ¥1,500 into Chidi's online account",
    );
    let status = aiko.history(None, 1).or_stop("reading Aiko's history")?.first().map(|h| h.status);
    run.check(status == Some(TransferStatus::SentSettled), "Aiko's phone shows the transfer settled");
    let flags = ledger.flags().or_stop("reading the ledger's risk flags")?;
    let caught = flags.iter().find(|f| f.member_id == "AIKO-0001" && f.reason.code() == "double-spend");
    if let Some(flag) = caught {
        show("risk flag", format!("{} ({}, score {})", flag.detail, flag.reason.code(), flag.score));
    }
    run.check(
        caught.is_some_and(|f| f.evidence.len() == 2),
        "Ben's evidence proved the double spend to the ledger: AIKO-0001 is flagged, with both transfers",
    );
    // The proof stands alone: the log entry carries both signed transfers, and the one chain rule
    // every phone, the ledger and auditors run says they cannot both be honest.
    let entries = ledger.audit_entries(0, u32::MAX).or_stop("reading the audit log")?;
    let proof = entries.iter().find(|e| e.kind == EntryKind::DoubleSpend && e.member_id == "AIKO-0001");
    let conflict = proof.and_then(|entry| {
        let pair: Vec<Link> = entry
            .evidence
            .iter()
            .filter_map(|bytes| Transfer::from_bytes(bytes).ok())
            .map(|t| Link::of(&t))
            .collect();
        match pair[..] {
            [a, b] => chain::check_pair(&a, &b).err(),
            _ => None,
        }
    });
    if let (Some(entry), Some(conflict)) = (proof, conflict) {
        show("proof in the log", format!("entry {}, {conflict}, both signed by Aiko's wallet", entry.seq));
    }
    run.check(
        conflict.is_some(),
        "the log's proof entry carries both transfers, and anyone can re-check the conflict",
    );
    let purse_state =
        ledger.purses("AIKO-0001").or_stop("reading Aiko's purses")?.first().map(|p| p.state.to_string());
    run.check(purse_state.as_deref() == Some("revoked"), "the ledger revoked the purse that was spent twice");
    // The ¥7,000 Aiko had not spent is no longer hers to pay with, but not lost: her phone says
    // where it is and when it comes back, and the ledger counts the same.
    aiko.sync(&transport, &SyncOptions::default()).or_stop("Aiko syncing again")?;
    let held = aiko.held_at_ledger().or_stop("reading what the ledger holds for Aiko")?;
    if let Some(first) = held.first() {
        show("Aiko's phone, at her next sync", first.words());
    }
    let outstanding =
        ledger.purses("AIKO-0001").or_stop("reading Aiko's purses")?.first().map(|p| p.outstanding_minor);
    run.check(
        matches!(&held[..], [h] if h.amount == yen(7_000)? && h.reason == HeldReason::Revoked)
            && outstanding == Some(7_000),
        "Aiko's phone shows the ¥7,000 left in her revoked purse as held at the ledger, as the ledger counts it",
    );
    run.check(
        chidi_report.newly_revoked >= 1,
        "Chidi's phone learned at its sync that the purse is revoked, and refuses it offline from now on",
    );
    run.check(
        ledger.member("BEN-0002").or_stop("reading Ben's account")?.balance_minor == 28_000,
        "the copy's ¥9,000 was not paid to Ben nor to anyone else",
    );

    step(
        13,
        "The auditor",
        "The ledger's whole log is exported and checked offline, signature by signature.",
    );
    run.ledger_balanced =
        run.check(ledger.check_invariants().is_ok(), "accounts and purses add up to all pay credited");
    let export = ledger.export_audit().or_stop("exporting the audit log")?;
    let file = dir.join("audit-log.bin");
    fs::write(&file, audit::encode_export(&export.checkpoint, &export.entries))
        .or_stop("writing the export")?;
    let bytes = fs::read(&file).or_stop("reading the export back")?;
    let verified = audit::decode_export(&bytes).ok().and_then(|(checkpoint, entries)| {
        let report = audit::audit_log(&entries, &checkpoint, &ledger.public_key()).ok()?;
        let held = ben.ledger_checkpoint().ok()??;
        audit::check_against(&entries, &held, &ledger.public_key()).ok()?;
        Some(report)
    });
    if let Some(report) = &verified {
        show(
            "audit",
            format!(
                "{} entries; {} credited in all; {} flagged; {} officer acts, each signed by two officers",
                report.entries,
                crate::money::signed(report.credited, Currency::JPY),
                crate::words::list(&report.flagged),
                report.officer_acts.iter().filter(|a| a.officers.len() >= 2).count()
            ),
        );
    }
    run.audit_verified = run.check(
        verified.is_some(),
        "the exported log verifies offline and extends the checkpoint Ben's phone holds",
    );
    witnessed_checkpoint(dir, &ledger, &ledger_dir, run)?;
    if run.console.is_some() {
        serve_console(dir, &hq)?;
    }
    drop(hq);
    Ok(())
}

/// Keeps the ledger serving for the web console until Ctrl-C, and says how to sign in.
fn serve_console(dir: &Path, hq: &Loopback) -> Result<(), Stop> {
    let console = hq.url.replace("127.0.0.1", "localhost");
    step(
        15,
        "The officers' web console",
        "The same ledger, serving its console; each officer makes a passkey in the page and links it with their key.",
    );
    show("open", format!("{console}/console"));
    show(
        "officer keys",
        format!("{} and {}", dir.join("mori.officer").display(), dir.join("tanaka.officer").display()),
    );
    show("their public keys", "outpost officer show --key <file>  (paste it on the Passkey page)");
    show(
        "link each passkey",
        format!(
            "outpost officer link-passkey <code> --ledger {console} --officer-key <file> --passphrase-file {}",
            dir.join("officer-passphrase").display()
        ),
    );
    say!("         Serving until Ctrl-C.");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .or_stop("starting the console's wait")?
        .block_on(tokio::signal::ctrl_c())
        .or_stop("waiting for Ctrl-C")
}

/// Step 14: a witness on loopback cosigns the ledger's checkpoint, and the cosigned note checks.
fn witnessed_checkpoint(
    dir: &Path,
    ledger: &Arc<Ledger>,
    ledger_dir: &Path,
    run: &mut Run,
) -> Result<(), Stop> {
    step(
        14,
        "A witness outside HQ",
        "A witness that follows this ledger cosigns its checkpoint only after checking it extends what it cosigned before.",
    );
    let witness_dir = dir.join("witness");
    fs::create_dir(&witness_dir).or_stop("making the witness directory")?;
    let log_key = Checkpoint::verifier_key(&ledger.public_key());
    let witness =
        Witness::open(&witness_dir, Some("witness.demo/w1"), &[log_key]).or_stop("starting the witness")?;
    let witness_key = witness.verifier_key();
    let server = Loopback::witness(Arc::new(witness), 0).or_stop("starting the witness server")?;
    show("witness", format!("{} with key {witness_key}", server.url));
    let endpoint: WitnessEndpoint = format!("{}={witness_key}", server.url)
        .parse::<WitnessEndpoint>()
        .or_stop("configuring the witness")?;
    let witnessing = Witnessing::new(Arc::clone(ledger), ledger_dir, vec![endpoint]);
    witnessing.round();
    let note = witnessing.latest().map(|w| w.to_note(&ledger.public_key())).unwrap_or_default();
    let note_file = dir.join("checkpoint.note");
    fs::write(&note_file, &note).or_stop("writing checkpoint.note")?;
    tell(
        "The cosigned checkpoint, a signed note (in full in checkpoint.note): the log's name, size, root and time, then a signature line by the ledger and one by the witness.",
    );
    for line in note.lines() {
        // Signature lines run past 80 columns: cut for the screen, whole in the file.
        match line.char_indices().nth(PICTURE_COLUMNS - 1) {
            Some((cut, _)) => say!("         {}…", &line[..cut]),
            None if line.is_empty() => say!(),
            None => say!("         {line}"),
        }
    }
    let key = WitnessKey::parse(&witness_key).ok();
    let verified = Checkpoint::from_note(note.as_bytes())
        .is_ok_and(|c| c.verify(&ledger.public_key()).is_ok())
        && SignedNote::parse(note.as_bytes()).is_ok_and(|parsed| {
            parsed
                .signatures
                .iter()
                .any(|s| key.as_ref().is_some_and(|k| k.claims(s) && k.verify(parsed.text, s).is_ok()))
        });
    run.check(
        verified,
        "the checkpoint note carries the ledger's signature and the witness's cosignature, and both verify",
    );
    drop(server);
    Ok(())
}

/// What is left of an 80-column line for a QR picture after the demo's 9-column indent.
const PICTURE_COLUMNS: usize = qr::QrImage::TERMINAL_COLUMNS - 9;

/// Draws `text` as a QR code in the terminal under `caption`, as the phone's screen would show it.
fn draw(caption: &str, text: &str) -> Result<(), Stop> {
    let image = qr::render(text).or_stop("drawing a QR code")?;
    say!("         {caption}");
    for line in image.to_terminal_within(PICTURE_COLUMNS).lines() {
        say!("         {line}");
    }
    say!("         (version {}-M, {} characters of QR text)", image.version, text.len());
    Ok(())
}

/// A payroll credit of `yen` to `member_id` (batch 2026-11) made by `maker` as the officer API
/// takes it: a signed request, stored pending; with `checker`, approved by them and run.
/// Returns the member's balance once it ran.
fn officer_credit(
    ledger: &Ledger,
    maker: &OfficerKey,
    checker: Option<&OfficerKey>,
    member_id: &str,
    yen: u64,
) -> Result<Option<i64>, Stop> {
    let credit = CreditBody { amount_minor: yen, memo: "November pay".into(), batch: "2026-11".into() };
    let body = serde_json::json!(credit).to_string();
    let act = Act::Credit {
        member_id: member_id.into(),
        amount_minor: credit.amount_minor,
        memo: credit.memo,
        batch: credit.batch,
    };
    let (method, path) = act.route();
    let signed =
        maker.sign_request(method, &path, body.as_bytes(), now_unix()).or_stop("signing the credit")?;
    let made = ledger
        .authenticate(&signed.to_header(), method, &path, body.as_bytes())
        .or_stop("authenticating the officer")?;
    let pending = ledger.submit(&made, act).or_stop("making the credit")?;
    let Some(checker) = checker else { return Ok(None) };
    let path = outpost_wallet_core::officer::approval_path(&pending.id);
    let signed = checker.sign_request("POST", &path, b"", now_unix()).or_stop("signing the approval")?;
    let approver =
        ledger.authenticate(&signed.to_header(), "POST", &path, b"").or_stop("authenticating the officer")?;
    match ledger.approve(&approver, &pending.id).or_stop("approving the credit")? {
        Approved::Executed(ActOutcome::Credited { balance_minor }) => Ok(Some(balance_minor)),
        _ => Ok(None),
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn wal_path(wallet: &Path) -> PathBuf {
    let mut name = wallet.as_os_str().to_os_string();
    name.push("-wal");
    PathBuf::from(name)
}

/// Flips one bit of the sealed `online` balance, as damage or a crude forgery would. Goes around
/// the library on purpose: this is what someone holding the file could do.
fn flip_balance_bit(path: &Path) -> rusqlite::Result<bool> {
    let conn = rusqlite::Connection::open(path)?;
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT sealed FROM balance WHERE name = 'online'", [], |row| row.get(0))
        .optional()?;
    let Some(mut sealed) = sealed else { return Ok(false) };
    let Some(byte) = sealed.get_mut(TAMPERED_BYTE) else { return Ok(false) };
    *byte ^= 0x01;
    let changed = conn.execute("UPDATE balance SET sealed = ?1 WHERE name = 'online'", [sealed])?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(changed == 1)
}

/// Reads the clear wrong-PIN counter straight from the file; the library keeps it private.
fn pin_failures(path: &Path) -> rusqlite::Result<Option<i64>> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("SELECT failures FROM pin_attempts WHERE id = 1", [], |row| row.get(0)).optional()
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(json_string(r#"C:\demo "one""#), r#""C:\\demo \"one\"""#);
        assert_eq!(json_string("a\nb\u{1}"), r#""a\nb\u0001""#);
        assert_eq!(json_string("ü/¥"), "\"ü/¥\"");
    }

    #[test]
    fn the_json_summary_keeps_its_key_order() {
        let outcome = Outcome {
            checks_passed: 3,
            checks_failed: 0,
            wallets: 2,
            log_verified: true,
            tamper_detected: false,
            offline_transfers: 1,
            double_spend_detected: true,
            transfer_qr_version: 14,
            transfer_qr_bytes: 368,
            members: 3,
            settled: 2,
            audit_verified: true,
            ledger_balanced: false,
            dir: PathBuf::from("/tmp/x\"y"),
        };
        assert_eq!(
            outcome.to_json(),
            r#"{"checks_passed":3,"checks_failed":0,"wallets":2,"log_verified":true,"tamper_detected":false,"offline_transfers":1,"double_spend_detected":true,"transfer_qr_version":14,"transfer_qr_bytes":368,"members":3,"settled":2,"audit_verified":true,"ledger_balanced":false,"dir":"/tmp/x\"y"}"#
        );
    }
}
