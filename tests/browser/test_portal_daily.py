"""The portal in daily use (issue 18): what patients, doctors, reception and the billing office tripped over, each
as a journey on a phone (390x844) and a laptop (1366x900) against the stand-in API on a fixed day (Monday 12
January 2026, 10:00 Oslo), with axe at every step. Each journey is named for the item it would have caught."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.stub_api import CSRF, Call, StubApi, slot
from tests.browser.support import JOURNEY_WIDTHS, PHONE_390, assert_accessible, screenshot
from tests.browser.test_portal_pages import Portal

pytestmark = pytest.mark.browser


@pytest.fixture(params=JOURNEY_WIDTHS, ids=[w.name for w in JOURNEY_WIDTHS])
def portal(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Portal]:
    p = Portal(browser, request.param)
    yield p
    p.context.close()


def no_appointments(portal: Portal) -> None:
    portal.api.answers[("GET", "/api/v1/appointments")] = (200, {"items": []})


def log_in_as_patient(portal: Portal, path: str = "/") -> Page:
    """The login page's two steps; /me answers again once the code is right."""
    api = portal.api
    me = api.answers[("GET", "/api/v1/me")]
    api.fail("GET", "/api/v1/me", 401, "auth.required")

    def after_verify(call: Call) -> None:
        if call.path == "/api/v1/auth/verify":
            api.answers[("GET", "/api/v1/me")] = me
    api.on_call = after_verify
    page = portal.open(path, "Logg inn")
    return page


def type_code(page: Page) -> None:
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill("12088550012")
    page.get_by_role("button", name="Send kode på SMS").click()
    page.get_by_label("Engangskode (6 siffer)").fill("123456")
    page.get_by_role("button", name="Logg inn").click()


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)")."""
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- 1. the doctor sees whose request it is -------------------------------------------------------


def test_1_the_doctor_answers_knowing_whose_question_it_is(portal: Portal) -> None:
    portal.staff_login("doctor", "Dr. Ingrid Solberg")
    page = portal.settled("Innboks")
    # The inbox: name, birth date and a one-line preview of each request.
    item = page.locator(".inbox-item").filter(has_text="Frida Frikort")
    expect(item).to_contain_text("Frida Frikort, født 30.06.1984")
    expect(item.locator(".preview")).to_have_text(re.compile("^Jeg har fått tørrhoste"))
    expect(page.locator(".inbox-item").first.locator(".preview")).to_have_text("Levaxin 50 mikrog, Atorvastatin 20 mg")
    assert_accessible(page)
    item.get_by_role("link").click()
    portal.settled("eKonsultasjon")
    expect(page.get_by_role("heading", name="Frida Frikort, født 30.06.1984")).to_be_visible()
    assert_accessible(page)
    # The renewal: whose it is, and each medicine's details to decide on.
    page.goto("/ansatt/resept/r1")
    portal.settled("Reseptfornyelse")
    expect(page.get_by_role("heading", name="Kari Nordmann, født 01.01.1970")).to_be_visible()
    atorvastatin = page.get_by_role("group", name="Atorvastatin 20 mg")
    expect(atorvastatin).to_contain_text("C10AA05")
    expect(atorvastatin).to_contain_text("annet legekontor")
    expect(page.get_by_role("group", name="Levaxin 50 mikrog")).to_contain_text("H03AA01")
    assert_accessible(page)
    screenshot(page, "lege-resept-detaljer", portal.width)
    page.goto("/ansatt/timebok")
    portal.settled("Timebok")
    expect(page.get_by_text("Kari Nordmann, født 01.01.1970")).to_be_visible()
    # Staff pages carry no patients' emergency footer.
    expect(page.get_by_text("116 117", exact=False)).to_have_count(0)


# --- 2. a slot tomorrow: its cancel deadline has passed, and the client says so -------------------


def test_2_slots_past_the_online_cancel_deadline_are_marked_and_can_only_be_cancelled_by_phone(portal: Portal) -> None:
    no_appointments(portal)
    slots = portal.api.answers[("GET", "/api/v1/slots")][1]["slots"]
    # The server's deadline for Friday 09:00 is Wednesday 09:00 (Thursday closed, say): the client shows that one.
    slots[4] = slot("s5", "2026-01-16T09:00:00+01:00", cancel_until="2026-01-14T09:00:00+01:00")
    page = portal.open("/time", "Timebestilling")
    late = page.get_by_role("button", name="Velg mandag 12. januar kl. 13:00")
    note_id = late.get_attribute("aria-describedby")
    assert note_id
    expect(page.locator(f"#{note_id}")).to_have_text("Avbestilles bare på telefon")
    expect(page.get_by_role("button", name="Velg onsdag 14. januar kl. 11:00")).not_to_have_attribute(
        "aria-describedby", re.compile("."))
    assert_accessible(page)
    late.click()
    warning = page.locator(".confirm-booking .alert-warning")
    expect(warning).to_have_text("Denne timen kan bare avbestilles på telefon (22 00 00 00): fristen for å avbestille "
                                 "på nett var fredag 9. januar kl. 13:00.")
    expect(warning.get_by_role("link", name="22 00 00 00")).to_have_attribute("href", "tel:+4722000000")
    assert_accessible(page)
    screenshot(page, "timebestilling-bare-telefon", portal.width)
    page.get_by_role("button", name="Velg fredag 16. januar kl. 09:00").click()
    expect(page.get_by_text("Du kan avbestille på nett til og med onsdag 14. januar kl. 09:00.")).to_be_visible()


