//! `Checkpoint::from_bytes` on any bytes, then the consistency check a wallet runs between two
//! checkpoints, with hostile sizes and an arbitrary proof: typed errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::protocol::Checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(checkpoint) = Checkpoint::from_bytes(data) else { return };
    assert_eq!(checkpoint.to_bytes(), data, "decoding keeps the bytes it was given");
    assert!(checkpoint.verify(&[0x42; 32]).is_err());
    let proof: Vec<[u8; 32]> = data.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect();
    let _ = checkpoint.check_extends(&checkpoint, &proof);
});
