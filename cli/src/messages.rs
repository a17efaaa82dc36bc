//! Every error the `outpost` command words itself, checked against the section "In the `outpost`
//! command" of `docs/messages.md` (as `wallet-core/src/messages.rs` and `ledger/src/messages.rs`
//! do for theirs): one sample of each variant of [`Error`], and of the errors it shows from the
//! officer key file, the CA file, logging and the ledger's HTTP API ([`HqError`]), must appear word
//! for word in its row, and every row must have a sample. [`code`] names each with an exhaustive
//! `match`, so a new variant does not compile until it is named here. A variant that carries
//! another table's error (a wallet's, the ledger's, a witness's) passes its words through
//! unchanged and is checked there.

use std::io;
use std::path::PathBuf;

use outpost_ledger::http::process::LogError;
use outpost_wallet_core::officer::OfficerKeyError;
use outpost_wallet_core::transport::TrustError;

use crate::bench::BenchError;
use crate::demo::DemoError;
use crate::error::Error;
use crate::hq::HqError;

/// The table's code for `error`, or `None` when its words are another table's.
fn code(error: &Error) -> Option<&'static str> {
    use Error as E;
    Some(match error {
        E::Wallet(_)
        | E::Vault(_)
        | E::Money(_)
        | E::Qr(_)
        | E::Ledger(_)
        | E::Officer(_)
        | E::Tls(_)
        | E::Witness(_)
        | E::OfficerKey(OfficerKeyError::Vault(_)) => return None,
        E::Hq(e) => match e {
            HqError::Unreachable { .. } => "HqError::Unreachable",
            HqError::Untrusted { .. } => "HqError::Untrusted",
            HqError::TlsFailed { .. } => "HqError::TlsFailed",
            HqError::Refused { .. } => "HqError::Refused",
            HqError::RefusedWithoutWords { .. } => "HqError::RefusedWithoutWords",
            HqError::BadAnswer { .. } => "HqError::BadAnswer",
            HqError::BadRequest { .. } => "HqError::BadRequest",
        },
        E::OfficerKey(e) => match e {
            OfficerKeyError::Io { .. } => "OfficerKeyError::Io",
            OfficerKeyError::Permissions { .. } => "OfficerKeyError::Permissions",
            OfficerKeyError::Damaged { .. } => "OfficerKeyError::Damaged",
            OfficerKeyError::WrongPassphrase { .. } => "OfficerKeyError::WrongPassphrase",
            OfficerKeyError::BadName => "OfficerKeyError::BadName",
            // `#[non_exhaustive]` in the library: a variant added there has no row until it is
            // named here, and the test finds no sample for it.
            _ => "OfficerKeyError (not named here yet)",
        },
        E::Trust(e) => match e {
            TrustError::Read { .. } => "TrustError::Read",
            TrustError::NoCertificate { .. } => "TrustError::NoCertificate",
            _ => "TrustError (not named here yet)",
        },
        E::Log(e) => match e {
            LogError::BadFilter { .. } => "LogError::BadFilter",
            LogError::CannotStart { .. } => "LogError::CannotStart",
        },
        E::Bench(e) => match e {
            BenchError::Step { .. } => "BenchError::Step",
            BenchError::Postgres { .. } => "BenchError::Postgres",
            BenchError::LedgerStopped { .. } => "BenchError::LedgerStopped",
            BenchError::Check { .. } => "BenchError::Check",
        },
        E::Demo(e) => match e {
            DemoError::NotEmpty(_) => "DemoError::NotEmpty",
            DemoError::NotADirectory(_) => "DemoError::NotADirectory",
            DemoError::Io { .. } => "DemoError::Io",
        },
        E::File { .. } => "Error::File",
        E::NoWalletPath => "Error::NoWalletPath",
        E::NoOfficerKey => "Error::NoOfficerKey",
        E::ExportNeedsOfficer => "Error::ExportNeedsOfficer",
        E::NoLedgerKey => "Error::NoLedgerKey",
        E::NoExport => "Error::NoExport",
        E::NothingToRevoke => "Error::NothingToRevoke",
        E::TextAndFile { .. } => "Error::TextAndFile",
        E::NoInput { .. } => "Error::NoInput",
        E::NotHex { .. } => "Error::NotHex",
        E::UrlScheme { .. } => "Error::UrlScheme",
        E::UrlNoHost { .. } => "Error::UrlNoHost",
        E::BodyNotJson { .. } => "Error::BodyNotJson",
        E::BadDatabase { .. } => "Error::BadDatabase",
        E::UnknownCurrency { .. } => "Error::UnknownCurrency",
        E::BadCurrency { .. } => "Error::BadCurrency",
        E::PinNotText => "Error::PinNotText",
        E::NoTerminalForPin { .. } => "Error::NoTerminalForPin",
        E::NoTerminalForPassphrase { .. } => "Error::NoTerminalForPassphrase",
        E::BadWitnessKey { .. } => "Error::BadWitnessKey",
        E::SameWitness { .. } => "Error::SameWitness",
        E::NeedUnmet { .. } => "Error::NeedUnmet",
        E::LinkCodeNotBase64 => "Error::LinkCodeNotBase64",
        E::LinkCodeDamaged { .. } => "Error::LinkCodeDamaged",
        E::PinsDiffer => "Error::PinsDiffer",
        E::PassphrasesDiffer => "Error::PassphrasesDiffer",
        E::PassphraseFileExposed { .. } => "Error::PassphraseFileExposed",
        E::FileTooLarge { .. } => "Error::FileTooLarge",
        E::StdinTooLarge => "Error::StdinTooLarge",
        E::IsDirectory { .. } => "Error::IsDirectory",
        E::WouldOverwrite { .. } => "Error::WouldOverwrite",
        E::WalletExists { .. } => "Error::WalletExists",
        E::NoWallet { .. } => "Error::NoWallet",
        E::LedgerKeyNotPinned => "Error::LedgerKeyNotPinned",
        E::TrustsOtherKey { .. } => "Error::TrustsOtherKey",
        E::PlainHttpNoKey { .. } => "Error::PlainHttpNoKey",
        E::PresentsOtherKey { .. } => "Error::PresentsOtherKey",
        E::LedgerCurrency { .. } => "Error::LedgerCurrency",
        E::NoCheckpointServed { .. } => "Error::NoCheckpointServed",
        E::CheckpointNotSigned { .. } => "Error::CheckpointNotSigned",
        E::NotACheckpoint { .. } => "Error::NotACheckpoint",
        E::NotAnExport { .. } => "Error::NotAnExport",
        E::AuditFailed { .. } => "Error::AuditFailed",
        E::ExportDoesNotDecode { .. } => "Error::ExportDoesNotDecode",
        E::Runtime { .. } => "Error::Runtime",
        E::CannotListen { .. } => "Error::CannotListen",
        E::NoSignals { .. } => "Error::NoSignals",
        E::Stopped { .. } => "Error::Stopped",
    })
}

