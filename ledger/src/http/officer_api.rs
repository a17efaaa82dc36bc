//! The JSON of the officer API (members, purses, flags, officers, the acts waiting for approval,
//! passkeys, and the bodies of the requests that make acts) and of the ledger's public
//! description and checkpoint: one definition for the server and for the `outpost` command's officer, auditor
//! and wallet commands, which write what the other reads.
//!
//! Keys and ids are lowercase hex; amounts are in the ledger's minor unit.

use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::Checkpoint;
use serde::{Deserialize, Serialize};

use crate::PurseState;
use crate::rules::officers::Act;

/// The bodies of the requests that make acts live with the officer requests in wallet-core, where
/// the offline audit reads them back out of the log.
pub use outpost_wallet_core::officer::body::{
    CreditBody, EnrolmentBody, OfficerEnrolmentBody, PurseLimitBody, RevocationBody,
};

/// The ledger's public description (`GET /v1/ledger`): no officer signature needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerInfoJson {
    pub public_key: String,
    /// The ISO 4217 code.
    pub currency: String,
    /// Minor units per major unit, as a power of ten.
    pub exponent: u8,
}

/// The ledger's newest signed checkpoint (`GET /v1/checkpoint`): no officer signature needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointJson {
    pub size: u64,
    pub root: String,
    pub time: u64,
    /// The signed checkpoint as wallets receive it: `Checkpoint::from_bytes` reads it.
    pub signed: String,
}

impl From<&Checkpoint> for CheckpointJson {
    fn from(checkpoint: &Checkpoint) -> Self {
        Self {
            size: checkpoint.size,
            root: hex::encode(&checkpoint.root),
            time: checkpoint.time,
            signed: hex::encode(&checkpoint.to_bytes()),
        }
    }
}

/// A member (`GET /v1/officer/members`, and the answer to an enrolment).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberJson {
    pub member_id: String,
    pub wallet_fingerprint: String,
    pub wallet_key: String,
    pub balance_minor: i64,
    pub in_purses_minor: i64,
    pub purse_limit_minor: u64,
    pub flagged: bool,
    pub enrolled_at: u64,
}

/// A purse the ledger issued (`GET /v1/officer/members/{id}/purses`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PurseJson {
    pub purse_id: String,
    pub member_id: String,
    pub serial: u32,
    pub amount_minor: u64,
    pub outstanding_minor: i64,
    pub state: PurseState,
    pub expires_at: u64,
}

/// An officer (`GET /v1/officer/officers`, and the maker and approvers of a pending act).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficerJson {
    pub public_key: String,
    pub name: String,
    pub enrolled_at: u64,
}

/// A risk flag (`GET /v1/officer/flags`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlagJson {
    pub member_id: String,
    pub code: String,
    pub score: u16,
    pub at: u64,
    pub seq: u64,
    pub detail: String,
    pub evidence: Vec<String>,
}

/// An officer act stored to wait for approval (`GET /v1/officer/pending`, and the answer to any
/// act that needs one, or to an approval that was not yet the last).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingJson {
    pub pending_id: String,
    /// The act in words.
    pub act: String,
    /// The act as the maker's request gave it.
    pub request: Act,
    pub maker: OfficerJson,
    pub approvers: Vec<OfficerJson>,
    pub approvals_needed: usize,
    pub created_at: u64,
    pub expires_at: u64,
}

/// What an act did once its last approval let it run (`POST /v1/officer/pending/{id}/approve`,
/// 200). Each shape has fields the others lack, so the JSON names its kind without a tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ActResultJson {
    /// A new wallet replaced the member's device, or the member's purse limit changed.
    Member(MemberJson),
    OfficerEnrolled(OfficerJson),
    Credited {
        balance_minor: i64,
    },
    /// The device's purses, revoked with it.
    RevokedPurses {
        revoked_purses: Vec<String>,
    },
    RevokedPurse {
        revoked_purse: String,
    },
    OfficerRemoved {
        removed_officer: String,
    },
}

/// A passkey linked to an officer (`POST /v1/officer/passkeys`, `GET /v1/officer/passkeys`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyJson {
    /// Base64url without padding, as WebAuthn names it.
    pub credential_id: String,
    pub public_key: String,
    pub rp_id: String,
    pub origin: String,
    /// The authenticator's signature counter as last seen.
    pub counter: u32,
    pub linked_at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_act_result_reads_back_as_the_kind_it_was_written() {
        let officer = OfficerJson { public_key: "ab".repeat(32), name: "Alice".into(), enrolled_at: 7 };
        let member = MemberJson {
            member_id: "AIKO-0001".into(),
            wallet_fingerprint: "1234-5678".into(),
            wallet_key: "cd".repeat(32),
            balance_minor: 5_000,
            in_purses_minor: 2_000,
            purse_limit_minor: 20_000,
            flagged: false,
            enrolled_at: 7,
        };
        let results = [
            ActResultJson::Member(member),
            ActResultJson::OfficerEnrolled(officer),
            ActResultJson::Credited { balance_minor: -300 },
            ActResultJson::RevokedPurses { revoked_purses: vec!["ef".repeat(32)] },
            ActResultJson::RevokedPurses { revoked_purses: Vec::new() },
            ActResultJson::RevokedPurse { revoked_purse: "ef".repeat(32) },
            ActResultJson::OfficerRemoved { removed_officer: "ab".repeat(32) },
        ];
        for result in results {
            let written = serde_json::to_value(&result).unwrap();
            let read: ActResultJson = serde_json::from_value(written.clone()).unwrap();
            assert_eq!(std::mem::discriminant(&read), std::mem::discriminant(&result), "{written}");
            assert_eq!(serde_json::to_value(&read).unwrap(), written);
        }
    }
}
