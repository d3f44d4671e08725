"""The bank's OCR giro file: fixed 80-character records, read whole or refused whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from billing.domain.ocr import OcrAssignment, OcrFileInvalid, OcrTransaction, OcrTransmission, parse
from services.billing.tests.ocr_writer import render

FILE = Path(__file__).parent / "data" / "ocr_giro_2026-03-12.txt"


def text() -> str:
    return FILE.read_text(encoding="iso-8859-1")


def test_a_bank_file_is_read_record_by_record() -> None:
    transmission = parse(text())
    assert transmission.transmission_number == "0170031"
    assert transmission.data_transmitter == "00008080"
    [assignment] = transmission.assignments
    assert assignment.account_number == "15030540007"
    assert assignment.assignment_number == "4001251"
    first = assignment.transactions[0]
    assert first == OcrTransaction(transaction_number=1, transaction_type=10, settled_on=date(2026, 3, 12),
                                   amount_ore=25900, kid="0000000018", form_number="9797596016",
                                   archive_reference="097596016", bank_date=date(2026, 3, 11))
    assert [(t.kid, t.amount_ore) for t in assignment.transactions] == [
        ("0000000018", 25900), ("0000000026", 10000), ("0000047110", 25900), ("0000000034", 30000)]


def test_every_record_is_80_characters_and_writing_gives_back_the_same_file() -> None:
    assert all(len(line) == 80 for line in text().splitlines())
    assert render(parse(text()), date(2026, 3, 12)) == text()


def test_windows_line_endings_are_read_the_same() -> None:
    assert parse(text().replace("\n", "\r\n")) == parse(text())


def test_a_transaction_with_a_text_record_and_no_kid() -> None:
    lines = text().splitlines()
    # Transaction type 21 (with text) carries an amount item 3; it has no KID.
    item1 = "NY09213000000052001921320101464000000000000102000" + " " * 25 + "000000"
    item2 = "NY0921310000005" + "9636827194" + "099038562" + "0" * 7 + "160126" + "0" * 11 + "0" * 22
    item3 = "NY0921320000005" + "Betaling for faktura".ljust(40) + "0" * 25
    body = [*lines[:-2], item1, item2, item3]
    end = f"NY090088{5:08d}{13:08d}{193800:017d}120326120326120326" + "0" * 21
    last = f"NY000089{5:08d}{15:08d}{193800:017d}120326" + "0" * 33
    transmission = parse("\n".join([*body, end, last]) + "\n")
    extra = transmission.assignments[0].transactions[-1]
    assert (extra.transaction_type, extra.kid, extra.amount_ore) == (21, None, 102000)


def test_a_reversal_is_a_negative_amount() -> None:
    reversal = OcrTransaction(1, 18, date(2026, 3, 12), -25900, "0000000018")
    file = render(OcrTransmission("0000001", (OcrAssignment("0000001", "15030540007", (reversal,)),)),
                  date(2026, 3, 12))
    assert parse(file).assignments[0].transactions[0].amount_ore == -25900


@pytest.mark.parametrize(("broken", "why"), [
    (lambda t: t.replace("NY000089", "NY000088", 1), "NY000089"),  # no transmission end
    (lambda t: t.replace("00000000000091800120326000", "00000000000091900120326000"), "øre"),  # wrong sum
    (lambda t: "\n".join(t.splitlines()[:4] + t.splitlines()[6:]), "transaksjoner"),  # a transaction cut out
    (lambda t: t.replace("NY091031000000197975960160975960160", "NY0910310000001979759601609759601", 1), "80 tegn"),
    (lambda t: t.replace("0000000018000000", "00000000x8000000", 1), "sifre"),
    (lambda t: t.replace("NY091431000000200", "NY091431000000300", 1), "hører ikke til"),
    (lambda t: t.replace("1203260112101464", "3102260112101464", 1), "ugyldig dato"),
    (lambda t: t + t.splitlines()[1] + "\n", "etter sluttposten"),
    (lambda t: "", "slutter"),
])
def test_a_damaged_file_is_refused_whole(broken: object, why: str) -> None:
    assert callable(broken)
    with pytest.raises(OcrFileInvalid) as refused:
        parse(broken(text()))
    assert why in refused.value.detail
    assert refused.value.code == "validation.ocr_file"
