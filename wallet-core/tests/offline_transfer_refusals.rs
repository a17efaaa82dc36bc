//! The offline QR handshake refusing what it must: altered, foreign, expired, revoked, overspent
//! and out-of-chain transfers, damaged QR text, stray receipts and impossible payments. Every
//! refusal is a typed error with a readable message, and a refused call stores nothing: balances,
//! history and the event log are exactly what they were before. The happy path is in
//! `offline_transfer.rs`.

mod common;

use common::{DAY, Fixture, PIN, TestLedger, pin, yen};
use ed25519_dalek::{Signer, SigningKey};
use outpost_wallet_core::envelope::{self, EnvelopeError};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{
    LedgerSigner, MessageId, ProtocolError, PurseCertificate, PurseTerms, Receipt, Transfer, TransferTerms,
};
use outpost_wallet_core::qr::{self, PayloadKind, QrError};
use outpost_wallet_core::{Balances, Clock, HistoryEntry, TransferStatus, Wallet, WalletError};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// What a refused call must leave untouched: balances, the payment history, the log's length.
fn snapshot(w: &Wallet) -> (Balances, Vec<HistoryEntry>, usize) {
    (
        w.balances().expect("balances"),
        w.history(None, 100).expect("history"),
        w.events(None, 1000).expect("events").len(),
    )
}

fn assert_untouched(w: &Wallet, before: &(Balances, Vec<HistoryEntry>, usize), what: &str) {
    assert_eq!(&snapshot(w), before, "{what}: the refused call changed the wallet");
}

/// The error's message is meant for a person: it names what went wrong.
fn assert_says(err: &WalletError, word: &str) {
    let text = err.to_string();
    assert!(text.to_lowercase().contains(word), "the message {text:?} should mention {word:?}");
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("random bytes");
    bytes
}

/// How the wallet names an id in its messages: hex of its first 6 bytes.
fn short_id(id: &[u8]) -> String {
    outpost_wallet_core::hex::short(id)
}

/// Plain transfer bytes sealed to `to` and shown as QR text, as the sender's wallet does.
fn sealed_to(to: &Wallet, transfer_bytes: &[u8]) -> String {
    let sealed = envelope::seal(&to.public_identity().agreement_key, "transfer", transfer_bytes).unwrap();
    qr::encode(PayloadKind::Transfer, &sealed)
}

/// Terms of a transfer without a request, at the fixture's time.
fn terms(
    f: &Fixture,
    to: &Wallet,
    seq: u32,
    prev_hash: [u8; 32],
    spent_after: u64,
    amount: u64,
) -> TransferTerms {
    TransferTerms {
        seq,
        prev_hash,
        spent_after,
        amount,
        receiver_key: to.public_identity().signing_key,
        request_nonce: None,
        time: f.clock.now_unix(),
        memo: "test".into(),
    }
}

/// A sender outside any wallet file: a raw protocol identity with a purse from the test ledger,
/// which can sign whatever `Transfer::sign` allows (as a modified app could).
struct RawSender {
    identity: Identity,
    certificate: PurseCertificate,
}

impl RawSender {
    fn new(f: &Fixture, ledger: &TestLedger, member_id: &str, purse: u64) -> Self {
        let identity = Identity::generate().unwrap();
        let certificate =
            ledger.certificate(identity.public().signing_key, member_id, purse, f.clock.now_unix());
        Self { identity, certificate }
    }

    fn sign(&self, terms: TransferTerms) -> Transfer {
        Transfer::sign(self.certificate.clone(), terms, &self.identity).expect("sign transfer")
    }

    /// The purse's first transfer, of `amount`, to `to`.
    fn first(&self, f: &Fixture, to: &Wallet, amount: u64) -> Transfer {
        self.sign(terms(f, to, 1, self.certificate.chain_start(), amount, amount))
    }
}

const TRANSFER_DOMAIN: &str = "outpost/transfer/v1";

