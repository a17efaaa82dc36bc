//! An officer's signed request (`Outpost-Officer-Request`, either signature kind: Ed25519 or a
//! passkey's WebAuthn assertion) and an officer authorisation on any bytes: a value or a typed
//! error, never a panic, also when the assertion inside is checked. A request that decodes
//! encodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::officer::{Authorisation, PasskeyLink, SignedOfficerRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(signed) = SignedOfficerRequest::from_bytes(data) {
        assert_eq!(signed.to_bytes(), data);
        let _ = signed.verify();
    }
    if let Ok(authorisation) = Authorisation::from_bytes(data) {
        let _ = authorisation.verify();
    }
    let _ = PasskeyLink::from_body(data);
});
