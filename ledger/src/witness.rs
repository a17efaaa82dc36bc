//! A witness (C2SP `tlog-witness`, <https://c2sp.org/tlog-witness>): a cosigner outside HQ that
//! keeps, for every log it follows, the last checkpoint it cosigned, and cosigns a new one only
//! when a consistency proof shows it extends that one. It will never cosign two checkpoints of one
//! log that do not extend one another, nor a smaller tree after a larger, across restarts too: so
//! a wallet that demands its cosignature holds a checkpoint the ledger could not have forked
//! without being refused here first (docs/adr/0013-witnesses.md). `outpost witness` runs it.
//!
//! ```text
//! POST /add-checkpoint   old <size>\n <proof lines> \n <checkpoint note>  →  cosignature line
//! ```
//!
//! Refusals, with the spec's status codes: an unknown origin 404; no valid signature by the log
//! key configured for it 403; an old size above the checkpoint's 400; an old size that is not the
//! size last cosigned 409 with that size (`text/x.tlog.size`), which is also the answer to a
//! checkpoint smaller than that; the same size with another root 409; a proof that does not verify
//! 422; a malformed body 400.
//!
//! Its directory holds `witness.key` (the Ed25519 secret, made on first start, mode 0600) and
//! `witness.state` (one line per log: origin, size, base64 root), replaced whole by writing a new
//! file, syncing it, renaming it over the old one and syncing the directory, before any
//! cosignature leaves. One lock covers the check and the write, so two requests cannot roll each
//! other back (the race the spec warns of).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use data_encoding::BASE64;
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::protocol::cosignature::Cosigner;
use outpost_wallet_core::protocol::note::{self, SignedNote, VerifierKey};
use zeroize::Zeroizing;

/// The witness's secret key file in its directory.
pub const KEY_FILE: &str = "witness.key";
/// The witness's record of the last checkpoint it cosigned per log.
pub const STATE_FILE: &str = "witness.state";
const STATE_HEADER: &str = "outpost-witness-state v1";
/// The most consistency proof lines the spec lets a client send.
pub const MAX_PROOF_LINES: usize = 63;
/// The largest request body read: the proof lines and the largest note accepted.
pub const MAX_REQUEST_BYTES: usize = note::MAX_NOTE + 64 * (MAX_PROOF_LINES + 1);

/// The size and root the witness last cosigned for one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub root: Hash,
}

/// Why the witness did not cosign. Each maps to the status code the spec gives it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    #[error("the add-checkpoint request is malformed ({0}): send the body the tlog-witness protocol gives")]
    Malformed(&'static str),
    #[error("this witness does not follow the log “{0}”: give the witness that log's key with --log")]
    UnknownOrigin(String),
    #[error(
        "the checkpoint carries no valid signature by the key this witness has for “{0}”: check the log's key given with --log"
    )]
    NotSigned(String),
    #[error(
        "the old size {old} is above the checkpoint's size {size}: send a checkpoint that extends the old one"
    )]
    OldSizeAboveSize { old: u64, size: u64 },
    #[error(
        "the old size {old} is not {known}, the size this witness last cosigned: send the proof from size {known}"
    )]
    Conflict { old: u64, known: u64 },
    #[error(
        "the checkpoint has the size {known} this witness last cosigned but another root, so the log forked: tell \
         the log's operator, since a witness never cosigns a fork"
    )]
    Fork { known: u64 },
    #[error(
        "the consistency proof from {old} to {size} does not verify ({reason}): send a proof that the log only grew"
    )]
    Inconsistent { old: u64, size: u64, reason: merkle::MerkleError },
    #[error(
        "cannot keep the witness's state in {} ({source}): check the disk and the directory's permissions",
        .path.display()
    )]
    Storage { path: PathBuf, source: std::io::Error },
    #[error("the witness's state file {} is damaged ({reason}): restore it from a backup", .path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "a log key given with --log cannot be used ({0}): give it exactly as `outpost ledger serve` printed it"
    )]
    BadLogKey(String),
    #[error(
        "the add-checkpoint request is larger than the {max} bytes a witness reads: send a shorter proof"
    )]
    TooLarge { max: usize },
    #[error("the request body did not arrive within {secs} s: send it at once")]
    TooSlow { secs: u64 },
    /// The key file is open to other users; the message names the chmod to run.
    #[error("{0}")]
    Exposed(String),
}

