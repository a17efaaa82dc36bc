//! The history fixture the benchmarks measure on (`outpost_wallet_core::wallet::fixture`), built
//! at 10,000 entries: the wallet it writes opens, answers its balances, verifies its event log,
//! pages through every entry in order, and goes on paying and receiving as a real wallet would.
//! The benchmarks build the same history at 1,000,000 entries.

mod common;

use std::sync::Arc;

use common::{fast, pin, yen};
use outpost_wallet_core::protocol::PurseTerms;
use outpost_wallet_core::wallet::fixture::{BuiltHistory, HistorySpec, build_history};
use outpost_wallet_core::{
    Clock, Currency, Direction, SoftwareProtector, SystemClock, TransferStatus, Wallet,
};

const ENTRIES: u64 = 10_000;

struct Built {
    dir: tempfile::TempDir,
    protector: Arc<SoftwareProtector>,
    history: BuiltHistory,
    spec: HistorySpec,
}

impl Built {
    fn new() -> Built {
        let dir = tempfile::tempdir().unwrap();
        let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
        let wallet = Wallet::create(
            dir.path().join("canteen.wallet"),
            &pin(),
            Currency::JPY,
            protector.clone(),
            fast(),
        )
        .unwrap();
        let spec = HistorySpec { threads: 2, ..HistorySpec::new(ENTRIES) };
        let history = build_history(&wallet, &spec).unwrap();
        Built { dir, protector, history, spec }
    }

    /// The built wallet, closed and opened again from the file.
    fn reopen(&self) -> Wallet {
        let wallet =
            Wallet::open(self.dir.path().join("canteen.wallet"), self.protector.clone(), fast()).unwrap();
        wallet.unlock(&pin()).unwrap();
        wallet
    }

    /// A new wallet enrolled with the fixture's ledger, holding a purse of `amount`.
    fn colleague(&self, name: &str, amount: u64) -> Wallet {
        let wallet =
            Wallet::create(self.dir.path().join(name), &pin(), Currency::JPY, self.protector.clone(), fast())
                .unwrap();
        wallet.pin_ledger_key(self.history.ledger.public_key()).unwrap();
        let now = SystemClock.now_unix();
        let certificate = self
            .history
            .ledger
            .issue(PurseTerms {
                wallet_key: wallet.public_identity().signing_key,
                serial: 1,
                member_id: "COLLEAGUE-01".into(),
                amount: yen(amount),
                issued_at: now,
                expires_at: now + 86_400,
            })
            .unwrap();
        assert!(wallet.install_purse(&certificate).unwrap());
        wallet
    }
}

#[test]
fn a_built_history_reopens_with_its_balances_log_and_every_entry_in_order() {
    let built = Built::new();
    let BuiltHistory { balances: expected, sent, received, own_purses, .. } = &built.history;
    assert_eq!(
        (*sent, *received),
        (ENTRIES / built.spec.sent_every, ENTRIES - ENTRIES / built.spec.sent_every)
    );
    assert_eq!(*own_purses as u64, sent.div_ceil(u64::from(built.spec.own_purse_transfers)));
    let wallet = built.reopen();
    assert_eq!(wallet.balances().unwrap(), *expected);
    assert_eq!(wallet.online_balance_minor().unwrap(), expected.online.minor() as i64);
    // Created, ledger key pinned, one entry per transfer, and the fixture's closing entry.
    assert_eq!(wallet.verify_log().unwrap().entries, ENTRIES + 3);

    let mut position = None;
    let (mut seen, mut seen_sent) = (0u64, 0u64);
    let (mut online, mut pending_in, mut pending_out) = (0u64, 0u64, 0u64);
    loop {
        let page = wallet.history(position, 50).unwrap();
        if page.is_empty() {
            break;
        }
        for entry in &page {
            assert_eq!(entry.position, ENTRIES - seen, "pages walk back one position at a time");
            let sent = entry.position % built.spec.sent_every == 0;
            assert_eq!(entry.direction, if sent { Direction::Sent } else { Direction::Received });
            let newest = entry.position > ENTRIES - built.spec.unsettled;
            let status = match (sent, newest) {
                (true, true) => TransferStatus::AwaitingReceipt,
                (true, false) => TransferStatus::SentSettled,
                (false, true) => TransferStatus::PendingSettlement,
                (false, false) => TransferStatus::ReceivedSettled,
            };
            assert_eq!(entry.status, status, "entry {}", entry.position);
            assert!(!entry.counterparty_label.is_empty() || sent);
            match status {
                TransferStatus::ReceivedSettled => online += entry.amount.minor(),
                TransferStatus::PendingSettlement => pending_in += entry.amount.minor(),
                TransferStatus::AwaitingReceipt => pending_out += entry.amount.minor(),
                _ => {}
            }
            seen += 1;
            seen_sent += u64::from(sent);
        }
        position = page.last().map(|e| e.position);
    }
    assert_eq!((seen, seen_sent), (ENTRIES, *sent));
    assert_eq!(
        (yen(online), yen(pending_in), yen(pending_out)),
        (expected.online, expected.pending_incoming, expected.pending_outgoing),
        "the balances are the sums of the entries behind them"
    );
}

#[test]
fn a_built_history_goes_on_paying_from_its_purse_and_receiving_offline() {
    let built = Built::new();
    let canteen = built.reopen();
    let before = canteen.balances().unwrap();

    // Paying continues the open purse's chain: the receiver checks it against the ledger key.
    let colleague = built.colleague("colleague.wallet", 5_000);
    let payment = canteen.pay_contact(&colleague.public_identity(), yen(700), "refund").unwrap();
    let accepted = colleague.accept(&payment.qr_text).unwrap();
    assert_eq!((accepted.amount, accepted.sender_member_id.as_str()), (yen(700), "FIXTURE-SELF"));
    canteen.confirm_receipt(&accepted.receipt_qr).unwrap();

    // Receiving works as for any wallet, and lands on top of the history.
    let request = canteen.create_request(Some(yen(1_200)), "lunch", 600).unwrap();
    let paid = colleague.pay_request(&request.qr_text, None, "").unwrap();
    let received = canteen.accept(&paid.qr_text).unwrap();
    assert!(!received.already_accepted);

    let after = canteen.balances().unwrap();
    assert_eq!(after.offline_purse, before.offline_purse.checked_sub(yen(700)).unwrap());
    assert_eq!(after.pending_outgoing, before.pending_outgoing.checked_add(yen(700)).unwrap());
    assert_eq!(after.pending_incoming, before.pending_incoming.checked_add(yen(1_200)).unwrap());
    let newest = canteen.history(None, 2).unwrap();
    assert_eq!(
        newest.iter().map(|e| (e.position, e.transfer_id)).collect::<Vec<_>>(),
        vec![(ENTRIES + 2, received.transfer_id), (ENTRIES + 1, payment.transfer_id)]
    );
    canteen.verify_log().unwrap();
}

#[test]
fn the_builder_refuses_a_wallet_that_is_already_enrolled_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
    let wallet =
        Wallet::create(dir.path().join("enrolled.wallet"), &pin(), Currency::JPY, protector, fast()).unwrap();
    wallet.pin_ledger_key([7; 32]).unwrap();
    let entries = wallet.verify_log().unwrap().entries;
    assert!(build_history(&wallet, &HistorySpec::new(10)).is_err());
    assert_eq!(wallet.verify_log().unwrap().entries, entries);
    assert!(wallet.history(None, 10).unwrap().is_empty());
}
