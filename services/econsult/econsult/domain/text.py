"""How eConsultation text is counted: Unicode code points after NFC normalisation, with the invisible format
characters (Unicode category Cf: zero-width space U+200B, joiners, word joiner, byte order mark, soft hyphen,
direction marks) removed, and trimmed.

NFC first, so that 'e' + a combining acute accent counts as the one character 'é' the patient sees; then the
format characters go, so that a question of nothing but invisible characters is empty (and never billed) and
none of them counts toward the 500. An emoji is one code point; a family emoji loses its joiners and counts its
people. What is counted is what is stored.
"""

from __future__ import annotations

import unicodedata

from econsult.domain.errors import QuestionEmpty, QuestionTooLong, ReplyEmpty, ReplyTooLong

QUESTION_MAX_CHARS = 500
REPLY_MAX_CHARS = 4000  # the doctor's answer or reason: room for advice, still short


def normalised(text: str) -> str:
    nfc = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in nfc if unicodedata.category(ch) != "Cf").strip()


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
