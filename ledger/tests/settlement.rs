//! Settlement through sync, with the ledger's own code in-process and a clock the test moves:
//! purses loaded, offline transfers settled exactly once in any upload order, unclaimed transfers
//! returned after the window, double spends caught and paid for by their signer.

mod support;

use outpost_wallet_core::{Balances, TransferStatus};
use support::{DAY, Unit, pay, yen};

fn balances(wallet: &outpost_wallet_core::Wallet) -> Balances {
    wallet.balances().unwrap()
}

#[test]
fn three_members_pay_offline_and_every_balance_settles() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    let chie = unit.member("chie", "CHIE-0003");
    for id in ["AIKO-0001", "BEN-0002", "CHIE-0003"] {
        unit.ledger.credit(id, yen(50_000), "November pay").unwrap();
    }
    for wallet in [&aiko, &ben, &chie] {
        let report = unit.load_purse(wallet, 20_000);
        assert_eq!(report.new_purse, Some(yen(20_000)));
        assert_eq!(balances(wallet).online, yen(30_000));
        assert_eq!(balances(wallet).offline_purse, yen(20_000));
    }
    unit.assert_books();

    pay(&aiko, &ben, 3_000, true);
    pay(&ben, &chie, 1_000, true);
    pay(&chie, &aiko, 500, true);
    pay(&aiko, &chie, 2_000, false);

    // The receivers sync first, then the senders, then everyone again.
    for wallet in [&chie, &ben, &aiko, &chie, &ben, &aiko] {
        unit.sync(wallet);
        unit.assert_books();
    }
    assert_eq!(balances(&aiko).online, yen(30_500));
    assert_eq!(balances(&ben).online, yen(33_000));
    assert_eq!(balances(&chie).online, yen(33_000));
    for wallet in [&aiko, &ben, &chie] {
        let b = balances(wallet);
        assert!(b.pending_incoming.is_zero() && b.pending_outgoing.is_zero(), "{b:?}");
        for entry in wallet.history(None, 50).unwrap() {
            assert!(
                matches!(entry.status, TransferStatus::SentSettled | TransferStatus::ReceivedSettled),
                "{entry:?}"
            );
        }
        wallet.verify_log().unwrap();
    }
}