# --- 3. staff sessions in every tab -------------------------------------------------------------


def test_3_a_staff_session_works_in_a_new_tab_a_ctrl_click_and_a_bookmark(portal: Portal) -> None:
    portal.staff_login("doctor", "Dr. Ingrid Solberg")
    page = portal.settled("Innboks")
    # "Åpne" is a real link: a ctrl+click, or the browser's "open in new tab", opens its address in a new tab.
    link = page.get_by_role("link", name="Åpne: eKonsultasjon, Frida Frikort")
    expect(link).to_have_attribute("href", "/ansatt/ekonsultasjon/e1")
    tab = portal.context.new_page()
    tab.goto(link.get_attribute("href") or "")
    expect(tab.get_by_role("heading", level=1)).to_have_text("eKonsultasjon")
    expect(tab.get_by_role("heading", name="Frida Frikort, født 30.06.1984")).to_be_visible()
    bookmark = portal.context.new_page()
    bookmark.goto("/ansatt/resept/r1")
    expect(bookmark.get_by_role("heading", level=1)).to_have_text("Reseptfornyelse")
    # The session ends on the server: the bookmark lands on the login, which says why and comes back.
    portal.api.fail("GET", "/api/v1/staff/me", 401, "auth.required")
    portal.api.fail("GET", "/api/v1/staff/econsultations/e1", 401, "auth.required")
    bookmark.goto("/ansatt/ekonsultasjon/e1")
    expect(bookmark.get_by_role("heading", level=1)).to_have_text("Innlogging for ansatte")
    portal.api.answers[("GET", "/api/v1/staff/econsultations/e1")] = StubApi().answers[
        ("GET", "/api/v1/staff/econsultations/e1")]
    bookmark.get_by_label("Brukernavn").fill("doctor")
    bookmark.get_by_label("Passord").fill("demo")
    bookmark.get_by_role("button", name="Logg inn").click()
    expect(bookmark.get_by_role("heading", level=1)).to_have_text("eKonsultasjon")
    expect(bookmark.get_by_role("heading", name="Frida Frikort, født 30.06.1984")).to_be_visible()
    assert_accessible(bookmark)


# --- 4. a receipt where the patient looks ----------------------------------------------------------


def test_4_after_sending_a_renewal_the_receipt_is_in_view_and_says_what_happens_next(portal: Portal) -> None:
    page = portal.open("/resept", "Forny resept")
    page.get_by_label("Levaxin 50 mikrog").check()
    page.get_by_label("Metformin 500 mg").check()
    page.get_by_role("button", name="Send bestilling").click()
    receipt = page.get_by_role("region", name="Bestillingen er sendt")
    expect(page.get_by_role("heading", name="Bestillingen er sendt")).to_be_focused()
    expect(receipt).to_be_in_viewport()
    expect(receipt).to_contain_text("Levaxin 50 mikrog")
    expect(receipt).to_contain_text("Metformin 500 mg")
    expect(receipt).to_contain_text("Legen behandler den senest mandag 19. januar 2026.")
    expect(receipt).to_contain_text("Du får SMS når resepten er klar")
    expect(receipt).to_contain_text("inntil 5 arbeidsdager")
    assert_accessible(page)
    screenshot(page, "forny-resept-kvittering", portal.width)
    # An open request reads as a request on its way, not as a refusal.
    portal.api.answers[("GET", "/api/v1/renewals")] = (200, {"items": [{
        "id": "r1", "status": "open", "channel": "portal", "due_date": "2026-01-15",
        "created_at": "2026-01-08T08:00:00+01:00", "items": [{"medication_id": "m1", "name": "Levaxin 50 mikrog"}]}]})
    page.reload()
    portal.settled("Forny resept")
    expect(page.get_by_text("Legen har ikke behandlet bestillingen du sendte torsdag 8. januar kl. 08:00 ennå "
                            "(senest torsdag 15. januar 2026).", exact=False)).to_be_visible()
    expect(page.get_by_text("Du har allerede", exact=False)).to_have_count(0)


# --- 5. the billing office's screens ---------------------------------------------------------------


