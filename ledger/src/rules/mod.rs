//! The ledger's rules: what it accepts, pays, refuses and records, written once against the
//! storage interface (`crate::storage`) and knowing nothing of HTTP.
//!
//! - `settlement`: transfers paid exactly once, held, returned or proved double spends.
//! - `sync`: a wallet's sync request answered (settlement, purses, online payments, proofs);
//!   `outcome`: why each transfer and payment was paid or not, in the words the wallet shows.
//! - `officers` and `passkeys`: the two-person rule over officers' signed requests;
//!   `officer_refusal`: why one was refused, in the officer's words.
//! - `risk`: the flags, a function of the log.
//! - `audit`, `log_cache`, `checkpoint_log`, `witnessing`: the tamper-evident log, the tree kept
//!   over it, the checkpoints the ledger signs (never a fork) and the witnesses who cosign them.

pub(crate) mod audit;
pub(crate) mod checkpoint_log;
pub(crate) mod log_cache;
pub mod officer_refusal;
pub mod officers;
pub mod outcome;
pub mod passkeys;
pub mod risk;
pub(crate) mod settlement;
pub(crate) mod sync;
pub mod witnessing;
