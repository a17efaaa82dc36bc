//! `SyncRequest::from_bytes` on any bytes (what the ledger's sync endpoint reads first), then the
//! signature check the ledger runs before it touches anything.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::protocol::SyncRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = SyncRequest::from_bytes(data) else { return };
    assert_eq!(request.to_bytes(), data, "decoding keeps the bytes it was given");
    let _ = (request.id(), request.body().transfers.len());
    let _ = request.verify();
});