def test_5_the_billing_office_searches_pays_places_reports_and_registers_a_frikort(portal: Portal) -> None:
    portal.staff_login("billing", "Per Moe")
    page = portal.settled("Regnskap")
    invoices = page.get_by_role("region", name="Fakturaer", exact=True)
    expect(page.get_by_text("3 fakturaer på til sammen 777,00 kr. Utestående: 418,00 kr.")).to_be_visible()
    expect(invoices.get_by_role("columnheader", name="Utestående")).to_be_visible()
    expect(invoices.get_by_role("row").filter(has_text="Kari Nordmann")).to_contain_text("159,00 kr")
    search = page.get_by_role("search", name="Søk i fakturaene").first
    search.get_by_label("KID eller navn").fill("Nordmann")
    with page.expect_request(lambda r: "/api/v1/staff/invoices" in r.url and "query=Nordmann" in r.url):
        search.get_by_role("button", name="Søk").click()
    assert_accessible(page)
    screenshot(page, "regnskap-fakturaer", portal.width)
    # A part payment: the rest registered by hand, from the invoice's row.
    page.get_by_role("button", name="Registrer innbetaling på KID 0000123456782").click()
    manual = page.get_by_role("region", name="Registrer innbetaling")
    expect(manual.get_by_role("heading", name="Registrer innbetaling")).to_be_focused()
    expect(manual.get_by_label("KID")).to_have_value("0000123456782")
    expect(manual.get_by_label("Beløp (kr)")).to_have_value("159,00")
    manual.get_by_role("button", name="Registrer innbetalingen").click()
    expect(page.get_by_text("159,00 kr er registrert på KID 0000123456782: Betalt.")).to_be_focused()
    assert portal.api.made("POST", "/api/v1/staff/payments")[0].body == {
        "kid": "0000123456782", "amount_ore": 15900, "paid_on": "2026-01-12"}
    # A payment whose KID matched nothing: put on the invoice it was meant for.
    unmatched = page.locator("section", has=page.get_by_role("heading", name="Innbetalinger uten kjent KID"))
    unmatched.get_by_role("button", name="Før på faktura").click()
    expect(unmatched.get_by_role("heading", name="Hvilken faktura var 259,00 kr ment for?")).to_be_focused()
    unmatched.get_by_label("KID eller navn").fill("Ulla")
    unmatched.get_by_role("button", name="Søk").click()
    unmatched.locator("li li").filter(has_text="Ulla Ubetalt").get_by_role("button", name="Før her").click()
    expect(page.get_by_text("259,00 kr er ført på fakturaen med KID 0000123460016.")).to_be_focused()
    assert portal.api.made("POST", "/api/v1/staff/payments/pay9/settle")[0].body == {"invoice_id": "i2"}
    # The year's co-payments, and a frikort for a patient named, not typed in as an id.
    report = page.locator("section", has=page.get_by_role("heading", name="Egenandeler per pasient"))
    expect(report.get_by_role("row").filter(has_text="Frida Frikort")).to_contain_text("FK-2026-0042")
    report.get_by_role("button", name="Registrer frikort for Kari Nordmann").click()
    report.get_by_label("Frikortnummer").fill("FK-2026-0100")
    report.get_by_role("button", name="Registrer frikort").last.click()
    expect(page.get_by_text("Frikortet for 2026 er registrert på Kari Nordmann.")).to_be_focused()
    assert portal.api.made("PUT", "/api/v1/staff/patients/p1/frikort")[0].body == {
        "year": 2026, "card_number": "FK-2026-0100"}
    expect(page.get_by_label("Pasient-ID")).to_have_count(0)
    assert_accessible(page)
    # One transaction is one, not "1 transaksjoner".
    report_body = portal.api.answers[("POST", "/api/v1/staff/payments/ocr")][1]
    portal.api.answers[("POST", "/api/v1/staff/payments/ocr")] = (200, {**report_body,
                                                                        "payments": report_body["payments"][:1]})
    ocr: FilePayload = {"name": "ocr.txt", "mimeType": "text/plain", "buffer": b"NY000010" + b"0" * 72 + b"\n"}
    page.get_by_label("OCR-fil").set_input_files(files=[ocr])
    page.get_by_role("button", name="Last opp").click()
    expect(page.get_by_text("1 transaksjon", exact=True)).to_be_visible()


# --- 6. reception: a confirmed cancel, and a page for one patient ------------------------------------


