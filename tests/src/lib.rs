//! End-to-end scenarios that cross crate and process boundaries live in `tests/tests/`; the
//! child processes they drive live in `src/bin/`. Scenarios that need the ledger, the CLI or the
//! foreign-language bindings join them as those parts are built.
//!
//! Keys and ids travel between a test and its child process as lowercase hex, written and read
//! with `outpost_wallet_core::hex`.
