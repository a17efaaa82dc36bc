//! `outpost wallet …`: a member's wallet in the field, one command for each thing they do with
//! their phone, each a real use of the library on a real wallet file.
//!
//! ```text
//! create ─► identity (officer enrols) ─► sync --purse ─► request / pay / accept / confirm ─► sync
//!                                                         (offline: QR text only)
//! ```
//!
//! Every command opens the wallet file with its device key file (`<wallet>.key` unless `--key`
//! says otherwise), asks for the PIN and unlocks it, does one thing and closes it. Commands that
//! make a QR code print its text on a line of its own and can also draw it, or write it to files
//! (see [`crate::show`]); commands that read one take it as an argument, from a file or on stdin
//! (see [`crate::scan`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::cosignature::WitnessKey;
use outpost_wallet_core::protocol::witnessed::{MAX_COSIGNATURES, WitnessPolicy};
use outpost_wallet_core::qr::PayloadKind;
use outpost_wallet_core::transport::HttpTransport;
use outpost_wallet_core::wallet::notice_words;
use outpost_wallet_core::{
    Amount, Balances, Currency, Direction, HistoryEntry, SoftwareProtector, SyncOptions, SyncReport, Wallet,
    WalletError, WalletOptions,
};

use crate::error::Error;
use crate::hq::{self, Hq};
use crate::show::{ShowArgs, Showing};
use crate::{money, pin, progress, scan, time};

#[derive(Debug, Args)]
pub struct WalletArgs {
    #[command(flatten)]
    files: WalletFiles,
    #[command(subcommand)]
    command: WalletCommand,
}

