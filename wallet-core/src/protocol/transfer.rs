//! Offline transfers: one signed, hash-chained spend from a purse.
//!
//! A purse's transfers form a chain: transfer `n` carries sequence `n`, the id of transfer
//! `n - 1` (the certificate's chain start, its id, for the first) and the purse's cumulative spend after
//! it. Two different transfers with the same purse and sequence are therefore proof, signed by the
//! sender, of a double spend. Each transfer carries the full purse certificate because the
//! receiver is offline and must check the ledger's grant itself.

use super::{
    Kind, MAX_MEMO, MessageId, ProtocolError, PurseCertificate, Signed, check_len, read_time, write_time,
};
use crate::identity::Identity;
use crate::money::Amount;

const KIND: Kind = Kind { domain: "outpost/transfer/v1", name: "transfer", version: 1 };
/// A certificate is at most 138 bytes; the 1-byte length prefix caps what a reader will take.
const MAX_CERTIFICATE: usize = 255;

/// The sender's side of a transfer, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferTerms {
    /// 1 for the purse's first transfer.
    pub seq: u32,
    /// Id of the purse's previous transfer, or the certificate's chain start when `seq == 1`.
    pub prev_hash: [u8; 32],
    /// Total spent from the purse including this transfer, in the purse currency's minor units.
    pub spent_after: u64,
    /// This transfer's amount, in the purse currency's minor units.
    pub amount: u64,
    /// The receiver's Ed25519 key.
    pub receiver_key: [u8; 32],
    /// The nonce of the payment request this answers, if any.
    pub request_nonce: Option<[u8; 16]>,
    /// Sender's device time (untrusted; the ledger records its own too).
    pub time: u64,
    pub memo: String,
}

/// A signed transfer. Its fields mean nothing until [`Transfer::verify`] succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    certificate: PurseCertificate,
    terms: TransferTerms,
    signed: Signed,
}

/// A transfer whose certificate and signature verified and whose amounts are consistent. Only
/// [`Transfer::verify`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTransfer(Transfer);

impl TransferTerms {
    fn encode(&self, certificate: &PurseCertificate) -> Result<Vec<u8>, ProtocolError> {
        check_len("memo", &self.memo, MAX_MEMO)?;
        let mut w = KIND.writer();
        w.short_bytes(&certificate.to_bytes())
            .u32(self.seq)
            .fixed(&self.prev_hash)
            .u64(self.spent_after)
            .u64(self.amount)
            .fixed(&self.receiver_key);
        match &self.request_nonce {
            Some(nonce) => w.u8(1).fixed(nonce),
            None => w.u8(0),
        };
        write_time(&mut w, KIND.name, self.time)?;
        w.short_text(&self.memo);
        Ok(w.finish())
    }
}

impl Transfer {
    /// Signs a transfer from `certificate`'s purse. Refuses when `sender` is not the purse's
    /// wallet or the amounts break the purse's rules, so a wallet cannot sign what receivers
    /// would refuse.
    pub fn sign(
        certificate: PurseCertificate,
        terms: TransferTerms,
        sender: &Identity,
    ) -> Result<Self, ProtocolError> {
        if sender.public().signing_key != certificate.terms().wallet_key {
            return Err(ProtocolError::Invalid {
                message: KIND.name,
                reason: "the signer does not own the purse",
            });
        }
        check_terms(&certificate, &terms)?;
        let signed = Signed::sign(&KIND, terms.encode(&certificate)?, sender.signing_key());
        Ok(Self { certificate, terms, signed })
    }

    pub fn id(&self) -> MessageId {
        self.signed.id(&KIND)
    }

    pub fn certificate(&self) -> &PurseCertificate {
        &self.certificate
    }

    pub fn terms(&self) -> &TransferTerms {
        &self.terms
    }

    pub fn amount(&self) -> Amount {
        Amount::from_minor(self.terms.amount, self.certificate.terms().amount.currency())
            .expect("checked at decode: a valid amount")
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (signed, mut r) = Signed::parse(&KIND, bytes)?;
        let m = KIND.malformed();
        let certificate =
            PurseCertificate::from_bytes(r.short_bytes("purse certificate", MAX_CERTIFICATE).map_err(&m)?)?;
        let seq = r.u32("sequence").map_err(&m)?;
        let prev_hash = r.array("previous hash").map_err(&m)?;
        let spent_after = r.u64("spent after").map_err(&m)?;
        let amount = r.u64("amount").map_err(&m)?;
        let receiver_key = r.array("receiver key").map_err(&m)?;
        let request_nonce = match r.u8("request nonce flag").map_err(&m)? {
            0 => None,
            1 => Some(r.array("request nonce").map_err(&m)?),
            _ => {
                return Err(ProtocolError::Invalid {
                    message: KIND.name,
                    reason: "request nonce flag is not 0 or 1",
                });
            }
        };
        let time = read_time(&mut r, "time").map_err(&m)?;
        let memo = r.short_text("memo", MAX_MEMO).map_err(&m)?.to_owned();
        r.finish().map_err(&m)?;
        let terms =
            TransferTerms { seq, prev_hash, spent_after, amount, receiver_key, request_nonce, time, memo };
        // Only what keeps the value well-formed is checked here. The purse rules wait until the
        // signatures verify, so an altered transfer is reported as altered, not as breaking a
        // rule its forger happened to break.
        Amount::from_minor(amount, certificate.terms().amount.currency()).map_err(|_| {
            m(crate::encoding::DecodeError::Invalid { what: "amount", reason: "above the largest amount" })
        })?;
        Ok(Self { certificate, terms, signed })
    }

