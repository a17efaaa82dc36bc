//! `outpost witness` as a separate process on loopback, driven over HTTP with the C2SP
//! `tlog-witness` request a ledger sends: it cosigns an extension, refuses a fork, an inconsistent
//! proof and a rollback with the spec's status codes, and keeps what it cosigned across a restart;
//! a ledger serving with it gives wallets that pinned the witness a cosigned checkpoint in every
//! sync answer, and a wallet requiring more witnesses than cosigned refuses the answer.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;

use data_encoding::BASE64;
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::protocol::cosignature::WitnessKey;
use outpost_wallet_core::protocol::note::SignedNote;
use outpost_wallet_core::protocol::witnessed::WitnessError;
use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};
use outpost_wallet_core::transport::HttpTransport;
use outpost_wallet_core::wallet::SyncOptions;
use outpost_wallet_core::{Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletError, WalletOptions};

struct WitnessProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    url: String,
    key: String,
}

impl WitnessProcess {
    fn start(dir: &Path, log_vkey: &str) -> WitnessProcess {
        Self::start_in(dir, log_vkey, "w1")
    }

    /// A witness keeping its state in `dir/name`, logging to `dir/name.log`.
    fn start_in(dir: &Path, log_vkey: &str, name: &str) -> WitnessProcess {
        let log = if name == "w1" { "witness.log".to_owned() } else { format!("{name}.log") };
        let mut child = Command::new(env!("CARGO_BIN_EXE_outpost"))
            .args(["witness", "--listen", "127.0.0.1:0", "--log", log_vkey, "--dir"])
            .arg(dir.join(name))
            .env_remove("OUTPOST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join(&log)).unwrap())
            .spawn()
            .expect("outpost witness starts");
        let (stdout, url, key) = support::until_listening(&mut child, "witness key: ", &dir.join(&log));
        WitnessProcess { child, _stdout: stdout, url, key }
    }

    /// POSTs an add-checkpoint body; the status, content type and body of the answer.
    fn add(&self, old: u64, proof: &[Hash], note: &str) -> (u16, String, String) {
        let mut body = format!("old {old}\n");
        for hash in proof {
            body.push_str(&BASE64.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut response = agent.post(format!("{}/add-checkpoint", self.url)).send(body).unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let mut text = String::new();
        response.body_mut().as_reader().read_to_string(&mut text).unwrap();
        (response.status().as_u16(), content_type, text)
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Log {
    signer: LedgerSigner,
    leaves: Vec<Hash>,
}

impl Log {
    fn new(seed: u8) -> Log {
        let leaves =
            (0..32u64).map(|i| merkle::leaf_hash(&[&[seed][..], &i.to_be_bytes()].concat())).collect();
        Log { signer: LedgerSigner::from_secret(&[1; 32]), leaves }
    }
    fn note(&self, size: u64) -> String {
        let root = merkle::root(&self.leaves[..size as usize]);
        self.signer.checkpoint(size, root, 1_790_000_000 + size).to_note(&self.signer.public_key())
    }
    fn proof(&self, old: u64, size: u64) -> Vec<Hash> {
        merkle::consistency_proof(&self.leaves[..size as usize], old).unwrap()
    }
    fn vkey(&self) -> String {
        Checkpoint::verifier_key(&self.signer.public_key())
    }
}

fn assert_cosigned(witness: &WitnessProcess, note: &str, answer: (u16, String, String)) {
    assert_eq!(answer.0, 200, "{}", answer.2);
    let key = WitnessKey::parse(&witness.key).unwrap();
    let cosigned = format!("{note}{}", answer.2);
    let parsed = SignedNote::parse(cosigned.as_bytes()).unwrap();
    let line = parsed.signatures.iter().find(|s| key.claims(s)).expect("a line by the witness's key");
    key.verify(parsed.text, line).expect("the cosignature verifies over the checkpoint");
}

#[test]
fn the_witness_cosigns_a_log_that_grows() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::new(0);
    let witness = WitnessProcess::start(dir.path(), &log.vkey());
    assert_cosigned(&witness, &log.note(3), witness.add(0, &[], &log.note(3)));
    assert_cosigned(&witness, &log.note(10), witness.add(3, &log.proof(3, 10), &log.note(10)));
    assert_cosigned(&witness, &log.note(10), witness.add(10, &[], &log.note(10)));
}

#[test]
fn the_witness_refuses_a_fork_an_inconsistent_proof_and_a_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::new(0);
    let fork = Log::new(1);
    let witness = WitnessProcess::start(dir.path(), &log.vkey());
    assert_eq!(witness.add(0, &[], &log.note(8)).0, 200);

    // Same size, another root: 409 with the size it knows.
    let refused = witness.add(8, &[], &fork.note(8));
    assert_eq!((refused.0, refused.1.as_str(), refused.2.as_str()), (409, "text/x.tlog.size", "8\n"));
    // A larger tree whose proof does not lead from what it cosigned: 422.
    assert_eq!(witness.add(8, &fork.proof(8, 12), &fork.note(12)).0, 422);
    // A smaller tree: from the size it knows, the old size is above the checkpoint's (400); from
    // any other, a conflict naming the size it knows (409).
    assert_eq!(witness.add(8, &[], &log.note(5)).0, 400);
    let refused = witness.add(5, &[], &log.note(5));
    assert_eq!((refused.0, refused.2.as_str()), (409, "8\n"));
    // Not signed by the ledger's key: 403. Another log: 404.
    let unsigned = log.note(9).replacen("\n9\n", "\n10\n", 1);
    assert_eq!(witness.add(8, &log.proof(8, 10), &unsigned).0, 403);
    let stranger = LedgerSigner::from_secret(&[2; 32]);
    let foreign = stranger.checkpoint(1, [0; 32], 1).to_note(&stranger.public_key());
    assert_eq!(witness.add(0, &[], &foreign).0, 404);
    // After all that, the log's true extension is still cosigned.
    assert_cosigned(&witness, &log.note(12), witness.add(8, &log.proof(8, 12), &log.note(12)));
}

#[test]
fn the_witness_keeps_its_key_and_what_it_cosigned_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::new(0);
    let fork = Log::new(1);
    let first = WitnessProcess::start(dir.path(), &log.vkey());
    assert_eq!(first.add(0, &[], &log.note(6)).0, 200);
    let key = first.key.clone();
    drop(first);

    let again = WitnessProcess::start(dir.path(), &log.vkey());
    assert_eq!(again.key, key, "the same key after a restart");
    let refused = again.add(0, &[], &fork.note(6));
    assert_eq!((refused.0, refused.2.as_str()), (409, "6\n"), "it remembers size 6");
    assert_eq!(again.add(6, &[], &fork.note(6)).0, 409, "and its root");
    assert_cosigned(&again, &log.note(7), again.add(6, &log.proof(6, 7), &log.note(7)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("w1/witness.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// `outpost ledger serve` with `extra` arguments and its stdout lines up to "listening on";
/// killed when dropped.
struct LedgerProcess {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    lines: Vec<String>,
}

impl Drop for LedgerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_ledger(dir: &Path, extra: &[&str]) -> LedgerProcess {
    let (_, founders) = support::founding(dir, &dir.join("hq"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .args(["ledger", "serve", "--listen", "127.0.0.1:0", "--dir"])
        .arg(dir.join("hq"))
        .args(founders)
        .args(extra)
        .env_remove("OUTPOST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("ledger.log")).unwrap())
        .spawn()
        .expect("outpost ledger serve starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut process = LedgerProcess { child, _stdout: stdout, lines: Vec::new() };
    while !process.lines.last().is_some_and(|l| l.starts_with("listening on ")) {
        let mut line = String::new();
        if process._stdout.read_line(&mut line).unwrap() == 0 {
            panic!("the ledger stopped: {}", std::fs::read_to_string(dir.join("ledger.log")).unwrap());
        }
        process.lines.push(line.trim().to_owned());
    }
    process
}

fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines.iter().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in {lines:?}"))
}

#[test]
fn the_ledger_serves_its_checkpoint_with_the_witness_cosignature() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_ledger(dir.path(), &[]);
    let ledger_vkey = field(&first.lines, "checkpoint verifier key: ").to_owned();
    let ledger_key: [u8; 32] =
        outpost_wallet_core::hex::decode_array(field(&first.lines, "ledger key: ")).unwrap();
    drop(first);

    let witness = WitnessProcess::start(dir.path(), &ledger_vkey);
    let endpoint = format!("{}={}", witness.url, witness.key);
    let ledger = start_ledger(dir.path(), &["--witness", &endpoint]);
    let url = field(&ledger.lines, "listening on ").to_owned();
    let key = WitnessKey::parse(&witness.key).unwrap();

    let mut note = String::new();
    for _ in 0..100 {
        note = ureq::get(format!("{url}/checkpoint")).call().unwrap().body_mut().read_to_string().unwrap();
        if note.contains(&format!("— {} ", key.name())) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let checkpoint = Checkpoint::from_note(note.as_bytes()).expect("the ledger's signature is still there");
    checkpoint.verify(&ledger_key).unwrap();
    let parsed = SignedNote::parse(note.as_bytes()).unwrap();
    let line = parsed.signatures.iter().find(|s| key.claims(s)).expect("the witness's cosignature is served");
    key.verify(parsed.text, line).expect("and it verifies over the checkpoint");
    assert!(dir.path().join("hq/witnessed.note").exists(), "the cosigned note is kept");
}

/// A wallet enrolled with the ledger at `url` by the test officer in `dir`, with the ledger key
/// `ledger_key` pinned.
fn enrolled_wallet(dir: &Path, name: &str, member_id: &str, url: &str, ledger_key: [u8; 32]) -> Wallet {
    let protector = Arc::new(SoftwareProtector::create(dir.join(format!("{name}.device.key"))).unwrap());
    let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..WalletOptions::default() };
    let pin = Pin::new("482916").unwrap();
    let wallet =
        Wallet::create(dir.join(format!("{name}.wallet")), &pin, Currency::JPY, protector, options).unwrap();
    let (_, qr) = wallet.enrolment_request(member_id).unwrap();
    let (officers, _) = support::founding(dir, &dir.join("hq"));
    let enrolled = support::outpost(dir)
        .args(["ledger", "enrol", &qr, "--ledger", url])
        .args(officers[0].args())
        .output()
        .unwrap();
    assert!(enrolled.status.success(), "the officer enrols the wallet: {}", support::stderr(&enrolled));
    wallet.pin_ledger_key(ledger_key).unwrap();
    wallet
}

#[test]
fn a_wallet_pinning_the_witness_syncs_once_it_cosigned_and_refuses_a_threshold_it_cannot_meet() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_ledger(dir.path(), &[]);
    let ledger_vkey = field(&first.lines, "checkpoint verifier key: ").to_owned();
    let ledger_key: [u8; 32] =
        outpost_wallet_core::hex::decode_array(field(&first.lines, "ledger key: ")).unwrap();
    drop(first);
    let witness = WitnessProcess::start(dir.path(), &ledger_vkey);
    let ledger = start_ledger(dir.path(), &["--witness", &format!("{}={}", witness.url, witness.key)]);
    let url = field(&ledger.lines, "listening on ").to_owned();
    let name = WitnessKey::parse(&witness.key).unwrap().name().to_owned();

    let aiko = enrolled_wallet(dir.path(), "aiko", "AIKO-0001", &url, ledger_key);
    aiko.pin_witnesses(std::slice::from_ref(&witness.key), 1).unwrap();
    let transport = HttpTransport::new(&url);
    // The ledger witnesses in the background: a sync before the witness's first cosignature is
    // refused as unwitnessed, and one after it is applied.
    let mut synced = None;
    for _ in 0..100 {
        match aiko.sync(&transport, &SyncOptions::default()) {
            Ok(report) => {
                synced = Some(report);
                break;
            }
            Err(WalletError::Witnesses(WitnessError::Missing { .. })) => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    let report = synced.expect("the witness cosigned within ten seconds");
    let witnessed = aiko.witnessed_checkpoint().unwrap().expect("the witnessed checkpoint is kept");
    assert!(witnessed.size >= 1 && witnessed.size <= report.checkpoint_size);
    let note = ureq::get(format!("{url}/checkpoint")).call().unwrap().body_mut().read_to_string().unwrap();
    assert!(note.contains(&format!("— {name} ")), "the served note carries the same cosignature");

    // A second witness nobody runs: two of two can never be met, and nothing is applied.
    let ghost = outpost_wallet_core::protocol::cosignature::Cosigner::from_secret("ghost.example", &[7; 32])
        .unwrap()
        .verifier_key();
    let ben = enrolled_wallet(dir.path(), "ben", "BEN-0002", &url, ledger_key);
    ben.pin_witnesses(&[witness.key.clone(), ghost], 2).unwrap();
    match ben.sync(&transport, &SyncOptions::default()) {
        Err(WalletError::Witnesses(WitnessError::TooFewCosignatures { valid: 1, required: 2 })) => {}
        other => panic!("expected too few cosignatures, got {other:?}"),
    }
    assert_eq!(ben.ledger_checkpoint().unwrap(), None, "nothing from the answer was applied");
}

/// Syncs `wallet` until the ledger's witnesses have cosigned what it requires (ten seconds at
/// most); panics on any other refusal.
fn sync_once_witnessed(wallet: &Wallet, transport: &HttpTransport) {
    for _ in 0..100 {
        match wallet.sync(transport, &SyncOptions::default()) {
            Ok(_) => return,
            Err(WalletError::Witnesses(
                WitnessError::Missing { .. } | WitnessError::TooFewCosignatures { .. },
            )) => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("unexpected refusal: {e}"),
        }
    }
    panic!("the witnesses did not cosign within ten seconds");
}

#[test]
fn a_round_one_witness_missed_keeps_the_fuller_set_so_wallets_requiring_every_witness_still_sync() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_ledger(dir.path(), &[]);
    let ledger_vkey = field(&first.lines, "checkpoint verifier key: ").to_owned();
    let ledger_key: [u8; 32] =
        outpost_wallet_core::hex::decode_array(field(&first.lines, "ledger key: ")).unwrap();
    drop(first);
    let w1 = WitnessProcess::start_in(dir.path(), &ledger_vkey, "w1");
    let w2 = WitnessProcess::start_in(dir.path(), &ledger_vkey, "w2");
    let ledger = start_ledger(
        dir.path(),
        &["--witness", &format!("{}={}", w1.url, w1.key), "--witness", &format!("{}={}", w2.url, w2.key)],
    );
    let url = field(&ledger.lines, "listening on ").to_owned();
    let transport = HttpTransport::new(&url);
    let both = enrolled_wallet(dir.path(), "aiko", "AIKO-0001", &url, ledger_key);
    both.pin_witnesses(&[w1.key.clone(), w2.key.clone()], 2).unwrap();
    let either = enrolled_wallet(dir.path(), "ben", "BEN-0002", &url, ledger_key);
    either.pin_witnesses(&[w1.key.clone(), w2.key.clone()], 1).unwrap();
    sync_once_witnessed(&both, &transport);
    let full = both.witnessed_checkpoint().unwrap().unwrap();

    // The second witness goes away. Each sync grows the log and starts a round that only the
    // first witness answers; the set both witnesses cosigned is still served.
    let (w2_url, w2_key) = (w2.url.clone(), w2.key.clone());
    drop(w2);
    let mut missed = false;
    for _ in 0..100 {
        both.sync(&transport, &SyncOptions::default())
            .expect("a round w2 missed must not cut this wallet off");
        either.sync(&transport, &SyncOptions::default()).expect("nor this one");
        let log = std::fs::read_to_string(dir.path().join("ledger.log")).unwrap();
        if log.lines().any(|l| l.contains("no cosignature") && l.contains(&w2_url)) {
            missed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(missed, "the ledger ran a round the second witness missed");
    std::thread::sleep(std::time::Duration::from_millis(500));
    both.sync(&transport, &SyncOptions::default()).expect("after the partial round too");
    either.sync(&transport, &SyncOptions::default()).unwrap();
    let note = ureq::get(format!("{url}/checkpoint")).call().unwrap().body_mut().read_to_string().unwrap();
    let served = Checkpoint::from_note(note.as_bytes()).unwrap();
    assert!(served.size >= full.size);
    for key in [&w1.key, &w2_key] {
        let name = WitnessKey::parse(key).unwrap().name().to_owned();
        assert!(note.contains(&format!("— {name} ")), "the served note keeps {name}'s cosignature");
    }
}