#[derive(Debug, Args)]
struct WalletFiles {
    /// The wallet file to use
    #[arg(long, global = true, value_name = "PATH", env = "OUTPOST_WALLET")]
    wallet: Option<PathBuf>,
    /// The device key file that protects the wallet [default: the wallet's path with ".key" added]
    #[arg(long, global = true, value_name = "PATH")]
    key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum WalletCommand {
    /// Create a new wallet file and its device key, protected by a PIN.
    ///
    /// Makes the wallet's keys on this machine, encrypts everything under a PIN (asked twice, or
    /// taken from OUTPOST_PIN) and a device key file written beside the wallet. Never overwrites
    /// an existing wallet. Keep both files: the wallet cannot be opened without its key file.
    #[command(after_help = "Example:\n  outpost wallet create --wallet aiko.wallet")]
    Create(CreateArgs),

    /// Show who this wallet is, and the enrolment QR code for the finance officer.
    ///
    /// Prints the wallet's fingerprint (read it aloud to check you have the right wallet) and a
    /// signed enrolment request naming your member id. The officer enrols you with it
    /// (`outpost ledger enrol`).
    #[command(
        after_help = "Example:\n  outpost wallet identity --wallet aiko.wallet --member-id AIKO-0001 --out aiko-enrol.txt"
    )]
    Identity(IdentityArgs),

    /// Show what the wallet holds: online, in the offline purse, and pending.
    ///
    /// The online account is as the ledger reported at the last sync. Only the offline purse
    /// can be paid from without a network; money received offline stays pending until the
    /// ledger settles it.
    #[command(after_help = "Example:\n  outpost wallet balance --wallet aiko.wallet")]
    Balance,

    /// List payments sent and received, newest first, with where each one stands.
    #[command(after_help = "Examples:\n  outpost wallet history --wallet aiko.wallet\n  \
                             outpost wallet history --wallet aiko.wallet --limit 10 --before 42")]
    History(HistoryArgs),

    /// Ask to be paid: make a signed payment request to show the payer as a QR code.
    ///
    /// Without --amount the payer chooses how much. The request is valid for --valid-for
    /// seconds; this works offline.
    #[command(
        after_help = "Example:\n  outpost wallet request --wallet ben.wallet --amount 3000 --memo canteen --out request.txt"
    )]
    Request(RequestArgs),

    /// Pay a payment request from the offline purse, and show the transfer QR code.
    ///
    /// Checks the request's signature and expiry, signs a transfer sealed to the receiver and
    /// saves it before showing it, so it can never be spent twice. Works offline; needs an
    /// offline purse (loaded with `wallet sync --purse`).
    #[command(
        after_help = "Examples:\n  outpost wallet pay --wallet aiko.wallet --qr-file request.txt --out transfer.txt\n  \
                             outpost wallet pay --wallet aiko.wallet OP1R:…"
    )]
    Pay(PayArgs),

    /// Receive a transfer: check it, keep it as pending, and show a signed receipt QR code.
    ///
    /// Checks that it is sealed to this wallet, signed by the payer, spends a purse the ledger
    /// signed, and answers a request of yours; a purse spent twice is caught here, offline.
    /// Scanning the same transfer again credits nothing more and shows the same receipt.
    #[command(
        after_help = "Example:\n  outpost wallet accept --wallet ben.wallet --qr-file transfer.txt --out receipt.txt"
    )]
    Accept(AcceptArgs),

    /// Scan the receiver's receipt: mark the transfer you sent as delivered.
    #[command(after_help = "Example:\n  outpost wallet confirm --wallet aiko.wallet --qr-file receipt.txt")]
    Confirm(ConfirmArgs),

    /// Sync with the ledger: settle what was paid offline, and optionally load an offline purse.
    ///
    /// Uploads transfers and receipts, receives settlements, revocations and risk notices, and
    /// checks that the ledger's signed log extends the one this wallet saw before. The first
    /// sync pins the ledger's key: give it with --ledger-key (from your finance officer). Over
    /// https:// with --ca-file, the key the ledger presents may be pinned instead, and is printed
    /// for you to check; over plain http:// it never is.
    #[command(
        after_help = "Examples:\n  outpost wallet sync --wallet aiko.wallet --ledger http://127.0.0.1:7300 --ledger-key <64 hex digits> --purse 10000\n  \
                             outpost wallet sync --wallet ben.wallet --ledger https://hq.unit.example:7300 --ca-file unit-ca.pem\n  \
                             outpost wallet sync --wallet ben.wallet"
    )]
    Sync(SyncArgs),

    /// Check the wallet's hash-chained event log from its first entry.
    ///
    /// Exits non-zero, naming the first broken entry, if anything in the log was altered.
    #[command(after_help = "Example:\n  outpost wallet verify --wallet aiko.wallet")]
    Verify,

    /// Print the proofs this wallet holds that the ledger forked its log, as signed notes.
    ///
    /// A proof is two checkpoints the ledger signed for the same number of entries with
    /// different roots, one held here and one shown by another phone in a payment. Each is
    /// printed as a C2SP signed note, checkable with the ledger's public key by anyone, with
    /// whether the ledger recorded it in its log (the entry's position) or it is still sent at
    /// every sync. Then every checkpoint another phone showed that the ledger failed to prove
    /// part of its log at a sync, with the ledger's answer. Kept whatever the ledger did.
    #[command(after_help = "Example:\n  outpost wallet fork-proofs --wallet aiko.wallet > fork.txt")]
    ForkProofs,

    /// Require K of these witnesses to have cosigned the ledger's checkpoint in every sync answer.
    ///
    /// Each KEY is a witness's verifier key exactly as `outpost witness` prints it
    /// (`name+keyid+base64`), from your finance officer or the witness's operator. From now on
    /// this wallet refuses a sync answer whose log fewer than K of them saw, so a ledger cannot
    /// show it a history the witnesses outside HQ never cosigned. Pinning again replaces the
    /// list. Nothing is written when a key cannot be read, one is given twice, or K is not
    /// between 1 and the number of keys (at most 8).
    #[command(after_help = "Example:\n  outpost wallet pin-witnesses --wallet aiko.wallet --need 2 \\\n    \
                             w1.example+1a2b3c4d+AbC…= w2.example+5e6f7a8b+DeF…= w3.example+9c0d1e2f+GhI…=")]
    PinWitnesses(PinWitnessesArgs),
}

#[derive(Debug, Args)]
struct PinWitnessesArgs {
    /// The witnesses' verifier keys, as `outpost witness` prints them
    #[arg(value_name = "KEY", required = true)]
    keys: Vec<String>,
    /// How many of the witnesses must have cosigned each sync answer's checkpoint
    #[arg(long, value_name = "K")]
    need: u8,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The wallet's currency (ISO 4217 code); it must be the ledger's
    #[arg(long, value_name = "CODE", default_value = "JPY")]
    currency: String,
    /// Decimal places of the currency's minor unit [default: the ISO 4217 value for known codes]
    #[arg(long, value_name = "N")]
    exponent: Option<u8>,
}

