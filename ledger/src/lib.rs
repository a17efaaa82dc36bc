//! Outpost's HQ ledger: enrolment, payroll, purse issuance, settlement, double-spend attribution
//! and the Merkle audit log (DESIGN sections 6 and 7).
//!
//! **Not built yet.** This crate exists so the workspace has the design's shape; it has no API
//! and pretends to none. The ledger issue fills it, on the protocol types from `wallet-core`.
