//! Every command explains itself: `--help` says what it does and shows an example.

use std::process::Command;

const COMMANDS: &[&[&str]] = &[
    &["wallet"],
    &["wallet", "create"],
    &["wallet", "identity"],
    &["wallet", "balance"],
    &["wallet", "history"],
    &["wallet", "request"],
    &["wallet", "pay"],
    &["wallet", "accept"],
    &["wallet", "confirm"],
    &["wallet", "sync"],
    &["wallet", "verify"],
    &["wallet", "fork-proofs"],
    &["wallet", "pin-witnesses"],
    &["ledger"],
    &["ledger", "serve"],
    &["ledger", "enrol"],
    &["ledger", "credit"],
    &["ledger", "members"],
    &["ledger", "purses"],
    &["ledger", "flags"],
    &["ledger", "revoke"],
    &["ledger", "export"],
    &["audit"],
    &["audit", "verify"],
];

#[test]
fn every_command_has_help_with_an_example() {
    for command in COMMANDS {
        let out = Command::new(env!("CARGO_BIN_EXE_outpost")).args(*command).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        let name = command.join(" ");
        assert!(out.status.success(), "outpost {name} --help failed");
        assert!(help.contains("Example"), "outpost {name} --help has no example:\n{help}");
        assert!(
            help.contains(&format!("outpost {name}")),
            "outpost {name} --help shows no use of it:\n{help}"
        );
    }
}

#[test]
fn the_top_level_help_lists_every_group() {
    let out = Command::new(env!("CARGO_BIN_EXE_outpost")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for group in ["demo", "wallet", "ledger", "audit"] {
        assert!(help.contains(group), "{group} missing from:\n{help}");
    }
}