#[derive(Debug, Args)]
struct IdentityArgs {
    /// Your member id, as the finance officer knows you
    #[arg(long, value_name = "ID")]
    member_id: String,
    #[command(flatten)]
    show: ShowArgs,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// How many entries to show
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: u32,
    /// Show entries older than this position (the `#` of the last entry of the previous page)
    #[arg(long, value_name = "POS")]
    before: Option<u64>,
}

#[derive(Debug, Args)]
struct RequestArgs {
    /// How much to ask for, in the wallet's currency (e.g. 3000, or 12.50); omit to let the payer choose
    #[arg(long, value_name = "AMOUNT")]
    amount: Option<String>,
    /// What the payment is for, shown to the payer
    #[arg(long, value_name = "TEXT", default_value = "", hide_default_value = true)]
    memo: String,
    /// How long the request can be paid, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    valid_for: u64,
    #[command(flatten)]
    show: ShowArgs,
}

#[derive(Debug, Args)]
struct PayArgs {
    /// The payment request's QR text (OP1R:…); quote it (it may contain spaces); `-` or nothing reads stdin
    #[arg(value_name = "REQUEST-QR")]
    request: Option<String>,
    /// Read the payment request's QR text from FILE
    #[arg(long, value_name = "FILE", conflicts_with = "request")]
    qr_file: Option<PathBuf>,
    /// How much to pay, when the request leaves it open (or the same amount it asks)
    #[arg(long, value_name = "AMOUNT")]
    amount: Option<String>,
    /// Your own memo [default: the request's]
    #[arg(long, value_name = "TEXT", default_value = "", hide_default_value = true)]
    memo: String,
    #[command(flatten)]
    show: ShowArgs,
}

#[derive(Debug, Args)]
struct AcceptArgs {
    /// The transfer's QR text (OP1T:…); quote it (it may contain spaces); `-` or nothing reads stdin
    #[arg(value_name = "TRANSFER-QR")]
    transfer: Option<String>,
    /// Read the transfer's QR text from FILE
    #[arg(long, value_name = "FILE", conflicts_with = "transfer")]
    qr_file: Option<PathBuf>,
    #[command(flatten)]
    show: ShowArgs,
}

