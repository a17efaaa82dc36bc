//! The wallet object apps hold: one per wallet file, shared freely between threads.
//!
//! Every method may be called from any thread at once; the wallet serialises them on its own
//! lock. Methods marked **blocking** do slow work (Argon2id, the key protector, network round
//! trips): call them off the UI thread (a coroutine on `Dispatchers.IO`, a detached `Task`, a
//! worker thread). The others are quick SQLite reads or writes.
//!
//! Amounts are given in minor units of the wallet's currency (yen for JPY, cents for USD) and
//! returned as [`Money`]; ids and keys are lowercase hex.

use std::sync::Arc;

use outpost_wallet_core as wc;

use crate::error::{WalletError, unhex32};
use crate::log::{LogLevel, emit};
use crate::protector::{self, KeyProtector};
use crate::records::{
    Accepted, AuditSummary, Balances, Confirmed, Contact, ForkProof, HeldMoney, HistoryEntry, Identity,
    LedgerCheckpoint, LogCheck, Money, Payment, PaymentRequest, RequestPreview, RiskNotice, SyncReport,
    UnprovedPair, WalletEvent,
};
use crate::transport::{self, SyncTransport};
use outpost_wallet_core::hex;

/// An Outpost wallet file, opened.
#[derive(uniffi::Object)]
pub struct Wallet {
    inner: wc::Wallet,
}

#[uniffi::export]
impl Wallet {
    /// Creates a new wallet file at `path` with fresh keys, protected by `pin` and the device's
    /// `protector`, holding `currency` (ISO 4217, e.g. "JPY"). Returns it unlocked. Refuses to
    /// overwrite any file. **Blocking.**
    #[uniffi::constructor]
    pub fn create(
        path: String,
        pin: String,
        currency: String,
        protector: Arc<dyn KeyProtector>,
    ) -> Result<Arc<Self>, WalletError> {
        let made = (|| {
            let pin = wc::Pin::new(pin)?;
            let currency = wc::Currency::from_code(&currency)?;
            let protector = Arc::new(protector::Bridge(protector));
            wc::Wallet::create(&path, &pin, currency, protector, wc::WalletOptions::default())
        })();
        let inner = done("wallet.create", made)?;
        emit(LogLevel::Info, "wallet.create", || {
            format!("wallet {} created", inner.public_identity().fingerprint())
        });
        Ok(Arc::new(Self { inner }))
    }

    /// Opens an existing wallet file, locked. Quick: no key work until `unlock`.
    #[uniffi::constructor]
    pub fn open(path: String, protector: Arc<dyn KeyProtector>) -> Result<Arc<Self>, WalletError> {
        let protector = Arc::new(protector::Bridge(protector));
        let inner = done("wallet.open", wc::Wallet::open(&path, protector, wc::WalletOptions::default()))?;
        Ok(Arc::new(Self { inner }))
    }

    /// The wallet's public keys and fingerprint; available while locked.
    pub fn identity(&self) -> Identity {
        self.inner.public_identity().into()
    }

    /// The ISO 4217 code of the wallet's currency.
    pub fn currency(&self) -> String {
        self.inner.currency().code().to_owned()
    }

    pub fn is_unlocked(&self) -> bool {
        self.inner.is_unlocked()
    }

    /// Unlocks with the PIN. A wrong PIN is counted before it is checked and fails with
    /// `PinIncorrect` (tries left, delays). **Blocking.**
    pub fn unlock(&self, pin: String) -> Result<(), WalletError> {
        done("wallet.unlock", wc::Pin::new(pin).map_err(Into::into).and_then(|pin| self.inner.unlock(&pin)))?;
        emit(LogLevel::Info, "wallet.unlock", || "unlocked".to_owned());
        Ok(())
    }

    /// Forgets the keys until the next unlock.
    pub fn lock(&self) {
        self.inner.lock();
        emit(LogLevel::Info, "wallet.lock", || "locked".to_owned());
    }

    /// Replaces the PIN; the old one is checked and counted as in `unlock`. **Blocking.**
    pub fn change_pin(&self, old_pin: String, new_pin: String) -> Result<(), WalletError> {
        let changed = (|| self.inner.change_pin(&wc::Pin::new(old_pin)?, &wc::Pin::new(new_pin)?))();
        done("wallet.change_pin", changed)?;
        emit(LogLevel::Info, "wallet.change_pin", || "PIN changed".to_owned());
        Ok(())
    }

    pub fn balances(&self) -> Result<Balances, WalletError> {
        Ok(done("wallet.balances", self.inner.balances())?.into())
    }

