//! `SyncResponse::from_bytes` on any bytes (what a wallet reads from the network), then what the
//! wallet checks before applying one: the signature, the log entries it carries and their
//! inclusion proofs, and the checkpoint's consistency proof. Typed errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::audit::AuditEntry;
use outpost_wallet_core::merkle;
use outpost_wallet_core::protocol::SyncResponse;

fuzz_target!(|data: &[u8]| {
    let Ok(response) = SyncResponse::from_bytes(data) else { return };
    assert_eq!(response.to_bytes(), data, "decoding keeps the bytes it was given");
    assert!(response.verify(&[0x42; 32], &[0; 32]).is_err());
    let body = response.into_body();
    for proved in &body.entries {
        if let Ok(entry) = AuditEntry::from_leaf_data(&proved.leaf) {
            let leaf = merkle::leaf_hash(&proved.leaf);
            let _ = merkle::verify_inclusion(
                &leaf,
                entry.seq,
                body.checkpoint.size,
                &proved.proof,
                &body.checkpoint.root,
            );
        }
    }
    let _ = body.checkpoint.check_extends(&body.checkpoint, &body.consistency);
});