impl WitnessError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) | Self::OldSizeAboveSize { .. } => StatusCode::BAD_REQUEST,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooSlow { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::UnknownOrigin(_) => StatusCode::NOT_FOUND,
            Self::NotSigned(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } | Self::Fork { .. } => StatusCode::CONFLICT,
            Self::Inconsistent { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Storage { .. } | Self::Damaged { .. } | Self::BadLogKey(_) | Self::Exposed(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// One witness on its directory.
pub struct Witness {
    dir: PathBuf,
    cosigner: Cosigner,
    /// The verifier key of every log followed, by origin.
    logs: BTreeMap<String, VerifierKey>,
    heads: Mutex<BTreeMap<String, Head>>,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
}

impl Witness {
    /// Opens the witness in `dir` (which must exist), making its key on first start. `name` is the
    /// key name its cosignatures carry; `None` names it `outpost-witness/<key in hex>`. `logs`
    /// are the Ed25519 verifier keys (`origin+keyid+base64(0x01 || key)`) of the logs it follows;
    /// each key's name is the log's origin, as `tlog-checkpoint` recommends.
    pub fn open(dir: &Path, name: Option<&str>, logs: &[String]) -> Result<Witness, WitnessError> {
        let secret = load_or_make_key(&dir.join(KEY_FILE))?;
        let provisional = Cosigner::from_secret("w", &secret).expect("a valid name");
        let default_name =
            format!("outpost-witness/{}", outpost_wallet_core::hex::encode(&provisional.public_key()));
        let cosigner = Cosigner::from_secret(name.unwrap_or(&default_name), &secret)
            .map_err(|e| WitnessError::BadLogKey(e.to_string()))?;
        let mut followed = BTreeMap::new();
        for vkey in logs {
            let key = VerifierKey::parse(vkey)
                .map_err(|reason| WitnessError::BadLogKey(format!("{vkey}: {reason}")))?;
            if key.signature_type != note::ED25519 {
                return Err(WitnessError::BadLogKey(format!("{vkey}: not an Ed25519 key (type 0x01)")));
            }
            followed.insert(key.name.clone(), key);
        }
        let heads = read_state(&dir.join(STATE_FILE))?;
        let clock = Box::new(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
        });
        Ok(Witness { dir: dir.to_path_buf(), cosigner, logs: followed, heads: Mutex::new(heads), clock })
    }

    /// `name+keyid+base64(0x04 || key)`: what a ledger and wallets are configured with.
    pub fn verifier_key(&self) -> String {
        self.cosigner.verifier_key()
    }

    /// The last checkpoint cosigned for `origin`, if any.
    pub fn head(&self, origin: &str) -> Option<Head> {
        self.heads.lock().unwrap_or_else(|e| e.into_inner()).get(origin).copied()
    }

    /// The `add-checkpoint` call: checks the request and answers with the cosignature line.
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<String, WitnessError> {
        let request = Request::parse(body)?;
        let log = self
            .logs
            .get(request.origin)
            .ok_or_else(|| WitnessError::UnknownOrigin(request.origin.to_owned()))?;
        let signed = request
            .note
            .signatures
            .iter()
            .filter(|s| s.name == log.name && s.key_id == log.key_id)
            .any(|s| {
                <&[u8; 64]>::try_from(s.signature.as_slice()).is_ok_and(|sig| {
                    outpost_wallet_core::signature::verify(&log.public_key, request.note.text.as_bytes(), sig)
                })
            });
        if !signed {
            return Err(WitnessError::NotSigned(request.origin.to_owned()));
        }
        let (old, size) = (request.old, request.size);
        if old > size {
            return Err(WitnessError::OldSizeAboveSize { old, size });
        }
        let mut heads = self.heads.lock().unwrap_or_else(|e| e.into_inner());
        let known =
            heads.get(request.origin).copied().unwrap_or(Head { size: 0, root: merkle::empty_root() });
        if old != known.size {
            return Err(WitnessError::Conflict { old, known: known.size });
        }
        if old == size {
            if request.root != known.root {
                tracing::error!(
                    origin = request.origin,
                    size,
                    "REFUSING TO COSIGN a fork: same size, another root"
                );
                return Err(WitnessError::Fork { known: known.size });
            }
        } else if old > 0 {
            merkle::verify_consistency(old, size, &known.root, &request.root, &request.proof).map_err(|reason| {
                tracing::error!(origin = request.origin, old, size, %reason, "REFUSING TO COSIGN: inconsistent proof");
                WitnessError::Inconsistent { old, size, reason }
            })?;
        } else if !request.proof.is_empty() {
            return Err(WitnessError::Malformed("the proof must be empty when the old size is zero"));
        }
        let mut next = heads.clone();
        next.insert(request.origin.to_owned(), Head { size, root: request.root });
        write_state(&self.dir, &next)?;
        *heads = next;
        drop(heads);
        Ok(self.cosigner.cosign(request.note.text, (self.clock)()))
    }
}

/// An `add-checkpoint` body, read.
struct Request<'a> {
    old: u64,
    proof: Vec<Hash>,
    note: SignedNote<'a>,
    origin: &'a str,
    size: u64,
    root: Hash,
}

impl<'a> Request<'a> {
    fn parse(body: &'a [u8]) -> Result<Self, WitnessError> {
        let bad = WitnessError::Malformed;
        if body.len() > MAX_REQUEST_BYTES {
            return Err(bad("the body is longer than any this witness accepts"));
        }
        let body = std::str::from_utf8(body).map_err(|_| bad("the body is not UTF-8"))?;
        let (head, note) = body.split_once("\n\n").ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|line| line.strip_prefix("old "))
            .and_then(decimal)
            .ok_or(bad("the first line is not \"old\" and a decimal size"))?;
        let proof = lines
            .map(|line| BASE64.decode(line.as_bytes()).ok().and_then(|hash| Hash::try_from(hash).ok()))
            .collect::<Option<Vec<Hash>>>()
            .ok_or(bad("a proof line is not the base64 of a 32-byte hash"))?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(bad("more than 63 proof lines"));
        }
        let note =
            SignedNote::parse(note.as_bytes()).map_err(|_| bad("the checkpoint is not a signed note"))?;
        let mut body_lines = note.text.split('\n');
        let (Some(origin), Some(size), Some(root)) =
            (body_lines.next(), body_lines.next(), body_lines.next())
        else {
            return Err(bad("the checkpoint has no origin, size and root lines"));
        };
        let size = decimal(size).ok_or(bad("the checkpoint's size is not a decimal number"))?;
        let root = BASE64
            .decode(root.as_bytes())
            .ok()
            .and_then(|root| Hash::try_from(root).ok())
            .ok_or(bad("the checkpoint's root is not the base64 of 32 bytes"))?;
        if origin.is_empty() {
            return Err(bad("the checkpoint's origin is empty"));
        }
        Ok(Request { old, proof, note, origin, size, root })
    }
}

fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

fn load_or_make_key(path: &Path) -> Result<Zeroizing<[u8; 32]>, WitnessError> {
    let storage = |source| WitnessError::Storage { path: path.to_path_buf(), source };
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            crate::key_file::refuse_if_exposed(path, "the witness key").map_err(WitnessError::Exposed)?;
            if bytes.len() != 32 {
                return Err(WitnessError::Damaged {
                    path: path.to_path_buf(),
                    reason: format!("the key file holds {} bytes, not 32", bytes.len()),
                });
            }
            let mut secret = Zeroizing::new([0u8; 32]);
            secret.copy_from_slice(&bytes);
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::fill(secret.as_mut()).map_err(|e| storage(std::io::Error::other(e.to_string())))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(storage)?;
            file.write_all(secret.as_ref()).and_then(|()| file.sync_all()).map_err(storage)?;
            sync_dir(path.parent().unwrap_or(Path::new("."))).map_err(storage)?;
            tracing::info!(file = %path.display(), "made the witness's key");
            Ok(secret)
        }
        Err(e) => Err(storage(e)),
    }
}

fn read_state(path: &Path) -> Result<BTreeMap<String, Head>, WitnessError> {
    let damaged = |reason: String| WitnessError::Damaged { path: path.to_path_buf(), reason };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => return Err(WitnessError::Storage { path: path.to_path_buf(), source }),
    };
    let mut lines = text.lines();
    if lines.next() != Some(STATE_HEADER) {
        return Err(damaged(format!("its first line is not {STATE_HEADER:?}")));
    }
    let mut heads = BTreeMap::new();
    for (number, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [origin, size, root] = fields[..] else {
            return Err(damaged(format!("line {} is not origin, size and root", number + 2)));
        };
        let size =
            decimal(size).ok_or_else(|| damaged(format!("line {} has no decimal size", number + 2)))?;
        let root = BASE64
            .decode(root.as_bytes())
            .ok()
            .and_then(|root| Hash::try_from(root).ok())
            .ok_or_else(|| damaged(format!("line {} has no base64 root", number + 2)))?;
        heads.insert(origin.to_owned(), Head { size, root });
    }
    Ok(heads)
}

