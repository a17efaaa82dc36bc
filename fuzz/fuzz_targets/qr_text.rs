//! Any text a scanner hands over: decoded, or refused with a typed error. Decoding is one-to-one,
//! so a text that decodes is exactly the encoding of what it decoded to (less one trailing line
//! ending).
#![no_main]

use libfuzzer_sys::fuzz_target;
use outpost_wallet_core::qr::{self, PayloadKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((kind, payload)) = qr::decode(text) {
        let bare = text.strip_suffix("\r\n").or_else(|| text.strip_suffix('\n')).unwrap_or(text);
        assert_eq!(qr::encode(kind, &payload), bare);
        assert!(matches!(qr::expect(text, kind), Ok(again) if again == payload));
        assert!(qr::version_for(text).is_ok_and(|v| v <= 40));
    }
    for kind in PayloadKind::ALL {
        let _ = qr::expect(text, kind);
    }
});
