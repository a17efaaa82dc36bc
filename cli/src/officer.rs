//! `outpost officer …`: a finance officer's own key, and the officer set of a running ledger.
//!
//! An officer's key is an Ed25519 key in a file sealed under their passphrase with the vault's
//! Argon2id wrap (`outpost_wallet_core::officer::key_file`); it signs every request the officer
//! sends. The passphrase is asked on the terminal with nothing echoed, or read from a file
//! (`--passphrase-file`, for scripts); it never appears on the command line or in the
//! environment. `new` prints the officer's public key and their enrolment code: the
//! self-signed enrolment that founds a ledger (`--founding-officer`) or that the other officers
//! approve (`officer add`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use outpost_ledger::http::officer_api::PendingJson;
use outpost_wallet_core::hex;
use outpost_wallet_core::officer::key_file::OfficerKeyFile;
use outpost_wallet_core::officer::{OfficerKey, OfficerKeyError, PasskeyLink};
use outpost_wallet_core::{KdfParams, Pin};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::hq::{self, Hq};

#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct OfficerCommandArgs {
    #[command(subcommand)]
    command: OfficerCommand,
}

#[derive(Debug, Subcommand)]
enum OfficerCommand {
    /// Make a new officer key file, sealed under a passphrase; print the public key and the
    /// enrolment code that founds a ledger or asks the officers to enrol you.
    #[command(after_help = "Example:\n  outpost officer new --key alice.officer --name \"Alice Sato\"\n  \
                            outpost ledger serve --dir hq --founding-officer <Alice's code> --founding-officer <Ben's code>")]
    New(NewArgs),

    /// Show the name and public key in an officer key file (no passphrase needed).
    #[command(after_help = "Example:\n  outpost officer show --key alice.officer")]
    Show(KeyArg),

    /// Print a fresh enrolment code for an existing key (asks for its passphrase).
    #[command(after_help = "Example:\n  outpost officer code --key carol.officer")]
    Code(CodeArgs),

    /// List the officers of a running ledger.
    #[command(after_help = "Example:\n  outpost officer list --officer-key alice.officer")]
    List(OfficerArgs),

    /// Ask the officers to enrol a new officer, from the code their `officer new` printed. It
    /// waits for another officer's approval (`outpost ledger approve`).
    #[command(after_help = "Example:\n  outpost officer add <Carol's code> --officer-key alice.officer\n  \
                            outpost ledger approve <pending id> --officer-key ben.officer")]
    Add(AddArgs),

    /// Ask the officers to remove an officer, by public key. It waits for another officer's
    /// approval; the ledger refuses to go below the officers every act needs.
    #[command(
        after_help = "Example:\n  outpost officer remove <Carol's public key> --officer-key alice.officer"
    )]
    Remove(RemoveArgs),

    /// Link a passkey made in the web console to your officer key: from then on it signs your
    /// console requests. The link is signed with your key and recorded in the audit log.
    #[command(
        after_help = "Example:\n  outpost officer link-passkey <code the console's Passkey page showed> --officer-key alice.officer"
    )]
    LinkPasskey(LinkArgs),
}