def test_6_reception_cancels_only_when_sure_and_sees_one_patients_page(portal: Portal) -> None:
    portal.staff_login("reception", "Mona Vik")
    page = portal.settled("Resepsjon")
    search = page.get_by_role("search", name="Finn pasient")
    search.get_by_label("Navn eller fødselsnummer").fill("Nyberg")
    search.get_by_role("button", name="Søk").click()
    page.get_by_role("link", name="Nils Nyberg, født 03.05.1992").click()
    portal.settled("Nils Nyberg")
    expect(page.get_by_text("912 34 502")).to_be_visible()
    expect(page.get_by_text("Har ikke ringt ennå")).to_be_visible()
    appointments = page.locator("section", has=page.get_by_role("heading", name="Timer"))
    expect(appointments).to_contain_text("tirsdag 20. januar kl. 10:00")
    expect(appointments).to_contain_text("Avbestilt")
    # Nils is an adult: no guardian controls, and reception is told why.
    guardians = page.locator("section", has=page.get_by_role("heading", name="Foresatte", exact=True))
    expect(guardians).to_contain_text("Nils Nyberg er 16 år eller eldre. Foresatte kan ikke lenger bruke e-Portalen")
    expect(guardians.get_by_role("button")).to_have_count(0)
    assert portal.api.made("GET", "/api/v1/staff/patients/p9/guardians") == []
    assert_accessible(page)
    screenshot(page, "resepsjon-pasient", portal.width)
    # One click is not a cancel: asked first, "no" keeps it.
    appointments.get_by_role("button", name="Avbestill", exact=True).click()
    question = appointments.get_by_role("heading", name="Avbestille timen kl. 10:00? Pasienten får beskjed.")
    expect(question).to_be_focused()
    appointments.get_by_role("button", name="Nei, behold timen").click()
    assert portal.api.made("DELETE", "/api/v1/staff/appointments/a7") == []
    appointments.get_by_role("button", name="Avbestill", exact=True).click()
    appointments.get_by_role("button", name="Ja, avbestill timen").click()
    expect(appointments.get_by_text("Timen er avbestilt, og pasienten får beskjed.")).to_be_focused()
    assert len(portal.api.made("DELETE", "/api/v1/staff/appointments/a7")) == 1
    # The frikort on the patient's page: named, not a raw id.
    frikort = page.locator("section", has=page.get_by_role("heading", name="Frikort for Nils Nyberg"))
    frikort.get_by_label("Frikortnummer").fill("FK-2026-0007")
    portal.api.answers[("PUT", "/api/v1/staff/patients/p9/frikort")] = (200, {"year": 2026})
    frikort.get_by_role("button", name="Registrer frikort").click()
    expect(frikort.get_by_text("Frikortet for 2026 er registrert på Nils Nyberg.")).to_be_focused()
    # The calendar asks too.
    page.goto("/ansatt/timebok")
    portal.settled("Timebok")
    page.get_by_label("Lege", exact=True).first.select_option(label="Dr. Ingrid Solberg")
    page.get_by_role("button", name="Avbestill", exact=True).click()
    expect(page.get_by_role("heading", name="Avbestille timen kl. 08:00 for Kari Nordmann? Pasienten får beskjed.")) \
        .to_be_focused()
    assert portal.api.made("DELETE", "/api/v1/staff/appointments/a9") == []


def test_6_reception_registers_and_removes_a_childs_guardians(portal: Portal) -> None:
    """Issue 19 at the desk: a child's guardians listed by name and mobile (never a national ID), a guardian
    registered from the registry's printout with field errors beside the fields, and removed only when sure."""
    api, child = portal.api, "/api/v1/staff/patients/p8/guardians"
    portal.staff_login("reception", "Mona Vik")
    page = portal.page
    page.goto("/ansatt/pasient/p8")
    portal.settled("Emma Nyberg")
    guardians = page.locator("section", has=page.get_by_role("heading", name="Foresatte", exact=True))
    expect(guardians.get_by_role("listitem")).to_have_count(1)
    expect(guardians.get_by_role("listitem")).to_contain_text("Kari Nyberg · 912 34 510")
    assert_accessible(page)
    # A refused mobile is told beside the mobile field, and what was typed stays.
    national_id = "15057512345"
    api.fail("POST", child, 422, "validation.mobile")
    guardians.get_by_label("Fødselsnummer eller D-nummer").fill(national_id)
    guardians.get_by_label("Navn").fill("Per Nyberg")
    guardians.get_by_label("Mobilnummer").fill("2212345")
    guardians.get_by_role("button", name="Registrer foresatt").click()
    mobile_field = guardians.locator(".field", has=page.get_by_label("Mobilnummer"))
    expect(mobile_field.locator(".field-error")).to_have_text(
        "Mobilnummeret må være et norsk mobilnummer (+47, starter med 4 eller 9).")
    expect(guardians.get_by_label("Mobilnummer")).to_have_attribute("aria-invalid", "true")
    expect(guardians.get_by_label("Navn")).to_have_value("Per Nyberg")
    assert_accessible(page)
    # Registered: told, listed, and the national ID gone from the page.
    api.answers[("POST", child)] = (201, {"id": "g2", "name": "Per Nyberg", "mobile": "+4791234511"})
    api.answers[("GET", child)] = (200, {"guardians": [{"id": "g1", "name": "Kari Nyberg", "mobile": "+4791234510"},
                                                       {"id": "g2", "name": "Per Nyberg", "mobile": "+4791234511"}]})
    guardians.get_by_label("Mobilnummer").fill("912 34 511")
    guardians.get_by_role("button", name="Registrer foresatt").click()
    expect(guardians.get_by_text("Per Nyberg er registrert som foresatt.")).to_be_focused()
    assert api.made("POST", child)[-1].body == {"national_id": national_id, "name": "Per Nyberg",
                                                "mobile": "912 34 511"}
    expect(guardians.get_by_role("listitem")).to_have_count(2)
    expect(guardians.get_by_label("Fødselsnummer eller D-nummer")).to_have_value("")
    expect(page.get_by_text(national_id)).to_have_count(0)
    expect(page.get_by_text("150575")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "resepsjon-foresatte", portal.width)
    # One click is not a removal: asked first, "no" keeps her.
    kari = guardians.get_by_role("listitem").filter(has_text="Kari Nyberg")
    kari.get_by_role("button", name="Fjern", exact=True).click()
    expect(kari.get_by_role("heading", name="Fjerne Kari Nyberg som foresatt for Emma Nyberg?")).to_be_focused()
    assert_accessible(page)
    kari.get_by_role("button", name="Nei, behold").click()
    assert api.made("DELETE", f"{child}/g1") == []
    kari.get_by_role("button", name="Fjern", exact=True).click()
    api.answers[("GET", child)] = (200, {"guardians": [{"id": "g2", "name": "Per Nyberg", "mobile": "+4791234511"}]})
    kari.get_by_role("button", name="Ja, fjern").click()
    expect(guardians.get_by_text("Kari Nyberg er fjernet som foresatt.")).to_be_focused()
    assert len(api.made("DELETE", f"{child}/g1")) == 1
    expect(guardians.get_by_role("listitem")).to_have_count(1)
    expect(guardians.get_by_role("listitem")).to_contain_text("Per Nyberg")
    assert_accessible(page)
    # A guardian calls for a renewal for the child: reception says who called, and the SMS go to him.
    renewal = page.locator("section", has=page.get_by_role("heading", name="Reseptfornyelse tatt på telefon"))
    renewal.get_by_role("button", name="Vis medisinlisten til Emma Nyberg").click()
    who = renewal.get_by_label("Hvem ringte?")
    expect(who).to_have_value("")  # the patient, unless reception says otherwise
    who.select_option(label="Per Nyberg (foresatt)")
    renewal.get_by_label("Levaxin 50 mikrog").check()
    renewal.get_by_role("button", name="Registrer bestillingen").click()
    expect(renewal.get_by_text("Registrert.", exact=False)).to_be_visible()
    assert api.made("POST", "/api/v1/staff/renewals")[-1].body == {
        "patient_id": "p8", "medication_ids": ["m1"], "guardian_id": "g2"}
    assert_accessible(page)


