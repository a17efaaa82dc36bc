//! Offline payments: the QR handshake of DESIGN section 4, from both phones' side.
//!
//! ```text
//! receiver: create_request ──QR──► sender: pay_request ──QR (sealed transfer)──► receiver: accept
//! sender: confirm_receipt ◄──QR (signed receipt)── receiver
//! ```
//!
//! Rules every operation keeps:
//! - **Durable before shown.** `pay_*` commits the debited purse and the signed transfer in one
//!   SQLite transaction (WAL, `synchronous=FULL`) before it returns the QR text; `accept` commits
//!   the received transfer before it returns the receipt. A crash after showing can therefore
//!   never let the same purse funds be signed twice, nor a receipt exist for a transfer the
//!   receiver lost.
//! - **Refused means untouched.** Every check runs before the write transaction opens; a refused
//!   QR code changes nothing in the file. The one exception is a double spend, whose second
//!   transfer is kept on purpose as evidence.
//! - **Idempotent scans.** Scanning the same transfer twice credits once and returns the same
//!   receipt; scanning the same receipt twice is harmless; paying the same request twice is
//!   refused.
//! - Every change appends to the event log in the same transaction.

use rusqlite::{OptionalExtension, Transaction, params};

use super::records::{
    ChainLink, ChainSlot, Contact, MAX_CONTACT_LABEL, PurseChain, PurseRecord, RequestRecord, TransferRecord,
    TransferStatus, decode_link, encode_link,
};
use super::sightings::CheckpointSeen;
use super::sync::read_checkpoint;
use super::{Wallet, WalletError, read_balance_or_zero, row, write_balance};
use crate::encoding::DecodeError;
use crate::envelope;
use crate::event_log::EventKind;
use crate::identity::PublicIdentity;
use crate::money::{Amount, Currency};
use crate::protocol::{
    EnrolmentRequest, MAX_MEMO, MessageId, PaymentRequest, ProtocolError, PurseCertificate, Receipt,
    Transfer, TransferTerms,
};
use crate::qr::{self, PayloadKind, QrError};
use crate::vault::{DataKey, VaultError, random_bytes};

/// Envelope purpose for transfers shown as QR codes.
const TRANSFER_PURPOSE: &str = "transfer";
const LEDGER_KEY: &str = "ledger_key";

/// A transfer signed and committed, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub transfer_id: MessageId,
    pub amount: Amount,
    /// `OP1T:…`, the transfer sealed to the receiver. Show it as a QR code.
    pub qr_text: String,
    /// What the receiver's payment request showed of the ledger; show its notice, if any.
    pub checkpoint_seen: CheckpointSeen,
}

/// A payment request made and stored, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRequest {
    pub request: PaymentRequest,
    /// `OP1R:…`. Show it as a QR code.
    pub qr_text: String,
}

/// A transfer received and stored as pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub transfer_id: MessageId,
    pub amount: Amount,
    /// The paying wallet's Ed25519 key and the member id its purse certificate names.
    pub sender_key: [u8; 32],
    pub sender_member_id: String,
    pub memo: String,
    /// `OP1C:…`, the signed receipt. Show it to the sender as a QR code.
    pub receipt_qr: String,
    /// True when this transfer had been accepted before: nothing was credited this time and the
    /// receipt is the one signed then.
    pub already_accepted: bool,
}

/// A receipt scanned and matched to a sent transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub transfer_id: MessageId,
    pub amount: Amount,
    /// True when this transfer was already marked delivered.
    pub already_confirmed: bool,
    /// What the receipt showed of the ledger; show its notice, if any.
    pub checkpoint_seen: CheckpointSeen,
}

/// Which way a transfer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Sent,
    Received,
}

/// One line of the wallet's payment history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Local position; pass it as `before` to fetch the next (older) page.
    pub position: u64,
    pub transfer_id: MessageId,
    pub direction: Direction,
    pub amount: Amount,
    /// The other wallet's Ed25519 key.
    pub counterparty_key: [u8; 32],
    /// The other side in words when known: a contact's name, or the sender's member id.
    pub counterparty_label: String,
    pub memo: String,
    /// The sender's device time in the transfer (untrusted).
    pub time: u64,
    pub status: TransferStatus,
}

/// Sealing and opening of payment rows, each bound to its table and keyed lookup.
pub(super) struct Rows<'a> {
    key: &'a DataKey,
    wallet_id: &'a [u8; 16],
}