#[derive(Debug, Args)]
struct LinkArgs {
    /// The link code the console's Passkey page showed
    #[arg(value_name = "CODE")]
    code: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct NewArgs {
    /// The key file to make (it must not exist; it is made readable by you only)
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The officer's name, as the audit log will show it
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Read the new passphrase from FILE instead of asking on the terminal
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct KeyArg {
    /// The officer key file
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

#[derive(Debug, Args)]
struct CodeArgs {
    /// The officer key file
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Read the passphrase from FILE instead of asking on the terminal
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// Where the ledger is, and the officer key that signs every request to it.
#[derive(Debug, Args)]
pub struct OfficerArgs {
    /// The ledger's address
    #[arg(long, value_name = "URL", env = "OUTPOST_LEDGER", default_value = hq::DEFAULT_URL)]
    ledger: String,
    /// Your officer key file (`outpost officer new`)
    #[arg(long, value_name = "FILE", env = "OUTPOST_OFFICER_KEY")]
    officer_key: Option<PathBuf>,
    /// Read the key's passphrase from FILE instead of asking on the terminal
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    trust: hq::TrustArgs,
}

impl OfficerArgs {
    /// The ledger, with the officer's key unlocked to sign each request.
    pub fn connect(&self) -> Result<Hq, Error> {
        let hq = Hq::with_trust(&self.ledger, &self.trust.trust()?)?;
        let Some(path) = &self.officer_key else {
            return Err(Error::NoOfficerKey);
        };
        Ok(hq.with_officer(unlock(path, self.passphrase_file.as_deref())?))
    }
}

#[derive(Debug, Args)]
struct AddArgs {
    /// The new officer's enrolment code
    #[arg(value_name = "CODE")]
    code: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

#[derive(Debug, Args)]
struct RemoveArgs {
    /// The public key of the officer to remove (64 hex digits)
    #[arg(value_name = "PUBLIC-KEY")]
    public_key: String,
    #[command(flatten)]
    officer: OfficerArgs,
}

pub fn run(args: OfficerCommandArgs) -> Result<(), Error> {
    match args.command {
        OfficerCommand::New(args) => new(&args),
        OfficerCommand::Show(args) => {
            let file = OfficerKeyFile::read(&args.key).map_err(key_error)?;
            println!("officer: {}", file.name());
            println!("public key: {}", hex::encode(&file.public_key()));
            Ok(())
        }
        OfficerCommand::Code(args) => {
            let key = unlock(&args.key, args.passphrase_file.as_deref())?;
            println!("enrolment code: {}", key.enrolment_code(now())?);
            Ok(())
        }
        OfficerCommand::List(officer) => {
            for o in officer.connect()?.officers()? {
                println!("{}  {}", o.public_key, o.name);
            }
            Ok(())
        }
        OfficerCommand::Add(args) => {
            let pending = args.officer.connect()?.add_officer(&args.code)?;
            print_pending(&pending);
            Ok(())
        }
        OfficerCommand::LinkPasskey(args) => {
            let bytes = data_encoding::BASE64URL_NOPAD
                .decode(args.code.trim().as_bytes())
                .map_err(|_| Error::LinkCodeNotBase64)?;
            let link = PasskeyLink::from_body(&bytes).map_err(|detail| Error::LinkCodeDamaged { detail })?;
            let hq = args.officer.connect()?;
            let linked = hq.link_passkey(&link)?;
            println!(
                "Linked passkey {} to {} for the console at {} (relying party {}).",
                linked.public_key.get(2..18).unwrap_or(&linked.public_key),
                hq.officer().map_or("you", |key| key.name()),
                linked.origin,
                linked.rp_id
            );
            println!("It signs your console requests from now on; the audit log records the link.");
            Ok(())
        }
        OfficerCommand::Remove(args) => {
            let key = hq::parse_key(&args.public_key, "the officer key")?;
            let pending = args.officer.connect()?.remove_officer(&key)?;
            print_pending(&pending);
            Ok(())
        }
    }
}

fn new(args: &NewArgs) -> Result<(), Error> {
    let passphrase = match &args.passphrase_file {
        Some(path) => read_passphrase(path)?,
        None => {
            let first = prompt("Choose a passphrase for this officer key (at least 6 characters): ")?;
            let pin = Pin::new(first.as_str())?;
            if *prompt("Enter the same passphrase again: ")? != *first {
                return Err(Error::PassphrasesDiffer);
            }
            pin
        }
    };
    let key =
        OfficerKey::create(&args.key, &args.name, &passphrase, KdfParams::DEFAULT).map_err(key_error)?;
    println!("Made officer key {} for {}.", args.key.display(), key.name());
    println!("public key: {}", hex::encode(&key.public_key()));
    println!("enrolment code: {}", key.enrolment_code(now())?);
    println!(
        "Found a ledger with it (outpost ledger serve --founding-officer CODE, once per founder), or give"
    );
    println!("the code to an officer of a running ledger (outpost officer add CODE).");
    Ok(())
}

/// Reads and unlocks the key file at `path`.
pub fn unlock(path: &Path, passphrase_file: Option<&Path>) -> Result<OfficerKey, Error> {
    let file = OfficerKeyFile::read(path).map_err(key_error)?;
    let passphrase = match passphrase_file {
        Some(file) => read_passphrase(file)?,
        None => Pin::new(
            prompt(&format!("Passphrase for officer key {} ({}): ", path.display(), file.name()))?.as_str(),
        )?,
    };
    file.unlock(&passphrase).map_err(key_error)
}

/// A passphrase file: its text without the final line break. Like a key file, it must not be
/// readable by other users.
fn read_passphrase(path: &Path) -> Result<Pin, Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(Error::file("read the passphrase from", path))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::PassphraseFileExposed { path: path.to_owned() });
        }
    }
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(Error::file("read the passphrase from", path))?);
    Ok(Pin::new(text.trim_end_matches(['\n', '\r']))?)
}

fn prompt(prompt: &str) -> Result<Zeroizing<String>, Error> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Error::NoTerminalForPassphrase { detail: e.to_string() })
}

fn key_error(e: OfficerKeyError) -> Error {
    Error::OfficerKey(e)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Says that an act waits for approval, and how another officer gives it.
pub fn print_pending(pending: &PendingJson) {
    println!("Waiting for approval: {} (made by {}).", pending.act, pending.maker.name);
    println!("pending id: {}", pending.pending_id);
    println!(
        "{} must approve it before {}: outpost ledger approve {} --officer-key <their key>",
        crate::words::count(pending.approvals_needed.max(1), "more officer", "more officers"),
        crate::time::utc(pending.expires_at),
        pending.pending_id
    );
}