def test_6_reception_closes_and_reopens_a_day_and_moves_a_patient_to_another_gp(portal: Portal) -> None:
    """Issue 15's shared facts at the desk: a closed day is one fact for the whole clinic and a change of GP moves
    open requests and asks for the first contact again, so each is confirmed first with its consequences told."""
    portal.staff_login("reception", "Mona Vik")
    page = portal.settled("Resepsjon")
    closed = page.locator("section", has=page.get_by_role("heading", name="Stengte dager", exact=True))
    expect(closed).to_contain_text("fredag 30. januar")
    expect(closed).to_contain_text("1 bestilt time står fortsatt denne dagen.")
    assert_accessible(page)
    # Closing a day: asked first ("no" changes nothing), then told what was withdrawn and what is left to cancel.
    closed.get_by_label("Dag").fill("2026-02-06")
    closed.get_by_label("Grunn (valgfritt)").fill("Personaldag")
    closed.get_by_role("button", name="Steng dagen").click()
    expect(closed.get_by_role("heading", name="Stenge fredag 6. februar 2026 for hele legekontoret?")).to_be_focused()
    closed.get_by_role("button", name="Nei, hold åpent").click()
    assert portal.api.made("POST", "/api/v1/staff/closed-days") == []
    closed.get_by_role("button", name="Steng dagen").click()
    closed.get_by_role("button", name="Ja, steng dagen").click()
    expect(closed.get_by_role("status").filter(has_text="fredag 6. februar 2026 er stengt.")).to_be_focused()
    expect(closed).to_contain_text("24 ledige timer er trukket tilbake. 2 bestilte timer står fortsatt")
    [made] = portal.api.made("POST", "/api/v1/staff/closed-days")
    assert made.body == {"day": "2026-02-06", "reason": "Personaldag"}
    # Reopening, asked first too.
    closed.get_by_role("button", name="Åpne dagen igjen").click()
    closed.get_by_role("button", name="Ja, åpne dagen").click()
    expect(closed.get_by_text("fredag 30. januar 2026 er åpen igjen, og 23 ledige timer er tilbake.")).to_be_focused()
    assert len(portal.api.made("DELETE", "/api/v1/staff/closed-days/2026-01-30")) == 1
    assert_accessible(page)

    # A change of GP on the patient's page: the consequences in words before anything moves.
    page.goto("/ansatt/pasient/p9")
    portal.settled("Nils Nyberg")
    change = page.locator("section", has=page.get_by_role("heading", name="Bytt fastlege", exact=True))
    change.get_by_label("Ny fastlege").select_option(label="Dr. Ole Hansen")
    change.get_by_role("button", name="Bytt fastlege").click()
    expect(change.get_by_role("heading", name="Flytte Nils Nyberg til listen til Dr. Ole Hansen?")).to_be_focused()
    expect(change).to_contain_text("Åpne reseptbestillinger og e-konsultasjoner følger med til den nye fastlegen.")
    assert_accessible(page)
    change.get_by_role("button", name="Ja, bytt fastlege").click()
    expect(change.get_by_text("Nils Nyberg står nå på listen til Dr. Ole Hansen.", exact=False)).to_be_focused()
    [moved] = portal.api.made("PATCH", "/api/v1/staff/patients/p9")
    assert moved.body == {"gp_id": "d2"}
    screenshot(page, "resepsjon-bytt-fastlege", portal.width)


# --- 7. each field's error beside it -----------------------------------------------------------------