/// A transfer encoded and signed by hand, exactly as the wire format says (docs/adr/0004 and
/// `transfer.rs`), with no purse rule checked: what a cheating sender with its own key can make.
///
/// body = version 1 | u8 len + certificate | seq u32 | prev_hash 32 | spent_after u64 |
///        amount u64 | receiver_key 32 | nonce flag u8 (+ 16) | time u32 | u8 len + memo
/// signature = Ed25519 over (u32 len + domain) || body
fn forge_transfer(key: &SigningKey, certificate: &PurseCertificate, terms: &TransferTerms) -> Vec<u8> {
    let certificate = certificate.to_bytes();
    let mut body = vec![1u8, u8::try_from(certificate.len()).unwrap()];
    body.extend_from_slice(&certificate);
    body.extend_from_slice(&terms.seq.to_be_bytes());
    body.extend_from_slice(&terms.prev_hash);
    body.extend_from_slice(&terms.spent_after.to_be_bytes());
    body.extend_from_slice(&terms.amount.to_be_bytes());
    body.extend_from_slice(&terms.receiver_key);
    match terms.request_nonce {
        Some(nonce) => {
            body.push(1);
            body.extend_from_slice(&nonce);
        }
        None => body.push(0),
    }
    body.extend_from_slice(&u32::try_from(terms.time).unwrap().to_be_bytes());
    body.push(u8::try_from(terms.memo.len()).unwrap());
    body.extend_from_slice(terms.memo.as_bytes());

    let mut signed = u32::try_from(TRANSFER_DOMAIN.len()).unwrap().to_be_bytes().to_vec();
    signed.extend_from_slice(TRANSFER_DOMAIN.as_bytes());
    signed.extend_from_slice(&body);
    let signature = key.sign(&signed).to_bytes();
    [body, signature.to_vec()].concat()
}

/// Offsets in a transfer's bytes, from the layout: version (1), certificate length (1),
/// certificate, seq (4), prev_hash (32), then spent_after (8) and amount (8).
fn spent_after_offset(transfer: &Transfer) -> usize {
    2 + transfer.certificate().to_bytes().len() + 4 + 32
}

fn amount_offset(transfer: &Transfer) -> usize {
    spent_after_offset(transfer) + 8
}

/// Offset of the purse amount inside a certificate's bytes: version (1), wallet key (32),
/// serial (4), member id (1 + len), currency code (3) and exponent (1).
fn certificate_amount_offset(certificate: &PurseCertificate) -> usize {
    1 + 32 + 4 + 1 + certificate.terms().member_id.len() + 4
}

fn write_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_be_bytes());
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap())
}

// ---------------------------------------------------------------------------------------------
// Receiver side: accept
// ---------------------------------------------------------------------------------------------

#[test]
fn a_transfer_with_an_altered_amount_is_refused_by_its_signature() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let transfer = aiko.first(&f, &ben, 3_000);
    let bytes = transfer.to_bytes();
    let (spent_at, amount_at) = (spent_after_offset(&transfer), amount_offset(&transfer));
    assert_eq!((read_u64(&bytes, spent_at), read_u64(&bytes, amount_at)), (3_000, 3_000), "layout offsets");
    let before = snapshot(&ben);

    // The attacker lowers the amount and keeps the first-transfer rule (spent_after == amount),
    // so only the signature can tell.
    let mut altered = bytes.clone();
    write_u64(&mut altered, spent_at, 300);
    write_u64(&mut altered, amount_at, 300);
    let err = ben.accept(&sealed_to(&ben, &altered)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "transfer" })),
        "{err:?}"
    );
    assert_says(&err, "signature");
    assert_untouched(&ben, &before, "altered amount and running total");

    // The amount alone altered also breaks the first-transfer rule, but signatures are checked
    // before purse rules, so the alteration is reported as such.
    let mut amount_only = bytes.clone();
    write_u64(&mut amount_only, amount_at, 300);
    let err = ben.accept(&sealed_to(&ben, &amount_only)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "transfer" })),
        "{err:?}"
    );
    assert_says(&err, "signature");
    assert_untouched(&ben, &before, "altered amount only");

    // In a later transfer the amount alone can change without breaking a purse rule. Two
    // transfers that differ only in amount differ only in the amount field (and signature),
    // which confirms the offset; the altered one is caught by its signature.
    let later = aiko.sign(terms(&f, &ben, 2, random(), 5_000, 2_000));
    let other = aiko.sign(TransferTerms { amount: 1_000, ..later.terms().clone() });
    let (later_bytes, other_bytes) = (later.to_bytes(), other.to_bytes());
    let body_len = later_bytes.len() - 64;
    let differing: Vec<usize> = (0..body_len).filter(|&i| later_bytes[i] != other_bytes[i]).collect();
    assert!(
        !differing.is_empty() && differing.iter().all(|&i| (amount_at..amount_at + 8).contains(&i)),
        "bytes {differing:?} differ, expected only the amount at {amount_at}"
    );
    let mut later_altered = later_bytes.clone();
    write_u64(&mut later_altered, amount_at, 4_000);
    let err = ben.accept(&sealed_to(&ben, &later_altered)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "transfer" })),
        "{err:?}"
    );
    assert_untouched(&ben, &before, "altered amount of a later transfer");

    // The genuine bytes are accepted: the refusals above were the alteration's doing.
    assert_eq!(ben.accept(&sealed_to(&ben, &bytes)).unwrap().amount, yen(3_000));
}

