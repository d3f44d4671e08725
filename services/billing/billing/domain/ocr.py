"""The bank's OCR giro file (Nets "OCR giro", format NY): fixed 80-character records, ISO-8859-1.

A transmission (NY000010 ... NY000089) holds assignments (NY090020 ... NY090088), one per receiving
account; an assignment holds transactions, each an amount item 1 (NY09tt30: settlement date, amount in
øre, KID) and an amount item 2 (NY09tt31: form number, archive reference, the payer's bank date), plus
an item 3 (NY09tt32, free text) for the types that carry text. The end records repeat the counts and
the sum, which we check, so a truncated or edited file is refused whole rather than half-applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kit.errors import DomainError

RECORD_LENGTH = 80
OCR_GIRO = "09"
WITH_TEXT = (20, 21)  # these transaction types carry an amount item 3 with free text
REVERSALS = (18, 20)  # reversals (tilbakeføring): the money goes back to the payer


class OcrFileInvalid(DomainError):
    code, status, title = "validation.ocr_file", 422, "Filen er ikke en gyldig OCR-fil."


@dataclass(frozen=True)
class OcrTransaction:
    transaction_number: int
    transaction_type: int
    settled_on: date  # Nets' settlement date: the day the money reached the clinic's account
    amount_ore: int  # negative for a reversal
    kid: str | None
    form_number: str = "0" * 10
    archive_reference: str = "0" * 9
    bank_date: date | None = None


@dataclass(frozen=True)
class OcrAssignment:
    assignment_number: str  # 7 digits
    account_number: str  # the receiving account: ours
    transactions: tuple[OcrTransaction, ...]
    agreement_id: str = "0" * 9


@dataclass(frozen=True)
class OcrTransmission:
    transmission_number: str  # 7 digits, unique per data transmitter
    assignments: tuple[OcrAssignment, ...]
    data_transmitter: str = "00008080"  # Nets
    data_recipient: str = "00000000"

    @property
    def transactions(self) -> list[tuple[OcrAssignment, OcrTransaction]]:
        return [(a, t) for a in self.assignments for t in a.transactions]


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _num(text: str, line: int) -> int:
    if not _digits(text):
        raise OcrFileInvalid(f"Linje {line}: ventet sifre, fant «{text}».")
    return int(text)


def _date(text: str, line: int) -> date:
    dd, mm, yy = _num(text[0:2], line), _num(text[2:4], line), _num(text[4:6], line)
    try:
        # Two-digit years: the format predates 2000 and its old test files are from the 1990s.
        return date((1900 if yy >= 80 else 2000) + yy, mm, dd)
    except ValueError as exc:
        raise OcrFileInvalid(f"Linje {line}: ugyldig dato «{text}».") from exc


def ddmmyy(d: date) -> str:
    return f"{d:%d%m%y}"


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = [raw.rstrip("\r") for raw in text.split("\n") if raw.strip()]
        self.pos = 0
        for number, line in enumerate(self.lines, start=1):
            if len(line) != RECORD_LENGTH or not line.startswith("NY"):
                raise OcrFileInvalid(f"Linje {number}: en OCR-post er 80 tegn og begynner med NY.")

    def peek(self) -> str:
        if self.pos >= len(self.lines):
            raise OcrFileInvalid("Filen slutter før sluttposten for forsendelsen.")
        return self.lines[self.pos]

    def take(self, kind: str) -> tuple[str, int]:
        line = self.peek()
        if not _is(line, kind):
            raise OcrFileInvalid(f"Linje {self.pos + 1}: ventet post {kind}, fant {line[:8]}.")
        self.pos += 1
        return line, self.pos


def _is(line: str, kind: str) -> bool:
    """kind is the record's first 8 characters, with `tt` standing for any transaction type."""
    return all(k in ("t",) or k == c for k, c in zip(kind, line[:8], strict=True))


def parse(text: str) -> OcrTransmission:
    """The transmission in `text`, checked against its own counts and sums; OcrFileInvalid otherwise."""
    r = _Reader(text)
    start, _ = r.take("NY000010")
    assignments: list[OcrAssignment] = []
    records, transactions_seen, total = 1, 0, 0
    while _is(r.peek(), "NY090020"):
        assignment, used = _parse_assignment(r)
        assignments.append(assignment)
        records += used
        transactions_seen += len(assignment.transactions)
        total += sum(abs(t.amount_ore) for t in assignment.transactions)
    end, number = r.take("NY000089")
    records += 1
    if r.pos != len(r.lines):
        raise OcrFileInvalid(f"Linje {r.pos + 1}: poster etter sluttposten for forsendelsen.")
    _check_counts(end, number, transactions_seen, records, total)
    return OcrTransmission(transmission_number=start[16:23], assignments=tuple(assignments),
                           data_transmitter=start[8:16], data_recipient=start[23:31])


def _parse_assignment(r: _Reader) -> tuple[OcrAssignment, int]:
    start, _ = r.take("NY090020")
    transactions: list[OcrTransaction] = []
    records = 1
    while _is(r.peek(), "NY09tt30"):
        one, used = _parse_transaction(r)
        transactions.append(one)
        records += used
    end, number = r.take("NY090088")
    records += 1
    total = sum(abs(t.amount_ore) for t in transactions)
    _check_counts(end, number, len(transactions), records, total)
    return OcrAssignment(assignment_number=start[17:24], account_number=start[24:35],
                         transactions=tuple(transactions), agreement_id=start[8:17]), records


def _parse_transaction(r: _Reader) -> tuple[OcrTransaction, int]:
    item1, line1 = r.take("NY09tt30")
    item2, line2 = r.take("NY09tt31")
    kind, number = _num(item1[4:6], line1), _num(item1[8:15], line1)
    if item2[4:6] != item1[4:6] or _num(item2[8:15], line2) != number:
        raise OcrFileInvalid(f"Linje {line2}: beløpspost 2 hører ikke til transaksjonen på linje {line1}.")
    used = 2
    if kind in WITH_TEXT and _is(r.peek(), "NY09tt32"):
        r.take("NY09tt32")
        used += 1
    amount = _num(item1[32:49], line1)
    kid = item1[49:74].strip() or None
    if kid is not None and not _digits(kid):
        raise OcrFileInvalid(f"Linje {line1}: KID består bare av sifre.")
    negative = item1[31] == "-" or kind in REVERSALS
    bank_date = None if item2[41:47] == "000000" else _date(item2[41:47], line2)
    return OcrTransaction(
        transaction_number=number, transaction_type=kind, settled_on=_date(item1[15:21], line1),
        amount_ore=-amount if negative else amount, kid=kid, form_number=item2[15:25],
        archive_reference=item2[25:34], bank_date=bank_date), used


def _check_counts(end: str, line: int, transactions: int, records: int, total: int) -> None:
    stated = (_num(end[8:16], line), _num(end[16:24], line), _num(end[24:41], line))
    if stated != (transactions, records, total):
        raise OcrFileInvalid(f"Linje {line}: sluttposten oppgir {stated[0]} transaksjoner, {stated[1]} poster og "
                             f"{stated[2]} øre; filen har {transactions}, {records} og {total}.")
