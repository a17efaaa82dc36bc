"""One wallet shared by many threads, and the QR pictures apps draw."""

from concurrent.futures import ThreadPoolExecutor

import outpost_wallet as ow


def test_sixteen_threads_pay_from_one_purse_without_losing_a_yen(enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    requests = [ben.create_request(100, f"item {i}", 600).qr_text for i in range(16)]

    def pay(text):
        payment = aiko.pay_request(text, None, "")
        aiko.balances()
        aiko.history(None, 5)
        return payment.transfer_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(pay, requests))

    assert len(set(ids)) == 16
    assert aiko.balances().offline_purse.minor == 10_000 - 1_600
    assert aiko.balances().pending_outgoing.minor == 1_600
    sent = [e for e in aiko.history(None, 50) if e.direction == ow.Direction.SENT]
    assert sorted(e.transfer_id for e in sent) == sorted(ids)
    aiko.verify_log()


def test_the_qr_matrix_and_svg_of_a_transfer(enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    payment = aiko.pay_request(ben.create_request(100, "", 600).qr_text, None, "")
    matrix = ow.qr_matrix(payment.qr_text)
    assert matrix.width == 17 + 4 * matrix.version
    assert len(matrix.modules) == matrix.width * matrix.width
    assert set(matrix.modules) == {0, 1}
    assert matrix.version <= 15
    svg = ow.qr_svg(payment.qr_text, 4)
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert ow.qr_kind(payment.qr_text) == ow.QrKind.TRANSFER


def test_the_library_version_matches_the_package():
    assert ow.library_version() == "0.1.0"
