//! The ledger's side of witnessing (docs/adr/0013-witnesses.md): a background task submits the
//! newest signed checkpoint to each configured witness (C2SP `tlog-witness`), keeps the newest
//! checkpoint that came back cosigned with its cosignature lines, and the server serves that note
//! at `GET /checkpoint`.
//!
//! Never inside a sync: settlement must not wait on a witness's network. A sync only pokes the
//! task ([`Witnessing::poke`]); pokes that arrive during a round coalesce into one more round, and
//! a timer starts one anyway, so witnesses see a quiet ledger's checkpoint too. For each witness
//! the task remembers the size it last cosigned (learnt from its 409 answer after a restart) and
//! sends the consistency proof from there.
//!
//! The latest cosigned note is kept in `witnessed.note` beside the ledger's key (replaced whole,
//! synced), and read back at start, keeping only the cosignatures that still verify under the
//! witness keys configured now.
//!
//! A round where some witnesses did not answer does not throw away a fuller set. Wallets pin k of
//! the witnesses, and the ledger knows neither k nor which: a wallet that pins the witness that
//! missed a round could not sync with the partial set. So a round's checkpoint replaces the held
//! one only when every witness that cosigned the held one cosigned it too ([`replaces`]); a
//! partial set replaces a fuller one only once the fuller one is about to be too old for wallets
//! to accept ([`MAX_WITNESS_LAG`] behind, less two rounds), when some cosignatures beat none.

use outpost_wallet_core::transport::{Trust, http_agent};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use outpost_wallet_core::protocol::Checkpoint;
use outpost_wallet_core::protocol::cosignature::WitnessKey;
use outpost_wallet_core::protocol::note::SignedNote;
use outpost_wallet_core::protocol::witnessed::{CompactCosignature, MAX_COSIGNATURES, MAX_WITNESS_LAG};
use tokio::sync::{Notify, watch};

use crate::Ledger;

/// The latest cosigned checkpoint's file in the ledger's directory.
pub const WITNESSED_FILE: &str = "witnessed.note";
/// How often the task asks the witnesses when no sync pokes it.
pub const WITNESS_EVERY: Duration = Duration::from_secs(30);
/// The largest witness answer read: a few signature lines.
const MAX_ANSWER: u64 = 16 * 1024;

/// One witness as the ledger is told of it: `URL=verifier key`.
#[derive(Debug, Clone)]
pub struct WitnessEndpoint {
    /// The witness's submission prefix; `/add-checkpoint` is appended.
    pub url: String,
    pub key: WitnessKey,
}

impl std::str::FromStr for WitnessEndpoint {
    type Err = EndpointError;

    /// Reads `http://host:port=name+keyid+base64(0x04 || key)`.
    fn from_str(text: &str) -> Result<Self, EndpointError> {
        let (url, key) =
            text.split_once('=').ok_or_else(|| EndpointError::NotUrlKey { text: text.to_owned() })?;
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(EndpointError::UrlScheme { url: url.to_owned() });
        }
        let key = WitnessKey::parse(key).map_err(|e| EndpointError::BadKey { detail: e.to_string() })?;
        Ok(WitnessEndpoint { url: url.trim_end_matches('/').to_owned(), key })
    }
}

/// Why `--witness URL=KEY` cannot be used. Checked against `docs/messages.md` (`crate::messages`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("“{text}” is not URL=KEY: give the witness's URL and the key it printed, joined by =")]
    NotUrlKey { text: String },
    #[error("the witness URL {url} does not start with http:// or https://: give its whole address")]
    UrlScheme { url: String },
    #[error("the witness key cannot be read ({detail}): give it exactly as `outpost witness` printed it")]
    BadKey { detail: String },
}

/// Why a witness gave no cosignature in a round: logged with the witness's address, and the next
/// round tries again. Checked against `docs/messages.md` (`crate::messages`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoCosignature {
    #[error(
        "the witness cosigned {cosigned} entries, more than the {size} the ledger signs now, so the log was \
         rewritten or restored: restore the database that extends it"
    )]
    Rewritten { cosigned: u64, size: u64 },
    #[error(
        "the ledger could not prove its log from {old} entries ({detail}): the next round tries again, so \
         check the ledger's database if this repeats"
    )]
    NoProof { old: u64, detail: String },
    #[error("the witness could not be reached ({detail}): check that it runs at that address")]
    Unreachable { detail: String },
    #[error("the witness's answer could not be read ({detail}): the next round tries again")]
    Unreadable { detail: String },
    #[error(
        "the witness answered 409 without a size (“{text}”): check that it speaks the tlog-witness protocol"
    )]
    NoSize { text: String },
    #[error(
        "the witness refused the checkpoint as a fork of the {old} entries it cosigned, so the log was \
         rewritten: restore the database that extends it"
    )]
    Fork { old: u64 },
    #[error("the witness refused the checkpoint (HTTP {status}, “{text}”): check the witness's log for why")]
    Refused { status: u16, text: String },
    #[error("the witness's size kept changing between two tries: the next round tries again")]
    SizeKeptChanging,
    #[error(
        "the witness's answer carries no valid cosignature by its key ({detail}): check the witness key given \
         with --witness"
    )]
    BadCosignature { detail: String },
}

