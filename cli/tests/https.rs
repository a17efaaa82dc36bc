//! The `outpost` command over HTTPS on loopback, with a throwaway CA made in the test: the
//! ledger and the witness serve HTTPS themselves, an officer enrols and a member syncs trusting
//! the CA file, and only over HTTPS may a first sync pin the key the ledger presents.

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use predicates::str::contains;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use support::{LedgerServer, create_wallet, wallet};

const PIN: &str = "482916";

/// `ca.pem`, and `cert.pem` + `key.pem` (0600) it signed for 127.0.0.1.
fn pki(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "Unit CA");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&key, &ca).unwrap();
    let paths = (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    std::fs::set_permissions(&paths.2, std::fs::Permissions::from_mode(0o600)).unwrap();
    paths
}

#[test]
fn over_https_an_officer_enrols_and_a_first_sync_pins_the_key_the_ledger_presents() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let (ca, cert, key) = pki(dir);
    let hq = LedgerServer::start_with(
        dir,
        &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
    );
    assert!(hq.url.starts_with("https://127.0.0.1:"), "{}", hq.url);
    let ca_file = ca.to_str().unwrap();

    create_wallet(dir, "aiko.wallet", PIN);
    wallet(dir, "aiko.wallet", PIN, &["identity", "--member-id", "AIKO-0001", "--out", "aiko.txt"])
        .assert()
        .success();
    hq.officer(dir, &["enrol", "--qr-file", "aiko.txt"]).assert().failure().stderr(contains("--ca-file"));
    hq.officer(dir, &["enrol", "--qr-file", "aiko.txt", "--ca-file", ca_file])
        .assert()
        .success()
        .stdout(contains("Enrolled AIKO-0001"));

    wallet(dir, "aiko.wallet", PIN, &["sync", "--ledger", &hq.url])
        .assert()
        .failure()
        .stderr(contains("does not trust"));
    wallet(dir, "aiko.wallet", PIN, &["sync", "--ledger", &hq.url, "--ca-file", ca_file])
        .assert()
        .success()
        .stdout(contains("presents over TLS"))
        .stdout(contains(hq.key.as_str()));
}

#[test]
fn the_witness_serves_https_and_refuses_a_key_file_others_can_read() {
    let temp = tempfile::tempdir().unwrap();
    let (_, cert, key) = pki(temp.path());
    let signer = outpost_wallet_core::protocol::LedgerSigner::from_secret(&[1; 32]);
    let vkey = outpost_wallet_core::protocol::Checkpoint::verifier_key(&signer.public_key());
    let witness = |dir: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_outpost"));
        command
            .args(["witness", "--listen", "127.0.0.1:0", "--log", vkey.as_str(), "--tls-cert"])
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .arg("--dir")
            .arg(temp.path().join(dir))
            .env_remove("OUTPOST_LOG");
        command
    };
    let mut child = witness("w1").stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut listening = None;
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            listening = Some(url.to_owned());
            break;
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    let listening = listening.expect("the witness listens");
    assert!(listening.starts_with("https://127.0.0.1:"), "{listening}");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = witness("w2").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("chmod 600 {}", key.display())), "{stderr}");
}
