//! `Receipt::from_bytes` on any bytes: a value or a typed error, never a panic; and a value it
//! returns can be verified (against a key that did not sign it) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::protocol::Receipt;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Receipt::from_bytes(data) else { return };
    assert_eq!(message.to_bytes(), data, "decoding keeps the bytes it was given");
    let _ = message.id();
    let _ = message.verify();
});