def test_7_forms_show_each_fields_error_mark_what_is_required_and_fill_in_the_birth_date(portal: Portal) -> None:
    portal.staff_login("reception", "Mona Vik")
    page = portal.settled("Resepsjon")
    register = page.locator("section", has=page.get_by_role("heading", name="Registrer pasient"))
    expect(register.get_by_text("Felt merket med * må fylles ut.")).to_be_visible()
    name = register.get_by_role("textbox", name="Navn", exact=True)
    expect(name).to_have_attribute("aria-required", "true")
    register.get_by_label("Fødselsnummer eller D-nummer").fill("03059212345")
    expect(register.get_by_label("Fødselsdato")).to_have_value("1992-05-03")  # from the number, to be checked
    name.fill("Nils Nyberg")
    register.get_by_label("Mobilnummer").fill("22 22 22 22")
    portal.api.answers[("POST", "/api/v1/staff/patients")] = (422, {
        "type": "x", "title": "Ugyldig forespørsel.", "status": 422, "code": "validation.invalid",
        "errors": [{"loc": ["body", "gp_id"], "msg": "Input should be a valid UUID", "type": "uuid_parsing"}]})
    register.get_by_role("button", name="Registrer pasient").click()
    expect(register.get_by_role("alert")).to_have_text("Noe i skjemaet må rettes: se meldingen ved feltet.")
    expect(register.get_by_text("Velg fra listen.")).to_be_visible()
    expect(register.get_by_label("Fastlege")).to_have_attribute("aria-invalid", "true")
    register.get_by_label("Fastlege").select_option(label="Dr. Ingrid Solberg")
    portal.api.fail("POST", "/api/v1/staff/patients", 422, "validation.mobile")
    register.get_by_role("button", name="Registrer pasient").click()
    mobile = register.get_by_label("Mobilnummer")
    expect(mobile).to_have_attribute("aria-invalid", "true")
    error_id = (mobile.get_attribute("aria-describedby") or "").split()[-1]
    expect(page.locator(f"#{error_id}")).to_have_text(
        "Mobilnummeret må være et norsk mobilnummer (+47, starter med 4 eller 9).")
    assert_accessible(page)
    screenshot(page, "resepsjon-feltfeil", portal.width)
    # A phone renewal cannot tick what cannot be renewed, and says why in reception's words.
    page.goto("/ansatt/pasient/p9")
    portal.settled("Nils Nyberg")
    page.get_by_role("button", name="Vis medisinlisten til Nils Nyberg").click()
    expect(page.get_by_label("Oxycodone 5 mg")).to_be_disabled()
    expect(page.get_by_text("A-preparat (narkotisk): fornyes aldri uten konsultasjon. Pasienten må bestille time.")) \
        .to_be_visible()
    expect(page.get_by_text("Bestill time hos legen din", exact=False)).to_have_count(0)  # not the patient's words


# --- 8. when the session ends, say so and keep the draft -------------------------------------------


def test_8_when_the_session_ends_the_patient_is_told_and_the_question_comes_back(portal: Portal) -> None:
    page = portal.open("/ekonsultasjon", "eKonsultasjon")
    question = "Jeg har fått tørrhoste etter at jeg begynte på Ramipril. Kan det være en bivirkning?"
    page.get_by_label("Spørsmålet ditt").fill(question)
    page.get_by_label(re.compile("^Jeg har lest hva")).check()
    # 30 idle minutes on the server: the next request finds no session.
    me = portal.api.answers[("GET", "/api/v1/me")]
    sent = portal.api.answers[("POST", "/api/v1/econsultations")]
    portal.api.fail("GET", "/api/v1/me", 401, "auth.required")
    portal.api.fail("POST", "/api/v1/econsultations", 401, "auth.required")
    page.get_by_role("button", name="Send eKonsultasjon").click()
    portal.settled("Logg inn")
    expect(page.get_by_role("status").filter(has_text="Du ble logget ut fordi")).to_contain_text(
        "Logg inn igjen, så kommer du tilbake til siden du var på.")
    assert_accessible(page)
    screenshot(page, "logget-ut", portal.width)

    def after_verify(call: Call) -> None:
        if call.path == "/api/v1/auth/verify":
            portal.api.answers[("GET", "/api/v1/me")] = me
            portal.api.answers[("POST", "/api/v1/econsultations")] = sent
    portal.api.on_call = after_verify
    type_code(page)
    portal.settled("eKonsultasjon")
    expect(page).to_have_url(re.compile("/ekonsultasjon$"))
    expect(page.get_by_label("Spørsmålet ditt")).to_have_value(question)


# --- 9. the clinic's facts ---------------------------------------------------------------------------