#[test]
fn an_altered_byte_of_the_sealed_qr_payload_does_not_open() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let payment = aiko.pay_contact(&ben.public_identity(), yen(1_000), "").unwrap();
    let sealed = qr::expect(&payment.qr_text, PayloadKind::Transfer).unwrap();
    let before = snapshot(&ben);

    // The ciphertext and the tag: the recipient check still matches, so the phone says altered.
    for index in [40, sealed.len() / 2, sealed.len() - 1] {
        let mut altered = sealed.clone();
        altered[index] ^= 0x01;
        let err = ben.accept(&qr::encode(PayloadKind::Transfer, &altered)).unwrap_err();
        assert!(matches!(err, WalletError::Envelope(EnvelopeError::Altered)), "byte {index}: {err:?}");
        assert_says(&err, "altered or damaged");
        assert_untouched(&ben, &before, "altered sealed payload");
    }
    // The ephemeral key or the recipient check: to Ben it is an envelope for someone else, as it
    // would be to anyone but the payer.
    for index in [1, 20, 33, 34] {
        let mut altered = sealed.clone();
        altered[index] ^= 0x01;
        let err = ben.accept(&qr::encode(PayloadKind::Transfer, &altered)).unwrap_err();
        assert!(matches!(err, WalletError::NotAddressedToMe), "byte {index}: {err:?}");
        assert_untouched(&ben, &before, "altered sealed payload");
    }
    // A version byte from a newer app asks for an update; a zero one is damage.
    let mut newer = sealed.clone();
    newer[0] = 3;
    let err = ben.accept(&qr::encode(PayloadKind::Transfer, &newer)).unwrap_err();
    assert!(matches!(err, WalletError::Envelope(EnvelopeError::UnsupportedVersion { found: 3 })), "{err:?}");
    assert_says(&err, "update the app");
    newer[0] = 0;
    let err = ben.accept(&qr::encode(PayloadKind::Transfer, &newer)).unwrap_err();
    assert!(matches!(err, WalletError::Envelope(EnvelopeError::Altered)), "{err:?}");
    for len in [0, 1, 34, 50] {
        let err = ben.accept(&qr::encode(PayloadKind::Transfer, &sealed[..len])).unwrap_err();
        assert!(matches!(err, WalletError::Envelope(EnvelopeError::Truncated { .. })), "{len}: {err:?}");
        assert_says(&err, "scan the whole code again");
    }
    assert_untouched(&ben, &before, "newer, damaged or cut envelopes");
    ben.accept(&payment.qr_text).expect("the unaltered code is accepted");
}

#[test]
fn a_transfer_whose_purse_certificate_was_altered_is_refused_by_the_ledger_signature() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    // A later transfer of the purse: its prev_hash does not name the certificate, so a
    // certificate alteration keeps the transfer well formed and only the ledger's signature
    // can catch it.
    let transfer = aiko.sign(terms(&f, &ben, 2, random(), 3_000, 1_000));
    let bytes = transfer.to_bytes();
    let at = 2 + certificate_amount_offset(&aiko.certificate);
    assert_eq!(read_u64(&bytes, at), 10_000, "layout offset of the purse amount");
    let mut altered = bytes.clone();
    write_u64(&mut altered, at, 20_000); // the purse doubled
    let before = snapshot(&ben);

    let err = ben.accept(&sealed_to(&ben, &altered)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "purse certificate" })),
        "{err:?}"
    );
    assert_says(&err, "purse certificate");
    assert_untouched(&ben, &before, "altered certificate in a later transfer");

    // In a first transfer the altered certificate also no longer matches the chain start the
    // transfer names; the ledger's signature is checked first, so it is reported as altered.
    let first = aiko.first(&f, &ben, 1_000).to_bytes();
    let mut altered_first = first.clone();
    write_u64(&mut altered_first, at, 20_000);
    let err = ben.accept(&sealed_to(&ben, &altered_first)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "purse certificate" })),
        "{err:?}"
    );
    assert_says(&err, "purse certificate");
    assert_untouched(&ben, &before, "altered certificate in a first transfer");

    ben.accept(&sealed_to(&ben, &bytes)).expect("the unaltered transfer is accepted");
}

