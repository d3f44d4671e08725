"""Times, dates and money the way the patient reads them, in their language: "tirsdag 12. mars kl. 09.00",
"tysdag 12. mars kl. 09.00", "Tuesday 12 March at 09:00"; "259,00 kr" or "NOK 259.00"."""

from __future__ import annotations

from datetime import date, datetime

from contracts.events import Language
from kit.clock import oslo

WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "nn": ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: dict[Language, tuple[str, ...]] = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "nn": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def when(at: datetime, language: Language = "nb") -> str:
    local = oslo(at)
    weekday, month = WEEKDAYS[language][local.weekday()], MONTHS[language][local.month - 1]
    if language == "en":
        return f"{weekday} {local.day} {month} at {local:%H:%M}"
    return f"{weekday} {local.day}. {month} kl. {local:%H.%M}"


def day(on: date, language: Language = "nb") -> str:
    if language == "en":
        return f"{on.day} {MONTHS['en'][on.month - 1]} {on.year}"
    return f"{on:%d.%m.%Y}"


def kroner(ore: int, language: Language = "nb") -> str:
    whole, rest = divmod(ore, 100)
    if language == "en":
        return f"NOK {whole:,}.{rest:02d}"
    thousands = f"{whole:,}".replace(",", "\u00a0")  # a no-break space between thousands, as in Norway
    return f"{thousands},{rest:02d} kr"
