"""A checkpoint seen on another phone is proved by the ledger at the next sync; fork proofs say whether the ledger recorded them."""

import outpost_wallet as ow


def test_a_smaller_checkpoint_seen_in_a_payment_is_proved_at_the_next_sync(ledger, enrolled_pair):
    aiko, ben, _, _, transport = enrolled_pair
    ben.sync(transport, None)
    aiko.sync(transport, None)
    assert ben.ledger_checkpoint().size < aiko.ledger_checkpoint().size
    request = ben.create_request(500, "tea", 600)
    payment = aiko.pay_request(request.qr_text, None, "")
    assert isinstance(payment.checkpoint_seen, ow.CheckpointSeen.KEPT_FOR_CHECK)

    report = aiko.sync(transport, None)
    assert report.sightings_proved == 1
    assert report.checkpoint_warnings == []
    assert aiko.unproved_pairs() == []
    assert aiko.sync(transport, None).sightings_proved == 0, "a proved pair is asked no more"


def test_a_wallet_with_nothing_to_report_has_no_proofs_and_no_unproved_pairs(enrolled_pair):
    aiko, _, _, _, _ = enrolled_pair
    assert aiko.fork_proofs() == []
    assert aiko.unproved_pairs() == []