#[test]
fn a_purse_certificate_from_another_ledger_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let impostor = LedgerSigner::generate().unwrap();
    let identity = Identity::generate().unwrap();
    let now = f.clock.now_unix();
    let certificate = impostor
        .issue(PurseTerms {
            wallet_key: identity.public().signing_key,
            serial: 1,
            member_id: "AIKO-0001".into(),
            amount: yen(10_000),
            issued_at: now,
            expires_at: now + 7 * DAY,
        })
        .unwrap();
    let aiko = RawSender { identity, certificate };
    let qr_text = sealed_to(&ben, &aiko.first(&f, &ben, 2_000).to_bytes());
    let before = snapshot(&ben);

    let err = ben.accept(&qr_text).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "purse certificate" })),
        "{err:?}"
    );
    assert_says(&err, "signature");
    assert_untouched(&ben, &before, "foreign ledger");
}

#[test]
fn a_transfer_sealed_to_someone_else_does_not_open() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let carol = f.member(&ledger, "carol.wallet", "CAROL-0003", 0);
    let payment = aiko.pay_contact(&carol.public_identity(), yen(700), "").unwrap();
    let before = snapshot(&ben);

    let err = ben.accept(&payment.qr_text).unwrap_err();
    assert!(matches!(err, WalletError::NotAddressedToMe), "{err:?}");
    assert_says(&err, "addressed to another wallet");
    assert_untouched(&ben, &before, "someone else's transfer");
    carol.accept(&payment.qr_text).expect("its receiver accepts it");
}

#[test]
fn a_transfer_replayed_to_another_receiver_is_not_addressed_to_it() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let carol = f.member(&ledger, "carol.wallet", "CAROL-0003", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let bytes = aiko.first(&f, &ben, 1_500).to_bytes();
    ben.accept(&sealed_to(&ben, &bytes)).expect("Ben accepts the transfer made out to him");
    let before = snapshot(&carol);

    // Whoever saw Ben's transfer in the clear re-seals it to Carol.
    let err = carol.accept(&sealed_to(&carol, &bytes)).unwrap_err();
    assert!(matches!(err, WalletError::NotAddressedToMe), "{err:?}");
    assert_says(&err, "addressed to another wallet");
    assert_untouched(&carol, &before, "replay to Carol");
}

#[test]
fn a_transfer_from_an_expired_purse_is_refused_by_the_receivers_clock() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let payment = aiko.pay_contact(&ben.public_identity(), yen(1_000), "").unwrap();
    f.clock.advance(7 * DAY + 1);
    let before = snapshot(&ben);

    let err = ben.accept(&payment.qr_text).unwrap_err();
    let now = f.clock.now_unix();
    assert!(
        matches!(
            err,
            WalletError::Protocol(ProtocolError::Expired { message: "purse certificate", expired_at, now: seen })
                if expired_at < now && seen == now
        ),
        "{err:?}"
    );
    assert_says(&err, "expired");
    assert_untouched(&ben, &before, "expired purse");
}

#[test]
fn a_transfer_from_a_revoked_purse_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let qr_text = sealed_to(&ben, &aiko.first(&f, &ben, 1_000).to_bytes());
    let purse_id = aiko.certificate.purse_id();
    ben.revoke_purse(&purse_id).unwrap();
    let before = snapshot(&ben);

    let err = ben.accept(&qr_text).unwrap_err();
    assert!(matches!(&err, WalletError::PurseRevoked { purse_id: named } if *named == purse_id), "{err:?}");
    assert_says(&err, "revoked");
    assert_says(&err, &short_id(&purse_id));
    assert_untouched(&ben, &before, "revoked purse");
}

#[test]
fn a_hand_forged_transfer_spending_beyond_its_purse_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let cheat = SigningKey::from_bytes(&random());
    let now = f.clock.now_unix();
    let certificate = ledger.certificate(cheat.verifying_key().to_bytes(), "CHEAT-0008", 10_000, now);

    // The forging helper is right: within the purse, its transfer decodes to what was meant,
    // verifies, and a wallet accepts it.
    let within = terms(&f, &ben, 1, certificate.chain_start(), 4_000, 4_000);
    let forged = forge_transfer(&cheat, &certificate, &within);
    let decoded = Transfer::from_bytes(&forged).expect("a forged transfer within the purse decodes");
    assert_eq!((decoded.terms(), decoded.certificate()), (&within, &certificate));
    let first_id = decoded.clone().verify(&ledger.key(), now).expect("and verifies").id();
    let accepted = ben.accept(&sealed_to(&ben, &forged)).expect("a wallet accepts it");
    assert_eq!((accepted.amount, accepted.transfer_id), (yen(4_000), first_id));
    let before = snapshot(&ben);

    // One yen past a fresh purse, in its first transfer.
    let fresh = ledger.certificate(cheat.verifying_key().to_bytes(), "CHEAT-0008", 10_000, now);
    let over = terms(&f, &ben, 1, fresh.chain_start(), 10_001, 10_001);
    let err = ben.accept(&sealed_to(&ben, &forge_transfer(&cheat, &fresh, &over))).unwrap_err();
    assert!(
        matches!(&err, WalletError::Protocol(ProtocolError::Overspend { spent_after, purse })
            if spent_after.minor() == 10_001 && purse.minor() == 10_000),
        "{err:?}"
    );
    assert_says(&err, "purse");
    assert_untouched(&ben, &before, "overspend in a first transfer");

    // One yen past the purse Ben already holds a transfer from, chained correctly to it.
    let over = terms(&f, &ben, 2, first_id, 10_001, 6_001);
    let err = ben.accept(&sealed_to(&ben, &forge_transfer(&cheat, &certificate, &over))).unwrap_err();
    assert!(
        matches!(&err, WalletError::Protocol(ProtocolError::Overspend { spent_after, purse })
            if spent_after.minor() == 10_001 && purse.minor() == 10_000),
        "{err:?}"
    );
    assert_says(&err, "purse");
    assert_untouched(&ben, &before, "overspend in a chained transfer");
}

