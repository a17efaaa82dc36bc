//! A member simulated without a wallet file: its keys, the sync requests it signs and how far it
//! follows the log. What the settlement benchmark, `outpost bench` and the ledger's tests use to
//! drive [`Ledger::sync`] with batches no phone would build by hand.
//!
//! Behind the `simulated` feature: only the benchmark's binary (`outpost`) and the tests carry it.

use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::sync::{PurseOrder, SyncRequest, SyncRequestBody, SyncResponse};
use outpost_wallet_core::protocol::{
    EnrolmentRequest, PurseCertificate, SyncResponseBody, Transfer, TransferTerms,
};
use outpost_wallet_core::qr::{self, PayloadKind};

use crate::Ledger;

/// What a simulated member could not do, and why.
#[derive(Debug, thiserror::Error)]
#[error("a simulated member could not {doing}: {reason}")]
pub struct SimulatedError {
    pub doing: &'static str,
    pub reason: String,
}

fn failed<E: std::fmt::Display>(doing: &'static str) -> impl FnOnce(E) -> SimulatedError {
    move |e| SimulatedError { doing, reason: e.to_string() }
}

/// A member as its wallet speaks to the ledger: an identity, and how far it follows the log.
pub struct Member {
    pub member_id: String,
    pub identity: Identity,
    requests: u64,
    checkpoint_size: u64,
    seen_up_to: u64,
}

impl Member {
    /// A new identity, enrolled at `ledger` as `member_id` at time `now`.
    pub fn enrol(ledger: &Ledger, member_id: &str, now: u64) -> Result<Member, SimulatedError> {
        let identity = Identity::generate().map_err(failed("make a key"))?;
        let request =
            EnrolmentRequest::sign(&identity, member_id, now).map_err(failed("sign its enrolment"))?;
        ledger.enrol(&qr::encode(PayloadKind::Enrolment, &request.to_bytes())).map_err(failed("enrol"))?;
        Ok(Member {
            member_id: member_id.to_owned(),
            identity,
            requests: 0,
            checkpoint_size: 0,
            seen_up_to: 0,
        })
    }

    /// A signed sync request's bytes, in the current version, carrying `transfers` and `purse`,
    /// from where the member has followed the log. Each request has a new id.
    pub fn request(
        &mut self,
        transfers: Vec<Transfer>,
        purse: Option<PurseOrder>,
        now: u64,
    ) -> Result<Vec<u8>, SimulatedError> {
        let body = self.body(transfers, purse, now);
        Ok(SyncRequest::sign(body, &self.identity).map_err(failed("sign a sync request"))?.to_bytes())
    }

    /// [`Member::request`] in an earlier `version` of the request, as an older wallet sends it.
    pub fn request_version(
        &mut self,
        version: u8,
        transfers: Vec<Transfer>,
        purse: Option<PurseOrder>,
        now: u64,
    ) -> Result<Vec<u8>, SimulatedError> {
        let body = self.body(transfers, purse, now);
        let request = SyncRequest::sign_version(version, body, Vec::new(), Vec::new(), &self.identity)
            .map_err(failed("sign a sync request"))?;
        Ok(request.to_bytes())
    }

    /// One signed sync request, sent to `ledger` in process, and its checked answer.
    pub fn sync(
        &mut self,
        ledger: &Ledger,
        transfers: Vec<Transfer>,
        purse: Option<PurseOrder>,
        now: u64,
    ) -> Result<SyncResponseBody, SimulatedError> {
        let request = self.request(transfers, purse, now)?;
        let answer = ledger.sync(&request).map_err(failed("sync"))?;
        Ok(self.follow(&ledger.public_key(), &request, &answer)?.1)
    }

    /// Checks the answer to `request` against the ledger's key and follows the log as far as it
    /// says. Returns the answer's version and body.
    pub fn follow(
        &mut self,
        ledger_key: &[u8; 32],
        request: &[u8],
        answer: &[u8],
    ) -> Result<(u8, SyncResponseBody), SimulatedError> {
        let request = SyncRequest::from_bytes(request).map_err(failed("read its sync request"))?;
        let response = SyncResponse::from_bytes(answer).map_err(failed("read the sync answer"))?;
        response.verify(ledger_key, &request.id()).map_err(failed("verify the sync answer"))?;
        let version = response.version();
        let body = response.into_body();
        self.checkpoint_size = body.checkpoint.size;
        self.seen_up_to = body.seen_up_to;
        Ok((version, body))
    }

    fn body(&mut self, transfers: Vec<Transfer>, purse: Option<PurseOrder>, now: u64) -> SyncRequestBody {
        self.requests += 1;
        let mut request_id = [0u8; 16];
        request_id[..8].copy_from_slice(&self.requests.to_be_bytes());
        SyncRequestBody {
            checkpoint_size: self.checkpoint_size,
            seen_up_to: self.seen_up_to,
            ..request_body(&self.identity, request_id, now, transfers, purse)
        }
    }
}

/// A member's purse and how far its chain has got: each transfer it signs follows the last.
pub struct Payer {
    pub member: Member,
    pub certificate: PurseCertificate,
    prev_hash: [u8; 32],
    spent: u64,
    seq: u32,
}

impl Payer {
    /// `member` paying from `certificate`, a purse it has not spent from.
    pub fn new(member: Member, certificate: PurseCertificate) -> Payer {
        Payer { prev_hash: certificate.chain_start(), member, certificate, spent: 0, seq: 0 }
    }

    /// The purse's next transfer: `amount` to `receiver_key` for lunch, signed at `now`.
    pub fn pay(&mut self, receiver_key: [u8; 32], amount: u64, now: u64) -> Result<Transfer, SimulatedError> {
        let terms = TransferTerms {
            seq: self.seq + 1,
            prev_hash: self.prev_hash,
            spent_after: self.spent + amount,
            amount,
            receiver_key,
            request_nonce: None,
            time: now,
            memo: "lunch".into(),
        };
        let transfer = Transfer::sign(self.certificate.clone(), terms, &self.member.identity)
            .map_err(failed("sign a transfer"))?;
        self.seq += 1;
        self.spent += amount;
        self.prev_hash = transfer.id();
        Ok(transfer)
    }
}

/// The body of a sync request from `identity` that has followed none of the log yet, carrying
/// `transfers` and `purse` and nothing else: for a test that chooses its own request ids.
pub fn request_body(
    identity: &Identity,
    request_id: [u8; 16],
    device_time: u64,
    transfers: Vec<Transfer>,
    purse: Option<PurseOrder>,
) -> SyncRequestBody {
    SyncRequestBody {
        wallet_key: identity.public().signing_key,
        request_id,
        device_time,
        checkpoint_size: 0,
        seen_up_to: 0,
        transfers,
        receipts: Vec::new(),
        evidence: Vec::new(),
        purse,
        payments: Vec::new(),
    }
}