    /// Up to `limit` offline transfers, newest first; pass the last entry's `position` as
    /// `before` for the next page.
    pub fn history(&self, before: Option<u64>, limit: u32) -> Result<Vec<HistoryEntry>, WalletError> {
        let page = done("wallet.history", self.inner.history(before, limit))?;
        Ok(page.into_iter().map(HistoryEntry::from).collect())
    }

    /// Up to `limit` entries of the wallet's own event log, newest first, older than `before`.
    pub fn events(&self, before: Option<u64>, limit: u32) -> Result<Vec<WalletEvent>, WalletError> {
        let page = done("wallet.events", self.inner.events(before, limit))?;
        Ok(page.into_iter().map(WalletEvent::from).collect())
    }

    /// Checks the local event log from its first entry; a broken link is `Tampered`, naming the
    /// first bad entry.
    pub fn verify_log(&self) -> Result<LogCheck, WalletError> {
        let report = done("wallet.verify_log", self.inner.verify_log())?;
        Ok(LogCheck { entries: report.entries, head: hex::encode(&report.head) })
    }

    /// The enrolment QR text (`OP1E:…`) for `member_id`, for the finance officer to scan. It is
    /// also the identity card other members scan to save this wallet as a contact.
    pub fn enrolment_qr(&self, member_id: String) -> Result<String, WalletError> {
        Ok(done("wallet.enrolment_qr", self.inner.enrolment_request(&member_id))?.1)
    }

    /// Pins the ledger's public key (hex), learnt at enrolment. Pinning the same key again does
    /// nothing; another key is refused with `LedgerKeyMismatch`.
    pub fn pin_ledger_key(&self, ledger_key: String) -> Result<(), WalletError> {
        let key = unhex32(&ledger_key, "the ledger key")?;
        done("wallet.pin_ledger_key", self.inner.pin_ledger_key(key))
    }

    /// Requires every later sync answer to carry a ledger checkpoint cosigned by at least
    /// `threshold` of `witness_keys` (verifier keys as `outpost witness` prints them,
    /// `name+keyid+base64`). Set at enrolment, beside the ledger key; calling it again replaces
    /// the policy. An answer that does not meet it fails with `LedgerNotWitnessed` and nothing
    /// is applied; keys or a threshold that cannot work fail with `BadMessage`.
    pub fn pin_witnesses(&self, witness_keys: Vec<String>, threshold: u8) -> Result<(), WalletError> {
        done("wallet.pin_witnesses", self.inner.pin_witnesses(&witness_keys, threshold))
    }

    /// The witness verifier keys this wallet requires (empty: none pinned).
    pub fn pinned_witness_keys(&self) -> Result<Vec<String>, WalletError> {
        let pinned = done("wallet.pinned_witness_keys", self.inner.pinned_witnesses())?;
        Ok(pinned.map(|(keys, _)| keys.iter().map(ToString::to_string).collect()).unwrap_or_default())
    }

    /// How many of the pinned witnesses must cosign (0: none pinned).
    pub fn witness_threshold(&self) -> Result<u8, WalletError> {
        Ok(done("wallet.witness_threshold", self.inner.pinned_witnesses())?.map_or(0, |(_, t)| t))
    }

    /// The pinned ledger key (hex), or `None` before enrolment.
    pub fn ledger_key(&self) -> Result<Option<String>, WalletError> {
        Ok(done("wallet.ledger_key", self.inner.ledger_key())?.map(|key| hex::encode(&key)))
    }

    /// Makes a signed payment request to show as a QR code. `amount_minor` `None` lets the payer
    /// choose; it expires after `valid_for_secs`.
    pub fn create_request(
        &self,
        amount_minor: Option<u64>,
        memo: String,
        valid_for_secs: u64,
    ) -> Result<PaymentRequest, WalletError> {
        let amount = amount_minor.map(|minor| self.amount(minor)).transpose()?;
        let made = done("wallet.create_request", self.inner.create_request(amount, &memo, valid_for_secs))?;
        Ok(PaymentRequest {
            qr_text: made.qr_text,
            amount: made.request.amount.map(Money::from),
            memo: made.request.memo,
            expires_at: made.request.expires_at,
        })
    }

    /// Reads a scanned payment request without paying it, for the confirm screen. Checks what
    /// paying would (signature, expiry, currency); works while locked; stores nothing.
    pub fn read_request(&self, request_qr: String) -> Result<RequestPreview, WalletError> {
        Ok(done("wallet.read_request", self.inner.read_request(&request_qr))?.into())
    }

    /// Pays a scanned payment request from the offline purse. For an open request say how much;
    /// for a fixed one pass `None` or the same amount. An empty memo repeats the request's.
    /// The transfer is committed before the QR text is returned.
    pub fn pay_request(
        &self,
        request_qr: String,
        amount_minor: Option<u64>,
        memo: String,
    ) -> Result<Payment, WalletError> {
        let amount = amount_minor.map(|minor| self.amount(minor)).transpose()?;
        let payment = done("wallet.pay", self.inner.pay_request(&request_qr, amount, &memo))?;
        emit(LogLevel::Info, "wallet.pay", || format!("paid {} offline", payment.amount));
        Ok(payment.into())
    }

