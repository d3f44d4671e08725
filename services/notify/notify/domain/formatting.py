"""Times, dates and money the way a Norwegian reads them: "tirsdag 12. mars kl. 09.00", "259,00 kr"."""

from __future__ import annotations

from datetime import date, datetime

from kit.clock import oslo

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
          "november", "desember")


def when(at: datetime) -> str:
    local = oslo(at)
    return f"{WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} kl. {local:%H.%M}"


def day(on: date) -> str:
    return f"{on:%d.%m.%Y}"


def kroner(ore: int) -> str:
    whole, rest = divmod(ore, 100)
    thousands = f"{whole:,}".replace(",", "\u00a0")  # a no-break space between thousands, as in Norway
    return f"{thousands},{rest:02d} kr"
