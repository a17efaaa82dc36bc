//! The witnesses a wallet requires (docs/adr/0013-witnesses.md): pinned at enrolment, like the
//! ledger key, and sealed in the wallet's settings. With a policy pinned, a sync answer is applied
//! only if its witnessed checkpoint meets it ([`WitnessPolicy::check`], called from the sync);
//! the newest witnessed checkpoint accepted is kept, so no later answer can show an older one.
//! Without a policy, sync behaves as before witnesses existed.

use super::sync::{read_setting, tampered, write_setting};
use super::{Wallet, WalletError, short_id};
use crate::event_log::EventKind;
use crate::protocol::Checkpoint;
use crate::protocol::cosignature::WitnessKey;
use crate::protocol::witnessed::WitnessPolicy;
use crate::vault::DataKey;

pub(super) const POLICY: &str = "witness_policy";
pub(super) const WITNESSED: &str = "witnessed_checkpoint";

impl Wallet {
    /// Requires, from every later sync answer, a checkpoint cosigned by at least `threshold` of
    /// the witnesses `keys` (verifier keys as `outpost witness` prints them). Called once at
    /// enrolment; calling it again replaces the policy, and is recorded in the event log.
    ///
    /// ```no_run
    /// # fn pin(wallet: &outpost_wallet_core::Wallet, witness_key: String) {
    /// wallet.pin_witnesses(&[witness_key], 1).unwrap();
    /// # }
    /// ```
    pub fn pin_witnesses(&self, keys: &[String], threshold: u8) -> Result<(), WalletError> {
        let policy = WitnessPolicy::parse(keys, threshold)?;
        self.with_unlocked(|store, key| {
            let tx = store.write()?;
            write_setting(&tx, key, &self.record.wallet_id, POLICY, &policy.to_bytes())?;
            let names: Vec<String> =
                policy.keys().iter().map(|k| format!("{} {}", k.name(), short_id(&k.public_key()))).collect();
            let detail = format!("witnesses pinned: {} of {}", threshold, names.join(", "));
            self.log(key).append(&tx, self.now(), EventKind::LedgerPinned, &detail)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The witness keys and threshold this wallet requires, if any.
    pub fn pinned_witnesses(&self) -> Result<Option<(Vec<WitnessKey>, u8)>, WalletError> {
        self.with_unlocked(|store, key| {
            Ok(read_policy(store.conn(), key, &self.record.wallet_id)?
                .map(|p| (p.keys().to_vec(), p.threshold())))
        })
    }

    /// The newest witnessed checkpoint this wallet accepted from a sync answer.
    pub fn witnessed_checkpoint(&self) -> Result<Option<Checkpoint>, WalletError> {
        self.with_unlocked(|store, key| read_witnessed(store.conn(), key, &self.record.wallet_id))
    }
}

pub(super) fn read_policy(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Option<WitnessPolicy>, WalletError> {
    match read_setting(conn, key, wallet_id, POLICY)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(WitnessPolicy::from_bytes(&bytes).map_err(|_| tampered(POLICY))?)),
    }
}

pub(super) fn read_witnessed(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Option<Checkpoint>, WalletError> {
    match read_setting(conn, key, wallet_id, WITNESSED)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(Checkpoint::from_bytes(&bytes).map_err(|_| tampered(WITNESSED))?)),
    }
}