impl Rows<'_> {
    pub(super) fn lookup(&self, table: &'static str, id: &[u8]) -> [u8; 32] {
        self.key.lookup(table, id)
    }

    pub(super) fn seal(
        &self,
        table: &'static str,
        reference: &[u8; 32],
        plain: &[u8],
    ) -> Result<Vec<u8>, WalletError> {
        Ok(self.key.seal(row(self.wallet_id, table, reference), plain)?)
    }

    pub(super) fn open<T>(
        &self,
        table: &'static str,
        reference: &[u8],
        sealed: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
    ) -> Result<T, WalletError> {
        let plain = self.key.open(row(self.wallet_id, table, reference), sealed)?;
        decode(&plain).map_err(|_| tampered(table, reference))
    }

    /// Reads and opens the row of `table` whose `ref` is `reference`.
    pub(super) fn get<T>(
        &self,
        conn: &rusqlite::Connection,
        table: &'static str,
        reference: &[u8; 32],
        decode: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, WalletError> {
        match crate::store::read_blob(conn, table, "ref", &&reference[..])? {
            Some(sealed) => Ok(Some(self.open(table, reference, &sealed, decode)?)),
            None => Ok(None),
        }
    }

    pub(super) fn put(
        &self,
        tx: &Transaction<'_>,
        table: &'static str,
        reference: &[u8; 32],
        plain: &[u8],
    ) -> Result<(), WalletError> {
        let sealed = self.seal(table, reference, plain)?;
        let sql = format!(
            "INSERT INTO {table} (ref, sealed) VALUES (?1, ?2)
             ON CONFLICT (ref) DO UPDATE SET sealed = excluded.sealed"
        );
        tx.execute(&sql, params![&reference[..], sealed])?;
        Ok(())
    }

    /// Every row of `table`, opened. For the small tables (purses, contacts).
    pub(super) fn all<T>(
        &self,
        conn: &rusqlite::Connection,
        table: &'static str,
        decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, WalletError> {
        let mut stmt = conn.prepare(&format!("SELECT ref, sealed FROM {table} ORDER BY rowid"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = Vec::new();
        for item in rows {
            let (reference, sealed) = item?;
            out.push(self.open(table, &reference, &sealed, &decode)?);
        }
        Ok(out)
    }

    pub(super) fn is_revoked(
        &self,
        conn: &rusqlite::Connection,
        purse_id: &MessageId,
    ) -> Result<bool, WalletError> {
        let reference = self.lookup("revoked", purse_id);
        Ok(self
            .get(conn, "revoked", &reference, |b| Ok(b.to_vec()))?
            .is_some_and(|stored| stored == purse_id))
    }

    pub(super) fn insert_transfer(
        &self,
        tx: &Transaction<'_>,
        record: &TransferRecord,
        purse: Option<&MessageId>,
        request: Option<&[u8; 16]>,
    ) -> Result<(), WalletError> {
        let reference = self.lookup("transfer", &record.transfer.id());
        let sealed = self.seal("transfer", &reference, &record.encode())?;
        tx.prepare_cached("INSERT INTO transfer (ref, purse, request, sealed) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![
                &reference[..],
                purse.map(|p| self.lookup("transfer-purse", p).to_vec()),
                request.map(|n| self.lookup("transfer-request", n).to_vec()),
                sealed
            ])?;
        Ok(())
    }

    pub(super) fn update_transfer(
        &self,
        tx: &Transaction<'_>,
        record: &TransferRecord,
    ) -> Result<(), WalletError> {
        let reference = self.lookup("transfer", &record.transfer.id());
        let sealed = self.seal("transfer", &reference, &record.encode())?;
        tx.prepare_cached("UPDATE transfer SET sealed = ?2, unsettled = ?3 WHERE ref = ?1")?
            .execute(params![&reference[..], sealed, !record.status.is_final()])?;
        Ok(())
    }

    pub(super) fn transfer(
        &self,
        conn: &rusqlite::Connection,
        id: &MessageId,
    ) -> Result<Option<TransferRecord>, WalletError> {
        self.get(conn, "transfer", &self.lookup("transfer", id), TransferRecord::decode)
    }

    /// The AEAD address of a `purse_link` row: the purse's lookup and the sequence number, so a
    /// row cannot be moved to another purse or slot.
    fn link_address(purse: &[u8; 32], seq: u32) -> [u8; 36] {
        let mut id = [0u8; 36];
        id[..32].copy_from_slice(purse);
        id[32..].copy_from_slice(&seq.to_be_bytes());
        id
    }

    /// The one link `query` finds for the purse whose lookup is `purse`, opened and checked to
    /// be the link its row says it is.
    fn link(
        &self,
        conn: &rusqlite::Connection,
        purse: &[u8; 32],
        query: &str,
        seq: u32,
    ) -> Result<Option<ChainLink>, WalletError> {
        let found: Option<(i64, Vec<u8>)> = conn
            .prepare_cached(query)?
            .query_row(params![&purse[..], seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((at, sealed)) = found else { return Ok(None) };
        let at = u32::try_from(at).map_err(|_| tampered("purse_link", purse))?;
        let address = Self::link_address(purse, at);
        let plain = self.key.open(row(self.wallet_id, "purse_link", &address), &sealed)?;
        let link = decode_link(&plain).map_err(|_| tampered("purse_link", purse))?;
        if link.seq != at {
            return Err(tampered("purse_link", purse));
        }
        Ok(Some(link))
    }

    /// Writes one link of the purse `purse_id`: one small row, whatever the purse's length.
    pub(super) fn put_link(
        &self,
        tx: &Transaction<'_>,
        purse_id: &MessageId,
        link: &ChainLink,
    ) -> Result<(), WalletError> {
        let purse = self.lookup("transfer-purse", purse_id);
        let address = Self::link_address(&purse, link.seq);
        let sealed = self.key.seal(row(self.wallet_id, "purse_link", &address), &encode_link(link))?;
        tx.prepare_cached(
            "INSERT INTO purse_link (purse, seq, sealed) VALUES (?1, ?2, ?3)
             ON CONFLICT (purse, seq) DO UPDATE SET sealed = excluded.sealed",
        )?
        .execute(params![&purse[..], link.seq, sealed])?;
        Ok(())
    }

    /// Replaces every link of the purse `purse_id` with `links` (a chain rebuilt from the
    /// transfer rows).
    pub(super) fn replace_links(
        &self,
        tx: &Transaction<'_>,
        purse_id: &MessageId,
        links: &[ChainLink],
    ) -> Result<(), WalletError> {
        let purse = self.lookup("transfer-purse", purse_id);
        tx.prepare_cached("DELETE FROM purse_link WHERE purse = ?1")?.execute([&purse[..]])?;
        for link in links {
            self.put_link(tx, purse_id, link)?;
        }
        Ok(())
    }
}

fn tampered(table: &'static str, reference: &[u8]) -> WalletError {
    VaultError::Tampered { table, id: short_id(reference) }.into()
}

/// Short hex of an id for event log lines and errors.
pub(crate) use crate::hex::short as short_id;

impl Wallet {
    pub(super) fn rows<'a>(&'a self, key: &'a DataKey) -> Rows<'a> {
        Rows { key, wallet_id: &self.record.wallet_id }
    }

    pub(super) fn now(&self) -> u64 {
        self.options.clock.now_unix()
    }

    /// Pins the ledger's Ed25519 key, learnt at enrolment. Every purse certificate is checked
    /// against it. Pinning the same key again does nothing; a different key is refused, since a
    /// wallet that could be re-pinned would trust whoever re-pinned it.
    pub fn pin_ledger_key(&self, ledger_key: [u8; 32]) -> Result<(), WalletError> {
        self.with_unlocked(|store, key| {
            match read_ledger_key(store.conn(), key, &self.record.wallet_id)? {
                Some(pinned) if pinned == ledger_key => return Ok(()),
                Some(_) => return Err(WalletError::LedgerKeyMismatch),
                None => {}
            }
            let tx = store.write()?;
            let sealed =
                key.seal(row(&self.record.wallet_id, "setting", LEDGER_KEY.as_bytes()), &ledger_key)?;
            tx.execute("INSERT INTO setting (name, sealed) VALUES (?1, ?2)", params![LEDGER_KEY, sealed])?;
            let detail = format!("ledger key pinned: {}", short_id(&ledger_key));
            self.log(key).append(&tx, self.now(), EventKind::LedgerPinned, &detail)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The pinned ledger key, if the wallet has been enrolled.
    pub fn ledger_key(&self) -> Result<Option<[u8; 32]>, WalletError> {
        self.with_unlocked(|store, key| read_ledger_key(store.conn(), key, &self.record.wallet_id))
    }

    /// The signed enrolment request for `member_id` and its QR text (`OP1E:…`), for the finance
    /// officer to scan. Writes nothing.
    pub fn enrolment_request(&self, member_id: &str) -> Result<(EnrolmentRequest, String), WalletError> {
        self.with_identity(|_, _, identity| {
            let request = EnrolmentRequest::sign(identity, member_id, self.now())?;
            let text = qr::encode(PayloadKind::Enrolment, &request.to_bytes());
            Ok((request, text))
        })
    }

    /// Installs a purse certificate the ledger issued to this wallet. Checks the ledger's
    /// signature against the pinned key, that the purse is this wallet's and in its currency,
    /// and that it has not expired. Installing the same certificate again does nothing and
    /// returns `false`.
    pub fn install_purse(&self, certificate: &PurseCertificate) -> Result<bool, WalletError> {
        self.with_unlocked(|store, key| {
            let ledger_key = read_ledger_key(store.conn(), key, &self.record.wallet_id)?
                .ok_or(WalletError::NotEnrolled)?;
            self.check_purse(certificate, &ledger_key)?;
            let tx = store.write()?;
            let installed = self.put_purse(&tx, key, certificate)?;
            tx.commit()?;
            Ok(installed)
        })
    }

    /// The checks a purse certificate must pass before it is installed.
    pub(super) fn check_purse(
        &self,
        certificate: &PurseCertificate,
        ledger_key: &[u8; 32],
    ) -> Result<(), WalletError> {
        certificate.verify(ledger_key)?;
        let terms = certificate.terms();
        if terms.wallet_key != self.record.public.signing_key {
            return Err(WalletError::NotMyPurse);
        }
        self.check_currency(terms.amount.currency())?;
        let now = self.now();
        if now > terms.expires_at {
            return Err(ProtocolError::Expired {
                message: "purse certificate",
                expired_at: terms.expires_at,
                now,
            }
            .into());
        }
        Ok(())
    }

    /// Stores a checked purse in the caller's transaction; `false` if it was already installed.
    pub(super) fn put_purse(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        certificate: &PurseCertificate,
    ) -> Result<bool, WalletError> {
        let rows = self.rows(key);
        let purse_id = certificate.purse_id();
        let reference = rows.lookup("purse", &purse_id);
        if rows.get(tx, "purse", &reference, PurseRecord::decode)?.is_some() {
            return Ok(false);
        }
        // Read before the new row changes the purse table's marker.
        let mut open = self.open_purses(tx, key)?.ids();
        rows.put(tx, "purse", &reference, &PurseRecord::new(certificate.clone()).encode())?;
        open.push(purse_id);
        self.write_open_purses(tx, key, &open)?;
        let terms = certificate.terms();
        let detail = format!(
            "purse {} installed: {} until {}, serial {}",
            short_id(&purse_id),
            terms.amount,
            terms.expires_at,
            terms.serial
        );
        self.log(key).append(tx, self.now(), EventKind::PurseInstalled, &detail)?;
        Ok(true)
    }

    /// Records that the ledger revoked a purse (its own or anyone's): transfers from it are
    /// refused from now on, and this wallet stops paying from it if it is its own. Idempotent.
    pub fn revoke_purse(&self, purse_id: &MessageId) -> Result<(), WalletError> {
        self.with_unlocked(|store, key| {
            let tx = store.write()?;
            self.put_revocation(&tx, key, purse_id)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Stores a revocation in the caller's transaction; `false` if it was already known.
    pub(super) fn put_revocation(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        purse_id: &MessageId,
    ) -> Result<bool, WalletError> {
        let rows = self.rows(key);
        if rows.is_revoked(tx, purse_id)? {
            return Ok(false);
        }
        rows.put(tx, "revoked", &rows.lookup("revoked", purse_id), purse_id)?;
        let detail = format!("purse {} revoked", short_id(purse_id));
        self.log(key).append(tx, self.now(), EventKind::PurseRevoked, &detail)?;
        Ok(true)
    }

    /// Saves someone this wallet can pay without scanning a request (from their payment request
    /// or enrolment QR code). Saving the same keys again replaces the label.
    pub fn add_contact(&self, label: &str, identity: PublicIdentity) -> Result<(), WalletError> {
        if label.len() > MAX_CONTACT_LABEL {
            return Err(ProtocolError::TooLong { field: "contact label", max: MAX_CONTACT_LABEL }.into());
        }
        if identity == self.record.public {
            return Err(WalletError::SelfPayment);
        }
        self.with_unlocked(|store, key| {
            let rows = self.rows(key);
            let now = self.now();
            let contact = Contact { label: label.to_owned(), identity, added_at: now };
            let tx = store.write()?;
            rows.put(&tx, "contact", &rows.lookup("contact", &identity.signing_key), &contact.encode())?;
            let detail = format!("contact saved: {label} ({})", identity.fingerprint());
            self.log(key).append(&tx, now, EventKind::ContactAdded, &detail)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The keys a scanned QR code names: a member's enrolment code (their identity card) or a
    /// payment request. Its signature is checked, so a code cannot name keys its maker does not
    /// hold; a request must not have expired. Writes nothing: pass the result to
    /// [`Wallet::add_contact`] or [`Wallet::pay_contact`].
    pub fn identity_in_qr(&self, qr_text: &str) -> Result<PublicIdentity, WalletError> {
        match qr::decode(qr_text)? {
            (PayloadKind::Enrolment, bytes) => {
                let enrolment = EnrolmentRequest::from_bytes(&bytes)?;
                enrolment.verify()?;
                Ok(enrolment.identity)
            }
            (PayloadKind::PaymentRequest, bytes) => {
                let request = PaymentRequest::from_bytes(&bytes)?;
                request.verify(self.now())?;
                Ok(PublicIdentity {
                    signing_key: request.receiver_key,
                    agreement_key: request.receiver_agreement_key,
                })
            }
            (found, _) => Err(QrError::WrongKind { expected: PayloadKind::Enrolment, found }.into()),
        }
    }

    /// Saved contacts, in the order they were first saved.
    pub fn contacts(&self) -> Result<Vec<Contact>, WalletError> {
        self.with_unlocked(|store, key| self.rows(key).all(store.conn(), "contact", Contact::decode))
    }

    /// Makes and stores a signed payment request for `amount` (`None`: the payer chooses),
    /// valid for `valid_for_secs`, and returns it with its QR text.
    pub fn create_request(
        &self,
        amount: Option<Amount>,
        memo: &str,
        valid_for_secs: u64,
    ) -> Result<CreatedRequest, WalletError> {
        if let Some(amount) = amount {
            self.check_currency(amount.currency())?;
        }
        self.with_identity(|store, key, identity| {
            let now = self.now();
            let mut nonce = [0u8; 16];
            random_bytes(&mut nonce)?;
            let expires_at = now.saturating_add(valid_for_secs);
            let held = read_checkpoint(store.conn(), key, &self.record.wallet_id)?;
            let request = PaymentRequest::sign_showing(
                identity,
                self.record.currency,
                amount,
                nonce,
                expires_at,
                memo,
                held.as_ref(),
            )?;
            let rows = self.rows(key);
            let tx = store.write()?;
            let record = RequestRecord { request: request.clone(), paid_by: None };
            rows.put(&tx, "request", &rows.lookup("request", &nonce), &record.encode())?;
            let asked = amount.map_or_else(|| "an open amount".to_owned(), |a| a.to_string());
            let detail = format!("payment request {} for {asked}: {memo}", short_id(&nonce));
            self.log(key).append(&tx, now, EventKind::RequestCreated, &detail)?;
            tx.commit()?;
            let qr_text = qr::encode(PayloadKind::PaymentRequest, &request.to_bytes());
            Ok(CreatedRequest { request, qr_text })
        })
    }

    /// Pays a scanned payment request from this wallet's purse. For an open request `amount`
    /// says how much; for a fixed one it must be `None` or the same amount. An empty `memo`
    /// repeats the request's memo.
    ///
    /// The transfer is committed to the wallet file before the QR text is returned; see the
    /// module documentation. Paying a request this wallet already paid is refused with
    /// [`WalletError::AlreadyPaid`], which names the transfer to show again.
    pub fn pay_request(
        &self,
        request_qr: &str,
        amount: Option<Amount>,
        memo: &str,
    ) -> Result<Payment, WalletError> {
        let request = self.read_request(request_qr)?;
        let amount = match (request.amount, amount) {
            (Some(asked), Some(offered)) if asked != offered => {
                return Err(WalletError::AmountMismatch { requested: asked, offered });
            }
            (Some(asked), _) => asked,
            (None, Some(offered)) => offered,
            (None, None) => return Err(WalletError::AmountRequired),
        };
        let memo = if memo.is_empty() { request.memo.as_str() } else { memo };
        let to = PublicIdentity {
            signing_key: request.receiver_key,
            agreement_key: request.receiver_agreement_key,
        };
        // Compared and kept before paying: a fork proof stands whether or not the payment does.
        let seen = self
            .with_unlocked(|store, key| self.compare_checkpoint(store, key, request.checkpoint.as_ref()))?;
        let payment = self.send(to, amount, memo, Some(request.nonce), String::new())?;
        Ok(Payment { checkpoint_seen: seen, ..payment })
    }

    /// Reads a scanned payment request without paying it, for the screen that asks the payer to
    /// confirm: who asks, how much, for what, until when. Checks what paying would check first
    /// (signature, expiry, currency), so a request this accepts is one [`Wallet::pay_request`]
    /// takes. Works while locked; stores nothing.
    pub fn read_request(&self, request_qr: &str) -> Result<PaymentRequest, WalletError> {
        let request = PaymentRequest::from_bytes(&qr::expect(request_qr, PayloadKind::PaymentRequest)?)?;
        request.verify(self.now())?;
        self.check_currency(request.currency)?;
        Ok(request)
    }

    /// Pays `to` (a saved contact, or keys read from their QR code) without a request.
    pub fn pay_contact(
        &self,
        to: &PublicIdentity,
        amount: Amount,
        memo: &str,
    ) -> Result<Payment, WalletError> {
        let label =
            self.contacts()?.into_iter().find(|c| c.identity == *to).map(|c| c.label).unwrap_or_default();
        self.send(*to, amount, memo, None, label)
    }

    /// The QR text of a transfer this wallet sent, sealed afresh, to show it again (after a
    /// crash, or when the receiver did not scan it).
    pub fn show_transfer(&self, transfer_id: &MessageId) -> Result<String, WalletError> {
        self.with_unlocked(|store, key| {
            let record = self.rows(key).transfer(store.conn(), transfer_id)?;
            let Some(TransferRecord { transfer, receiver_agreement_key: Some(agreement), .. }) = record
            else {
                return Err(WalletError::UnknownTransfer { transfer_id: *transfer_id });
            };
            seal_transfer(&transfer, &agreement)
        })
    }

    fn send(
        &self,
        to: PublicIdentity,
        amount: Amount,
        memo: &str,
        request_nonce: Option<[u8; 16]>,
        label: String,
    ) -> Result<Payment, WalletError> {
        self.check_currency(amount.currency())?;
        if amount.is_zero() {
            return Err(ProtocolError::Invalid { message: "transfer", reason: "the amount is zero" }.into());
        }
        if memo.len() > MAX_MEMO {
            return Err(ProtocolError::TooLong { field: "memo", max: MAX_MEMO }.into());
        }
        if to.signing_key == self.record.public.signing_key {
            return Err(WalletError::SelfPayment);
        }
        self.with_identity(|store, key, identity| {
            let rows = self.rows(key);
            let now = self.now();
            // Purse selection, signing and the debit happen inside one immediate transaction, so
            // no other writer can sign from the same purse state in between.
            let tx = store.write()?;
            if let Some(nonce) = &request_nonce
                && let Some(earlier) = self.paid_request(&tx, &rows, nonce)?
            {
                return Err(WalletError::AlreadyPaid { transfer_id: earlier });
            }
            let open = self.open_purses(&tx, key)?;
            if open.rebuilt {
                self.write_open_purses(&tx, key, &open.ids())?;
            }
            let mut purse = choose_purse(&tx, &rows, open.purses, now, amount)?;
            let terms = TransferTerms {
                seq: purse.next_seq,
                prev_hash: purse.last_hash,
                spent_after: purse.spent + amount.minor(),
                amount: amount.minor(),
                receiver_key: to.signing_key,
                request_nonce,
                time: now,
                memo: memo.to_owned(),
            };
            let transfer = Transfer::sign(purse.certificate.clone(), terms, identity)?;
            let qr_text = seal_transfer(&transfer, &to.agreement_key)?;
            let transfer_id = transfer.id();

            purse.spent += amount.minor();
            purse.next_seq = purse.next_seq.checked_add(1).ok_or(WalletError::PurseExhausted)?;
            purse.last_hash = transfer_id;
            let purse_id = purse.certificate.purse_id();
            rows.put(&tx, "purse", &rows.lookup("purse", &purse_id), &purse.encode())?;
            let record = TransferRecord {
                status: TransferStatus::AwaitingReceipt,
                transfer,
                receiver_agreement_key: Some(to.agreement_key),
                receipt: None,
                counterparty_label: label,
                stored_at: now,
            };
            // The running total first: it reads a missing row as zero only while no transfer exists.
            self.add_to_balance(&tx, key, "pending_out", amount)?;
            rows.insert_transfer(&tx, &record, None, request_nonce.as_ref())?;
            let detail = format!(
                "sent {amount} to {} (transfer {}), purse {} #{}, {} left in it",
                to.fingerprint(),
                short_id(&transfer_id),
                short_id(&purse_id),
                record.transfer.terms().seq,
                Amount::from_minor(purse.remaining(), amount.currency())?,
            );
            self.log(key).append(&tx, now, EventKind::TransferSent, &detail)?;
            tx.commit()?;
            Ok(Payment { transfer_id, amount, qr_text, checkpoint_seen: CheckpointSeen::NotShown })
        })
    }

    /// The transfer that already paid the request with `nonce`, if this wallet paid it.
    fn paid_request(
        &self,
        tx: &Transaction<'_>,
        rows: &Rows<'_>,
        nonce: &[u8; 16],
    ) -> Result<Option<MessageId>, WalletError> {
        let found: Option<(Vec<u8>, Vec<u8>)> = tx
            .query_row(
                "SELECT ref, sealed FROM transfer WHERE request = ?1",
                [&rows.lookup("transfer-request", nonce)[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((reference, sealed)) = found else { return Ok(None) };
        let record = rows.open("transfer", &reference, &sealed, TransferRecord::decode)?;
        Ok(Some(record.transfer.id()))
    }

    /// Accepts a scanned transfer: opens it, checks everything DESIGN section 3 asks of a
    /// receiver, stores it as pending and returns the signed receipt to show the sender.
    ///
    /// Refusals are typed and leave the file untouched, except [`WalletError::DoubleSpend`]:
    /// the conflicting transfer is then stored as evidence (not credited) and the purse is
    /// treated as revoked by this wallet.
    pub fn accept(&self, transfer_qr: &str) -> Result<Accepted, WalletError> {
        let sealed = qr::expect(transfer_qr, PayloadKind::Transfer)?;
        self.with_identity(|store, key, identity| {
            let ledger_key = read_ledger_key(store.conn(), key, &self.record.wallet_id)?
                .ok_or(WalletError::NotEnrolled)?;
            // Sealed to another wallet is the same refusal as made out to another wallet.
            let plain = envelope::open(identity, TRANSFER_PURPOSE, &sealed).map_err(|e| match e {
                envelope::EnvelopeError::NotForMe => WalletError::NotAddressedToMe,
                other => WalletError::Envelope(other),
            })?;
            let now = self.now();
            let transfer = Transfer::from_bytes(&plain)?.verify(&ledger_key, now)?.into_transfer();
            let terms = transfer.terms();
            let certificate = transfer.certificate().terms();
            if terms.receiver_key != self.record.public.signing_key {
                return Err(WalletError::NotAddressedToMe);
            }
            self.check_currency(certificate.amount.currency())?;
            let rows = self.rows(key);
            let transfer_id = transfer.id();
            if let Some(held) = rows.transfer(store.conn(), &transfer_id)? {
                return self.accepted_again(held);
            }
            let purse_id = transfer.certificate().purse_id();
            if rows.is_revoked(store.conn(), &purse_id)? {
                return Err(WalletError::PurseRevoked { purse_id });
            }
            let mut request = match &terms.request_nonce {
                Some(nonce) => Some(self.matching_request(store.conn(), &rows, nonce, &transfer)?),
                None => None,
            };
            let link = ChainLink::of(&transfer);
            let (slot, rebuilt) = self.chain_slot(store.conn(), &rows, &purse_id, link.seq)?;
            match slot {
                ChainSlot::Taken(first) => {
                    let first = rows
                        .transfer(store.conn(), &first.transfer_id)?
                        .ok_or_else(|| tampered("transfer", &first.transfer_id))?;
                    return self.keep_double_spend_evidence(store, key, &first, transfer, now);
                }
                ChainSlot::Free { before, after } => {
                    for held in before.iter().chain(&after) {
                        check_chain(held, &link)?;
                    }
                }
            }

            let held = read_checkpoint(store.conn(), key, &self.record.wallet_id)?;
            let receipt = Receipt::sign_showing(transfer_id, now, identity, held.as_ref())?;
            let amount = transfer.amount();
            let sender_key = certificate.wallet_key;
            let sender_member_id = certificate.member_id.clone();
            let memo = terms.memo.clone();
            let record = TransferRecord {
                status: TransferStatus::PendingSettlement,
                transfer,
                receiver_agreement_key: None,
                receipt: Some(receipt.clone()),
                counterparty_label: sender_member_id.clone(),
                stored_at: now,
            };
            let tx = store.write()?;
            self.add_to_balance(&tx, key, "pending_in", amount)?;
            rows.insert_transfer(&tx, &record, Some(&purse_id), None)?;
            if let Some(chain) = rebuilt {
                rows.replace_links(&tx, &purse_id, chain.links())?;
            }
            rows.put_link(&tx, &purse_id, &link)?;
            if let Some(request) = request.as_mut() {
                request.paid_by = Some(transfer_id);
                rows.put(&tx, "request", &rows.lookup("request", &request.request.nonce), &request.encode())?;
            }
            let detail = format!(
                "received {amount} from {sender_member_id} (transfer {}), purse {} #{}, pending settlement",
                short_id(&transfer_id),
                short_id(&purse_id),
                record.transfer.terms().seq
            );
            self.log(key).append(&tx, now, EventKind::TransferReceived, &detail)?;
            tx.commit()?;
            Ok(Accepted {
                transfer_id,
                amount,
                sender_key,
                sender_member_id,
                memo,
                receipt_qr: qr::encode(PayloadKind::Receipt, &receipt.to_bytes()),
                already_accepted: false,
            })
        })
    }

    fn accepted_again(&self, held: TransferRecord) -> Result<Accepted, WalletError> {
        let terms = held.transfer.terms();
        let purse = held.transfer.certificate().terms();
        match (held.status, &held.receipt) {
            (TransferStatus::PendingSettlement, Some(receipt)) => Ok(Accepted {
                transfer_id: held.transfer.id(),
                amount: held.transfer.amount(),
                sender_key: purse.wallet_key,
                sender_member_id: purse.member_id.clone(),
                memo: terms.memo.clone(),
                receipt_qr: qr::encode(PayloadKind::Receipt, &receipt.to_bytes()),
                already_accepted: true,
            }),
            (TransferStatus::DoubleSpendEvidence, _) => Err(WalletError::DoubleSpend {
                member_id: purse.member_id.clone(),
                purse_id: held.transfer.certificate().purse_id(),
                seq: terms.seq,
            }),
            _ => Err(tampered("transfer", &held.transfer.id())),
        }
    }

    fn matching_request(
        &self,
        conn: &rusqlite::Connection,
        rows: &Rows<'_>,
        nonce: &[u8; 16],
        transfer: &Transfer,
    ) -> Result<RequestRecord, WalletError> {
        let record = rows
            .get(conn, "request", &rows.lookup("request", nonce), RequestRecord::decode)?
            .filter(|r| r.request.nonce == *nonce)
            .ok_or(WalletError::UnknownRequest)?;
        if let Some(asked) = record.request.amount
            && asked != transfer.amount()
        {
            return Err(WalletError::AmountMismatch { requested: asked, offered: transfer.amount() });
        }
        if record.paid_by.is_some_and(|id| id != transfer.id()) {
            return Err(WalletError::RequestAlreadyPaid);
        }
        Ok(record)
    }

    /// Where sequence number `seq` falls among the transfers accepted from `purse_id`: its two
    /// neighbours read from their `purse_link` rows. When the rows do not count every transfer
    /// held from the purse (a wallet file from before the rows existed, a row deleted, or rows
    /// put back from an older copy of the file), the chain is rebuilt from the transfer rows
    /// themselves and returned too, for the caller to write back in its transaction.
    ///
    /// Both counts walk one index range of the purse's rows; nothing else grows with the number
    /// of transfers the purse has made.
    fn chain_slot(
        &self,
        conn: &rusqlite::Connection,
        rows: &Rows<'_>,
        purse_id: &MessageId,
        seq: u32,
    ) -> Result<(ChainSlot, Option<PurseChain>), WalletError> {
        let purse = rows.lookup("transfer-purse", purse_id);
        let held: i64 = conn
            .prepare_cached("SELECT count(*) FROM transfer WHERE purse = ?1")?
            .query_row([&purse[..]], |r| r.get(0))?;
        let linked: i64 = conn
            .prepare_cached("SELECT count(*) FROM purse_link WHERE purse = ?1")?
            .query_row([&purse[..]], |r| r.get(0))?;
        if held != linked {
            let transfers = self.held_from_purse(conn, rows, purse_id)?;
            let chain = PurseChain::from_transfers(transfers.iter().map(|h| &h.transfer));
            return Ok((chain.slot(seq), Some(chain)));
        }
        let before = rows.link(
            conn,
            &purse,
            "SELECT seq, sealed FROM purse_link WHERE purse = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1",
            seq,
        )?;
        let after = rows.link(
            conn,
            &purse,
            "SELECT seq, sealed FROM purse_link WHERE purse = ?1 AND seq >= ?2 ORDER BY seq LIMIT 1",
            seq,
        )?;
        Ok(match after {
            Some(taken) if taken.seq == seq => (ChainSlot::Taken(taken), None),
            after => (ChainSlot::Free { before, after }, None),
        })
    }

    fn held_from_purse(
        &self,
        conn: &rusqlite::Connection,
        rows: &Rows<'_>,
        purse_id: &MessageId,
    ) -> Result<Vec<TransferRecord>, WalletError> {
        let mut stmt = conn.prepare("SELECT ref, sealed FROM transfer WHERE purse = ?1 ORDER BY seq")?;
        let found = stmt.query_map([&rows.lookup("transfer-purse", purse_id)[..]], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut held = Vec::new();
        for item in found {
            let (reference, sealed) = item?;
            held.push(rows.open("transfer", &reference, &sealed, TransferRecord::decode)?);
        }
        Ok(held)
    }

    /// Two different transfers from one purse with one sequence number: the sender signed the
    /// same funds twice. Both are kept (the second uncredited), the purse is treated as revoked
    /// here, and the caller gets [`WalletError::DoubleSpend`].
    fn keep_double_spend_evidence(
        &self,
        store: &mut crate::store::Store,
        key: &DataKey,
        first: &TransferRecord,
        second: Transfer,
        now: u64,
    ) -> Result<Accepted, WalletError> {
        let rows = self.rows(key);
        let purse_id = second.certificate().purse_id();
        let seq = second.terms().seq;
        let member_id = second.certificate().terms().member_id.clone();
        let record = TransferRecord {
            status: TransferStatus::DoubleSpendEvidence,
            transfer: second,
            receiver_agreement_key: None,
            receipt: None,
            counterparty_label: member_id.clone(),
            stored_at: now,
        };
        let tx = store.write()?;
        rows.insert_transfer(&tx, &record, Some(&purse_id), None)?;
        if !rows.is_revoked(&tx, &purse_id)? {
            rows.put(&tx, "revoked", &rows.lookup("revoked", &purse_id), &purse_id)?;
        }
        let detail = format!(
            "double spend by {member_id}: purse {} #{seq} signed twice (transfers {} and {}); \
             both kept as evidence, the second not credited, the purse refused from now on",
            short_id(&purse_id),
            short_id(&first.transfer.id()),
            short_id(&record.transfer.id())
        );
        self.log(key).append(&tx, now, EventKind::DoubleSpendDetected, &detail)?;
        tx.commit()?;
        Err(WalletError::DoubleSpend { member_id, purse_id, seq })
    }

    /// Matches a scanned receipt to a sent transfer and marks it delivered.
    pub fn confirm_receipt(&self, receipt_qr: &str) -> Result<Confirmed, WalletError> {
        let receipt = Receipt::from_bytes(&qr::expect(receipt_qr, PayloadKind::Receipt)?)?;
        receipt.verify()?;
        self.with_unlocked(|store, key| {
            let rows = self.rows(key);
            let known =
                rows.transfer(store.conn(), &receipt.transfer_id)?.is_some_and(|r| r.status.is_outgoing());
            // A receipt for a transfer this wallet sent is from a phone it paid: only then is its
            // checkpoint compared and kept.
            let checkpoint_seen = if known {
                self.compare_checkpoint(store, key, receipt.checkpoint.as_ref())?
            } else {
                CheckpointSeen::NotShown
            };
            let unknown = || WalletError::UnknownTransfer { transfer_id: receipt.transfer_id };
            let mut record = rows.transfer(store.conn(), &receipt.transfer_id)?.ok_or_else(unknown)?;
            if !record.status.is_outgoing() {
                return Err(unknown());
            }
            if record.transfer.terms().receiver_key != receipt.receiver_key {
                return Err(WalletError::ReceiptFromStranger);
            }
            let confirmed = |already_confirmed| Confirmed {
                transfer_id: receipt.transfer_id,
                amount: record.transfer.amount(),
                already_confirmed,
                checkpoint_seen: checkpoint_seen.clone(),
            };
            if record.status == TransferStatus::Delivered {
                return Ok(confirmed(true));
            }
            let result = confirmed(false);
            record.status = TransferStatus::Delivered;
            record.receipt = Some(receipt.clone());
            let tx = store.write()?;
            rows.update_transfer(&tx, &record)?;
            let detail = format!(
                "receipt for transfer {} ({}): delivered",
                short_id(&receipt.transfer_id),
                record.transfer.amount()
            );
            self.log(key).append(&tx, self.now(), EventKind::ReceiptConfirmed, &detail)?;
            tx.commit()?;
            Ok(result)
        })
    }

    /// Up to `limit` transfers, newest first; pass the last entry's `position` as `before` for
    /// the next page.
    pub fn history(&self, before: Option<u64>, limit: u32) -> Result<Vec<HistoryEntry>, WalletError> {
        self.with_unlocked(|store, key| {
            let rows = self.rows(key);
            let before = before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
            let mut stmt = store.conn().prepare_cached(
                "SELECT seq, ref, sealed FROM transfer WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let found = stmt.query_map(params![before, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?))
            })?;
            let mut page = Vec::new();
            for item in found {
                let (position, reference, sealed) = item?;
                let record = rows.open("transfer", &reference, &sealed, TransferRecord::decode)?;
                page.push(history_entry(position as u64, record));
            }
            Ok(page)
        })
    }

    pub(super) fn check_currency(&self, found: Currency) -> Result<(), WalletError> {
        if found != self.record.currency {
            return Err(WalletError::WrongCurrency { expected: self.record.currency, found });
        }
        Ok(())
    }

    pub(super) fn add_to_balance(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        name: &'static str,
        amount: Amount,
    ) -> Result<(), WalletError> {
        let current = read_balance_or_zero(tx, key, &self.record, name)?;
        write_balance(tx, key, &self.record.wallet_id, name, current.checked_add(amount)?)
    }

    /// What this wallet's own purses can still pay: usable purses only (not expired, not
    /// revoked), read from the index of open purses, so closed ones cost nothing.
    pub(super) fn purse_remaining(
        &self,
        conn: &rusqlite::Connection,
        key: &DataKey,
    ) -> Result<Amount, WalletError> {
        let rows = self.rows(key);
        let now = self.now();
        let mut total = Amount::zero(self.record.currency);
        for purse in self.open_purses(conn, key)?.purses {
            if usable(conn, &rows, &purse, now)? {
                total = total.checked_add(Amount::from_minor(purse.remaining(), self.record.currency)?)?;
            }
        }
        Ok(total)
    }
}

/// Money this phone can no longer pay with but the ledger still holds for the member: what is
/// left in one of the wallet's purses that was revoked or expired before the wallet closed it.
/// The ledger keeps a purse's remainder until the purse's expiry plus its settlement window (so a
/// transfer made before the revocation or expiry can still be settled), then returns what nobody
/// claimed to the member's online account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldAtLedger {
    pub purse_id: MessageId,
    /// What this phone did not spend from the purse.
    pub amount: Amount,
    /// Why the phone cannot spend it.
    pub reason: HeldReason,
    /// The purse's expiry: the remainder comes back one settlement window after it.
    pub expires_at: u64,
}

/// Why a purse's remainder is held at the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldReason {
    /// The ledger revoked the purse (a double spend from it, or an officer's act).
    Revoked,
    /// The purse expired before it was spent or closed.
    Expired,
}

impl HeldReason {
    /// Why, in words: "the purse was revoked by the ledger".
    pub fn words(self) -> &'static str {
        match self {
            HeldReason::Revoked => "the purse was revoked by the ledger",
            HeldReason::Expired => "the purse expired before it was spent",
        }
    }
}

impl HeldAtLedger {
    /// The sentence the balance screen shows: where the money is, why, and when it comes back.
    /// The phone does not know the ledger's settlement window, so it names the expiry the window
    /// starts from.
    pub fn words(&self) -> String {
        format!(
            "{} is held at the ledger, since {} (purse {}): what nobody claims from it comes back to \
             your online account one settlement window after the purse's expiry at {}.",
            self.amount,
            self.reason.words(),
            short_id(&self.purse_id),
            crate::clock::utc(self.expires_at)
        )
    }
}

impl Wallet {
    /// What is left in purses this phone can no longer pay from (revoked or expired, not yet
    /// closed), which the ledger holds for the member until it returns it. Read from the open-purse
    /// index, so it costs what [`Wallet::balances`] costs.
    pub fn held_at_ledger(&self) -> Result<Vec<HeldAtLedger>, WalletError> {
        self.with_unlocked(|store, key| {
            let conn = store.conn();
            let rows = self.rows(key);
            let now = self.now();
            let mut held = Vec::new();
            for purse in self.open_purses(conn, key)?.purses {
                let purse_id = purse.certificate.purse_id();
                let reason = if rows.is_revoked(conn, &purse_id)? {
                    HeldReason::Revoked
                } else if now > purse.certificate.terms().expires_at {
                    HeldReason::Expired
                } else {
                    continue;
                };
                if purse.remaining() > 0 {
                    held.push(HeldAtLedger {
                        purse_id,
                        amount: Amount::from_minor(purse.remaining(), self.record.currency)?,
                        reason,
                        expires_at: purse.certificate.terms().expires_at,
                    });
                }
            }
            Ok(held)
        })
    }
}

fn usable(
    conn: &rusqlite::Connection,
    rows: &Rows<'_>,
    purse: &PurseRecord,
    now: u64,
) -> Result<bool, WalletError> {
    Ok(!purse.closed
        && now <= purse.certificate.terms().expires_at
        && !rows.is_revoked(conn, &purse.certificate.purse_id())?)
}

/// The purse to pay `amount` from: among usable purses that can cover it, the one that expires
/// first, so older grants are spent before newer ones.
fn choose_purse(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    open: Vec<PurseRecord>,
    now: u64,
    amount: Amount,
) -> Result<PurseRecord, WalletError> {
    let mut best: Option<PurseRecord> = None;
    let mut largest = None;
    for purse in open {
        if !usable(tx, rows, &purse, now)? {
            continue;
        }
        let largest = largest.get_or_insert(0u64);
        *largest = (*largest).max(purse.remaining());
        if purse.remaining() >= amount.minor()
            && best
                .as_ref()
                .is_none_or(|b| purse.certificate.terms().expires_at < b.certificate.terms().expires_at)
        {
            best = Some(purse);
        }
    }
    match best {
        Some(purse) => Ok(purse),
        None => match largest {
            None => Err(WalletError::NoPurse),
            Some(largest) => Err(WalletError::InsufficientPurse {
                remaining: Amount::from_minor(largest, amount.currency())?,
                asked: amount,
            }),
        },
    }
}

fn seal_transfer(transfer: &Transfer, agreement_key: &[u8; 32]) -> Result<String, WalletError> {
    let sealed = envelope::seal(agreement_key, TRANSFER_PURPOSE, &transfer.to_bytes())?;
    Ok(qr::encode(PayloadKind::Transfer, &sealed))
}

/// Chain continuity between a transfer already held (`held`) and a new one from the same purse
/// with a different sequence number: neighbours must link by hash and add up exactly; farther
/// apart, the later one's cumulative total must leave room for the ones between.
///
/// Accept checks a new transfer against its nearest held neighbours only. That is enough: held
/// links are pairwise consistent, every amount is at least one minor unit, so if the new link
/// leaves room after its lower neighbour `a`, it leaves room after anything below `a`, since
/// `a`'s own total left room for those (and symmetrically above).
fn check_chain(held: &ChainLink, new: &ChainLink) -> Result<(), WalletError> {
    crate::protocol::chain::check_pair(held, new)
        .map_err(|conflict| WalletError::BrokenChain { seq: new.seq, reason: conflict.describe() })
}

fn history_entry(position: u64, record: TransferRecord) -> HistoryEntry {
    let terms = record.transfer.terms();
    let outgoing = record.status.is_outgoing();
    HistoryEntry {
        position,
        transfer_id: record.transfer.id(),
        direction: if outgoing { Direction::Sent } else { Direction::Received },
        amount: record.transfer.amount(),
        counterparty_key: if outgoing {
            terms.receiver_key
        } else {
            record.transfer.certificate().terms().wallet_key
        },
        counterparty_label: record.counterparty_label.clone(),
        memo: terms.memo.clone(),
        time: terms.time,
        status: record.status,
    }
}

pub(super) fn read_ledger_key(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Option<[u8; 32]>, WalletError> {
    let Some(sealed) = crate::store::read_blob(conn, "setting", "name", &LEDGER_KEY)? else {
        return Ok(None);
    };
    let plain = key.open(row(wallet_id, "setting", LEDGER_KEY.as_bytes()), &sealed)?;
    let pinned: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::Tampered { table: "setting", id: LEDGER_KEY.into() })?;
    Ok(Some(pinned))
}