    /// Checks everything a receiver can check from the transfer alone: the ledger signed the
    /// purse (with the pinned `ledger_key`), the purse's wallet signed the transfer, and the purse
    /// has not expired by the receiver's clock `now`. Receiver-specific checks (addressed to me,
    /// answers my request, not revoked, continues the chain I hold) are the wallet's.
    pub fn verify(self, ledger_key: &[u8; 32], now: u64) -> Result<VerifiedTransfer, ProtocolError> {
        let verified = self.verify_grant(ledger_key)?;
        let expires_at = verified.certificate.terms().expires_at;
        if now > expires_at {
            return Err(ProtocolError::Expired { message: "purse certificate", expired_at: expires_at, now });
        }
        Ok(verified)
    }

    /// The same checks without the expiry, for the ledger and auditors: a transfer made while its
    /// purse was valid may reach the ledger after the purse expired, and the ledger applies its
    /// settlement window by its own clock instead.
    pub fn verify_grant(self, ledger_key: &[u8; 32]) -> Result<VerifiedTransfer, ProtocolError> {
        self.verify_grant_with(|certificate| certificate.verify(ledger_key))
    }

    /// [`Transfer::verify_grant`] for a verifier that meets one purse certificate in many
    /// transfers (the ledger, settling a sync's worth): the same checks in the same order, except
    /// that the certificate's check is `check_certificate`, called with this transfer's
    /// certificate. It must return exactly what `certificate.verify(ledger_key)` returns for the
    /// pinned ledger key, which it may have remembered from an earlier call for a certificate of
    /// the same bytes ([`PurseCertificate::to_bytes`]: its id leaves out the signature).
    pub fn verify_grant_with(
        self,
        check_certificate: impl FnOnce(&PurseCertificate) -> Result<(), ProtocolError>,
    ) -> Result<VerifiedTransfer, ProtocolError> {
        check_certificate(&self.certificate)?;
        self.signed.verify(&KIND, &self.certificate.terms().wallet_key)?;
        check_terms(&self.certificate, &self.terms)?;
        Ok(VerifiedTransfer(self))
    }

    /// [`Transfer::verify_grant_with`] for many transfers at once: each result is exactly what
    /// that gives the transfer alone, but the senders' signatures are checked together as one
    /// batch ([`crate::signature::Batch`]), which costs a fraction of checking each. Only when
    /// the batch fails (some signature is bad) is each transfer checked again on its own, to say
    /// which. `check_certificate` may then be called twice for a transfer.
    pub fn verify_grants_with(
        transfers: Vec<Transfer>,
        check_certificate: impl Fn(&PurseCertificate) -> Result<(), ProtocolError>,
    ) -> Vec<Result<VerifiedTransfer, ProtocolError>> {
        let mut batch = crate::signature::Batch::new();
        // The checks in `verify_grant_with`'s order, with the signature's deferred to the batch:
        // when the batch passes every signature is good, so each verdict is the one the
        // sequential checks would reach.
        let verdicts: Vec<Result<(), ProtocolError>> = transfers
            .iter()
            .map(|transfer| {
                check_certificate(&transfer.certificate)?;
                transfer.signed.queue(&KIND, &transfer.certificate.terms().wallet_key, &mut batch);
                check_terms(&transfer.certificate, &transfer.terms)
            })
            .collect();
        if batch.verify() {
            transfers
                .into_iter()
                .zip(verdicts)
                .map(|(transfer, verdict)| verdict.map(|()| VerifiedTransfer(transfer)))
                .collect()
        } else {
            transfers.into_iter().map(|transfer| transfer.verify_grant_with(&check_certificate)).collect()
        }
    }
}

/// The purse rules that hold for any transfer, signed or received.
fn check_terms(certificate: &PurseCertificate, terms: &TransferTerms) -> Result<(), ProtocolError> {
    let invalid = |reason| Err(ProtocolError::Invalid { message: KIND.name, reason });
    let purse = certificate.terms().amount.minor();
    if terms.amount == 0 {
        return invalid("the amount is zero");
    }
    if terms.seq == 0 {
        return invalid("sequence numbers start at 1");
    }
    if terms.amount > terms.spent_after {
        return invalid("the amount is more than the purse's total spend");
    }
    if terms.spent_after > purse {
        let purse_amount = certificate.terms().amount;
        // Above the largest amount is an overspend too, said as the largest amount.
        let spent_after =
            Amount::from_minor(terms.spent_after, purse_amount.currency()).unwrap_or_else(|_| {
                Amount::from_minor(Amount::MAX_MINOR, purse_amount.currency()).expect("the largest amount")
            });
        return Err(ProtocolError::Overspend { spent_after, purse: purse_amount });
    }
    if terms.seq == 1 && (terms.prev_hash != certificate.chain_start() || terms.spent_after != terms.amount) {
        return invalid("the first transfer of a purse must start its chain");
    }
    // Each earlier transfer moved at least one minor unit: no honest chain gets here with less.
    if terms.spent_after - terms.amount < u64::from(terms.seq - 1) {
        return invalid("the running total leaves no room for the purse's earlier transfers");
    }
    Ok(())
}