/// Replaces the state file: a new file, synced, renamed over the old, the directory synced.
fn write_state(dir: &Path, heads: &BTreeMap<String, Head>) -> Result<(), WitnessError> {
    let path = dir.join(STATE_FILE);
    let temporary = dir.join(format!("{STATE_FILE}.new"));
    let storage = |source| WitnessError::Storage { path: path.clone(), source };
    let mut text = format!("{STATE_HEADER}\n");
    for (origin, head) in heads {
        text.push_str(&format!("{origin} {} {}\n", head.size, BASE64.encode(&head.root)));
    }
    let mut file = std::fs::File::create(&temporary).map_err(storage)?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(storage)?;
    std::fs::rename(&temporary, &path).map_err(storage)?;
    sync_dir(dir).map_err(storage)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

// ---- HTTP ----

/// The witness's HTTP API: `POST /add-checkpoint`.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(witness)
}

/// Serves [`router`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(listener, witness, crate::http::server::Network::default(), shutdown).await
}

/// [`serve`] under `network`'s limits (connection cap, header and idle timeouts), over HTTPS
/// when it has a TLS acceptor.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    network: crate::http::server::Network,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::http::listener::serve(listener, router(witness), &network.limits, network.tls, shutdown).await
}

/// Reads the whole body within the listener's body deadline: a client dripping its body a byte
/// at a time is answered 408 rather than holding a connection for ever.
async fn read_body(request: axum::extract::Request) -> Result<Bytes, Response> {
    let deadline = crate::http::listener::Limits::default().body_read;
    match tokio::time::timeout(deadline, axum::body::to_bytes(request.into_body(), MAX_REQUEST_BYTES)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(_)) => Err(refusal(&WitnessError::TooLarge { max: MAX_REQUEST_BYTES })),
        Err(_) => Err(refusal(&WitnessError::TooSlow { secs: deadline.as_secs() })),
    }
}

