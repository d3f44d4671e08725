"""The medicine lists exported by the clinic's records system (EPJ), as CSV, read into medicines.

One medicine a line, with a header: patient_id;name;strength;atc_code;reseptgruppe;fixed;prescribed_by
(comma or semicolon; fixed as ja/nei, true/false or 1/0). A line that does not parse is reported by
number and field, never echoed: the report must not carry health data about the patient.
Standing agreements are not imported: each is a doctor's own act (PUT .../b-agreements).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prescription.domain.medicines import ATC_PATTERN, Medication, PrescribedBy, Reseptgruppe

COLUMNS = ("patient_id", "name", "strength", "atc_code", "reseptgruppe", "fixed", "prescribed_by")
_YES = {"ja", "j", "true", "1", "yes"}
_NO = {"nei", "n", "false", "0", "no"}


class _Line(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    patient_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    strength: str = Field(default="", max_length=100)
    atc_code: str = Field(pattern=ATC_PATTERN)
    reseptgruppe: Reseptgruppe
    fixed: bool
    prescribed_by: PrescribedBy

    @field_validator("atc_code", "reseptgruppe", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("fixed", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in _YES | _NO:
            return value.strip().lower() in _YES
        return value


@dataclass
class ParsedExport:
    medicines: list[Medication] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def parse_export(text: str, now: datetime) -> ParsedExport:
    parsed = ParsedExport()
    sample = text[:2000]
    dialect = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        parsed.errors.append({"line": 1, "code": "import.missing_columns", "fields": missing})
        return parsed
    for line in reader:
        try:
            row = _Line.model_validate(line)
        except ValidationError as exc:
            parsed.errors.append({"line": reader.line_num, "code": "import.invalid_line",
                                  "fields": sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})})
            continue
        parsed.medicines.append(Medication(id=uuid.uuid4(), added_at=now, **row.model_dump()))
    return parsed
