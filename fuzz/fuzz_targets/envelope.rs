//! Sealed envelopes: arbitrary bytes never open (and never panic), and anything sealed opens to
//! itself for its recipient only, under its purpose only, and not once a byte has changed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::envelope;
use outpost_wallet_core::identity::Identity;

/// One recipient for the whole run (the OS picks its keys; what is fuzzed is the input).
fn recipient() -> &'static Identity {
    static RECIPIENT: OnceLock<Identity> = OnceLock::new();
    RECIPIENT.get_or_init(|| Identity::generate().expect("the OS random number generator"))
}

fuzz_target!(|data: &[u8]| {
    let me = recipient();
    assert!(envelope::open(me, "transfer", data).is_err());
    let Ok(sealed) = envelope::seal(&me.public().agreement_key, "transfer", data) else { return };
    assert_eq!(envelope::open(me, "transfer", &sealed).as_deref().map(|p| p.as_slice()), Ok(data));
    assert!(envelope::open(me, "receipt", &sealed).is_err());
    let mut altered = sealed.clone();
    let at = data.first().map_or(0, |b| usize::from(*b)) % altered.len();
    altered[at] ^= 0x01;
    assert!(envelope::open(me, "transfer", &altered).is_err());
});
