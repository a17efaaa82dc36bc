//! Every refusal the ledger gives an officer or a syncing member, checked against the ledger's
//! section of `docs/messages.md` (as `wallet-core/src/messages.rs` does for the phone): one
//! sample of each [`LedgerError`], named by an exhaustive `match`, must appear word for word in
//! its row, and every row must have a sample.

use std::path::PathBuf;

use outpost_wallet_core::money::{Currency, MoneyError};
use outpost_wallet_core::protocol::ProtocolError;
use outpost_wallet_core::qr::QrError;

use crate::LedgerError;
use crate::storage::StorageError;

fn code(error: &LedgerError) -> &'static str {
    use LedgerError as L;
    match error {
        L::Database(_) => "Database",
        L::KeyFile { .. } => "KeyFile",
        L::KeyMismatch { .. } => "KeyMismatch",
        L::WrongCurrency { .. } => "WrongCurrency",
        L::Qr(_) => "Qr",
        L::Protocol(_) => "Protocol",
        L::Money(_) => "Money",
        L::AlreadyEnrolled { .. } => "AlreadyEnrolled",
        L::WalletAlreadyEnrolled { .. } => "WalletAlreadyEnrolled",
        L::UnknownMember { .. } => "UnknownMember",
        L::UnknownPurse { .. } => "UnknownPurse",
        L::BadText { .. } => "BadText",
        L::BeyondLog { .. } => "BeyondLog",
        L::ZeroCredit => "ZeroCredit",
        L::MemoTooLong { .. } => "MemoTooLong",
        L::EnrolmentForAnotherMember { .. } => "EnrolmentForAnotherMember",
        L::UnknownWallet => "UnknownWallet",
        L::WalletBlocked { .. } => "WalletBlocked",
        L::BadRequestSignature => "BadRequestSignature",
        L::RequestIdReused => "RequestIdReused",
        L::SyncBehind { .. } => "SyncBehind",
        L::Inconsistent { .. } => "Inconsistent",
        L::Equivocation { .. } => "Equivocation",
        L::CheckpointFile { .. } => "CheckpointFile",
        L::NothingToRecover { .. } => "NothingToRecover",
        L::NewerSchema { .. } => "NewerSchema",
        L::OfficerRefused { .. } => "OfficerRefused",
        L::AlreadyFounded => "AlreadyFounded",
    }
}

fn samples() -> Vec<LedgerError> {
    let path = || PathBuf::from("/srv/outpost/ledger.key");
    vec![
        LedgerError::Database(StorageError { message: "database or disk is full".into(), retryable: false }),
        LedgerError::KeyFile { path: path(), reason: "readable by others, mode 644".into() },
        LedgerError::KeyMismatch { path: path() },
        LedgerError::WrongCurrency { ledger: Currency::JPY, asked: Currency::USD },
        QrError::Empty.into(),
        ProtocolError::BadSignature { message: "enrolment request" }.into(),
        MoneyError::TooLarge.into(),
        LedgerError::AlreadyEnrolled { member_id: "AIKO-0001".into() },
        LedgerError::WalletAlreadyEnrolled { member_id: "AIKO-0001".into() },
        LedgerError::UnknownMember { member_id: "AIKO-0009".into() },
        LedgerError::UnknownPurse { purse: "585f14c86fb7".into() },
        LedgerError::BadText { field: "payroll batch", max: 64 },
        LedgerError::BeyondLog { from: 30, size: 24 },
        LedgerError::ZeroCredit,
        LedgerError::MemoTooLong { max: 200 },
        LedgerError::EnrolmentForAnotherMember { expected: "BEN-0002".into(), found: "AIKO-0001".into() },
        LedgerError::UnknownWallet,
        LedgerError::WalletBlocked { state: crate::KeyState::Revoked },
        LedgerError::BadRequestSignature,
        LedgerError::RequestIdReused,
        LedgerError::SyncBehind { sent: 12, acknowledged: 20 },
        LedgerError::Inconsistent { detail: "purse 585f14c86fb7 holds more than it was issued".into() },
        LedgerError::Equivocation {
            signed_size: 24,
            stored_size: 24,
            first_divergent: 2,
            detail: "the first entry that differs is entry 2".into(),
        },
        LedgerError::CheckpointFile {
            path: PathBuf::from("/srv/outpost/checkpoints.log"),
            reason: "its first record is not a checkpoint of this ledger".into(),
        },
        LedgerError::NothingToRecover { size: 24 },
        LedgerError::NewerSchema { found: 9, known: 4 },
        LedgerError::OfficerRefused {
            status: 403,
            reason: "Alice Sato made this request and cannot approve it: another officer must".into(),
        },
        LedgerError::AlreadyFounded,
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const TABLE: &str = include_str!("../../docs/messages.md");
    const SECTION: &str = "## At the ledger";

    fn rows() -> BTreeMap<String, String> {
        let section = TABLE.split(SECTION).nth(1).expect("the ledger section of docs/messages.md");
        let section = section.split("\n## ").next().unwrap();
        let mut rows = BTreeMap::new();
        for line in section.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            let code = cells[0].trim_matches('`').trim_start_matches("LedgerError::").to_owned();
            assert!(rows.insert(code.clone(), cells[1].to_owned()).is_none(), "{code} has two rows");
        }
        rows
    }

    #[test]
    #[ignore = "prints the ledger section's rows, to start the table"]
    fn print_rows() {
        for error in samples() {
            println!("| `LedgerError::{}` | {} |", code(&error), error.to_string().replace('|', "\\|"));
        }
    }

    #[test]
    fn every_refusal_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        let rows = rows();
        let samples = samples();
        for error in &samples {
            let code = code(error);
            let text = error.to_string().replace('|', "\\|");
            assert_eq!(
                rows.get(code),
                Some(&text),
                "the row for `LedgerError::{code}` differs from the code"
            );
        }
        let named: Vec<&str> = samples.iter().map(code).collect();
        let missing: Vec<&String> = rows.keys().filter(|c| !named.contains(&c.as_str())).collect();
        assert!(missing.is_empty(), "rows with no sample: {missing:?}");
    }

    #[test]
    fn every_refusal_says_what_happened_then_what_to_do() {
        for error in samples() {
            let text = error.to_string();
            let mut depth = 0usize;
            let outside: String = text
                .chars()
                .filter(|c| match c {
                    '(' => {
                        depth += 1;
                        false
                    }
                    ')' => {
                        depth = depth.saturating_sub(1);
                        false
                    }
                    _ => depth == 0,
                })
                .collect();
            let code = code(&error);
            assert!(outside.matches(": ").count() <= 1, "{code}: a stacked chain: {text}");
            assert!(!text.contains(". ") && !text.contains("(s)"), "{code}: {text}");
        }
    }
}
