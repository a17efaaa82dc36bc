//! Offline audit of an exported ledger log, for auditors' tools and for a wallet that wants to
//! check the ledger's books itself. All the checking is wallet-core's (`audit::audit_log`).

use outpost_wallet_core as wc;
use wc::audit;

use crate::error::{WalletError, unhex32};
use crate::records::{AuditSummary, LedgerCheckpoint};

/// Audits an exported ledger log (the bytes of the officer's audit export) under the ledger's
/// public key (hex): every signature, every entry's place in the signed Merkle tree, every
/// entry's moves summing to zero, and accounts plus purses equal to everything credited.
#[uniffi::export]
pub fn verify_audit_export(export: Vec<u8>, ledger_key: String) -> Result<AuditSummary, WalletError> {
    verify(&export, &unhex32(&ledger_key, "the ledger key")?, None)
}

/// The audit, and when `held` is given, the check that the log extends that earlier checkpoint.
pub(crate) fn verify(
    export: &[u8],
    ledger_key: &[u8; 32],
    held: Option<&wc::protocol::Checkpoint>,
) -> Result<AuditSummary, WalletError> {
    let failed = |reason: String| WalletError::AuditFailed { reason };
    let (checkpoint, entries) = audit::decode_export(export).map_err(|e| {
        failed(format!("the file is not a readable audit export ({e}): give a file the ledger exported"))
    })?;
    let report = audit::audit_log(&entries, &checkpoint, ledger_key).map_err(|e| failed(e.to_string()))?;
    if let Some(held) = held {
        audit::check_against(&entries, held, ledger_key).map_err(|e| failed(e.to_string()))?;
    }
    Ok(AuditSummary {
        entries: report.entries,
        credited: report.credited,
        accounts: report.accounts,
        purses: report.purses,
        flagged: report.flagged,
        checkpoint: LedgerCheckpoint::from(checkpoint),
    })
}
