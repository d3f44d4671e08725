"""The clinic's patient list as exported from its records system (CSV), read row by row.

Columns (header names, any order; `;` or `,` between fields): fodselsnummer, navn, fodselsdato
(YYYY-MM-DD or DD.MM.YYYY), mobil, epost, fastlege (the doctor's username or id), forste_kontakt (ja/nei).
A refused row is reported by its line and a code, never with its national ID. A file that is not the list at all
(no header with the needed columns, or not CSV past some line) is refused whole, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from identity.domain.patient import InvalidPatient, Patient
from kit.errors import DomainError

ALIASES = {
    "fodselsnummer": "national_id", "fødselsnummer": "national_id", "fnr": "national_id", "national_id": "national_id",
    "navn": "name", "name": "name",
    "fodselsdato": "birth_date", "fødselsdato": "birth_date", "birth_date": "birth_date",
    "mobil": "mobile", "mobile": "mobile", "epost": "email", "e-post": "email", "email": "email",
    "fastlege": "gp", "gp": "gp", "forste_kontakt": "first_contact_done", "første_kontakt": "first_contact_done",
    "first_contact_done": "first_contact_done",
}
REQUIRED = ("national_id", "name", "birth_date", "gp")


class NotARoster(DomainError):
    status, title = 422, "Filen er ikke pasientlisten fra journalsystemet."


@dataclass
class Refusal:
    line: int
    code: str


@dataclass
class ImportReport:
    imported: int = 0
    refused: list[Refusal] = field(default_factory=list)

    def refuse(self, line: int, code: str) -> None:
        self.refused.append(Refusal(line, code))


@dataclass(frozen=True)
class RosterRow:
    line: int
    patient: Patient


def _birth_date(raw: str) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise InvalidPatient("Ugyldig fødselsdato.", code="validation.birth_date")


def _gp(raw: str, doctors: dict[str, uuid.UUID]) -> uuid.UUID:
    key = raw.strip()
    if key in doctors:
        return doctors[key]
    try:
        found = uuid.UUID(key)
    except ValueError:
        found = None
    if found is None or found not in doctors.values():
        raise InvalidPatient("Ukjent fastlege.", code="validation.unknown_gp")
    return found


def read_roster(text: str, doctors: dict[str, uuid.UUID], *, allow_test_identities: bool, today: date
                ) -> tuple[ImportReport, list[RosterRow]]:
    report, rows = ImportReport(), list[RosterRow]()
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    try:
        columns = {name: ALIASES.get((name or "").strip().lower()) for name in reader.fieldnames or []}
    except csv.Error:
        columns = {}
    if any(c not in columns.values() for c in REQUIRED):
        raise NotARoster("Første linje må ha kolonnene fødselsnummer, navn, fødselsdato og fastlege.",
                         code="validation.columns", line=1)
    records: list[tuple[int, dict[str | Any, str | Any]]] = []
    try:
        for record in reader:
            records.append((reader.line_num, record))
    except csv.Error:  # not CSV at all past some line (a stray quote, a NUL byte): nothing half-imported
        raise NotARoster(f"Filen er ikke gyldig CSV (linje {reader.line_num}).", code="validation.csv",
                         line=reader.line_num) from None
    for line, record in records:
        values = {columns[k]: (v or "").strip() for k, v in record.items() if columns.get(k)}
        try:
            patient = Patient.register(
                national_id=values["national_id"], name=values["name"], birth_date=_birth_date(values["birth_date"]),
                mobile=values.get("mobile") or None, email=values.get("email") or None,
                gp_id=_gp(values["gp"], doctors), allow_test_identities=allow_test_identities, today=today,
                first_contact_done=values.get("first_contact_done", "").lower() in ("ja", "j", "yes", "true", "1"))
        except InvalidPatient as exc:
            report.refuse(line, exc.code)
            continue
        rows.append(RosterRow(line, patient))
    return report, rows