impl VerifiedTransfer {
    pub fn transfer(&self) -> &Transfer {
        &self.0
    }

    pub fn into_transfer(self) -> Transfer {
        self.0
    }
}

impl std::ops::Deref for VerifiedTransfer {
    type Target = Transfer;
    fn deref(&self) -> &Transfer {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::protocol::{LedgerSigner, PurseTerms};

    fn purse(ledger: &LedgerSigner, owner: &Identity, amount: u64) -> PurseCertificate {
        ledger
            .issue(PurseTerms {
                wallet_key: owner.public().signing_key,
                serial: 1,
                member_id: "M-1".into(),
                amount: Amount::from_minor(amount, Currency::JPY).unwrap(),
                issued_at: 1_700_000_000,
                expires_at: 1_800_000_000,
            })
            .unwrap()
    }

    fn terms(certificate: &PurseCertificate, seq: u32, amount: u64, spent_after: u64) -> TransferTerms {
        TransferTerms {
            seq,
            prev_hash: if seq == 1 { certificate.chain_start() } else { [9; 32] },
            spent_after,
            amount,
            receiver_key: [7; 32],
            request_nonce: None,
            time: 1_700_000_100,
            memo: String::new(),
        }
    }

    /// Signed without `Transfer::sign`'s checks: what a modified wallet could send.
    fn signed_anyway(certificate: &PurseCertificate, terms: TransferTerms, sender: &Identity) -> Transfer {
        let signed = Signed::sign(&KIND, terms.encode(certificate).unwrap(), sender.signing_key());
        Transfer { certificate: certificate.clone(), terms, signed }
    }

    fn broken(transfer: &Transfer) -> Transfer {
        let mut bytes = transfer.to_bytes();
        *bytes.last_mut().unwrap() ^= 1;
        Transfer::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn a_batch_gives_each_transfer_the_verdict_it_gets_alone() {
        let ledger = LedgerSigner::from_secret(&[1; 32]);
        let ledger_key = ledger.public_key();
        let (alice, bob) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let alices = purse(&ledger, &alice, 1_000);
        let bobs = purse(&ledger, &bob, 1_000);
        let foreign = purse(&LedgerSigner::from_secret(&[2; 32]), &bob, 1_000);
        let good = |certificate: &PurseCertificate, owner: &Identity, amount| {
            Transfer::sign(certificate.clone(), terms(certificate, 1, amount, amount), owner).unwrap()
        };
        let overspend = signed_anyway(&alices, terms(&alices, 2, 10, 5_000), &alice);
        let zero = signed_anyway(&bobs, terms(&bobs, 1, 0, 0), &bob);
        let by_the_wrong_key = signed_anyway(&bobs, terms(&bobs, 1, 5, 5), &alice);
        let all_good: Vec<Transfer> = (1..=20)
            .map(|i| if i % 2 == 0 { good(&alices, &alice, i) } else { good(&bobs, &bob, i) })
            .collect();
        let mixed = [
            good(&alices, &alice, 1),
            overspend.clone(),
            zero.clone(),
            broken(&good(&bobs, &bob, 3)),
            broken(&overspend),
            good(&foreign, &bob, 4),
            by_the_wrong_key,
            good(&bobs, &bob, 5),
        ];
        let check = |certificate: &PurseCertificate| certificate.verify(&ledger_key);
        let alone = |transfers: &[Transfer]| -> Vec<_> {
            transfers.iter().map(|t| t.clone().verify_grant_with(check)).collect()
        };

        // A batch of good transfers passes whole; one bad signature anywhere sends every
        // transfer to the one-by-one check; errors other than signatures come from the batch.
        let cases: Vec<Vec<Transfer>> = vec![
            all_good.clone(),
            mixed.to_vec(),
            vec![overspend.clone(), zero.clone(), good(&alices, &alice, 2)],
            vec![broken(&all_good[7])],
            Vec::new(),
        ];
        for transfers in cases {
            let together = Transfer::verify_grants_with(transfers.clone(), check);
            assert_eq!(together, alone(&transfers));
        }
        let verdicts = Transfer::verify_grants_with(mixed.to_vec(), check);
        let refused: Vec<bool> = verdicts.iter().map(Result::is_err).collect();
        assert_eq!(refused, [false, true, true, true, true, true, true, false]);
        assert!(matches!(verdicts[1], Err(ProtocolError::Overspend { .. })));
        assert!(
            matches!(verdicts[4], Err(ProtocolError::BadSignature { .. })),
            "the signature is checked first"
        );
    }
}
