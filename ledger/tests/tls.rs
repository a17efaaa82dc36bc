//! HTTPS served by the real `outpost-ledger` binary itself, on loopback, with a throwaway CA and
//! certificates made in each test: a wallet syncs and an officer works through it trusting the
//! CA file or the ledger's own certificate pinned, and a client trusting anything else, or
//! nothing, is refused. Key files other users could read stop the ledger from starting.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Server, ledger_command, wallet};
use outpost_wallet_core::transport::{HttpTransport, Trust, http_agent};
use outpost_wallet_core::{SyncOptions, hex};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// PEM files in a directory: a CA, a certificate it signed for loopback, that certificate's key
/// (mode 0600), and a second CA that signed nothing here.
struct Pki {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    other_ca: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn pki(dir: &Path) -> Pki {
    let issuer = ca("Outpost test CA");
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let pki = Pki {
        ca: dir.join("ca.pem"),
        cert: dir.join("ledger.pem"),
        key: dir.join("ledger-key.pem"),
        other_ca: dir.join("other-ca.pem"),
    };
    std::fs::write(&pki.ca, issuer.pem()).unwrap();
    std::fs::write(&pki.cert, cert.pem()).unwrap();
    write_private(&pki.key, &key.serialize_pem());
    std::fs::write(&pki.other_ca, ca("Somebody else's CA").pem()).unwrap();
    pki
}

fn https_server(pki: &Pki) -> Server {
    let (cert, key) = (pki.cert.to_str().unwrap(), pki.key.to_str().unwrap());
    let server = Server::start_with(&["--tls-cert", cert, "--tls-key", key]);
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    server
}

fn get_status(trust: &Trust, url: &str) -> Result<u16, ureq::Error> {
    http_agent(Duration::from_secs(10), trust).get(url).call().map(|r| r.status().as_u16())
}

#[test]
fn a_wallet_syncs_and_an_officer_works_over_https_trusting_the_ca_file() {
    let temp = tempfile::tempdir().unwrap();
    let pki = pki(temp.path());
    let server = https_server(&pki);
    let trust = Trust::from_pem_file(&pki.ca).unwrap();
    let agent = http_agent(Duration::from_secs(10), &trust);

    let (aiko, qr) = wallet(temp.path(), "aiko", "AIKO-0001");
    let body = serde_json::json!({ "enrolment_qr": qr }).to_string();
    let signed = common::signature(&common::officers()[0], "POST", "/v1/officer/members", body.as_bytes());
    let enrolled = agent
        .post(format!("{}/v1/officer/members", server.base))
        .header(outpost_wallet_core::officer::HEADER, signed)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    assert_eq!(enrolled.status().as_u16(), 201);
    let text =
        agent.get(format!("{}/v1/ledger", server.base)).call().unwrap().body_mut().read_to_string().unwrap();
    let info: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key: [u8; 32] = hex::decode_array(info["public_key"].as_str().unwrap()).unwrap();
    aiko.pin_ledger_key(key).unwrap();

    let transport = HttpTransport::with_trust(&server.base, Duration::from_secs(20), &trust);
    aiko.sync(&transport, &SyncOptions::default()).unwrap();
    assert!(aiko.ledger_checkpoint().unwrap().is_some(), "the wallet holds the checkpoint it synced to");
    server.stop();
}

#[test]
fn the_console_session_cookie_is_secure_over_https() {
    let temp = tempfile::tempdir().unwrap();
    let pki = pki(temp.path());
    let server = https_server(&pki);
    let agent = http_agent(Duration::from_secs(10), &Trust::from_pem_file(&pki.ca).unwrap());
    let signed = common::signature(&common::officers()[0], "POST", "/v1/officer/session", b"");
    let opened = agent
        .post(format!("{}/v1/officer/session", server.base))
        .header(outpost_wallet_core::officer::HEADER, signed)
        .send_empty()
        .unwrap();
    let cookie = opened.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.split(';').any(|a| a.trim() == "Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    server.stop();
}

#[test]
fn a_client_trusting_another_ca_or_nothing_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let pki = pki(temp.path());
    let server = https_server(&pki);
    let url = format!("{}/v1/ledger", server.base);

    assert!(get_status(&Trust::none(), &url).is_err(), "no trust, no HTTPS");
    let other = Trust::from_pem_file(&pki.other_ca).unwrap();
    let refused = get_status(&other, &url).unwrap_err();
    assert!(refused.to_string().contains("invalid peer certificate: UnknownIssuer"), "{refused}");

    // The wallet's transport fails the exchange and changes nothing in the wallet.
    let (aiko, _) = wallet(temp.path(), "aiko", "AIKO-0001");
    aiko.pin_ledger_key([7; 32]).unwrap();
    let transport = HttpTransport::with_trust(&server.base, Duration::from_secs(10), &other);
    assert!(aiko.sync(&transport, &SyncOptions::default()).is_err());
    // Plain HTTP to the HTTPS port gets no answer a client could take for the ledger's.
    assert!(get_status(&Trust::none(), &url.replace("https://", "http://")).is_err());
    server.stop();
}

#[test]
fn the_ledgers_own_certificate_can_be_pinned() {
    let temp = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().self_signed(&key).unwrap();
    let (cert_path, key_path) = (temp.path().join("self.pem"), temp.path().join("self-key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    write_private(&key_path, &key.serialize_pem());
    let server = Server::start_with(&[
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
    ]);
    let url = format!("{}/v1/ledger", server.base);
    assert_eq!(get_status(&Trust::from_pem_file(&cert_path).unwrap(), &url).unwrap(), 200);

    let impostor_key = KeyPair::generate().unwrap();
    let impostor =
        CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().self_signed(&impostor_key).unwrap();
    let impostor_path = temp.path().join("impostor.pem");
    std::fs::write(&impostor_path, impostor.pem()).unwrap();
    assert!(get_status(&Trust::from_pem_file(&impostor_path).unwrap(), &url).is_err());
    server.stop();
}

#[test]
fn a_tls_key_or_ledger_key_other_users_can_read_stops_the_start_with_the_chmod_to_run() {
    let temp = tempfile::tempdir().unwrap();
    let pki = pki(temp.path());
    std::fs::set_permissions(&pki.key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let dir = temp.path().join("hq");
    std::fs::create_dir(&dir).unwrap();
    let out = ledger_command(&dir)
        .args(["--tls-cert", pki.cert.to_str().unwrap(), "--tls-key", pki.key.to_str().unwrap()])
        .args(common::founding_args())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("chmod 600 {}", pki.key.display())), "{stderr}");

    // The ledger's own signing key, loosened after it was made, is refused the same way.
    std::fs::set_permissions(&pki.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    Server::start_in(&dir).stop();
    let ledger_key = dir.join("ledger.key");
    std::fs::set_permissions(&ledger_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = ledger_command(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("chmod 600 {}", ledger_key.display())), "{stderr}");
}
