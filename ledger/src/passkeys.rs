//! Officers' passkeys at the ledger (docs/adr/0021): linking one, and checking a passkey's
//! signature on an officer request against its link.
//!
//! ```text
//! officer's Ed25519 key signs POST /v1/officer/passkeys {credential id, public key, rp id, origin}
//!     ─► [`Ledger::link_passkey`] ─► `PasskeyLinked` entry (its evidence: that signed request)
//!                                    and a row in `officer_passkey`
//! a passkey signs a request ─► [`check_use`] (from `Ledger::authenticate`): linked to the officer
//!     the request names, same rp id and origin, counter moved forward; the counter is stored
//! ```
//!
//! One officer links their own passkey, with their own key: the link gives nobody a power the
//! officer did not have, and a passkey cannot link another passkey, so a stolen passkey cannot
//! outlive the officer's removal or plant a second one. All the SQL about passkeys is here and in
//! the `officer_passkey` table of `store.rs`.

use data_encoding::HEXLOWER;
use outpost_wallet_core::audit::EntryKind;
use outpost_wallet_core::officer::webauthn::LINK_PATH;
use outpost_wallet_core::officer::{Authorisation, OfficerSignature, PasskeyLink, PasskeyUse};
use rusqlite::{Connection, OptionalExtension, params};

use crate::audit::{self, NewEntry};
use crate::officers::{Authenticated, Officer};
use crate::{Ledger, LedgerError};

fn refused(status: u16, reason: impl Into<String>) -> LedgerError {
    LedgerError::OfficerRefused { status, reason: reason.into() }
}

/// A linked passkey as officers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub officer_key: [u8; 32],
    pub link: PasskeyLink,
    pub counter: u32,
    pub linked_at: u64,
}

impl Ledger {
    /// Links the passkey in `request`'s body to the officer who signed it, with their own
    /// Ed25519 key. One officer, no approval: see the module comment.
    pub fn link_passkey(&self, request: &Authenticated) -> Result<Passkey, LedgerError> {
        let signed = &request.signed;
        if !matches!(signed.signature, OfficerSignature::Ed25519(_)) {
            return Err(refused(
                403,
                "a passkey is linked with the officer's own key (`outpost officer link-passkey`), not with a passkey",
            ));
        }
        signed
            .request
            .check_matches("POST", LINK_PATH, &request.body)
            .map_err(|e| refused(401, e.to_string()))?;
        let link = PasskeyLink::from_body(&request.body).map_err(|reason| refused(400, reason))?;
        let officer = &request.officer;
        let evidence =
            Authorisation { maker: signed.clone(), body: request.body.clone(), approvals: Vec::new() };
        self.write(|tx, now| {
            let holder: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT officer_key FROM officer_passkey WHERE public_key = ?1",
                    [&link.public_key[..]],
                    |r| r.get(0),
                )
                .optional()?;
            if holder.is_some() {
                return Err(refused(409, "this passkey is already linked"));
            }
            tx.execute(
                "INSERT INTO officer_passkey (public_key, officer_key, link, linked_at) VALUES (?1, ?2, ?3, ?4)",
                params![&link.public_key[..], &officer.public_key[..], link.to_body(), now as i64],
            )?;
            let detail = format!(
                "officer {} linked a passkey for {} ({})",
                officer.name,
                link.origin,
                &HEXLOWER.encode(&link.public_key)[2..18]
            );
            audit::append(
                tx,
                now,
                NewEntry::new(EntryKind::PasskeyLinked, "", detail)
                    .subject(officer.public_key)
                    .evidence(evidence.to_bytes()),
            )?;
            Ok(Passkey { officer_key: officer.public_key, link: link.clone(), counter: 0, linked_at: now })
        })
    }

    /// The passkeys linked to `officer`.
    pub fn passkeys(&self, officer: &[u8; 32]) -> Result<Vec<Passkey>, LedgerError> {
        let db = self.db();
        let mut stmt = db.conn.prepare(
            "SELECT officer_key, link, counter, linked_at FROM officer_passkey WHERE officer_key = ?1
             ORDER BY linked_at",
        )?;
        let rows = stmt.query_map([&officer[..]], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?;
        rows.map(|row| {
            let (key, link, counter, linked_at) = row?;
            Ok(Passkey {
                officer_key: key.try_into().map_err(|_| crate::inconsistent("a passkey's officer"))?,
                link: PasskeyLink::from_body(&link).map_err(|e| crate::inconsistent(&e))?,
                counter: counter.clamp(0, i64::from(u32::MAX)) as u32,
                linked_at: linked_at.max(0) as u64,
            })
        })
        .collect()
    }
}

/// Checks a passkey's signature on `officer`'s request against its link, in the transaction that
/// records the request's nonce; stores the new counter.
pub(crate) fn check_use(tx: &Connection, officer: &Officer, used: &PasskeyUse) -> Result<(), LedgerError> {
    let row: Option<(Vec<u8>, Vec<u8>, i64)> = tx
        .query_row(
            "SELECT officer_key, link, counter FROM officer_passkey WHERE public_key = ?1",
            [&used.public_key[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((holder, link, counter)) = row.filter(|(holder, _, _)| holder[..] == officer.public_key[..])
    else {
        return Err(refused(
            401,
            format!(
                "this passkey is not linked to {}: link it with `outpost officer link-passkey`",
                officer.name
            ),
        ));
    };
    let _ = holder;
    let link = PasskeyLink::from_body(&link).map_err(|e| crate::inconsistent(&e))?;
    link.check_use(used).map_err(|reason| refused(401, reason))?;
    // An authenticator that keeps a counter moves it forward at every signature; one that went
    // back (or stood still) is a copy of the passkey used elsewhere. Zero means it keeps none.
    let last = counter.max(0) as u64;
    if (used.counter != 0 || last != 0) && u64::from(used.counter) <= last {
        return Err(refused(
            401,
            format!(
                "the passkey's signature counter went from {last} to {}: it may have been copied; \
                 the officer should link a new passkey and have this one's officer key checked",
                used.counter
            ),
        ));
    }
    tx.execute(
        "UPDATE officer_passkey SET counter = ?2 WHERE public_key = ?1",
        params![&used.public_key[..], i64::from(used.counter)],
    )?;
    Ok(())
}
