//! The JSON of the officer API's members, purses, flags and officers: written by the server,
//! read by the `outpost` command's officer and auditor commands, one definition for both.
//!
//! Keys and ids are lowercase hex; amounts are in the ledger's minor unit.

use serde::{Deserialize, Serialize};

use crate::PurseState;

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