    /// Pays a saved contact (named by its signing key, hex) without a request.
    pub fn pay_contact(
        &self,
        contact_key: String,
        amount_minor: u64,
        memo: String,
    ) -> Result<Payment, WalletError> {
        let to = self.contact(&contact_key)?;
        let payment = done("wallet.pay", self.inner.pay_contact(&to, self.amount(amount_minor)?, &memo))?;
        emit(LogLevel::Info, "wallet.pay", || format!("paid {} offline to a contact", payment.amount));
        Ok(payment.into())
    }

    /// The QR text of a transfer this wallet sent (id in hex), sealed afresh, to show again.
    pub fn show_transfer(&self, transfer_id: String) -> Result<String, WalletError> {
        let id = unhex32(&transfer_id, "the transfer id")?;
        done("wallet.show_transfer", self.inner.show_transfer(&id))
    }

    /// Checks and stores a scanned transfer and returns the receipt to show the payer. Scanning
    /// the same transfer again credits nothing and returns the same receipt.
    pub fn accept(&self, transfer_qr: String) -> Result<Accepted, WalletError> {
        let accepted = done("wallet.accept", self.inner.accept(&transfer_qr))?;
        emit(LogLevel::Info, "wallet.accept", || {
            format!("accepted {} from {}", accepted.amount, accepted.sender_member_id)
        });
        Ok(accepted.into())
    }

    /// Records the receiver's scanned receipt: the transfer is delivered.
    pub fn confirm_receipt(&self, receipt_qr: String) -> Result<Confirmed, WalletError> {
        let confirmed = done("wallet.confirm_receipt", self.inner.confirm_receipt(&receipt_qr))?;
        emit(LogLevel::Info, "wallet.confirm_receipt", || format!("{} delivered", confirmed.amount));
        Ok(confirmed.into())
    }

    /// Saves the member an enrolment or payment-request QR code names, under `label`. Its
    /// signature is checked. Saving the same keys again replaces the label.
    pub fn add_contact(&self, label: String, qr_text: String) -> Result<Contact, WalletError> {
        let identity = done("wallet.add_contact", self.inner.identity_in_qr(&qr_text))?;
        done("wallet.add_contact", self.inner.add_contact(&label, identity))?;
        let key = hex::encode(&identity.signing_key);
        self.contacts()?.into_iter().find(|c| c.identity.signing_key == key).ok_or_else(|| {
            WalletError::Internal { reason: "the contact was saved but could not be read back".into() }
        })
    }

    /// Saved contacts, in the order they were first saved.
    pub fn contacts(&self) -> Result<Vec<Contact>, WalletError> {
        Ok(done("wallet.contacts", self.inner.contacts())?.into_iter().map(Contact::from).collect())
    }

    /// Syncs with the ledger through `transport`: uploads what the ledger has not seen and
    /// applies its signed, proved answer. `purse_minor` asks for a fresh offline purse of up to
    /// that amount (the current one is declared and closed first). Safe to retry after any
    /// failure. **Blocking** (network round trips).
    pub fn sync(
        &self,
        transport: Arc<dyn SyncTransport>,
        purse_minor: Option<u64>,
    ) -> Result<SyncReport, WalletError> {
        let purse = purse_minor.map(|minor| self.amount(minor)).transpose()?;
        emit(LogLevel::Debug, "wallet.sync", || "sync started".to_owned());
        let bridge = transport::Bridge(transport);
        let had_checkpoint = done("wallet.sync", self.inner.ledger_checkpoint())?.is_some();
        let report = done("wallet.sync", self.inner.sync(&bridge, &wc::SyncOptions { purse }))?;
        emit(LogLevel::Info, "wallet.sync", || {
            format!(
                "synced in {} round(s): {} settled, {} held, {} returned, {} refused, checkpoint {}",
                report.rounds,
                report.settled,
                report.held,
                report.returned,
                report.refused.len(),
                report.checkpoint_size
            )
        });
        Ok(SyncReport::new(report, purse.is_some(), had_checkpoint))
    }

    /// Queues a payment from the online account to a saved contact (signing key, hex), made by
    /// the ledger at the next sync. Returns the payment id the sync report names.
    pub fn pay_online(
        &self,
        contact_key: String,
        amount_minor: u64,
        memo: String,
    ) -> Result<String, WalletError> {
        let to = self.contact(&contact_key)?;
        let id = done("wallet.pay_online", self.inner.pay_online(&to, self.amount(amount_minor)?, &memo))?;
        Ok(hex::encode(&id))
    }

