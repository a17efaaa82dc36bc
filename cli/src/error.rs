//! What can stop an `outpost` command, and how it reaches the user: one line, `error: <message>`,
//! on stderr, with exit status 2 for a command line that cannot work and 1 for everything else.
//!
//! The library errors already say what happened and what to do, so they pass through unchanged;
//! this type only adds the cases the command itself meets (files, the command line, the ledger's
//! HTTP API, its servers). Each is a variant of its own, worded once here, so the whole set is
//! checked against the section "In the `outpost` command" of `docs/messages.md`
//! (`messages.rs`): one sentence, what happened, then what to do. Words from another system (an
//! OS error, a parser's reason) go in parentheses, never as a chain of `x: y: z`.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use outpost_ledger::http::process::LogError;
use outpost_ledger::http::tls::TlsError;
use outpost_ledger::witness::WitnessError as WitnessServerError;
use outpost_wallet_core::officer::{OfficerError, OfficerKeyError};
use outpost_wallet_core::qr::QrError;
use outpost_wallet_core::transport::TrustError;
use outpost_wallet_core::{MoneyError, ProtectorError, VaultError, WalletError};

use crate::hq::HqError;
use crate::words;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error(transparent)]
    Ledger(#[from] outpost_ledger::LedgerError),
    #[error(transparent)]
    Hq(#[from] HqError),
    #[error(transparent)]
    OfficerKey(#[from] OfficerKeyError),
    #[error(transparent)]
    Officer(#[from] OfficerError),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Witness(#[from] WitnessServerError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error(transparent)]
    Bench(#[from] crate::bench::BenchError),
    #[error("cannot {doing} {} ({}): {}", .path.display(), io_words(source), io_advice(source))]
    File { doing: &'static str, path: PathBuf, source: io::Error },

    // The command line cannot work as given (exit status 2).
    #[error("no wallet file was named: give --wallet PATH, or set OUTPOST_WALLET")]
    NoWalletPath,
    #[error(
        "officer commands need your officer key: give --officer-key FILE (make one with `outpost officer new`)"
    )]
    NoOfficerKey,
    #[error(
        "fetching the export needs an officer's signature: give --officer-key FILE, or the export itself with --file"
    )]
    ExportNeedsOfficer,
    #[error(
        "the audit has no ledger key to check the log's signatures with: give --ledger-key HEX, or --ledger URL to ask the ledger"
    )]
    NoLedgerKey,
    #[error("the audit has no export to read: give it with --file FILE, or fetch it with --ledger URL")]
    NoExport,
    #[error("nothing to revoke was named: give --purse ID or --device MEMBER")]
    NothingToRevoke,
    #[error("{what} was given both as text and with --qr-file: give it one way")]
    TextAndFile { what: &'static str },
    #[error("{what} was not given: give it as an argument, with --qr-file FILE, or piped on standard input")]
    NoInput { what: &'static str },
    #[error("{what} is not 64 hexadecimal digits (the one given has {}): copy it again in full", words::count(*.chars, "character", "characters"))]
    NotHex { what: &'static str, chars: usize },
    #[error("the ledger URL {url} does not start with https:// or http://: give the ledger's whole address")]
    UrlScheme { url: String },
    #[error("the ledger URL {url} names no host: give the ledger's whole address")]
    UrlNoHost { url: String },
    #[error("--body is not JSON ({detail}): give one JSON object")]
    BodyNotJson { detail: String },
    #[error(
        "--database {given} is not a postgres:// URL: give one, or leave it out to keep ledger.db in --dir"
    )]
    BadDatabase { given: String },
    #[error(
        "the currency {code} is not one this command knows: give its number of decimal places with --exponent"
    )]
    UnknownCurrency { code: String },
    #[error("the currency is not usable ({detail}): give a three-letter code such as JPY")]
    BadCurrency { detail: String },
    #[error("OUTPOST_PIN is not valid text: set it to the PIN's digits")]
    PinNotText,
    #[error("cannot ask for the PIN on a terminal ({detail}): set OUTPOST_PIN when scripting")]
    NoTerminalForPin { detail: String },
    #[error("cannot ask for the passphrase on a terminal ({detail}): use --passphrase-file when scripting")]
    NoTerminalForPassphrase { detail: String },
    #[error(
        "witness key {number} cannot be read ({detail}): give it exactly as `outpost witness` printed it"
    )]
    BadWitnessKey { number: usize, detail: String },
    #[error("witness keys {first} and {second} name the same witness ({name}): give each witness once")]
    SameWitness { first: usize, second: usize, name: String },
    #[error(
        "--need {need} cannot be met with {}: give a number from 1 to {most}",
        words::count(*.keys, "witness key", "witness keys")
    )]
    NeedUnmet { need: u8, keys: usize, most: usize },
    #[error("the passkey link code is not base64url: copy it as the console's Passkey page shows it")]
    LinkCodeNotBase64,
    #[error("the passkey link code is damaged ({detail}): copy it again from the console's Passkey page")]
    LinkCodeDamaged { detail: String },

    // The command ran and the answer is no (exit status 1).
    #[error("the two PINs differ, so nothing was created: try again")]
    PinsDiffer,
    #[error("the two passphrases differ, so nothing was created: try again")]
    PassphrasesDiffer,
    #[error(
        "the passphrase file {} may be read by other users, so it was not used: run `chmod 600 {}`",
        .path.display(), .path.display()
    )]
    PassphraseFileExposed { path: PathBuf },
    #[error("{} is larger than any Outpost QR text (at most 1,200 characters): check it is the right file", .path.display())]
    FileTooLarge { path: PathBuf },
    #[error(
        "standard input holds more than any Outpost QR text (at most 1,200 characters): give only the code's text"
    )]
    StdinTooLarge,
    #[error("{} is a directory: name a file to write", .path.display())]
    IsDirectory { path: PathBuf },
    #[error("{} already exists and was not overwritten: choose a new file name", .path.display())]
    WouldOverwrite { path: PathBuf },
    #[error("a wallet already exists at {}, and it was not overwritten: choose another --wallet path", .path.display())]
    WalletExists { path: PathBuf },
    #[error(
        "no wallet file at {}: check --wallet, or make one with `outpost wallet create --wallet {}`",
        .path.display(), .path.display()
    )]
    NoWallet { path: PathBuf },
    #[error(
        "this wallet has not pinned the ledger's key yet, so it cannot check the payer's purse: once the \
         officer has enrolled you, sync once (`outpost wallet sync`) and accept again"
    )]
    LedgerKeyNotPinned,
    #[error(
        "this wallet already trusts ledger key {pinned}, not the one given with --ledger-key, and a wallet is \
         never moved to another ledger: give the key it trusts, or leave --ledger-key out"
    )]
    TrustsOtherKey { pinned: String },
    #[error(
        "this wallet has no ledger key yet, and {url} is plain HTTP, where anyone on the network can answer \
         with a key of their own, so nothing was pinned: give the ledger's key from your finance officer with \
         --ledger-key, or reach the ledger over https:// with --ca-file"
    )]
    PlainHttpNoKey { url: String },
    #[error(
        "the ledger at {url} presents key {presented}, not the one given with --ledger-key, so nothing was \
         pinned: check the URL and the key with your finance officer"
    )]
    PresentsOtherKey { url: String, presented: String },
    #[error(
        "the ledger at {url} keeps {ledger} and this wallet holds {wallet}, so they cannot sync: check the ledger's URL"
    )]
    LedgerCurrency { url: String, ledger: String, wallet: String },
    #[error(
        "the ledger at {url} served no readable checkpoint ({detail}): try again, and tell the ledger's operator if it keeps failing"
    )]
    NoCheckpointServed { url: String, detail: String },
    #[error(
        "the checkpoint the ledger served is not signed by ledger key {key} ({detail}): check the key with the one your members' wallets pinned"
    )]
    CheckpointNotSigned { key: String, detail: String },
    #[error("{} does not hold a ledger checkpoint ({detail}): give a file `outpost audit checkpoint` saved", .path.display())]
    NotACheckpoint { path: PathBuf, detail: String },
    #[error(
        "{source_name} is not a readable audit log export ({detail}): give a file `outpost ledger export` wrote"
    )]
    NotAnExport { source_name: String, detail: String },
    /// The audit's own sentence says what is wrong and what to do (`docs/messages.md`, "The
    /// offline audit").
    #[error("the audit FAILED for {source_name}, because {error}")]
    AuditFailed { source_name: String, error: Box<outpost_wallet_core::audit::AuditError> },
    #[error(
        "the ledger's audit export does not decode ({detail}), so nothing was written: use the outpost command of the ledger's release"
    )]
    ExportDoesNotDecode { detail: String },
    #[error(
        "cannot start {what}'s runtime ({detail}): check the machine's free memory and threads, then try again"
    )]
    Runtime { what: &'static str, detail: String },
    #[error("cannot listen on {address} ({detail}): choose another --listen address, or stop what uses it")]
    CannotListen { address: String, detail: String },
    #[error("cannot handle Ctrl-C and SIGTERM ({detail}), so {what} did not start: try again")]
    NoSignals { what: &'static str, detail: String },
    #[error("{what} stopped ({detail}): read its log, then start it again")]
    Stopped { what: &'static str, detail: String },
}

/// An I/O error in words, without the operating system's error number.
fn io_words(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "it does not exist".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::AlreadyExists => "it already exists".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_owned(),
                None => text,
            }
        }
    }
}

