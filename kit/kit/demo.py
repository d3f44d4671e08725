"""The demo clinic of `make run`: six GPs, staff, the personas of /dev/demo and 10,000 synthetic patients.

Every id is derived (uuid5), so each service's own demo seeder can refer to the same doctors and
patients without asking another service. All national IDs are synthetic (Skatteetaten's Test-Norge
form, month + 80): accepted only where test identities are allowed, never in production.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from kit.mod11 import NATIONAL_ID_K1_WEIGHTS, NATIONAL_ID_K2_WEIGHTS, mod11_check_digit

NAMESPACE = uuid.UUID("6f1c1e52-3d0b-4e39-9d43-6b1e2f0c7a55")


def demo_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{key}")


def synthetic_national_id(birth: date, serial: int) -> str:
    """A valid Test-Norge number for `birth`: the first individual number from `serial` with valid checks."""
    for individual in range(serial % 1000, serial % 1000 + 1000):
        base = f"{birth.day:02d}{birth.month + 80:02d}{birth.year % 100:02d}{individual % 1000:03d}"
        k1 = mod11_check_digit(base, NATIONAL_ID_K1_WEIGHTS)
        if k1 is None:
            continue
        k2 = mod11_check_digit(f"{base}{k1}", NATIONAL_ID_K2_WEIGHTS)
        if k2 is not None:
            return f"{base}{k1}{k2}"
    raise ValueError("no valid number for that date")


@dataclass(frozen=True)
class Doctor:
    key: str
    name: str
    username: str

    @property
    def id(self) -> uuid.UUID:
        return demo_id("staff", self.username)


@dataclass(frozen=True)
class StaffMember:
    persona: str
    role: str
    name: str
    username: str
    password: str  # development only; the demo seeder hashes it with argon2

    @property
    def id(self) -> uuid.UUID:
        return demo_id("staff", self.username)


@dataclass(frozen=True)
class Persona:
    persona: str
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    first_contact_done: bool
    shows: str
    gp: str = "lege1"

    @property
    def id(self) -> uuid.UUID:
        return demo_id("patient", self.persona)

    @property
    def national_id(self) -> str:
        return synthetic_national_id(self.birth_date, 500)

    @property
    def gp_id(self) -> uuid.UUID:
        return demo_id("staff", self.gp)


DOCTORS = (
    Doctor("lege1", "Dr. Ingrid Solberg", "lege1"),
    Doctor("lege2", "Dr. Ole Hansen", "lege2"),
    Doctor("lege3", "Dr. Fatima Ahmed", "lege3"),
    Doctor("lege4", "Dr. Lars Berg", "lege4"),
    Doctor("lege5", "Dr. Silje Dahl", "lege5"),
    Doctor("lege6", "Dr. Jonas Lie", "lege6"),
)

STAFF = (
    StaffMember("doctor", "doctor", "Dr. Ingrid Solberg", "lege1", "demo-lege-2026"),
    StaffMember("reception", "reception", "Resepsjonen (Mona Vik)", "resepsjon", "demo-resepsjon-2026"),
    StaffMember("billing", "billing", "Regnskap (Per Moe)", "regnskap", "demo-regnskap-2026"),
    StaffMember("admin", "admin", "Administrator", "admin", "demo-admin-2026"),
)

PERSONAS = (
    Persona("regular", "Kari Nordmann", date(1985, 8, 12), "+4791234501", "kari@example.no", True,
            "vanlig pasient: faste medisiner, timer, eKonsultasjon"),
    Persona("new_patient", "Nils Nyberg", date(1992, 5, 3), "+4791234502", None, False,
            "ny på listen: må ringe legekontoret første gang"),
    Persona("unpaid_claims", "Ulla Ubetalt", date(1973, 12, 15), "+4791234503", "ulla@example.no", True,
            "har en forfalt, ubetalt faktura: kan se og betale, men ikke bestille"),
    Persona("frikort", "Frida Frikort", date(1980, 6, 22), "+4791234504", "frida@example.no", True,
            "har frikort i år: eKonsultasjon uten egenandel"),
    Persona("no_mobile", "Mats Utenmobil", date(1955, 12, 1), None, None, True,
            "ingen mobil registrert: får ikke SMS-kode; med ID-porten kommer hen inn, men kan ikke bestille noe"),
    Persona("b_agreement", "Berit Avtale", date(1948, 7, 25), "+4791234506", "berit@example.no", True,
            "B-preparat med fast avtale hos legen (zopiklon)"),
    # A family on the same GP (issue 19): the parent below acts for both; the 7-year-old cannot log in alone,
    # the 13-year-old can, and the parent sees only the 13-year-old's appointments (never the reason).
    Persona("child_7", "Emma Hansen", date(2019, 5, 14), None, None, True,
            "7 år: kan ikke logge inn selv; forelderen (parent) gjør alt for henne"),
    Persona("child_13", "Jonas Hansen", date(2013, 4, 2), "+4791234508", None, True,
            "13 år: logger inn selv; forelderen (parent) ser og bestiller bare timer for ham"),
)


@dataclass(frozen=True)
class GuardianPersona:
    """A guardian of /dev/demo: not our patient, logs in only to act for their children."""

    persona: str
    name: str
    birth_date: date
    mobile: str
    children: tuple[str, ...]  # the personas of the children
    shows: str

    @property
    def id(self) -> uuid.UUID:
        return demo_id("guardian", self.persona)

    @property
    def national_id(self) -> str:
        return synthetic_national_id(self.birth_date, 500)


GUARDIANS = (
    GuardianPersona("parent", "Hanne Hansen", date(1986, 9, 30), "+4791234507", ("child_7", "child_13"),
                    "forelder (ikke pasient her) til Emma (7) og Jonas (13): «Bytt person» for å bruke portalen for "
                    "barna"),
)

FIRST_NAMES = ("Anne", "Per", "Ingrid", "Ole", "Kari", "Lars", "Marit", "Jan", "Liv", "Knut", "Sofie", "Emil",
               "Nora", "Jakob", "Ida", "Filip", "Maja", "Henrik", "Sara", "Aksel", "Ahmed", "Olga", "Mina", "Ali")
LAST_NAMES = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
              "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen")


@dataclass(frozen=True)
class ListedPatient:
    id: uuid.UUID
    national_id: str
    name: str
    birth_date: date
    mobile: str
    gp_id: uuid.UUID


def listed_patients(count: int = 10_000) -> Iterator[ListedPatient]:
    """The clinic's other patients, spread over the six GPs' lists. Deterministic: the same every run."""
    rng = random.Random(20261128)  # noqa: S311 - synthetic demo data, not security
    taken = {p.national_id for p in PERSONAS}
    for n in range(count):
        birth = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 95))
        serial = n
        while (national_id := synthetic_national_id(birth, serial)) in taken:
            serial += 1
        taken.add(national_id)
        yield ListedPatient(
            id=demo_id("listed", str(n)),
            national_id=national_id,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            birth_date=birth,
            mobile=f"+479{n:07d}",
            gp_id=DOCTORS[n % len(DOCTORS)].id,
        )