    /// Money the member cannot pay with on this phone but the ledger still holds for them (what
    /// is left in a revoked or expired purse), with why and when it comes back. Show it beside
    /// the balances; empty normally.
    pub fn held_at_ledger(&self) -> Result<Vec<HeldMoney>, WalletError> {
        Ok(done("wallet.held_at_ledger", self.inner.held_at_ledger())?
            .into_iter()
            .map(HeldMoney::from)
            .collect())
    }

    /// The risk notices the ledger returned at the last sync.
    pub fn risk_notices(&self) -> Result<Vec<RiskNotice>, WalletError> {
        Ok(done("wallet.risk_notices", self.inner.risk_notices())?
            .into_iter()
            .map(RiskNotice::from)
            .collect())
    }

    /// The newest ledger checkpoint this wallet holds, verified when it arrived.
    pub fn ledger_checkpoint(&self) -> Result<Option<LedgerCheckpoint>, WalletError> {
        Ok(done("wallet.ledger_checkpoint", self.inner.ledger_checkpoint())?.map(LedgerCheckpoint::from))
    }

    /// Proofs that the ledger forked its log, found by comparing checkpoints with other phones.
    /// Kept whether or not the ledger accepted them; each checkpoint is also a signed note.
    pub fn fork_proofs(&self) -> Result<Vec<ForkProof>, WalletError> {
        let key = done("wallet.fork_proofs", self.inner.ledger_key())?
            .ok_or_else(|| WalletError::NotEnrolled { reason: wc::WalletError::NotEnrolled.to_string() })?;
        let proofs = done("wallet.fork_proofs", self.inner.fork_proofs())?;
        Ok(proofs.into_iter().map(|p| ForkProof::new(p, &key)).collect())
    }

    /// Checkpoints other phones showed that the ledger failed to prove part of its log at a
    /// sync, each with the ledger's answer, both as signed notes: evidence for an auditor. Kept
    /// for good, oldest first.
    pub fn unproved_pairs(&self) -> Result<Vec<UnprovedPair>, WalletError> {
        let key = done("wallet.unproved_pairs", self.inner.ledger_key())?
            .ok_or_else(|| WalletError::NotEnrolled { reason: wc::WalletError::NotEnrolled.to_string() })?;
        let pairs = done("wallet.unproved_pairs", self.inner.unproved_pairs())?;
        Ok(pairs.into_iter().map(|p| UnprovedPair::new(p, &key)).collect())
    }

    /// Audits an exported ledger log offline under the pinned ledger key, and checks that it
    /// extends the checkpoint this wallet holds (so the ledger did not rewrite what this wallet
    /// saw).
    pub fn verify_audit_export(&self, export: Vec<u8>) -> Result<AuditSummary, WalletError> {
        let key = done("wallet.verify_audit_export", self.inner.ledger_key())?
            .ok_or_else(|| WalletError::NotEnrolled { reason: wc::WalletError::NotEnrolled.to_string() })?;
        let held = done("wallet.verify_audit_export", self.inner.ledger_checkpoint())?;
        crate::audit::verify(&export, &key, held.as_ref())
    }

    /// Reads an amount typed by the user ("3,000", "12.50") in the wallet's currency, to minor
    /// units. Refuses more decimals than the currency has.
    pub fn parse_amount(&self, text: String) -> Result<u64, WalletError> {
        Ok(wc::Amount::parse(&text, self.inner.currency())?.minor())
    }

    /// Formats minor units of the wallet's currency to show ("¥3,000").
    pub fn format_amount(&self, minor: u64) -> Result<Money, WalletError> {
        Ok(self.amount(minor)?.into())
    }
}

impl Wallet {
    fn amount(&self, minor: u64) -> Result<wc::Amount, WalletError> {
        Ok(wc::Amount::from_minor(minor, self.inner.currency())?)
    }

    fn contact(&self, signing_key: &str) -> Result<wc::PublicIdentity, WalletError> {
        let key = unhex32(signing_key, "the contact key")?;
        let contacts = done("wallet.contacts", self.inner.contacts())?;
        contacts.into_iter().find(|c| c.identity.signing_key == key).map(|c| c.identity).ok_or_else(|| {
            WalletError::Refused {
                reason: "no saved contact has that key: save them from their QR code first".into(),
            }
        })
    }
}

/// Maps a wallet-core result to the FFI error, logging a failure with its readable text.
fn done<T>(target: &str, result: Result<T, wc::WalletError>) -> Result<T, WalletError> {
    result.map_err(|error| {
        let error = WalletError::from(error);
        emit(LogLevel::Warn, target, || error.to_string());
        error
    })
}
