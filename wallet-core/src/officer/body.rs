//! The bodies of the officers' requests, as JSON: one definition for the ledger's server, which
//! reads them, the `outpost` command, which writes them, and the offline audit
//! ([`super::authority`]), which reads them back out of the signed requests in the log.
//!
//! Each refuses a field it does not know, so that what an officer signed is exactly what was
//! done.

use serde::{Deserialize, Serialize};

/// The body of `POST /v1/officer/members` (and of `…/replace-device`): the wallet's enrolment QR
/// text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentBody {
    pub enrolment_qr: String,
}

/// The body of `POST /v1/officer/members/{id}/credit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    pub amount_minor: u64,
    pub memo: String,
    /// The payroll batch the credit belongs to.
    pub batch: String,
}

/// The body of `PUT /v1/officer/members/{id}/purse-limit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurseLimitBody {
    pub limit_minor: u64,
}

/// The body of a revocation (`…/revoke-device`, `/v1/officer/purses/{id}/revoke`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationBody {
    pub reason: String,
}

/// The body of `POST /v1/officer/officers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerEnrolmentBody {
    /// The new officer's enrolment code, as `outpost officer new` printed it.
    pub enrolment: String,
}