/// A checkpoint and the witnesses' cosignature lines over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    pub checkpoint: Checkpoint,
    /// Signature lines, newline included, each verified against a configured witness key.
    pub cosignatures: Vec<String>,
}

impl Witnessed {
    /// The checkpoint and the cosignatures by `witnesses`, as sync answers carry them.
    fn compact(&self, ledger_key: &[u8; 32], witnesses: &[WitnessEndpoint]) -> crate::WitnessedNow {
        let note = self.to_note(ledger_key);
        let cosignatures = SignedNote::parse(note.as_bytes())
            .map(|parsed| {
                parsed
                    .signatures
                    .iter()
                    .filter(|line| witnesses.iter().any(|w| w.key.claims(line)))
                    .filter_map(CompactCosignature::from_line)
                    .take(MAX_COSIGNATURES)
                    .collect()
            })
            .unwrap_or_default();
        crate::WitnessedNow { checkpoint: self.checkpoint.clone(), cosignatures }
    }

    /// The checkpoint's signed note with the cosignature lines after the ledger's.
    pub fn to_note(&self, ledger_key: &[u8; 32]) -> String {
        let mut note = self.checkpoint.to_note(ledger_key);
        for line in &self.cosignatures {
            note.push_str(line);
        }
        note
    }
}

/// The background task's state, shared with the server.
pub struct Witnessing {
    ledger: Arc<Ledger>,
    file: PathBuf,
    witnesses: Vec<WitnessEndpoint>,
    /// The size each witness last cosigned, as far as the ledger knows.
    known: Mutex<Vec<u64>>,
    latest: Mutex<Option<Witnessed>>,
    wake: Notify,
    agent: ureq::Agent,
}

impl Witnessing {
    /// The witnessing of `ledger` (kept in `dir`) by `witnesses`, with the latest cosigned note
    /// read back from `dir`.
    pub fn new(ledger: Arc<Ledger>, dir: &Path, witnesses: Vec<WitnessEndpoint>) -> Witnessing {
        Self::with_trust(ledger, dir, witnesses, &Trust::none())
    }

    /// [`Witnessing::new`], reaching `https://` witnesses whose certificates chain to `trust`.
    pub fn with_trust(
        ledger: Arc<Ledger>,
        dir: &Path,
        witnesses: Vec<WitnessEndpoint>,
        trust: &Trust,
    ) -> Witnessing {
        let file = dir.join(WITNESSED_FILE);
        let latest = std::fs::read(&file)
            .ok()
            .and_then(|note| read_witnessed(&note, &ledger.public_key(), &witnesses));
        let agent = http_agent(Duration::from_secs(10), trust);
        if let Some(latest) = &latest {
            ledger.set_witnessed(latest.compact(&ledger.public_key(), &witnesses));
        }
        let known = Mutex::new(vec![0; witnesses.len()]);
        Witnessing { ledger, file, witnesses, known, latest: Mutex::new(latest), wake: Notify::new(), agent }
    }