def test_9_the_clinics_number_address_and_hours_are_where_patients_are_told_to_ring(portal: Portal) -> None:
    me = portal.api.answers[("GET", "/api/v1/me")][1]
    portal.api.answers[("GET", "/api/v1/me")] = (200, {**me, "restrictions": ["access.first_contact_by_phone"]})
    page = portal.open("/", "Hei, Kari Nordmann")
    footer = page.get_by_role("contentinfo")
    for fact in ("Legekontoret Storgata", "Storgata 1, 0155 Oslo", "22 00 00 00", "Mandag–fredag 08:00–15:30",
                 "legekontoret.example"):
        expect(footer).to_contain_text(fact)
    expect(page.locator(".brand")).to_contain_text("Legekontoret Storgata")
    restriction = page.get_by_role("region", name="Du kan ikke sende nye henvendelser nå")
    expect(restriction).to_contain_text("Ring legekontoret på 22 00 00 00.")
    expect(restriction.get_by_role("link", name="22 00 00 00")).to_have_attribute("href", "tel:+4722000000")
    assert_accessible(page)
    # The login lockout says how long to wait.
    portal.api.answers[("POST", "/api/v1/auth/login")] = (429, {
        "type": "x", "title": "For mange forsøk.", "status": 429, "code": "auth.rate_limited",
        "retry_after_seconds": 541})
    page = log_in_as_patient(portal)
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill("12088550012")
    page.get_by_role("button", name="Send kode på SMS").click()
    expect(page.get_by_role("alert")).to_have_text("Det er bedt om for mange koder. Du kan prøve igjen om 10 minutter.")


# --- 10. booking opens where there are slots, and ends with a calendar file ----------------------


