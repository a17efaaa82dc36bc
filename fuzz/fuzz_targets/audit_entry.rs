//! `AuditEntry::from_leaf_data` on any bytes: an entry or a typed error. The leaf format has one
//! encoding per entry, so an entry that decodes encodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::audit::AuditEntry;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = AuditEntry::from_leaf_data(data) else { return };
    assert_eq!(entry.leaf_data(), data);
    let _ = (entry.leaf_hash(), entry.parties());
});
