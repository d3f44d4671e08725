"""How eConsultation text is counted: Unicode code points after NFC normalisation and trimming.

NFC first, so that 'e' + a combining acute accent counts as the one character 'é' the patient sees;
an emoji is one code point, but a ZWJ sequence (a family, a flag) is several, as the rule says.
"""

from __future__ import annotations

import unicodedata

from econsult.domain.errors import QuestionEmpty, QuestionTooLong, ReplyEmpty, ReplyTooLong

QUESTION_MAX_CHARS = 500
REPLY_MAX_CHARS = 4000  # the doctor's answer or reason: room for advice, still short


def normalised(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def question_text(raw: str) -> str:
    """The question as stored and counted; refuses empty and over-long ones."""
    text = normalised(raw)
    if not text:
        raise QuestionEmpty()
    if len(text) > QUESTION_MAX_CHARS:
        raise QuestionTooLong(f"Spørsmålet har {len(text)} tegn; grensen er {QUESTION_MAX_CHARS}.",
                              max_chars=QUESTION_MAX_CHARS, chars=len(text))
    return text


def reply_text(raw: str) -> str:
    """The doctor's answer or reason for declining."""
    text = normalised(raw)
    if not text:
        raise ReplyEmpty()
    if len(text) > REPLY_MAX_CHARS:
        raise ReplyTooLong(max_chars=REPLY_MAX_CHARS, chars=len(text))
    return text


PREVIEW_CHARS = 90


def preview(text: str) -> str:
    """The question's first line in at most 90 characters, for the doctor's inbox: enough to see what waits."""
    first = " ".join(normalised(text).split("\n", 1)[0].split())
    return first if len(first) <= PREVIEW_CHARS else first[:PREVIEW_CHARS - 1].rstrip() + "…"