#[derive(Debug, Args)]
struct ConfirmArgs {
    /// The receipt's QR text (OP1C:…); quote it (it may contain spaces); `-` or nothing reads stdin
    #[arg(value_name = "RECEIPT-QR")]
    receipt: Option<String>,
    /// Read the receipt's QR text from FILE
    #[arg(long, value_name = "FILE", conflicts_with = "receipt")]
    qr_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SyncArgs {
    /// The ledger's address
    #[arg(long, value_name = "URL", env = "OUTPOST_LEDGER", default_value = hq::DEFAULT_URL)]
    ledger: String,
    /// Load a fresh offline purse of up to this amount (what is left in the old one goes back online)
    #[arg(long, value_name = "AMOUNT")]
    purse: Option<String>,
    /// The ledger's public key (64 hex digits), from your finance officer, to pin at the first
    /// sync; needed when the ledger is reached over plain http://
    #[arg(long, value_name = "HEX")]
    ledger_key: Option<String>,
    #[command(flatten)]
    trust: hq::TrustArgs,
}

pub fn run(args: WalletArgs) -> Result<(), Error> {
    let files = Files::from_args(&args.files)?;
    match args.command {
        WalletCommand::Create(args) => create(&files, &args),
        WalletCommand::Identity(args) => {
            let showing = args.show.prepare()?;
            identity(&files.open_unlocked()?, &args, showing)
        }
        WalletCommand::Balance => balance(&files.open_unlocked()?),
        WalletCommand::History(args) => history(&files.open_unlocked()?, &args),
        WalletCommand::Request(args) => {
            let showing = args.show.prepare()?;
            request(&files.open_unlocked()?, &args, showing)
        }
        // The QR text is read and checked, and the output files made, before the PIN is asked
        // for: an empty or damaged scan, or a mistake on the command line, costs no PIN entry.
        WalletCommand::Pay(args) => {
            let request = scan::read_code(
                "the payment request",
                PayloadKind::PaymentRequest,
                args.request.as_deref(),
                args.qr_file.as_deref(),
            )?;
            let showing = args.show.prepare()?;
            pay(&files.open_unlocked()?, &args, &request, showing)
        }
        WalletCommand::Accept(args) => {
            let transfer = scan::read_code(
                "the transfer",
                PayloadKind::Transfer,
                args.transfer.as_deref(),
                args.qr_file.as_deref(),
            )?;
            let showing = args.show.prepare()?;
            accept(&files.open_unlocked()?, &transfer, showing)
        }
        WalletCommand::Confirm(args) => {
            let receipt = scan::read_code(
                "the receipt",
                PayloadKind::Receipt,
                args.receipt.as_deref(),
                args.qr_file.as_deref(),
            )?;
            confirm(&files.open_unlocked()?, &receipt)
        }
        WalletCommand::Sync(args) => {
            let hq = Hq::with_trust(&args.ledger, &args.trust.trust()?)?;
            let given_key =
                args.ledger_key.as_deref().map(|key| hq::parse_key(key, "the ledger key")).transpose()?;
            sync(&files.open_unlocked()?, &args, &hq, given_key)
        }
        WalletCommand::Verify => verify(&files.open_unlocked()?),
        WalletCommand::ForkProofs => fork_proofs(&files.open_unlocked()?),
        // The keys are read before the PIN is asked for: a mistyped key costs no PIN entry.
        WalletCommand::PinWitnesses(args) => {
            let policy = witness_policy(&args)?;
            pin_witnesses(&files.open_unlocked()?, &args, &policy)
        }
    }
}

/// The witnesses to pin, refused with the key or number at fault.
fn witness_policy(args: &PinWitnessesArgs) -> Result<WitnessPolicy, Error> {
    let mut keys = Vec::with_capacity(args.keys.len());
    for (n, text) in args.keys.iter().enumerate() {
        let key = WitnessKey::parse(text.trim())
            .map_err(|e| Error::BadWitnessKey { number: n + 1, detail: e.to_string() })?;
        if let Some(m) = keys
            .iter()
            .position(|k: &WitnessKey| k.name() == key.name() || k.public_key() == key.public_key())
        {
            return Err(Error::SameWitness { first: m + 1, second: n + 1, name: key.name().to_owned() });
        }
        keys.push(key);
    }
    let most = keys.len().min(MAX_COSIGNATURES);
    if args.need == 0 || usize::from(args.need) > most {
        return Err(Error::NeedUnmet { need: args.need, keys: keys.len(), most });
    }
    WitnessPolicy::new(keys, args.need).map_err(|e| Error::Wallet(e.into()))
}

fn pin_witnesses(wallet: &Wallet, args: &PinWitnessesArgs, policy: &WitnessPolicy) -> Result<(), Error> {
    let keys: Vec<String> = args.keys.iter().map(|k| k.trim().to_owned()).collect();
    wallet.pin_witnesses(&keys, args.need)?;
    println!(
        "This wallet now requires {} of these {} witnesses to have cosigned the ledger's checkpoint in every sync answer:",
        policy.threshold(),
        policy.keys().len()
    );
    for key in policy.keys() {
        println!("  {} (key {})", key.name(), hex::short(&key.public_key()));
    }
    println!("A sync answer whose log fewer of them saw is refused, and nothing in it is applied.");
    Ok(())
}

/// The wallet file and its device key file.
struct Files {
    wallet: PathBuf,
    key: PathBuf,
}

impl Files {
    fn from_args(args: &WalletFiles) -> Result<Files, Error> {
        let wallet = args.wallet.clone().ok_or_else(|| Error::NoWalletPath)?;
        let key = args.key.clone().unwrap_or_else(|| {
            let mut name = OsString::from(wallet.as_os_str());
            name.push(".key");
            PathBuf::from(name)
        });
        Ok(Files { wallet, key })
    }

