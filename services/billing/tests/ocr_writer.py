"""Writing an OCR giro file in the bank's format: the inverse of `ocr.parse`, for tests that need real-format
files (a file the parser reads back to the same transactions). Billing itself only reads them."""

from __future__ import annotations

from datetime import date

from billing.domain.ocr import OcrTransaction, OcrTransmission, ddmmyy


def _item1(t: OcrTransaction) -> str:
    sign = "-" if t.amount_ore < 0 else "0"
    centre, day_code, part_number, part_serial = "01", f"{t.settled_on.day:02d}", "1", "01464"
    return (f"NY09{t.transaction_type:02d}30{t.transaction_number:07d}{ddmmyy(t.settled_on)}"
            f"{centre}{day_code}{part_number}{part_serial}{sign}"
            f"{abs(t.amount_ore):017d}{(t.kid or ''):>25}" + "0" * 6)


def _item2(t: OcrTransaction) -> str:
    bank_date = ddmmyy(t.bank_date) if t.bank_date else "000000"
    return (f"NY09{t.transaction_type:02d}31{t.transaction_number:07d}{t.form_number:>10}"
            f"{t.archive_reference:>9}" + "0" * 7 + bank_date + "0" * 11 + "0" * 22)


def _end(kind: str, transactions: int, records: int, total: int, dates: str, filler: int) -> str:
    return f"NY{kind}{transactions:08d}{records:08d}{total:017d}{dates}" + "0" * filler


def render(transmission: OcrTransmission, nets_date: date) -> str:
    lines = [f"NY000010{transmission.data_transmitter}{transmission.transmission_number}"
             f"{transmission.data_recipient}" + "0" * 49]
    for a in transmission.assignments:
        lines.append(f"NY090020{a.agreement_id}{a.assignment_number}{a.account_number}" + "0" * 45)
        for t in a.transactions:
            lines += [_item1(t), _item2(t)]
        settled = sorted(t.settled_on for t in a.transactions) or [nets_date]
        total = sum(abs(t.amount_ore) for t in a.transactions)
        dates = ddmmyy(nets_date) + ddmmyy(settled[0]) + ddmmyy(settled[-1])
        lines.append(_end("090088", len(a.transactions), 2 * len(a.transactions) + 2, total, dates, 21))
    all_transactions = [t for a in transmission.assignments for t in a.transactions]
    total = sum(abs(t.amount_ore) for t in all_transactions)
    lines.append(_end("000089", len(all_transactions), len(lines) + 1, total, ddmmyy(nets_date), 33))
    return "\n".join(lines) + "\n"
