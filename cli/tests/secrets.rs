//! Secrets given to the `outpost` command for scripts do not stay where other programs of the
//! same user can read them while it runs.

#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_pin_is_gone_from_the_environment_the_process_was_started_with() {
    const PIN: &str = "731904-marker";
    let dir = tempfile::tempdir().unwrap();
    // `wallet accept` waits for the transfer on its standard input, which stays open.
    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .current_dir(dir.path())
        .args(["wallet", "accept", "--wallet", "w.wallet"])
        .env("OUTPOST_PIN", PIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let environ = format!("/proc/{}/environ", child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let still_there = loop {
        let seen = std::fs::read(&environ).unwrap();
        let there = seen.windows(PIN.len()).any(|w| w == PIN.as_bytes());
        if !there || Instant::now() > deadline {
            break there;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        child.try_wait().unwrap().is_none(),
        "the command was still running when its environment was read"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!still_there, "the PIN can still be read from {environ}");
}
