"""A question that looks like a renewal request gets the hint that renewals are free (never a refusal)."""

from __future__ import annotations

import pytest

from econsult.domain.renewal_hint import renewal_hint


@pytest.mark.parametrize("text", [
    "Kan jeg få fornye resepten på blodtrykksmedisinen?",
    "Trenger fornyelse av Ventoline",
    "Jeg trenger ny e-resept",
    "RESEPT på p-piller, takk",
    "Vil du fornya den?",
    "Ønsker reseptfornyelse",
])
def test_mentions_of_prescriptions_or_renewing_get_the_hint(text: str) -> None:
    hint = renewal_hint(text)
    assert hint is not None
    assert hint.code == "econsult.renewal_hint"
    assert "gratis" in hint.message


@pytest.mark.parametrize("text", [
    "Jeg har fått utslett på armen etter ferien, og er litt bekymret.",
    "Hvilke vaksiner trenger jeg før jeg reiser til Thailand?",
    "Jeg er fornøyd med behandlingen, men lurer på om bivirkningene går over.",
    "Legen nevnte reseptorer i hjernen, hva betyr det?",
])
def test_other_questions_get_no_hint(text: str) -> None:
    assert renewal_hint(text) is None


def test_a_medicine_on_the_patients_list_gets_the_hint_when_its_names_are_known() -> None:
    text = "Kan jeg få mer Zopiklon? Det er snart tomt."
    assert renewal_hint(text) is None
    assert renewal_hint(text, ["Zopiklon 7,5 mg tabletter"]) is not None
    assert renewal_hint("Jeg sover dårlig", ["Zopiklon 7,5 mg"]) is None
