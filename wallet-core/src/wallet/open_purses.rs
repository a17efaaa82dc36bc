//! The index of this wallet's open purses: the ones a payment may be made from and the balance
//! counts. A member loads a purse every few days and none is ever deleted (each is part of the
//! history the ledger settles against), so after a year a wallet holds hundreds; pay and
//! balances open only the few this index lists, and the closed ones are read again only when the
//! index must be rebuilt.
//!
//! The index is one sealed `setting` row: the purse ids not yet closed, and the largest `rowid`
//! of the `purse` table when it was written. Its invariants, and why it cannot hide money:
//!
//! - A purse is only ever added (installed) or closed, never reopened, and a purse row is never
//!   deleted. So any older copy of the index put back in the file either lists a superset of the
//!   open purses (closings since then), which costs one opening per extra purse, each then seen
//!   closed in its own sealed row and skipped; or it predates an install, which raised the
//!   table's largest `rowid`: the marker no longer matches, and the index is rebuilt from every
//!   purse row. A deleted purse row is either listed (an error: tampering) or the last one (the
//!   marker drops: rebuilt).
//! - A listed purse is read from its own sealed row, bound to its id: the index cannot make a
//!   closed purse count, nor move a purse's amount.
//!
//! Wallets from before the index (schema 5 and older) have no row: it is built at the first
//! unlock, and any read until then rebuilds it in memory.

use rusqlite::Transaction;

use super::records::PurseRecord;
use super::sync::{read_setting, tampered, write_setting};
use super::{Wallet, WalletError};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::protocol::MessageId;
use crate::vault::DataKey;

/// The `setting` row that holds the index.
const OPEN_PURSES: &str = "open_purses";
const INDEX_VERSION: u8 = 1;

/// The open purses, opened from their own rows.
pub(super) struct OpenPurses {
    pub purses: Vec<PurseRecord>,
    /// The index row was missing or out of date and this list was rebuilt from every purse row:
    /// a caller that writes should store it again ([`Wallet::write_open_purses`]).
    pub rebuilt: bool,
}

impl OpenPurses {
    pub fn ids(&self) -> Vec<MessageId> {
        self.purses.iter().map(|p| p.certificate.purse_id()).collect()
    }
}

fn purse_marker(conn: &rusqlite::Connection) -> Result<i64, WalletError> {
    Ok(conn.prepare_cached("SELECT coalesce(max(rowid), 0) FROM purse")?.query_row([], |r| r.get(0))?)
}

fn encode(marker: i64, ids: &[MessageId]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(INDEX_VERSION).u64(marker.cast_unsigned()).u32(ids.len() as u32);
    for id in ids {
        w.fixed(id);
    }
    w.finish()
}

fn decode(bytes: &[u8]) -> Result<(i64, Vec<MessageId>), DecodeError> {
    let mut r = Reader::new(bytes);
    r.version("open purses", INDEX_VERSION)?;
    let marker = r.u64("purse marker")?.cast_signed();
    let count = r.u32("open purses")? as usize;
    if count > bytes.len() / 32 {
        return Err(DecodeError::Invalid { what: "open purses", reason: "more ids than the row holds" });
    }
    let ids = (0..count).map(|_| r.array("purse id")).collect::<Result<Vec<MessageId>, _>>()?;
    r.finish()?;
    Ok((marker, ids))
}

impl Wallet {
    /// Every purse of this wallet not yet closed (expired and revoked ones included: the caller
    /// decides what is usable), from the index when it is current, else from every purse row.
    pub(super) fn open_purses(
        &self,
        conn: &rusqlite::Connection,
        key: &DataKey,
    ) -> Result<OpenPurses, WalletError> {
        let rows = self.rows(key);
        if let Some(bytes) = read_setting(conn, key, &self.record.wallet_id, OPEN_PURSES)? {
            let (marker, ids) = decode(&bytes).map_err(|_| tampered(OPEN_PURSES))?;
            if marker == purse_marker(conn)? {
                let mut purses = Vec::with_capacity(ids.len());
                for id in &ids {
                    let purse = rows
                        .get(conn, "purse", &rows.lookup("purse", id), PurseRecord::decode)?
                        .ok_or_else(|| tampered(OPEN_PURSES))?;
                    if !purse.closed {
                        purses.push(purse);
                    }
                }
                return Ok(OpenPurses { purses, rebuilt: false });
            }
        }
        let purses =
            rows.all(conn, "purse", PurseRecord::decode)?.into_iter().filter(|p| !p.closed).collect();
        Ok(OpenPurses { purses, rebuilt: true })
    }

    /// Stores the index as `ids` (every purse not closed), in the caller's transaction, after
    /// any purse row it writes.
    pub(super) fn write_open_purses(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        ids: &[MessageId],
    ) -> Result<(), WalletError> {
        let bytes = encode(purse_marker(tx)?, ids);
        write_setting(tx, key, &self.record.wallet_id, OPEN_PURSES, &bytes)
    }

    /// Writes the index when it is missing or out of date: at unlock, so that a wallet from
    /// before the index, or one whose index row was put back from an older copy, reads only its
    /// open purses from then on.
    pub(super) fn refresh_open_purses(
        &self,
        store: &mut crate::store::Store,
        key: &DataKey,
    ) -> Result<(), WalletError> {
        let open = self.open_purses(store.conn(), key)?;
        if open.rebuilt {
            let tx = store.write()?;
            self.write_open_purses(&tx, key, &open.ids())?;
            tx.commit()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_decodes_what_it_encodes_and_refuses_damage() {
        let ids = [[1u8; 32], [2u8; 32]];
        let bytes = encode(7, &ids);
        assert_eq!(decode(&bytes).unwrap(), (7, ids.to_vec()));
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        assert!(decode(&[bytes.clone(), vec![0]].concat()).is_err(), "a byte too many");
        let mut oversized = bytes.clone();
        oversized[9..13].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&oversized).is_err(), "a count the row cannot hold");
        let mut wrong_version = bytes;
        wrong_version[0] = 9;
        assert!(decode(&wrong_version).is_err());
    }
}