    fn open_unlocked(&self) -> Result<Wallet, Error> {
        if !self.wallet.exists() {
            return Err(Error::NoWallet { path: self.wallet.clone() });
        }
        let protector = SoftwareProtector::open(&self.key)?;
        let wallet = Wallet::open(&self.wallet, Arc::new(protector), WalletOptions::default())?;
        let pin = pin::ask(&format!("PIN for {}: ", self.wallet.display()))?;
        progress::while_working("Unlocking the wallet (Argon2id)…", || wallet.unlock(&pin))?;
        Ok(wallet)
    }
}

fn create(files: &Files, args: &CreateArgs) -> Result<(), Error> {
    let currency = money::currency(&args.currency, args.exponent)?;
    if files.wallet.exists() {
        return Err(Error::WalletExists { path: files.wallet.clone() });
    }
    let pin = pin::ask_new()?;
    let (protector, made_key) = if files.key.exists() {
        (SoftwareProtector::open(&files.key)?, false)
    } else {
        (SoftwareProtector::create(&files.key)?, true)
    };
    let created = progress::while_working("Creating the wallet (Argon2id)…", || {
        Wallet::create(&files.wallet, &pin, currency, Arc::new(protector), WalletOptions::default())
    });
    let wallet = match created {
        Ok(wallet) => wallet,
        Err(e) => {
            // A key file made for a wallet that does not exist would only confuse the next try.
            if made_key {
                let _ = std::fs::remove_file(&files.key);
            }
            return Err(e.into());
        }
    };
    println!("Created wallet {} ({})", files.wallet.display(), currency.code());
    if made_key {
        println!(
            "Device key     {} (keep it with the wallet: neither opens without the other)",
            files.key.display()
        );
    } else {
        println!("Device key     {} (already there: this wallet uses it too)", files.key.display());
    }
    println!("Fingerprint    {}", wallet.public_identity().fingerprint());
    println!();
    println!(
        "Next: get enrolled. Show the officer your enrolment code:\n  \
         outpost wallet identity --wallet {} --member-id <your member id>",
        files.wallet.display()
    );
    Ok(())
}

fn identity(wallet: &Wallet, args: &IdentityArgs, showing: Showing) -> Result<(), Error> {
    let (_, qr_text) = wallet.enrolment_request(&args.member_id)?;
    println!("Wallet      {}", wallet.path().display());
    println!("Fingerprint {}", wallet.public_identity().fingerprint());
    println!("Member id   {}", args.member_id);
    println!("Currency    {}", wallet.currency().code());
    match wallet.ledger_key()? {
        Some(key) => println!("Ledger key  {} (pinned)", hex::encode(&key)),
        None => println!("Ledger key  not pinned yet (the first sync pins it)"),
    }
    println!();
    println!("Enrolment QR code, for the finance officer (`outpost ledger enrol`):");
    showing.show(&qr_text)
}

fn balance(wallet: &Wallet) -> Result<(), Error> {
    println!("Wallet {} ({})", wallet.path().display(), wallet.public_identity().fingerprint());
    print_balances(&wallet.balances()?);
    for held in wallet.held_at_ledger()? {
        println!("  {}", held.words());
    }
    if wallet.ledger_key()?.is_none() {
        println!("Not enrolled with a ledger yet: no sync has pinned a ledger key.");
    }
    for notice in wallet.risk_notices()? {
        println!("{}", notice_words(&notice));
    }
    Ok(())
}

fn print_balances(b: &Balances) {
    let rows = [
        ("online account", b.online, "as of the last sync"),
        ("offline purse", b.offline_purse, "what you can pay offline"),
        ("pending in", b.pending_incoming, "received offline, until the ledger settles it"),
        ("pending out", b.pending_outgoing, "paid offline, until the ledger settles it"),
    ];
    let width = rows.iter().map(|(_, amount, _)| amount.to_string().chars().count()).max().unwrap_or(0);
    for (label, amount, note) in rows {
        println!("  {label:<15} {:>width$}  {note}", amount.to_string());
    }
    if !b.owed.is_zero() {
        println!("  {:<15} {:>width$}  debited after a double spend", "owed", b.owed.to_string());
    }
}

fn history(wallet: &Wallet, args: &HistoryArgs) -> Result<(), Error> {
    let page = wallet.history(args.before, args.limit)?;
    if page.is_empty() {
        println!("{}", if args.before.is_some() { "No older payments." } else { "No payments yet." });
        return Ok(());
    }
    for entry in &page {
        println!("{}", history_line(entry));
    }
    if page.len() == args.limit as usize
        && let Some(last) = page.last()
    {
        println!(
            "Older payments: outpost wallet history --wallet {} --before {}",
            wallet.path().display(),
            last.position
        );
    }
    Ok(())
}

/// `#3  2025-11-02 09:14 UTC  sent ¥3,000 to BEN-0002 "canteen"  [sent, delivered]  transfer 1a2b…`
fn history_line(entry: &HistoryEntry) -> String {
    let who = if entry.counterparty_label.is_empty() {
        format!("wallet {}", hex::short(&entry.counterparty_key))
    } else {
        entry.counterparty_label.clone()
    };
    let (verb, preposition) = match entry.direction {
        Direction::Sent => ("sent", "to"),
        Direction::Received => ("received", "from"),
    };
    let memo = if entry.memo.is_empty() { String::new() } else { format!(" {:?}", entry.memo) };
    format!(
        "#{:<4} {}  {verb} {} {preposition} {who}{memo}  [{}]  transfer {}",
        entry.position,
        time::utc(entry.time),
        entry.amount,
        entry.status,
        hex::short(&entry.transfer_id)
    )
}

fn request(wallet: &Wallet, args: &RequestArgs, showing: Showing) -> Result<(), Error> {
    let amount = args.amount.as_deref().map(|text| parse_amount(text, wallet.currency())).transpose()?;
    let created = wallet.create_request(amount, &args.memo, args.valid_for)?;
    let asked = amount.map_or_else(|| "an amount the payer chooses".to_owned(), |a| a.to_string());
    let memo = if args.memo.is_empty() { String::new() } else { format!(" for {:?}", args.memo) };
    println!(
        "Payment request for {asked}{memo}, valid until {}. Show it to the payer:",
        time::utc(created.request.expires_at)
    );
    showing.show(&created.qr_text)
}

fn pay(wallet: &Wallet, args: &PayArgs, request: &str, showing: Showing) -> Result<(), Error> {
    let amount = args.amount.as_deref().map(|text| parse_amount(text, wallet.currency())).transpose()?;
    let payment = wallet.pay_request(request, amount, &args.memo)?;
    if let Some(notice) = payment.checkpoint_seen.notice() {
        eprintln!("{notice}");
    }
    println!(
        "Paid {} from the offline purse: transfer {}, saved in the wallet before it is shown.",
        payment.amount,
        hex::short(&payment.transfer_id)
    );
    println!("Show this transfer to the receiver (sealed: only their wallet can open it):");
    showing.show(&payment.qr_text)
}

fn accept(wallet: &Wallet, transfer: &str, showing: Showing) -> Result<(), Error> {
    let accepted = wallet.accept(transfer).map_err(|e| match e {
        // Enrolment happens at the ledger; what the wallet lacks is the ledger's key, which a
        // sync pins. Only then can it check the payer's purse certificate.
        WalletError::NotEnrolled => Error::LedgerKeyNotPinned,
        e => e.into(),
    })?;
    let memo = if accepted.memo.is_empty() { String::new() } else { format!(" for {:?}", accepted.memo) };
    if accepted.already_accepted {
        println!(
            "Already accepted: {} from {}{memo} (transfer {}). Nothing more was credited.",
            accepted.amount,
            accepted.sender_member_id,
            hex::short(&accepted.transfer_id)
        );
    } else {
        println!(
            "Accepted {} from {}{memo} (transfer {}): pending until the ledger settles it at a sync.",
            accepted.amount,
            accepted.sender_member_id,
            hex::short(&accepted.transfer_id)
        );
    }
    println!("Show this receipt to the payer:");
    showing.show(&accepted.receipt_qr)
}

fn confirm(wallet: &Wallet, receipt: &str) -> Result<(), Error> {
    let confirmed = wallet.confirm_receipt(receipt)?;
    if let Some(notice) = confirmed.checkpoint_seen.notice() {
        eprintln!("{notice}");
    }
    let already = if confirmed.already_confirmed { " (it already was)" } else { "" };
    println!(
        "Transfer {} of {} is delivered{already}: the receiver signed for it.",
        hex::short(&confirmed.transfer_id),
        confirmed.amount
    );
    Ok(())
}

fn sync(wallet: &Wallet, args: &SyncArgs, hq: &Hq, given_key: Option<[u8; 32]>) -> Result<(), Error> {
    let purse = args.purse.as_deref().map(|text| parse_amount(text, wallet.currency())).transpose()?;
    match wallet.ledger_key()? {
        None => pin_ledger_key(wallet, hq, given_key)?,
        Some(pinned) if given_key.is_some_and(|given| given != pinned) => {
            return Err(Error::TrustsOtherKey { pinned: hex::encode(&pinned) });
        }
        Some(_) => {}
    }
    let had_checkpoint = wallet.ledger_checkpoint()?.is_some();
    let transport = HttpTransport::with_trust(hq.url(), Duration::from_secs(30), &args.trust.trust()?);
    let report = progress::while_working("Syncing with the ledger…", || {
        wallet.sync(&transport, &SyncOptions { purse })
    })?;
    println!("Synced with the ledger at {}.", hq.url());
    print_sync_report(&report, purse.is_some(), had_checkpoint);
    println!("Now:");
    print_balances(&wallet.balances()?);
    Ok(())
}

/// The first sync: the wallet has no ledger key yet, and every purse and answer it will accept
/// is checked against the one pinned here.
///
/// A key the network presented is pinned only when it came over TLS, from a server whose
/// certificate chained to the CA the member was given: over plain HTTP anyone on the path can
/// answer with their own key, and a wallet pinning it would trust that impostor for good.
fn pin_ledger_key(wallet: &Wallet, hq: &Hq, given: Option<[u8; 32]>) -> Result<(), Error> {
    if given.is_none() && !hq.is_https() {
        return Err(Error::PlainHttpNoKey { url: hq.url().to_owned() });
    }
    let info = hq.ledger_info()?;
    if info.currency != wallet.currency() {
        return Err(Error::LedgerCurrency {
            url: hq.url().to_owned(),
            ledger: info.currency.code().to_owned(),
            wallet: wallet.currency().code().to_owned(),
        });
    }
    let presented = hex::encode(&info.public_key);
    match given {
        Some(key) if key != info.public_key => {
            return Err(Error::PresentsOtherKey { url: hq.url().to_owned(), presented });
        }
        Some(_) => {
            wallet.pin_ledger_key(info.public_key)?;
            println!("Pinned the ledger key you gave; the ledger at {} presents the same key.", hq.url());
        }
        None => {
            wallet.pin_ledger_key(info.public_key)?;
            println!(
                "First sync: this wallet had no ledger key, so it now trusts the key the ledger at {} \
                 presents over TLS.",
                hq.url()
            );
            println!("Check this key with your finance officer:");
            println!("  ledger key {presented}");
            println!("From now on this wallet accepts purses and answers signed by this key only.");
        }
    }
    Ok(())
}

fn print_sync_report(report: &SyncReport, purse_asked: bool, had_checkpoint: bool) {
    for line in report.lines(purse_asked, had_checkpoint) {
        println!("  {line}");
    }
}

/// Prints each fork proof as its two checkpoints, in the signed-note form anyone can check with
/// the ledger's public key and standard tools.
fn fork_proofs(wallet: &Wallet) -> Result<(), Error> {
    let proofs = wallet.fork_proofs()?;
    let Some(key) = wallet.ledger_key()? else {
        println!("This wallet has pinned no ledger key yet, so it holds no proof about a ledger.");
        return Ok(());
    };
    let unproved = wallet.unproved_pairs()?;
    if proofs.is_empty() && unproved.is_empty() {
        println!("No proof that the ledger forked its log: every checkpoint compared so far agreed.");
        return Ok(());
    }
    for (n, proof) in proofs.iter().enumerate() {
        println!(
            "Proof {}: the ledger signed two different logs of {} entries (found at {}).",
            n + 1,
            proof.held.size,
            proof.found_at
        );
        match proof.recorded_at {
            Some(seq) => println!("Recorded by the ledger in its log as entry {seq}."),
            None => println!("Not yet recorded by the ledger: sent again at every sync until it is."),
        }
        println!("Checkpoint held by this wallet:\n{}", proof.held.to_note(&key));
        println!("Checkpoint shown by another phone:\n{}", proof.seen.to_note(&key));
    }
    for (n, pair) in unproved.iter().enumerate() {
        println!("Unproved pair {}.", n + 1);
        println!("{}", pair.notice());
        println!("Checkpoint shown by another phone:\n{}", pair.seen.to_note(&key));
        println!("Checkpoint in the ledger's sync answer:\n{}", pair.answer.to_note(&key));
    }
    Ok(())
}

fn verify(wallet: &Wallet) -> Result<(), Error> {
    let report = wallet.verify_log()?;
    println!(
        "The event log of {} is intact: {} entries, each chained to the one before (head {}).",
        wallet.path().display(),
        report.entries,
        hex::short(&report.head)
    );
    Ok(())
}

fn parse_amount(text: &str, currency: Currency) -> Result<Amount, Error> {
    Ok(Amount::parse(text.trim(), currency)?)
}
