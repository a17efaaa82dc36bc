//! `Transfer::from_bytes` on any bytes: a value or a typed error, never a panic; and a value it
//! returns can be verified (against a key that did not sign it) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::protocol::Transfer;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Transfer::from_bytes(data) else { return };
    assert_eq!(message.to_bytes(), data, "decoding keeps the bytes it was given");
    let _ = message.id();
    // The amount was checked at decode; `amount()` relies on it.
    let _ = (message.amount(), message.certificate().purse_id());
    assert!(message.clone().verify(&[0x42; 32], 0).is_err());
    assert!(message.verify_grant(&[0x42; 32]).is_err());
});