#[test]
fn a_transfer_is_checked_against_the_held_transfers_on_both_sides_of_its_slot() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    // Ben holds seq 1 (total 1,000) and seq 5 (total 5,000, so 4,000 spent in seq 2 to 5).
    let first = aiko.first(&f, &ben, 1_000);
    ben.accept(&sealed_to(&ben, &first.to_bytes())).unwrap();
    let fifth = aiko.sign(terms(&f, &ben, 5, random(), 5_000, 1_000));
    ben.accept(&sealed_to(&ben, &fifth.to_bytes())).unwrap();
    let before = snapshot(&ben);

    // Seq 3 must leave room for seq 2 after seq 1 (at least 1,000 + 1 + its amount)…
    let too_small = aiko.sign(terms(&f, &ben, 3, random(), 1_500, 500));
    let err = ben.accept(&sealed_to(&ben, &too_small.to_bytes())).unwrap_err();
    assert!(matches!(err, WalletError::BrokenChain { seq: 3, .. }), "{err:?}");
    // …and seq 5's total must leave room for seq 4 and seq 5 after it.
    let too_large = aiko.sign(terms(&f, &ben, 3, random(), 4_500, 500));
    let err = ben.accept(&sealed_to(&ben, &too_large.to_bytes())).unwrap_err();
    assert!(matches!(err, WalletError::BrokenChain { seq: 3, .. }), "{err:?}");
    assert_untouched(&ben, &before, "seq 3 out of room on either side");

    let fits = aiko.sign(terms(&f, &ben, 3, random(), 3_000, 1_000));
    ben.accept(&sealed_to(&ben, &fits.to_bytes())).expect("a seq 3 with room on both sides");
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(3_000));
}

/// The sealed `purse_link` rows of a wallet file (one per accepted transfer), as stored.
fn purse_link_rows(path: &std::path::Path) -> Vec<(Vec<u8>, i64, Vec<u8>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT purse, seq, sealed FROM purse_link").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn put_back_purse_link_rows(path: &std::path::Path, rows: &[(Vec<u8>, i64, Vec<u8>)]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute("DELETE FROM purse_link", []).unwrap();
    for (purse, seq, sealed) in rows {
        conn.execute("INSERT INTO purse_link (purse, seq, sealed) VALUES (?1, ?2, ?3)", (purse, seq, sealed))
            .unwrap();
    }
}

#[test]
fn a_reused_slot_is_caught_even_when_the_purse_link_rows_are_missing_or_put_back_from_an_old_copy() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("ben.wallet");
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let chidi = RawSender::new(&f, &ledger, "CHIDI-0003", 10_000);

    let aiko_first = aiko.first(&f, &ben, 1_000);
    ben.accept(&sealed_to(&ben, &aiko_first.to_bytes())).unwrap();
    let chidi_first = chidi.first(&f, &ben, 1_000);
    ben.accept(&sealed_to(&ben, &chidi_first.to_bytes())).unwrap();
    let after_first = purse_link_rows(&path);
    assert_eq!(after_first.len(), 2, "one row per accepted transfer");
    for (sender, first) in [(&aiko, &aiko_first), (&chidi, &chidi_first)] {
        let second = sender.sign(terms(&f, &ben, 2, first.id(), 1_500, 500));
        ben.accept(&sealed_to(&ben, &second.to_bytes())).unwrap();
    }
    drop(ben);

    // Rows as they were after the first transfers: sealed by this wallet, so they open, but they
    // forget seq 2.
    put_back_purse_link_rows(&path, &after_first);
    let ben = f.open_unlocked(&path);
    let reused = aiko.sign(terms(&f, &ben, 2, aiko_first.id(), 1_700, 700));
    let err = ben.accept(&sealed_to(&ben, &reused.to_bytes())).unwrap_err();
    assert!(matches!(err, WalletError::DoubleSpend { seq: 2, .. }), "old row: {err:?}");
    drop(ben);

    // No rows at all, as in a wallet file from before they existed.
    put_back_purse_link_rows(&path, &[]);
    let ben = f.open_unlocked(&path);
    let reused = chidi.sign(terms(&f, &ben, 2, chidi_first.id(), 1_700, 700));
    let err = ben.accept(&sealed_to(&ben, &reused.to_bytes())).unwrap_err();
    assert!(matches!(err, WalletError::DoubleSpend { seq: 2, .. }), "no row: {err:?}");
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(3_000), "only the first seq 2s credited");
}