fn samples() -> Vec<Error> {
    let url = || "http://127.0.0.1:7300".to_owned();
    let key = || "ab".repeat(32);
    let officer_key = || PathBuf::from("alice.key");
    vec![
        HqError::Unreachable { url: url(), detail: "connection refused".into() }.into(),
        HqError::Untrusted { url: url(), detail: "invalid peer certificate: UnknownIssuer".into() }.into(),
        HqError::TlsFailed { url: url(), detail: "handshake failure".into() }.into(),
        HqError::Refused {
            what: "the credit to BEN-0002".into(),
            status: 404,
            message: "no member BEN-0002 is enrolled here: check the member id".into(),
        }
        .into(),
        HqError::RefusedWithoutWords {
            what: "the list of members".into(),
            status: 502,
            body: "Bad Gateway".into(),
        }
        .into(),
        HqError::BadAnswer {
            what: "the list of officers".into(),
            detail: "expected value at line 1 column 1".into(),
        }
        .into(),
        HqError::BadRequest { what: "GET /v1/officer/flags".into(), detail: "invalid URI character".into() }
            .into(),
        OfficerKeyError::Io { path: officer_key(), source: io::Error::other("disk full") }.into(),
        OfficerKeyError::Permissions { path: officer_key(), mode: 0o644 }.into(),
        OfficerKeyError::Damaged { path: officer_key(), reason: "unknown key file version 9".into() }.into(),
        OfficerKeyError::WrongPassphrase { path: officer_key() }.into(),
        OfficerKeyError::BadName.into(),
        TrustError::Read { path: "ca.pem".into(), detail: "permission denied".into() }.into(),
        TrustError::NoCertificate { path: "ca.pem".into() }.into(),
        LogError::BadFilter { spec: "loud".into(), reason: "invalid filter directive".into() }.into(),
        LogError::CannotStart { reason: "a global logger is already set".into() }.into(),
        BenchError::Step { step: "create a wallet", detail: "No space left on device".into() }.into(),
        BenchError::Postgres { step: "connect", detail: "connection refused".into() }.into(),
        BenchError::LedgerStopped { log: "error: cannot listen on 127.0.0.1:0 (too many open files)".into() }
            .into(),
        BenchError::Check { check: "the ledger settled 63 of 64 transfers".into() }.into(),
        DemoError::NotEmpty("demo".into()).into(),
        DemoError::NotADirectory("demo".into()).into(),
        DemoError::Io { path: "demo".into(), source: io::Error::other("read-only file system") }.into(),
        Error::File {
            doing: "read",
            path: "pay.qr".into(),
            source: io::Error::from(io::ErrorKind::NotFound),
        },
        Error::NoWalletPath,
        Error::NoOfficerKey,
        Error::ExportNeedsOfficer,
        Error::NoLedgerKey,
        Error::NoExport,
        Error::NothingToRevoke,
        Error::TextAndFile { what: "the payment request" },
        Error::NoInput { what: "the payment request" },
        Error::NotHex { what: "the ledger key", chars: 62 },
        Error::UrlScheme { url: "ftp://hq.example".into() },
        Error::UrlNoHost { url: "http://".into() },
        Error::BodyNotJson { detail: "expected value at line 1 column 1".into() },
        Error::BadDatabase { given: "mysql://x".into() },
        Error::UnknownCurrency { code: "XTS".into() },
        Error::BadCurrency { detail: "“yen” is not a currency".into() },
        Error::PinNotText,
        Error::NoTerminalForPin { detail: "not a terminal".into() },
        Error::NoTerminalForPassphrase { detail: "not a terminal".into() },
        Error::BadWitnessKey { number: 2, detail: "the key is not base64".into() },
        Error::SameWitness { first: 1, second: 3, name: "w1.example".into() },
        Error::NeedUnmet { need: 3, keys: 2, most: 2 },
        Error::LinkCodeNotBase64,
        Error::LinkCodeDamaged { detail: "it ends early".into() },
        Error::PinsDiffer,
        Error::PassphrasesDiffer,
        Error::PassphraseFileExposed { path: "alice.pass".into() },
        Error::FileTooLarge { path: "photo.jpg".into() },
        Error::StdinTooLarge,
        Error::IsDirectory { path: "/tmp".into() },
        Error::WouldOverwrite { path: "request.txt".into() },
        Error::WalletExists { path: "aiko.wallet".into() },
        Error::NoWallet { path: "aiko.wallet".into() },
        Error::LedgerKeyNotPinned,
        Error::TrustsOtherKey { pinned: key() },
        Error::PlainHttpNoKey { url: url() },
        Error::PresentsOtherKey { url: url(), presented: key() },
        Error::LedgerCurrency { url: url(), ledger: "USD".into(), wallet: "JPY".into() },
        Error::NoCheckpointServed { url: url(), detail: "the note has no signature".into() },
        Error::CheckpointNotSigned { key: key(), detail: "the signature does not verify".into() },
        Error::NotACheckpoint { path: "note.txt".into(), detail: "the note has no signature".into() },
        Error::NotAnExport { source_name: "audit.bin".into(), detail: "input ends early".into() },
        Error::AuditFailed {
            source_name: "audit.bin".into(),
            error: Box::new(outpost_wallet_core::audit::AuditError::OutOfOrder { position: 5, seq: 7 }),
        },
        Error::ExportDoesNotDecode { detail: "input ends early".into() },
        Error::Runtime { what: "the ledger", detail: "out of memory".into() },
        Error::CannotListen { address: "127.0.0.1:7300".into(), detail: "address in use".into() },
        Error::NoSignals { what: "the ledger", detail: "cannot handle signals".into() },
        Error::Stopped { what: "the witness", detail: "too many open files".into() },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const TABLE: &str = include_str!("../../docs/messages.md");

    /// The section's rows: code → message, as written in the table.
    fn rows() -> BTreeMap<String, String> {
        outpost_wallet_core::message_table::section_rows(TABLE, "## In the `outpost` command", "")
    }

    fn texts() -> Vec<(&'static str, String)> {
        samples()
            .iter()
            .map(|e| {
                (code(e).expect("a sample of the command's own words"), e.to_string().replace('|', "\\|"))
            })
            .collect()
    }

    #[test]
    #[ignore = "prints the section's rows, to start the table"]
    fn print_rows() {
        for (code, text) in texts() {
            println!("| `{code}` | {text} |");
        }
    }

    #[test]
    fn every_error_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        let rows = rows();
        let texts = texts();
        for (code, text) in &texts {
            assert_eq!(rows.get(*code), Some(text), "the row for `{code}` differs from the code");
        }
        let named: Vec<&str> = texts.iter().map(|(code, _)| *code).collect();
        let missing: Vec<&String> = rows.keys().filter(|c| !named.contains(&c.as_str())).collect();
        assert!(missing.is_empty(), "rows with no sample: {missing:?}");
    }

    #[test]
    fn every_error_says_what_happened_then_what_to_do() {
        for (code, text) in texts() {
            let outside = outpost_wallet_core::message_table::outside_parentheses(&text);
            assert_eq!(outside.matches(": ").count(), 1, "{code}: not one `what: what to do`: {text}");
            assert!(!text.contains(". ") && !text.contains("(s)") && !text.contains(';'), "{code}: {text}");
            assert!(!text.contains('{') && !text.contains("Some(") && !text.contains('"'), "{code}: {text}");
        }
    }

    /// A wrapped ledger refusal stays one sentence: its own words, then whose refusal it was in
    /// parentheses.
    #[test]
    fn the_ledgers_refusal_keeps_its_one_sentence() {
        let refused = HqError::Refused {
            what: "the credit to BEN-0002".into(),
            status: 404,
            message: outpost_ledger::LedgerError::UnknownMember { member_id: "BEN-0002".into() }.to_string(),
        };
        assert_eq!(
            refused.to_string(),
            "no member BEN-0002 is enrolled here: check the member id (the ledger refused the credit to BEN-0002, HTTP 404)"
        );
    }
}
