//! The ledger's checkpoint as a C2SP signed note (docs/adr/0012): the note and the compact bytes
//! are one checkpoint under one signature, each converts to the other, both verify with the
//! pinned ledger key alone, and every damaged, oversized or foreign note is refused with a typed
//! error or fails that one check.
//!
//! Go's own verifier reads these notes in `tests/tests/checkpoint_interop.rs`.

use data_encoding::BASE64;
use ed25519_dalek::{Signer, SigningKey};
use outpost_wallet_core::encoding::DecodeError;
use outpost_wallet_core::hex;
use outpost_wallet_core::merkle;
use outpost_wallet_core::protocol::note::{self, MAX_NOTE, NoteError};
use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner, ProtocolError};

const NOW: u64 = 1_800_000_000;

fn ledger() -> LedgerSigner {
    LedgerSigner::from_secret(&[7; 32])
}

fn checkpoint(ledger: &LedgerSigner) -> Checkpoint {
    let leaves: Vec<merkle::Hash> = (0u8..7).map(|i| merkle::leaf_hash(&[i])).collect();
    ledger.checkpoint(7, merkle::root(&leaves), NOW)
}

fn note_of(ledger: &LedgerSigner) -> String {
    checkpoint(ledger).to_note(&ledger.public_key())
}

/// Whether `note` reads as a checkpoint that verifies under `key`.
fn verifies(note: &[u8], key: &[u8; 32]) -> bool {
    Checkpoint::from_note(note).is_ok_and(|c| c.verify(key).is_ok())
}

/// The note with `lines` put in place of its signature block.
fn with_signatures(note: &str, lines: &[String]) -> String {
    let (text, _) = note.split_once("\n\n").unwrap();
    format!("{text}\n\n{}", lines.concat())
}

fn ledger_line(note: &str) -> String {
    note.split_once("\n\n").unwrap().1.to_owned()
}

/// A signature line by another Ed25519 key, as a witness would add one.
fn foreign_line(name: &str, text: &str, seed: u8) -> String {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let id = note::key_id(name, 0x04, &key.verifying_key().to_bytes());
    note::signature_line_for(name, id, &key.sign(text.as_bytes()).to_bytes())
}

#[test]
fn the_note_is_a_tlog_checkpoint_whose_origin_names_the_ledger_key() {
    let ledger = ledger();
    let c = checkpoint(&ledger);
    let key = ledger.public_key();
    let origin = format!("outpost-ledger/{}", hex::encode(&key));
    let text = format!("{origin}\n7\n{}\ntime {NOW}\n", BASE64.encode(&c.root));
    assert_eq!(c.note_text(&key), text);
    let note = c.to_note(&key);
    let (body, signatures) = note.split_once("\n\n").unwrap();
    assert_eq!(format!("{body}\n"), text);
    let line = signatures.strip_prefix(&format!("— {origin} ")).unwrap().strip_suffix('\n').unwrap();
    let bytes = BASE64.decode(line.as_bytes()).unwrap();
    assert_eq!(bytes.len(), 4 + 64);
    assert_eq!(u32::from_be_bytes(bytes[..4].try_into().unwrap()), note::key_id(&origin, 0x01, &key));
    // A plain RFC 8032 signature over the text, as any Ed25519 library checks it.
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    let signature = ed25519_dalek::Signature::from_slice(&bytes[4..]).unwrap();
    dalek.verify_strict(text.as_bytes(), &signature).unwrap();
    assert_eq!(
        Checkpoint::verifier_key(&key),
        format!(
            "{origin}+{:08x}+{}",
            note::key_id(&origin, 0x01, &key),
            BASE64.encode(&[&[1u8][..], &key].concat())
        )
    );
    println!("checkpoint note: {} bytes; compact checkpoint: {} bytes", note.len(), c.to_bytes().len());
}

#[test]
fn note_and_compact_form_convert_both_ways_and_verify_with_one_key() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note = c.to_note(&key);
    let from_note = Checkpoint::from_note(note.as_bytes()).unwrap();
    assert_eq!(from_note, c);
    from_note.verify(&key).unwrap();
    let from_bytes = Checkpoint::from_bytes(&from_note.to_bytes()).unwrap();
    from_bytes.verify(&key).unwrap();
    assert_eq!(from_bytes.to_note(&key), note, "the compact form rebuilds the note byte for byte");
}

