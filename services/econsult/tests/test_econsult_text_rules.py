"""The question's length rule: 1 to 500 Unicode code points after NFC normalisation and trimming."""

from __future__ import annotations

import pytest

from econsult.domain.errors import QuestionEmpty, QuestionTooLong
from econsult.domain.text import QUESTION_MAX_CHARS, question_text

E_ACUTE_DECOMPOSED = "e\u0301"  # 'e' + COMBINING ACUTE ACCENT: NFC makes it the one code point 'é'
GRINNING = "\U0001F600"  # one code point (two UTF-16 units, four UTF-8 bytes)
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467"  # man ZWJ woman ZWJ girl: five code points


def test_500_plain_characters_are_accepted_and_501_refused() -> None:
    assert len(question_text("a" * 500)) == 500
    with pytest.raises(QuestionTooLong) as refused:
        question_text("a" * 501)
    assert refused.value.code == "econsult.too_long"
    assert refused.value.extra == {"max_chars": 500, "chars": 501}


def test_combining_characters_count_once_after_nfc() -> None:
    text = E_ACUTE_DECOMPOSED * 500  # 1000 code points as sent, 500 after NFC
    assert len(text) == 1000
    assert question_text(text) == "\u00e9" * 500
    with pytest.raises(QuestionTooLong):
        question_text(E_ACUTE_DECOMPOSED * 501)


def test_a_combining_mark_without_a_precomposed_form_counts_as_its_own_code_point() -> None:
    # 'q' + COMBINING ACUTE has no NFC composite: two code points, as the rule counts them.
    assert len(question_text("q\u0301" * 250)) == 500
    with pytest.raises(QuestionTooLong):
        question_text("q\u0301" * 250 + "x")


def test_an_emoji_is_one_code_point() -> None:
    assert question_text(GRINNING * 500) == GRINNING * 500
    with pytest.raises(QuestionTooLong):
        question_text(GRINNING * 501)


def test_a_zwj_sequence_counts_its_emoji_not_its_invisible_joiners() -> None:
    assert len(FAMILY) == 5
    people = "\U0001F468\U0001F469\U0001F467"
    assert question_text(FAMILY * 166) == people * 166  # 498 code points kept
    with pytest.raises(QuestionTooLong):
        question_text(FAMILY * 167)  # 501


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u00ad", "\u200e\u200f \n"])
def test_a_question_of_nothing_but_format_characters_is_empty(text: str) -> None:
    with pytest.raises(QuestionEmpty) as refused:
        question_text(text)
    assert refused.value.code == "econsult.empty"


def test_format_characters_do_not_count_toward_the_limit() -> None:
    assert question_text("a\u200b" * 500) == "a" * 500
    assert question_text("\u200b ja \ufeff") == "ja"


def test_whitespace_around_the_text_does_not_count() -> None:
    assert question_text("  \n\t" + "a" * 500 + " \u3000\n") == "a" * 500


@pytest.mark.parametrize("text", ["", "   ", "\n\t \u00a0\u2003"])
def test_an_empty_or_blank_question_is_refused(text: str) -> None:
    with pytest.raises(QuestionEmpty) as refused:
        question_text(text)
    assert refused.value.code == "econsult.empty"


def test_one_character_is_enough() -> None:
    assert question_text(" ? ") == "?"
    assert QUESTION_MAX_CHARS == 500