#[test]
fn a_transfer_that_does_not_continue_the_purse_chain_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let first = aiko.first(&f, &ben, 1_000);
    ben.accept(&sealed_to(&ben, &first.to_bytes())).unwrap();
    let before = snapshot(&ben);

    let wrong_link = aiko.sign(terms(&f, &ben, 2, random(), 1_500, 500));
    let err = ben.accept(&sealed_to(&ben, &wrong_link.to_bytes())).unwrap_err();
    assert!(matches!(err, WalletError::BrokenChain { seq: 2, .. }), "{err:?}");
    assert_says(&err, "chain");
    assert_untouched(&ben, &before, "seq 2 naming another previous transfer");

    // Right link, but a running total that hides spending (1_400) or invents it (1_600).
    for spent_after in [1_400, 1_600] {
        let wrong_total = aiko.sign(terms(&f, &ben, 2, first.id(), spent_after, 500));
        let err = ben.accept(&sealed_to(&ben, &wrong_total.to_bytes())).unwrap_err();
        assert!(matches!(err, WalletError::BrokenChain { seq: 2, .. }), "spent_after {spent_after}: {err:?}");
        assert_says(&err, "running total");
        assert_untouched(&ben, &before, "seq 2 with a wrong running total");
    }

    let right = aiko.sign(terms(&f, &ben, 2, first.id(), 1_500, 500));
    ben.accept(&sealed_to(&ben, &right.to_bytes())).expect("the correct seq 2 is accepted");
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(1_500));
}

#[test]
fn a_transfer_answering_an_unknown_request_or_the_wrong_amount_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = RawSender::new(&f, &ledger, "AIKO-0001", 10_000);
    let answering = |nonce: [u8; 16], amount: u64| {
        let mut t = terms(&f, &ben, 1, aiko.certificate.chain_start(), amount, amount);
        t.request_nonce = Some(nonce);
        sealed_to(&ben, &aiko.sign(t).to_bytes())
    };
    let request = ben.create_request(Some(yen(300)), "tea", 600).unwrap().request;
    let before = snapshot(&ben);

    let err = ben.accept(&answering(random(), 300)).unwrap_err();
    assert!(matches!(err, WalletError::UnknownRequest), "{err:?}");
    assert_says(&err, "request");
    assert_untouched(&ben, &before, "unknown request");

    let err = ben.accept(&answering(request.nonce, 500)).unwrap_err();
    assert!(
        matches!(err, WalletError::AmountMismatch { requested, offered } if requested == yen(300) && offered == yen(500)),
        "{err:?}"
    );
    assert_says(&err, "request");
    assert_untouched(&ben, &before, "wrong amount for the request");

    ben.accept(&answering(request.nonce, 300)).expect("the right amount for the request is accepted");
}

