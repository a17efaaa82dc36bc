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
//! outlive the officer's removal or plant a second one. The `officer_passkey` rows are reached
//! through the storage interface (`Tx::passkey` and the rest; each backend's SQL in `storage/`).

use outpost_wallet_core::audit::EntryKind;
use outpost_wallet_core::hex;
use outpost_wallet_core::officer::webauthn::LINK_PATH;
use outpost_wallet_core::officer::{Authorisation, OfficerSignature, PasskeyLink, PasskeyUse};

use crate::rules::audit::{self, NewEntry};
use crate::rules::officers::{Authenticated, Officer};
use crate::storage::{PasskeyRow, Tx};
use crate::{Ledger, LedgerError, OfficerRefusal};

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
            return Err(OfficerRefusal::LinkWithPasskey.into());
        }
        signed.request.check_matches("POST", LINK_PATH, &request.body).map_err(OfficerRefusal::from)?;
        let link = PasskeyLink::from_body(&request.body)
            .map_err(|detail| OfficerRefusal::BadPasskeyLink { detail })?;
        let officer = &request.officer;
        let evidence =
            Authorisation { maker: signed.clone(), body: request.body.clone(), approvals: Vec::new() };
        self.write(|tx, now| {
            if tx.passkey(&link.public_key[..])?.is_some() {
                return Err(OfficerRefusal::PasskeyLinked.into());
            }
            tx.insert_passkey(&link.public_key[..], &officer.public_key, &link.to_body(), now)?;
            let detail = format!(
                "officer {} linked a passkey for {} ({})",
                officer.name,
                link.origin,
                &hex::encode(&link.public_key)[2..18]
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
        self.read(|tx| {
            tx.passkeys_of(officer)?
                .into_iter()
                .map(|row: PasskeyRow| {
                    Ok(Passkey {
                        officer_key: row
                            .officer_key
                            .try_into()
                            .map_err(|_| crate::inconsistent("a passkey's officer"))?,
                        link: PasskeyLink::from_body(&row.link).map_err(|e| crate::inconsistent(&e))?,
                        counter: row.counter.clamp(0, i64::from(u32::MAX)) as u32,
                        linked_at: row.linked_at,
                    })
                })
                .collect()
        })
    }
}

/// Checks a passkey's signature on `officer`'s request against its link, in the transaction that
/// records the request's nonce; stores the new counter.
pub(crate) fn check_use(tx: &dyn Tx, officer: &Officer, used: &PasskeyUse) -> Result<(), LedgerError> {
    let row = tx.passkey(&used.public_key[..])?;
    let Some(PasskeyRow { link, counter, .. }) =
        row.filter(|row| row.officer_key[..] == officer.public_key[..])
    else {
        return Err(OfficerRefusal::PasskeyNotLinked { officer: officer.name.clone() }.into());
    };
    let link = PasskeyLink::from_body(&link).map_err(|e| crate::inconsistent(&e))?;
    link.check_use(used).map_err(|detail| OfficerRefusal::PasskeyUse { detail })?;
    // An authenticator that keeps a counter moves it forward at every signature; one that went
    // back (or stood still) is a copy of the passkey used elsewhere. Zero means it keeps none.
    let last = counter.max(0) as u64;
    if (used.counter != 0 || last != 0) && u64::from(used.counter) <= last {
        return Err(OfficerRefusal::PasskeyCopied { last, now: used.counter }.into());
    }
    tx.set_passkey_counter(&used.public_key[..], i64::from(used.counter))
}
