"""The texts: bokmål, nynorsk and English, short, and never a health detail (checked over every template, every
language and every event)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from contracts.events import LANGUAGES
from notify.domain import formatting
from notify.domain.rules import Contact, plan
from notify.domain.templates import FIELDS, TEMPLATES, TEMPLATES_BY_LANGUAGE, placeholders, render
from services.notify.tests.notify_samples import CLINICAL_TEXTS, MEDICINE_NAMES, PATIENT, every_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
KARI = Contact(PATIENT, "+4791234567", "kari@example.no")
IN_EVERY_LANGUAGE = [Contact(PATIENT, "+4791234567", "kari@example.no", language) for language in LANGUAGES]


def all_messages() -> list[tuple[str, str]]:
    out = []
    for event in every_event():
        for contact in IN_EVERY_LANGUAGE:
            for planned in plan(event, contact, NOW):
                out.append((planned.kind, f"{planned.subject or ''}\n{planned.body}"))
    return out


def all_templates() -> list[tuple[str, object]]:
    return [(kind, t) for templates in TEMPLATES_BY_LANGUAGE.values() for kind, t in templates.items()]


def test_every_template_is_used_by_some_event() -> None:
    assert {kind for kind, _ in all_messages()} == set(TEMPLATES)


@pytest.mark.parametrize("name", MEDICINE_NAMES)
def test_no_message_names_a_medicine(name: str) -> None:
    word = re.compile(rf"\b{re.escape(name.lower())}\b")
    for kind, text in all_messages():
        assert not word.search(text.lower()), (kind, name)
    for kind, template in all_templates():  # nor the raw templates, whatever the facts
        assert not word.search(f"{template.sms} {template.subject} {template.email}".lower()), (kind, name)


def test_no_message_carries_consultation_text_or_an_events_ids() -> None:
    for event in every_event():
        ids = {str(v) for v in event.model_dump(mode="json").values() if isinstance(v, str) and len(v) == 36}
        ids |= {str(m) for m in getattr(event, "medication_ids", [])}
        for planned in [p for contact in IN_EVERY_LANGUAGE for p in plan(event, contact, NOW)]:
            text = f"{planned.subject or ''} {planned.body}"
            assert not [i for i in ids if i in text], planned.kind
            assert not [t for t in CLINICAL_TEXTS if t.lower() in text.lower()], planned.kind


def test_a_template_may_only_use_fields_without_health_detail() -> None:
    for kind, template in all_templates():
        used = placeholders(template.sms) | placeholders(template.subject) | placeholders(template.email)
        assert used <= FIELDS, kind
    with pytest.raises(ValueError, match="grunn"):
        render("Timen gjelder {grunn}", {"grunn": "Vondt i ryggen"})
    with pytest.raises(ValueError, match="medisin"):
        render("Resepten er klar", {"medisin": "Paracet"})


def test_only_the_login_code_sms_carries_the_code_and_it_stands_alone() -> None:
    for kind, text in all_messages():
        assert ("482913" in text) == (kind == "login_code"), kind
    for login in [text for kind, text in all_messages() if kind == "login_code"]:
        assert "482913" in login.split()  # a word of its own, so a phone offers to copy it


def test_sms_texts_are_short() -> None:
    for event in every_event():
        for planned in [p for contact in IN_EVERY_LANGUAGE for p in plan(event, contact, NOW)]:
            if planned.channel == "sms":
                assert len(planned.body) <= 160, planned.kind  # one SMS (GSM-7 with æøå: still one part)


def test_times_dates_and_money_read_as_norwegian() -> None:
    assert formatting.when(datetime(2026, 3, 12, 8, 0, tzinfo=UTC)) == "torsdag 12. mars kl. 09.00"
    assert formatting.when(datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == "onsdag 1. juli kl. 08.30"  # summer time
    assert formatting.kroner(25900) == "259,00 kr"
    assert formatting.kroner(123456789) == "1\u00a0234\u00a0567,89 kr"
    [booked] = [p for p in plan(every_event()[1], KARI, NOW) if p.channel == "sms"]
    assert "torsdag 12. mars kl. 09.00" in booked.body
    invoice = next(p for p in plan(every_event()[9], KARI, NOW) if p.channel == "email")
    assert "259,00 kr" in invoice.body
    assert "17.03.2026" in invoice.body
    assert "0000000018" in invoice.body
    assert invoice.giro_invoice_id is not None




def test_every_message_exists_in_bokmål_nynorsk_and_english_with_the_same_facts() -> None:
    for language in LANGUAGES:
        templates = TEMPLATES_BY_LANGUAGE[language]
        assert set(templates) == set(TEMPLATES), language
        for kind, template in templates.items():
            bokmål = TEMPLATES[kind]
            for part in ("sms", "subject", "email"):
                assert placeholders(getattr(template, part)) == placeholders(getattr(bokmål, part)), (language, kind)
                assert bool(getattr(template, part)) == bool(getattr(bokmål, part)), (language, kind, part)


def test_the_patient_reads_their_own_language() -> None:
    booked, invoice = every_event()[1], every_event()[9]
    nynorsk = Contact(PATIENT, "+4791234567", "kari@example.no", "nn")
    english = Contact(PATIENT, "+4791234567", "kari@example.no", "en")
    [sms_nn] = [p for p in plan(booked, nynorsk, NOW) if p.channel == "sms"]
    assert "torsdag 12. mars kl. 09.00" in sms_nn.body
    assert "Avbestill i ePortalen på ein vyrkedag, seinast onsdag 11. mars kl. 09.00." in sms_nn.body
    [sms_en] = [p for p in plan(booked, english, NOW) if p.channel == "sms"]
    assert sms_en.body.startswith("Your appointment at the GP clinic is booked for Thursday 12 March at 09:00.")
    mail_en = next(p for p in plan(invoice, english, NOW) if p.channel == "email")
    assert "NOK 259.00, due 17 March 2026" in mail_en.body
    assert mail_en.subject == "Invoice from the GP clinic"
    assert formatting.when(datetime(2026, 3, 10, 8, 0, tzinfo=UTC), "nn") == "tysdag 10. mars kl. 09.00"
    assert formatting.kroner(123456789, "en") == "NOK 1,234,567.89"
