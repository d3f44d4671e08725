"""Money is integer øre everywhere; kroner appear only when shown to a person."""

from __future__ import annotations


def format_nok(ore: int) -> str:
    """259,00 kr; 1 259,00 kr (Norwegian: decimal comma, space between thousands, `kr` after).

    Plain spaces: the string is part of the price contract with econsult (`"259,00 kr"`)."""
    sign = "-" if ore < 0 else ""
    kroner, rest = divmod(abs(ore), 100)
    grouped = f"{kroner:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} kr"
