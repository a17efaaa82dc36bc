//! What can stop an `outpost` command, and how it reaches the user: one line, `error: <message>`,
//! on stderr, with exit status 2 for a command line that cannot work and 1 for everything else.
//!
//! The library errors already say what happened and what to do, so they pass through unchanged;
//! this type only adds the cases the command itself meets (files, the command line, the ledger's
//! HTTP API).

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use outpost_wallet_core::qr::QrError;
use outpost_wallet_core::{MoneyError, ProtectorError, VaultError, WalletError};

use crate::hq::HqError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something the command line must say and did not (clap cannot see it, say because it may
    /// come from the environment instead).
    #[error("{0}")]
    Usage(String),
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
    #[error("cannot {doing} {} ({}): {}", .path.display(), io_words(source), io_advice(source))]
    File { doing: &'static str, path: PathBuf, source: io::Error },
    /// The command ran and the answer is no: the message says why and what to do.
    #[error("{0}")]
    Refused(String),
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

    /// Prints the error as one line and gives the exit status for it.
    pub fn report(&self) -> ExitCode {
        eprintln!("error: {}", one_line(&self.to_string()));
        match self {
            Error::Usage(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
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
