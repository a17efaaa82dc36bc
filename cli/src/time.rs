//! Unix times as people read them: the wallet core's one formatter, `2025-11-02 09:14 UTC`.

pub use outpost_wallet_core::clock::utc;