#[test]
fn the_compact_form_is_113_bytes_and_refuses_the_version_1_meaning() {
    let ledger = ledger();
    let bytes = checkpoint(&ledger).to_bytes();
    assert_eq!(bytes.len(), 113);
    assert_eq!(bytes[0], 2);
    let mut old = bytes.clone();
    old[0] = 1;
    assert_eq!(
        Checkpoint::from_bytes(&old),
        Err(ProtocolError::Malformed {
            message: "checkpoint",
            source: DecodeError::UnsupportedVersion { what: "checkpoint", found: 1, supported: 2 },
        })
    );
}

#[test]
fn a_note_from_another_ledger_reads_but_fails_against_the_pinned_key() {
    let impostor = LedgerSigner::from_secret(&[8; 32]);
    let note = note_of(&impostor);
    let read = Checkpoint::from_note(note.as_bytes()).unwrap();
    read.verify(&impostor.public_key()).unwrap();
    assert_eq!(
        read.verify(&ledger().public_key()),
        Err(ProtocolError::BadSignature { message: "checkpoint" })
    );
}

#[test]
fn a_note_with_any_character_of_its_text_changed_never_verifies() {
    let ledger = ledger();
    let key = ledger.public_key();
    let note = note_of(&ledger);
    let text_len = note.find("\n\n").unwrap() + 1;
    for at in 0..text_len {
        for replacement in ['0', '1', 'a', 'A', '/', '\n'] {
            let mut changed = note.clone().into_bytes();
            if changed[at] == replacement as u8 {
                continue;
            }
            changed[at] = replacement as u8;
            assert!(!verifies(&changed, &key), "byte {at} became {replacement:?} and it verified");
        }
    }
}

#[test]
fn a_changed_size_root_or_time_fails_even_when_well_formed() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note = c.to_note(&key);
    let line = ledger_line(&note);
    for text in [
        c.note_text(&key).replace("\n7\n", "\n8\n"),
        c.note_text(&key).replace(&BASE64.encode(&c.root), &BASE64.encode(&[0u8; 32])),
        c.note_text(&key).replace(&format!("time {NOW}"), &format!("time {}", NOW + 1)),
    ] {
        let forged = format!("{text}\n{line}");
        let read = Checkpoint::from_note(forged.as_bytes()).unwrap();
        assert_eq!(read.verify(&key), Err(ProtocolError::BadSignature { message: "checkpoint" }));
    }
}

#[test]
fn every_truncation_of_a_note_is_refused() {
    let note = note_of(&ledger());
    for cut in 0..note.len() {
        let bytes = &note.as_bytes()[..cut];
        assert!(Checkpoint::from_note(bytes).is_err(), "cut to {cut} of {} bytes was read", note.len());
    }
}

#[test]
fn a_note_without_its_blank_line_is_refused() {
    let note = note_of(&ledger());
    let joined = note.replacen("\n\n", "\n", 1);
    assert_eq!(Checkpoint::from_note(joined.as_bytes()), Err(NoteError::NoSignatures));
}

#[test]
fn an_oversized_note_is_refused_before_it_is_read() {
    let note = note_of(&ledger());
    let padded = format!("{note}{}", "x".repeat(MAX_NOTE));
    assert_eq!(
        Checkpoint::from_note(padded.as_bytes()),
        Err(NoteError::TooLong { len: padded.len(), max: MAX_NOTE })
    );
}

#[test]
fn a_signature_that_is_not_base64_is_refused() {
    let note = note_of(&ledger());
    let at = note.rfind('=').unwrap();
    let broken = format!("{}*{}", &note[..at], &note[at + 1..]);
    assert!(matches!(
        Checkpoint::from_note(broken.as_bytes()),
        Err(NoteError::MalformedSignature { line: 6, .. })
    ));
}

#[test]
fn a_ledger_signature_under_a_wrong_key_id_is_not_the_ledgers() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let origin = Checkpoint::origin(&key);
    let sig = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).sign(c.note_text(&key).as_bytes());
    let wrong_id = note::key_id(&origin, 0x01, &key) ^ 1;
    let note =
        with_signatures(&c.to_note(&key), &[note::signature_line_for(&origin, wrong_id, &sig.to_bytes())]);
    assert_eq!(Checkpoint::from_note(note.as_bytes()), Err(NoteError::NoLedgerSignature { origin }));
}

