//! `decode_export` on any bytes (a file an auditor was handed), then the offline audit and the
//! check against a held checkpoint: typed errors, never a panic. An export that decodes encodes
//! back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::audit::{audit_log, check_against, decode_export, encode_export};

fuzz_target!(|data: &[u8]| {
    let Ok((checkpoint, entries)) = decode_export(data) else { return };
    assert_eq!(encode_export(&checkpoint, &entries), data);
    assert!(audit_log(&entries, &checkpoint, &[0x42; 32]).is_err());
    let _ = check_against(&entries, &checkpoint, &[0x42; 32]);
});