#[test]
fn damaged_or_wrong_qr_text_is_refused_before_anything_is_stored() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let good = aiko.pay_contact(&ben.public_identity(), yen(1_000), "").unwrap().qr_text;
    let request_qr = ben.create_request(Some(yen(50)), "", 600).unwrap().qr_text;
    let before = snapshot(&ben);

    // Truncated anywhere: in the header, just after it, and through the body.
    let len = good.len();
    for cut in [0, 1, 2, 3, 4, 5, 6, 7, 8, 50, 51, 52, len / 2, len - 3, len - 2, len - 1] {
        let err = ben.accept(&good[..cut]).unwrap_err();
        assert!(matches!(err, WalletError::Qr(_) | WalletError::Envelope(_)), "cut at {cut}: {err:?}");
        let text = err.to_string();
        assert!(
            ["scan", "sealed", "envelope"].iter().any(|word| text.contains(word)),
            "cut at {cut}: unreadable message {text:?}"
        );
        assert_untouched(&ben, &before, "truncated text");
    }
    let err = ben.accept(&good[..3]).unwrap_err();
    assert!(matches!(err, WalletError::Qr(QrError::Truncated { len: 3 })), "{err:?}");
    assert!(matches!(ben.accept(""), Err(WalletError::Qr(QrError::Empty))));

    let cases: [(String, &str); 4] = [
        (format!("{good}{}", "0".repeat(qr::MAX_TEXT_LEN)), "more than"),
        (request_qr, "scan the transfer"),
        (good.replacen("OP1T", "OP2T", 1), "update the app"),
        (good.to_lowercase(), "uppercase"),
    ];
    for (text, word) in &cases {
        let err = ben.accept(text).unwrap_err();
        assert_says(&err, word);
        assert_untouched(&ben, &before, word);
    }
    let errors: Vec<_> = cases.iter().map(|(text, _)| ben.accept(text).unwrap_err()).collect();
    assert!(
        matches!(errors[0], WalletError::Qr(QrError::TooLong { max: qr::MAX_TEXT_LEN, .. })),
        "{:?}",
        errors[0]
    );
    assert!(
        matches!(
            errors[1],
            WalletError::Qr(QrError::WrongKind {
                expected: PayloadKind::Transfer,
                found: PayloadKind::PaymentRequest
            })
        ),
        "{:?}",
        errors[1]
    );
    assert!(
        matches!(errors[2], WalletError::Qr(QrError::UnsupportedVersion { found: '2' })),
        "{:?}",
        errors[2]
    );
    assert!(
        matches!(errors[3], WalletError::Qr(QrError::BadCharacter { position: 0, found: 'o' })),
        "{:?}",
        errors[3]
    );
    assert_untouched(&ben, &before, "every damaged text");

    ben.accept(&good).expect("the whole, unaltered text is accepted");
}

#[test]
fn a_locked_or_unenrolled_receiver_refuses_a_transfer() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let to_ben = aiko.pay_contact(&ben.public_identity(), yen(1_000), "").unwrap();
    let before = snapshot(&ben);
    ben.lock();
    let err = ben.accept(&to_ben.qr_text).unwrap_err();
    assert!(matches!(err, WalletError::Locked), "{err:?}");
    assert_says(&err, "locked");
    ben.unlock(&pin(PIN)).unwrap();
    assert_untouched(&ben, &before, "locked receiver");
    ben.accept(&to_ben.qr_text).expect("accepted once unlocked");

    let carol = f.open_unlocked(&f.create("carol.wallet"));
    let to_carol = aiko.pay_contact(&carol.public_identity(), yen(500), "").unwrap();
    let before = snapshot(&carol);
    let err = carol.accept(&to_carol.qr_text).unwrap_err();
    assert!(matches!(err, WalletError::NotEnrolled), "{err:?}");
    assert_says(&err, "not enrolled");
    assert_untouched(&carol, &before, "unenrolled receiver");
}

// ---------------------------------------------------------------------------------------------
// Sender side
// ---------------------------------------------------------------------------------------------

#[test]
fn a_receipt_for_another_transfer_altered_or_from_a_stranger_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    // The receiver is a raw identity, so the test can sign receipts as it.
    let bea = Identity::generate().unwrap();
    let payment = aiko.pay_contact(&bea.public(), yen(1_000), "").unwrap();
    let now = f.clock.now_unix();
    let receipt_qr = |receipt: &Receipt| qr::encode(PayloadKind::Receipt, &receipt.to_bytes());
    let before = snapshot(&aiko);
    let still_awaiting = |what: &str| {
        assert_untouched(&aiko, &before, what);
        assert_eq!(aiko.history(None, 1).unwrap()[0].status, TransferStatus::AwaitingReceipt, "{what}");
    };

    let unknown_id: MessageId = random();
    let err = aiko.confirm_receipt(&receipt_qr(&Receipt::sign(unknown_id, now, &bea).unwrap())).unwrap_err();
    assert!(
        matches!(&err, WalletError::UnknownTransfer { transfer_id } if *transfer_id == unknown_id),
        "{err:?}"
    );
    assert_says(&err, &format!("no transfer {}", short_id(&unknown_id)));
    still_awaiting("receipt for an unknown transfer");

    let good = Receipt::sign(payment.transfer_id, now, &bea).unwrap().to_bytes();
    let mut altered = good.clone();
    let signature_at = altered.len() - 64;
    altered[signature_at + 10] ^= 0x01;
    let err = aiko.confirm_receipt(&qr::encode(PayloadKind::Receipt, &altered)).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::BadSignature { message: "receipt" })),
        "{err:?}"
    );
    assert_says(&err, "signature");
    still_awaiting("altered receipt signature");

    let stranger = Identity::generate().unwrap();
    let err = aiko
        .confirm_receipt(&receipt_qr(&Receipt::sign(payment.transfer_id, now, &stranger).unwrap()))
        .unwrap_err();
    assert!(matches!(err, WalletError::ReceiptFromStranger), "{err:?}");
    assert_says(&err, "someone other");
    still_awaiting("receipt from a stranger");

    let confirmed = aiko.confirm_receipt(&qr::encode(PayloadKind::Receipt, &good)).unwrap();
    assert_eq!((confirmed.transfer_id, confirmed.already_confirmed), (payment.transfer_id, false));
    assert_eq!(aiko.history(None, 1).unwrap()[0].status, TransferStatus::Delivered);
}