    /// Asks for a round soon; any number of pokes before it starts make one round.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// The newest checkpoint at least one witness cosigned, with every cosignature it got.
    pub fn latest(&self) -> Option<Witnessed> {
        self.latest.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// One round, blocking: signs a checkpoint, submits it to every witness, keeps it if any
    /// cosigned. Failures are logged; the next round tries again.
    pub fn round(&self) {
        let checkpoint = match self.ledger.checkpoint() {
            Ok(checkpoint) => checkpoint,
            Err(e) => return tracing::error!(error = %e, "no checkpoint to submit to the witnesses"),
        };
        let ledger_key = self.ledger.public_key();
        let note = checkpoint.to_note(&ledger_key);
        let mut cosignatures = Vec::new();
        for (index, witness) in self.witnesses.iter().enumerate() {
            match self.submit(index, witness, &checkpoint, &note) {
                Ok(line) => cosignatures.push(line),
                Err(reason) => {
                    tracing::warn!(witness = %witness.url, size = checkpoint.size, %reason, "no cosignature")
                }
            }
        }
        if cosignatures.is_empty() {
            return;
        }
        let witnessed = Witnessed { checkpoint, cosignatures };
        if let Some(held) = self.latest()
            && !replaces(&held, &witnessed, &self.witnesses)
        {
            tracing::info!(
                held = held.checkpoint.size,
                cosigned = witnessed.checkpoint.size,
                "kept the checkpoint more witnesses cosigned: this round's lacks some of them"
            );
            return;
        }
        if let Err(e) = write_atomically(&self.file, witnessed.to_note(&ledger_key).as_bytes()) {
            tracing::error!(file = %self.file.display(), error = %e, "cannot keep the cosigned checkpoint");
        }
        self.ledger.set_witnessed(witnessed.compact(&ledger_key, &self.witnesses));
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(witnessed);
    }

    /// Submits `note` to one witness from the size it last cosigned, learning that size from a
    /// 409 once; returns its verified cosignature line.
    fn submit(
        &self,
        index: usize,
        witness: &WitnessEndpoint,
        checkpoint: &Checkpoint,
        note: &str,
    ) -> Result<String, NoCosignature> {
        for _ in 0..2 {
            let old = self.known.lock().unwrap_or_else(|e| e.into_inner())[index];
            if old > checkpoint.size {
                return Err(NoCosignature::Rewritten { cosigned: old, size: checkpoint.size });
            }
            let proof = self
                .ledger
                .consistency_proof_between(old, checkpoint.size)
                .map_err(|e| NoCosignature::NoProof { old, detail: e.to_string() })?;
            let mut body = format!("old {old}\n");
            for hash in &proof {
                body.push_str(&data_encoding::BASE64.encode(hash));
                body.push('\n');
            }
            body.push('\n');
            body.push_str(note);
            let mut answer = self
                .agent
                .post(format!("{}/add-checkpoint", witness.url))
                .send(body)
                .map_err(|e| NoCosignature::Unreachable { detail: e.to_string() })?;
            let status = answer.status().as_u16();
            let mut text = String::new();
            answer
                .body_mut()
                .as_reader()
                .take(MAX_ANSWER)
                .read_to_string(&mut text)
                .map_err(|e| NoCosignature::Unreadable { detail: e.to_string() })?;
            match status {
                200 => {
                    let line = cosignature_from(witness, note, &text)?;
                    self.known.lock().unwrap_or_else(|e| e.into_inner())[index] = checkpoint.size;
                    return Ok(line);
                }
                409 => {
                    let known = text
                        .trim_end()
                        .parse()
                        .map_err(|_| NoCosignature::NoSize { text: text.trim_end().to_owned() })?;
                    if known == old {
                        return Err(NoCosignature::Fork { old });
                    }
                    self.known.lock().unwrap_or_else(|e| e.into_inner())[index] = known;
                }
                _ => return Err(NoCosignature::Refused { status, text: text.trim_end().to_owned() }),
            }
        }
        Err(NoCosignature::SizeKeptChanging)
    }
}

/// How long before a held checkpoint would be too old for wallets a partial set replaces it: two
/// rounds, so that the partial set is served before the fuller one expires.
const REPLACE_BEFORE: u64 = 2 * WITNESS_EVERY.as_secs();

/// Whether a round's cosigned checkpoint `new` should replace the `held` one, so that no wallet
/// that could sync with `held` loses that by the replacement: `new` must carry every witness
/// `held` carries, unless `held` trails `new` by so much that wallets will soon refuse it anyway.
pub fn replaces(held: &Witnessed, new: &Witnessed, witnesses: &[WitnessEndpoint]) -> bool {
    let signers = |w: &Witnessed| -> Vec<bool> {
        witnesses
            .iter()
            .map(|witness| {
                let prefix = format!("— {} ", witness.key.name());
                w.cosignatures.iter().any(|line| line.starts_with(&prefix))
            })
            .collect()
    };
    let (had, has) = (signers(held), signers(new));
    let keeps_every_witness = had.iter().zip(&has).all(|(had, has)| !had || *has);
    let held_expiring = new.checkpoint.time.saturating_sub(held.checkpoint.time)
        > MAX_WITNESS_LAG.saturating_sub(REPLACE_BEFORE);
    keeps_every_witness || (new.checkpoint.size > held.checkpoint.size && held_expiring)
}

/// The line of `answer` by `witness`'s key that verifies over `note`.
fn cosignature_from(witness: &WitnessEndpoint, note: &str, answer: &str) -> Result<String, NoCosignature> {
    let bad = |detail: String| NoCosignature::BadCosignature { detail };
    let cosigned = format!("{note}{answer}");
    let parsed = SignedNote::parse(cosigned.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let line = parsed
        .signatures
        .iter()
        .find(|s| witness.key.claims(s))
        .ok_or_else(|| bad("no line by its key".into()))?;
    witness.key.verify(parsed.text, line).map_err(|e| bad(e.to_string()))?;
    let text = answer
        .lines()
        .find(|l| l.starts_with(&format!("— {} ", witness.key.name())))
        .ok_or_else(|| bad("no line by its name".into()))?;
    Ok(format!("{text}\n"))
}

/// A kept note, with only the cosignatures that verify under the witness keys configured now.
fn read_witnessed(note: &[u8], ledger_key: &[u8; 32], witnesses: &[WitnessEndpoint]) -> Option<Witnessed> {
    let checkpoint = Checkpoint::from_note(note).ok()?;
    checkpoint.verify(ledger_key).ok()?;
    let parsed = SignedNote::parse(note).ok()?;
    let text = std::str::from_utf8(note).ok()?;
    let cosignatures: Vec<String> = witnesses
        .iter()
        .filter_map(|witness| {
            let line = parsed.signatures.iter().find(|s| witness.key.claims(s))?;
            witness.key.verify(parsed.text, line).ok()?;
            text.lines()
                .find(|l| l.starts_with(&format!("— {} ", witness.key.name())))
                .map(|l| format!("{l}\n"))
        })
        .collect();
    (!cosignatures.is_empty()).then_some(Witnessed { checkpoint, cosignatures })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("new");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Runs rounds at each poke and every `every`, until `stop` changes or is dropped.
pub async fn run(witnessing: Arc<Witnessing>, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return,
            _ = witnessing.wake.notified() => {}
            _ = ticks.tick() => {}
        }
        let round = Arc::clone(&witnessing);
        if let Err(e) = tokio::task::spawn_blocking(move || round.round()).await {
            tracing::error!(error = %e, "the witnessing task failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use outpost_wallet_core::protocol::LedgerSigner;
    use outpost_wallet_core::protocol::cosignature::Cosigner;

    use super::*;

    fn witnesses() -> Vec<WitnessEndpoint> {
        ["w1.example", "w2.example"]
            .iter()
            .enumerate()
            .map(|(n, name)| {
                let key = Cosigner::from_secret(name, &[n as u8 + 1; 32]).unwrap().verifier_key();
                WitnessEndpoint { url: format!("http://{name}"), key: WitnessKey::parse(&key).unwrap() }
            })
            .collect()
    }

    /// A checkpoint of `size` signed at `time`, with a line by each witness named.
    fn cosigned(size: u64, time: u64, by: &[&str]) -> Witnessed {
        let checkpoint = LedgerSigner::from_secret(&[9; 32]).checkpoint(size, [size as u8; 32], time);
        Witnessed { checkpoint, cosignatures: by.iter().map(|name| format!("— {name} AAAA\n")).collect() }
    }

    #[test]
    fn a_newer_checkpoint_replaces_the_held_one_only_with_every_witness_it_had() {
        let w = witnesses();
        let both = cosigned(10, 1_000, &["w1.example", "w2.example"]);
        assert!(replaces(&both, &cosigned(12, 1_030, &["w1.example", "w2.example"]), &w));
        assert!(!replaces(&both, &cosigned(12, 1_030, &["w1.example"]), &w), "w2's wallets would be cut off");
        assert!(!replaces(&both, &cosigned(12, 1_030, &["w2.example"]), &w));
        let one = cosigned(10, 1_000, &["w1.example"]);
        assert!(replaces(&one, &cosigned(12, 1_030, &["w1.example", "w2.example"]), &w), "more is better");
        assert!(!replaces(&one, &cosigned(12, 1_030, &["w2.example"]), &w), "another witness is not more");
    }

    #[test]
    fn a_partial_set_replaces_a_fuller_one_just_before_wallets_would_refuse_it_as_too_old() {
        let w = witnesses();
        let both = cosigned(10, 1_000, &["w1.example", "w2.example"]);
        let at = |time| cosigned(12, time, &["w1.example"]);
        assert!(!replaces(&both, &at(1_000 + MAX_WITNESS_LAG - REPLACE_BEFORE), &w));
        assert!(replaces(&both, &at(1_001 + MAX_WITNESS_LAG - REPLACE_BEFORE), &w));
        // A log that did not grow keeps the fuller set: it is as fresh as any answer's.
        assert!(!replaces(&both, &cosigned(10, 1_000 + 10 * MAX_WITNESS_LAG, &["w1.example"]), &w));
    }
}