def test_10_booking_opens_on_the_first_free_week_offers_the_first_free_slot_and_a_calendar_file(
        portal: Portal) -> None:
    no_appointments(portal)
    first = slot("s8", "2026-01-21T10:00:00+01:00")
    week = {"doctor_id": "gp", "slots": [first, slot("s9", "2026-01-22T11:00:00+01:00")]}

    def slots_by_query(call: Call) -> None:
        if call.path == "/api/v1/slots":
            found = {"doctor_id": "gp", "slots": [first]} if call.query.get("limit") == ["1"] else \
                week if call.query.get("from") == ["2026-01-19"] else {"doctor_id": "gp", "slots": []}
            portal.api.answers[("GET", "/api/v1/slots")] = (200, found)
    portal.api.on_call = slots_by_query
    portal.api.answers[("POST", "/api/v1/appointments")] = (201, {
        "id": "a8", "slot_id": "s8", "doctor_id": "gp", "starts_at": first["starts_at"], "ends_at": first["ends_at"],
        "reason": None, "status": "booked", "booked_at": "2026-01-12T10:00:00+01:00", "cancelled_at": None,
        "cancelled_by": None, "patient_may_cancel_until": "2026-01-20T10:00:00+01:00"})
    page = portal.open("/time", "Timebestilling")
    expect(page.get_by_text("Uke fra mandag 19. januar 2026 til søndag 25. januar 2026")).to_be_visible()
    expect(page.get_by_role("heading", name="Ledige timer hos Dr. Ingrid Solberg")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Første ledige time: onsdag 21. januar kl. 10:00").click()
    confirm = page.get_by_role("region", name="Bekreft time")
    expect(confirm).to_contain_text("Hos Dr. Ingrid Solberg, Storgata 1, 0155 Oslo")
    page.get_by_role("button", name="Bestill timen").click()
    booked = page.get_by_role("status").filter(has_text="er bestilt")
    expect(booked).to_be_focused()
    calendar = booked.get_by_role("link", name="Legg i kalenderen")
    expect(calendar).to_have_attribute("download", "legetime.ics")
    ics = unquote((calendar.get_attribute("href") or "").split(",", 1)[1])
    assert "DTSTART:20260121T090000Z" in ics
    assert "LOCATION:Storgata 1\\, 0155 Oslo" in ics
    assert "SUMMARY:Legetime hos Dr. Ingrid Solberg" in ics
    assert_accessible(page)
    screenshot(page, "timebestilling-bestilt", portal.width)


# --- 11. the smaller ones ----------------------------------------------------------------------------


def test_11_the_smaller_ones_for_patients(portal: Portal) -> None:
    page = portal.open("/", "Hei, Kari Nordmann")
    shortcuts = page.get_by_role("navigation", name="Snarveier")
    expect(shortcuts.get_by_role("link", name="Forny resept")).to_be_in_viewport()
    expect(shortcuts.get_by_role("link", name="eKonsultasjon")).to_be_in_viewport()
    # The focus ring on the green header reaches 3:1.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement;
        return [e.closest('.site-header') !== null, getComputedStyle(e).outlineColor,
                getComputedStyle(document.querySelector('.site-header')).backgroundColor]; }""")
    assert focused[0], "the second Tab reaches the header"
    assert contrast(focused[1], focused[2]) >= 3, focused
    if portal.width == PHONE_390:  # the phone menu closes on Escape, and focus goes back to its button
        menu = page.get_by_role("button", name="Meny")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Escape")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_focused()
    # The access log: the clinic's staff first, in natural words, no name twice.
    entries = portal.api.answers[("GET", "/api/v1/access-log")][1]["entries"]
    entries.insert(0, {"id": 10, "at": "2026-01-08T09:00:00+01:00", "who": "Resepsjonen (Mona Vik)",
                       "role": "reception", "object_type": "appointment", "object_id": "a1", "action": "read",
                       "outcome": "success"})
    page.goto("/tilgangslogg")
    portal.settled("Hvem har sett mine data")
    log = page.locator("ol.access-log")
    expect(log).to_contain_text("Resepsjonen (Mona Vik) leste timen din.")
    expect(log).not_to_contain_text("(Mona Vik) (resepsjonen)")
    expect(log).to_contain_text("Mona Vik (resepsjonen) endret personopplysningene dine (mobilnummer).")
    expect(log).not_to_contain_text("Du ")
    page.get_by_label("Vis også det du selv har gjort").check()
    expect(log).to_contain_text("Du bestilte en time.")
    assert_accessible(page)
    # The account number as on the giro.
    page.goto("/fakturaer")
    portal.settled("Fakturaer")
    expect(page.get_by_text("1503.05.40007").first).to_be_visible()
    # Copy: one spelling of "Forny resept"; no "Bestill time" twice; no deadline on a finished request.
    page.goto("/ekonsultasjon")
    portal.settled("eKonsultasjon")
    expect(page.locator("main")).not_to_contain_text("Fornye resept")
    expect(page.locator("main")).not_to_contain_text("IKKE spørre om")  # no double negative over a list of "ikke"
    page.goto("/resept")
    portal.settled("Forny resept")
    antibiotic = page.get_by_role("listitem").filter(has=page.get_by_label("Amoxicillin 500 mg"))
    expect(antibiotic.get_by_role("link", name="Bestill time")).to_have_count(1)
    assert antibiotic.inner_text().count("Bestill time") == 1
    expect(page.get_by_role("listitem").filter(has_text="Ferdig behandlet")).not_to_contain_text("Svar senest")
    # "Nei, behold timen" where a patient is asked to cancel.
    page.goto("/time")
    portal.settled("Timebestilling")
    page.get_by_role("button", name="Avbestill", exact=True).click()
    expect(page.get_by_role("heading", name="Vil du avbestille timen torsdag 15. januar kl. 09:00?")).to_be_focused()
    page.get_by_role("button", name="Nei, behold timen").click()
    assert portal.api.made("DELETE", "/api/v1/appointments/a1") == []


def test_11_the_smaller_ones_for_staff(portal: Portal) -> None:
    portal.staff_login("reception", "Mona Vik")
    page = portal.settled("Resepsjon")
    expect(page.get_by_text("116 117", exact=False)).to_have_count(0)  # no patients' emergency footer
    page.goto("/ansatt/timebok")
    portal.settled("Timebok")
    form = page.locator("section", has=page.get_by_role("heading", name="Åpne timer"))
    form.get_by_label("Ukemal (gjentas hver uke)").check()
    styles = page.evaluate("""() => ['time', 'date'].map(t => { const s = getComputedStyle(
        document.querySelector(`input[type=${t}]`)); return [s.borderTopWidth, s.borderTopStyle, s.paddingTop,
        s.borderRadius]; })""")
    assert styles[0] == styles[1], styles  # input[type=time] looks like the other fields
    assert_accessible(page)


# --- 12. bokmål, nynorsk and English --------------------------------------------------------------


def keep_language(portal: Portal) -> None:
    """As identity does: the language chosen is what /me tells from then on."""
    def on_call(call: Call) -> None:
        if call.path == "/api/v1/me/language" and call.method == "PUT":
            me = portal.api.answers[("GET", "/api/v1/me")]
            portal.api.answers[("GET", "/api/v1/me")] = (me[0], {**me[1], "language": call.body["language"]})
            portal.api.answers[("PUT", "/api/v1/me/language")] = (200, {"language": call.body["language"]})
        if call.path == "/api/v1/auth/verify":
            portal.api.answers[("GET", "/api/v1/me")] = (200, {**StubApi().answers[("GET", "/api/v1/me")][1]})
    portal.api.on_call = on_call


def test_12_a_patient_reads_the_portal_in_nynorsk_or_english_and_the_choice_is_kept(portal: Portal) -> None:
    portal.api.fail("GET", "/api/v1/me", 401, "auth.required")
    keep_language(portal)
    page = portal.open("/", "Logg inn")
    page.get_by_role("button", name="Nynorsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_text("Du får ein eingongskode på SMS", exact=False)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "logg-inn-nynorsk", portal.width)
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill("12088550012")
    page.get_by_role("button", name="Send kode på SMS").click()
    page.get_by_label("Eingongskode (6 siffer)").fill("123456")
    # The choice made before login goes to the profile: the SMS and e-mail follow it.
    with page.expect_request(lambda r: r.method == "PUT" and r.url.endswith("/api/v1/me/language")) as put:
        page.get_by_role("button", name="Logg inn").click()
    assert put.value.post_data_json == {"language": "nn"}
    expect(page.get_by_role("navigation", name="Hovudmeny")).to_be_attached()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Kari Nordmann")
    assert portal.api.made("PUT", "/api/v1/me/language")[-1].body == {"language": "en"}
    assert_accessible(page)
    screenshot(page, "hjem-engelsk", portal.width)
    page.goto("/time")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appointments")
    expect(page.get_by_text("Thursday 15 January at 09:00").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Bokmål").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timebestilling")
    # The CSRF header rides on each PUT, as on every change (client.ts).
    assert all(c.headers.get("x-csrf-token") == CSRF for c in portal.api.made("PUT", "/api/v1/me/language"))