#[test]
fn paying_more_than_the_purse_holds_or_without_a_purse_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let before = snapshot(&aiko);

    let err = aiko.pay_contact(&ben.public_identity(), yen(10_001), "").unwrap_err();
    assert!(
        matches!(err, WalletError::InsufficientPurse { remaining, asked } if remaining == yen(10_000) && asked == yen(10_001)),
        "{err:?}"
    );
    assert_says(&err, "purse");
    assert_untouched(&aiko, &before, "more than the purse");
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(10_000), "the purse is unchanged");

    let ben_before = snapshot(&ben);
    let err = ben.pay_contact(&aiko.public_identity(), yen(1), "").unwrap_err();
    assert!(matches!(err, WalletError::NoPurse), "{err:?}");
    assert_says(&err, "purse");
    assert_untouched(&ben, &ben_before, "no purse");

    // The whole purse is still payable: the refusal reserved nothing.
    aiko.pay_contact(&ben.public_identity(), yen(10_000), "").expect("the whole purse can be paid");
}

#[test]
fn a_payment_to_oneself_with_a_long_memo_or_against_a_bad_request_is_refused() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let expiring = ben.create_request(Some(yen(100)), "", 600).unwrap().qr_text;
    let open = ben.create_request(None, "", 3_600).unwrap().qr_text;
    let before = snapshot(&aiko);
    let untouched = |what: &str| {
        assert_untouched(&aiko, &before, what);
        assert_eq!(aiko.balances().unwrap().offline_purse, yen(10_000), "{what}: the purse is unchanged");
    };

    let err = aiko.pay_contact(&aiko.public_identity(), yen(100), "").unwrap_err();
    assert!(matches!(err, WalletError::SelfPayment), "{err:?}");
    assert_says(&err, "itself");
    untouched("paying itself");

    let memo = "m".repeat(33);
    let err = aiko.pay_contact(&ben.public_identity(), yen(100), &memo).unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::TooLong { field: "memo", max: 32 })),
        "{err:?}"
    );
    assert_says(&err, "memo");
    untouched("33-byte memo");
    let err = aiko.pay_request(&open, Some(yen(100)), &memo).unwrap_err();
    assert!(matches!(err, WalletError::Protocol(ProtocolError::TooLong { field: "memo", .. })), "{err:?}");
    untouched("33-byte memo on a request");

    let err = aiko.pay_request(&open, None, "").unwrap_err();
    assert!(matches!(err, WalletError::AmountRequired), "{err:?}");
    assert_says(&err, "amount");
    untouched("open request without an amount");

    f.clock.advance(601);
    let err = aiko.pay_request(&expiring, None, "").unwrap_err();
    assert!(
        matches!(err, WalletError::Protocol(ProtocolError::Expired { message: "payment request", .. })),
        "{err:?}"
    );
    assert_says(&err, "expired");
    untouched("expired request");

    aiko.pay_request(&open, Some(yen(100)), "").expect("a valid request is still paid");
}

#[test]
fn a_second_ledger_key_is_refused_and_the_first_stays_pinned() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let before = snapshot(&ben);

    let other = LedgerSigner::generate().unwrap();
    let err = ben.pin_ledger_key(other.public_key()).unwrap_err();
    assert!(matches!(err, WalletError::LedgerKeyMismatch), "{err:?}");
    assert_says(&err, "ledger key");
    assert_eq!(ben.ledger_key().unwrap(), Some(ledger.key()), "the original key is still pinned");
    assert_untouched(&ben, &before, "second ledger key");

    ben.pin_ledger_key(ledger.key()).expect("pinning the same key again is harmless");
    assert_untouched(&ben, &before, "the same ledger key again");
}