/// What to do about an I/O error.
fn io_advice(error: &io::Error) -> &'static str {
    match error.kind() {
        io::ErrorKind::NotFound => "check the path",
        io::ErrorKind::PermissionDenied => "check the file's owner and permissions",
        io::ErrorKind::AlreadyExists => "choose another name",
        _ => "check the disk and try again",
    }
}

impl From<ProtectorError> for Error {
    fn from(e: ProtectorError) -> Self {
        Error::Vault(VaultError::from(e))
    }
}

impl Error {
    pub fn file(doing: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::File { doing, path, source }
    }

    /// Whether the command line cannot work as given (exit status 2), rather than the command
    /// having run and been refused.
    pub fn is_usage(&self) -> bool {
        use Error as E;
        matches!(
            self,
            E::Log(LogError::BadFilter { .. })
                | E::Trust(_)
                | E::NoWalletPath
                | E::NoOfficerKey
                | E::ExportNeedsOfficer
                | E::NoLedgerKey
                | E::NoExport
                | E::NothingToRevoke
                | E::TextAndFile { .. }
                | E::NoInput { .. }
                | E::NotHex { .. }
                | E::UrlScheme { .. }
                | E::UrlNoHost { .. }
                | E::BodyNotJson { .. }
                | E::BadDatabase { .. }
                | E::UnknownCurrency { .. }
                | E::BadCurrency { .. }
                | E::PinNotText
                | E::NoTerminalForPin { .. }
                | E::NoTerminalForPassphrase { .. }
                | E::BadWitnessKey { .. }
                | E::SameWitness { .. }
                | E::NeedUnmet { .. }
                | E::LinkCodeNotBase64
                | E::LinkCodeDamaged { .. }
        )
    }

    /// Prints the error as one line and gives the exit status for it.
    pub fn report(&self) -> ExitCode {
        eprintln!("error: {}", one_line(&self.to_string()));
        match self.is_usage() {
            true => ExitCode::from(2),
            false => ExitCode::FAILURE,
        }
    }
}

/// `text` with every run of whitespace, line breaks included, made one space: an error is one
/// line even when a message it wraps (a server's answer, an OS error) spans several.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_spanning_lines_is_reported_on_one() {
        assert_eq!(one_line("the ledger refused:\n  bad\tthing \n"), "the ledger refused: bad thing");
    }
}