/// A refusal's answer: its status, and its words as one line of text.
fn refusal(e: &WitnessError) -> Response {
    (e.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{e}\n")).into_response()
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, request: axum::extract::Request) -> Response {
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body)).await;
    match answer {
        Ok(Ok(line)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], line).into_response(),
        Ok(Err(WitnessError::Conflict { known, .. } | WitnessError::Fork { known })) => {
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{known}\n"))
                .into_response()
        }
        Ok(Err(e)) => {
            if e.status().is_server_error() {
                tracing::error!(error = %e, "the witness failed");
            } else {
                tracing::info!(refused = %e, "add-checkpoint refused");
            }
            refusal(&e)
        }
        Err(e) => {
            tracing::error!(error = %e, "the witness task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| merkle::leaf_hash(&i.to_be_bytes())).collect()
    }

    fn body(old: u64, proof: &[Hash], note: &str) -> Vec<u8> {
        let mut body = format!("old {old}\n");
        for hash in proof {
            body.push_str(&BASE64.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        body.into_bytes()
    }

    struct Log {
        signer: LedgerSigner,
        leaves: Vec<Hash>,
    }

    impl Log {
        fn note(&self, size: u64) -> String {
            let root = merkle::root(&self.leaves[..size as usize]);
            self.signer.checkpoint(size, root, 1_790_000_000).to_note(&self.signer.public_key())
        }
        fn proof(&self, old: u64, size: u64) -> Vec<Hash> {
            if old == 0 || old == size {
                return Vec::new();
            }
            merkle::consistency_proof(&self.leaves[..size as usize], old).unwrap()
        }
        fn vkey(&self) -> String {
            Checkpoint::verifier_key(&self.signer.public_key())
        }
    }

    fn setup() -> (tempfile::TempDir, Log, Witness) {
        let dir = tempfile::tempdir().unwrap();
        let log = Log { signer: LedgerSigner::from_secret(&[5; 32]), leaves: leaves(20) };
        let witness = Witness::open(dir.path(), None, &[log.vkey()]).unwrap();
        (dir, log, witness)
    }

    #[test]
    fn the_witness_cosigns_extensions_and_refuses_anything_else() {
        let (_dir, log, witness) = setup();
        witness.add_checkpoint(&body(0, &[], &log.note(5))).unwrap();
        assert!(matches!(
            witness.add_checkpoint(&body(0, &[], &log.note(8))),
            Err(WitnessError::Conflict { old: 0, known: 5 })
        ));
        witness.add_checkpoint(&body(5, &log.proof(5, 8), &log.note(8))).unwrap();
        let mut wrong = log.proof(8, 12);
        wrong[0][0] ^= 1;
        assert!(matches!(
            witness.add_checkpoint(&body(8, &wrong, &log.note(12))),
            Err(WitnessError::Inconsistent { .. })
        ));
        assert!(matches!(
            witness.add_checkpoint(&body(8, &log.proof(5, 8), &log.note(5))),
            Err(WitnessError::OldSizeAboveSize { old: 8, size: 5 })
        ));
        let other = LedgerSigner::from_secret(&[6; 32]);
        let foreign = other.checkpoint(9, [0; 32], 1).to_note(&other.public_key());
        assert!(matches!(
            witness.add_checkpoint(&body(0, &[], &foreign)),
            Err(WitnessError::UnknownOrigin(_))
        ));
        assert_eq!(witness.head(&Checkpoint::origin(&log.signer.public_key())).unwrap().size, 8);
    }

    #[test]
    fn a_checkpoint_without_the_logs_valid_signature_is_refused() {
        let (_dir, log, witness) = setup();
        let note = log.note(5);
        let tampered = note.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(witness.add_checkpoint(&body(0, &[], &tampered)), Err(WitnessError::NotSigned(_))));
    }

    #[test]
    fn a_malformed_body_is_refused() {
        let (_dir, log, witness) = setup();
        let note = log.note(5);
        for bad in [
            format!("old 01\n\n{note}").into_bytes(),
            format!("old 0\n{note}").into_bytes(),
            format!("old 0\nnot-base64\n\n{note}").into_bytes(),
            b"old 0\n\nhello\n".to_vec(),
        ] {
            assert!(matches!(witness.add_checkpoint(&bad), Err(WitnessError::Malformed(_))), "{bad:?}");
        }
    }
}