#[test]
fn signatures_from_unknown_keys_are_ignored_around_the_ledgers() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note = c.to_note(&key);
    let text = c.note_text(&key);
    let cosigned = with_signatures(
        &note,
        &[
            foreign_line("witness.example/w1", &text, 1),
            ledger_line(&note),
            foreign_line("witness.example/w2", &text, 2),
            // Same name as the ledger, another key: an unknown key, ignored.
            foreign_line(&Checkpoint::origin(&key), &text, 3),
        ],
    );
    let read = Checkpoint::from_note(cosigned.as_bytes()).unwrap();
    assert_eq!(read, c);
    read.verify(&key).unwrap();
}

#[test]
fn a_note_signed_only_by_unknown_keys_is_refused() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note =
        with_signatures(&c.to_note(&key), &[foreign_line("witness.example/w1", &c.note_text(&key), 1)]);
    assert_eq!(
        Checkpoint::from_note(note.as_bytes()),
        Err(NoteError::NoLedgerSignature { origin: Checkpoint::origin(&key) })
    );
}

#[test]
fn a_bad_ledger_signature_is_not_rescued_by_a_good_one_after_it() {
    // The first line under the ledger's name and key ID is its signature, as in Go's verifier:
    // a failing one rejects the note whatever follows.
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note = c.to_note(&key);
    let origin = Checkpoint::origin(&key);
    let bad = note::signature_line_for(&origin, note::key_id(&origin, 0x01, &key), &[0x55; 64]);
    let doubled = with_signatures(&note, &[bad, ledger_line(&note)]);
    let read = Checkpoint::from_note(doubled.as_bytes()).unwrap();
    assert_eq!(read.verify(&key), Err(ProtocolError::BadSignature { message: "checkpoint" }));
    let good_first = with_signatures(&note, &[ledger_line(&note), ledger_line(&note)]);
    assert!(verifies(good_first.as_bytes(), &key));
}

#[test]
fn a_ledger_signature_of_the_wrong_length_is_refused() {
    let ledger = ledger();
    let key = ledger.public_key();
    let origin = Checkpoint::origin(&key);
    let short = note::signature_line_for(&origin, note::key_id(&origin, 0x01, &key), &[0x55; 63]);
    let note = with_signatures(&note_of(&ledger), &[short]);
    assert!(matches!(Checkpoint::from_note(note.as_bytes()), Err(NoteError::NotACheckpoint { .. })));
}

#[test]
fn a_body_in_any_other_form_is_not_an_outpost_checkpoint() {
    let ledger = ledger();
    let key = ledger.public_key();
    let c = checkpoint(&ledger);
    let note = c.to_note(&key);
    let text = c.note_text(&key);
    let root = BASE64.encode(&c.root);
    let origin = Checkpoint::origin(&key);
    for other in [
        text.replace("\n7\n", "\n07\n"),
        text.replace("\n7\n", "\n+7\n"),
        text.replace("\n7\n", "\n\n"),
        text.replace("\n7\n", "\n18446744073709551616\n"),
        text.replace(&root, root.trim_end_matches('=')),
        text.replace(&root, &BASE64.encode(&c.root[..31])),
        text.replace(&format!("time {NOW}"), &format!("time 0{NOW}")),
        text.replace(&format!("time {NOW}"), &format!("timestamp {NOW}")),
        text.replace(&format!("time {NOW}\n"), ""),
        format!("{text}extension\n"),
        text.replace(&origin, &origin.to_uppercase().replace("OUTPOST-LEDGER", "outpost-ledger")),
        text.replace(&origin, "example.com/log"),
        text.replace(&origin, &origin[..origin.len() - 2]),
    ] {
        assert_ne!(other, text);
        let forged = format!("{other}\n{}", ledger_line(&note));
        let result = Checkpoint::from_note(forged.as_bytes());
        assert!(
            matches!(result, Err(NoteError::NotACheckpoint { .. }) | Err(NoteError::NoSignatures)),
            "{other:?} gave {result:?}"
        );
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_are_refused_with_a_typed_error_never_a_panic(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
    ) {
        let _ = Checkpoint::from_note(&bytes);
    }

    #[test]
    fn a_note_with_any_byte_replaced_never_verifies(at in 0usize..321, byte in proptest::prelude::any::<u8>()) {
        let ledger = ledger();
        let note = note_of(&ledger).into_bytes();
        proptest::prop_assume!(at < note.len() && note[at] != byte);
        let mut changed = note;
        changed[at] = byte;
        proptest::prop_assert!(!verifies(&changed, &ledger.public_key()));
    }
}
