//! The ledger on the network: its HTTP API and the officers' console (`server`, `console`,
//! `officer_api`, and `refusal`, the words of every refusal it answers), the accept loop that
//! survives a hostile network (`listener`, `rate_limit`, `tls`), and what a server process needs
//! around them (`process`, `loopback`). Everything here calls the rules; nothing here decides
//! what is paid.

pub mod console;
pub mod listener;
pub mod loopback;
pub mod officer_api;
pub mod process;
pub mod rate_limit;
pub(crate) mod refusal;
pub mod server;
pub mod tls;
