//! `outpost wallet pin-witnesses`: a field wallet is told which witnesses must have cosigned
//! every sync answer, and a mistake in the keys or the number is refused before the PIN is asked
//! for, naming what is wrong, with nothing pinned.

mod support;

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use outpost_wallet_core::protocol::cosignature::Cosigner;
use outpost_wallet_core::{Pin, SoftwareProtector, Wallet, WalletOptions};
use support::{create_wallet, outpost, stderr, stdout, wallet};

const PIN: &str = "482916";

fn witness_key(name: &str, seed: u8) -> String {
    Cosigner::from_secret(name, &[seed; 32]).unwrap().verifier_key()
}

/// The witnesses and threshold pinned in `dir/name`, read through the library.
fn pinned(dir: &Path, name: &str) -> Option<(Vec<String>, u8)> {
    let path = dir.join(name);
    let protector = Arc::new(SoftwareProtector::open(dir.join(format!("{name}.key"))).unwrap());
    let wallet = Wallet::open(&path, protector, WalletOptions::default()).unwrap();
    wallet.unlock(&Pin::new(PIN).unwrap()).unwrap();
    wallet
        .pinned_witnesses()
        .unwrap()
        .map(|(keys, k)| (keys.iter().map(|key| key.name().to_owned()).collect(), k))
}

/// A usage error: exit status 2, one `error:` line saying `expected`, no PIN asked.
fn assert_usage_error(output: &Output, expected: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "exit status; stderr:\n{err}");
    assert_eq!(err.lines().count(), 1, "one line:\n{err}");
    assert!(err.starts_with("error: ") && err.contains(expected), "expected {expected:?} in:\n{err}");
}

/// `outpost wallet pin-witnesses` on `dir/mine.wallet` with no PIN given: a refusal must come
/// before the PIN prompt, which would fail without a terminal.
fn pin_without_pin(dir: &Path, args: &[&str]) -> Output {
    outpost(dir)
        .args(["wallet", "pin-witnesses"])
        .args(args)
        .args(["--wallet", "mine.wallet"])
        .output()
        .unwrap()
}

#[test]
fn k_of_n_witnesses_are_pinned_and_named() {
    let temp = tempfile::tempdir().unwrap();
    create_wallet(temp.path(), "mine.wallet", PIN);
    let keys = [witness_key("w1.example", 1), witness_key("w2.example", 2), witness_key("w3.example", 3)];
    let out = wallet(
        temp.path(),
        "mine.wallet",
        PIN,
        &["pin-witnesses", &keys[0], &keys[1], &keys[2], "--need", "2"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("requires 2 of these 3 witnesses"), "{text}");
    assert!(text.contains("w2.example"), "{text}");
    assert_eq!(
        pinned(temp.path(), "mine.wallet"),
        Some((vec!["w1.example".into(), "w2.example".into(), "w3.example".into()], 2))
    );

    // Pinning again replaces the list.
    wallet(temp.path(), "mine.wallet", PIN, &["pin-witnesses", &keys[2], "--need", "1"]).assert().success();
    assert_eq!(pinned(temp.path(), "mine.wallet"), Some((vec!["w3.example".into()], 1)));
}

#[test]
fn bad_key_text_a_repeated_witness_and_an_impossible_threshold_are_refused_and_nothing_is_pinned() {
    let temp = tempfile::tempdir().unwrap();
    create_wallet(temp.path(), "mine.wallet", PIN);
    let (one, two) = (witness_key("w1.example", 1), witness_key("w2.example", 2));
    let cut = &two[..two.len() - 6];

    let out = pin_without_pin(temp.path(), &[&one, cut, "--need", "1"]);
    assert_usage_error(&out, "witness key 2");
    assert!(stderr(&out).contains("as `outpost witness` printed it"), "{}", stderr(&out));
    assert_usage_error(&pin_without_pin(temp.path(), &[&one, "not-a-key", "--need", "1"]), "cannot be read");

    let out = pin_without_pin(temp.path(), &[&one, &two, &one, "--need", "2"]);
    assert_usage_error(&out, "witness keys 1 and 3 name the same witness (w1.example)");
    // The same key under another name is the same witness too.
    let renamed = Cosigner::from_secret("other.example", &[1; 32]).unwrap().verifier_key();
    assert_usage_error(
        &pin_without_pin(temp.path(), &[&one, &renamed, "--need", "1"]),
        "name the same witness",
    );

    assert_usage_error(
        &pin_without_pin(temp.path(), &[&one, &two, "--need", "3"]),
        "--need 3 cannot be met with 2",
    );
    assert_usage_error(&pin_without_pin(temp.path(), &[&one, "--need", "0"]), "give a number from 1 to 1");
    let nine: Vec<String> = (1..=9).map(|n| witness_key(&format!("w{n}.example"), n)).collect();
    let mut args: Vec<&str> = nine.iter().map(String::as_str).collect();
    args.extend(["--need", "9"]);
    assert_usage_error(&pin_without_pin(temp.path(), &args), "give a number from 1 to 8");

    let out = pin_without_pin(temp.path(), &["--need", "1"]);
    assert_eq!(out.status.code(), Some(2), "no key at all is a usage error: {}", stderr(&out));
    assert_eq!(pinned(temp.path(), "mine.wallet"), None, "nothing was pinned");
}
