"""Every page of the portal in real Chromium at 360 px and at desktop width, against a stand-in API on a fixed
day: no serious or critical accessibility violation (axe), a screenshot of each in web/screenshots/, and the
behaviour a patient notices (counter, at most 3 medicines, deadlines shown before they bite, failures)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from tests.browser.stub_api import BASE_URL, CSRF, NOW, Call, StubApi
from tests.browser.support import DESKTOP, PHONE, WIDTHS, Width, assert_accessible, new_context, screenshot

pytestmark = pytest.mark.browser

PATIENT_PAGES = [("hjem", "/", "Hei, Kari Nordmann"), ("forny-resept", "/resept", "Forny resept"),
                 ("timebestilling", "/time", "Timebestilling"), ("ekonsultasjon", "/ekonsultasjon", "eKonsultasjon"),
                 ("fakturaer", "/fakturaer", "Fakturaer"), ("tilgangslogg", "/tilgangslogg", "Hvem har sett mine data"),
                 ("om-portalen", "/om", "Om e-Portalen")]
DOCTOR_PAGES = [("lege-innboks", "/ansatt/innboks", "Innboks"), ("lege-resept", "/ansatt/resept/r1", "Reseptfornyelse"),
                ("lege-ekonsultasjon", "/ansatt/ekonsultasjon/e1", "eKonsultasjon"),
                ("lege-ekonsultasjon-av-pa", "/ansatt/ekonsultasjon-av-pa", "eKonsultasjon av/på"),
                ("lege-timebok", "/ansatt/timebok", "Timebok")]


class Portal:
    def __init__(self, browser: Browser, width: Width) -> None:
        self.api = StubApi()
        self.context: BrowserContext = new_context(browser, width, BASE_URL)
        self.context.clock.set_fixed_time(NOW)
        self.api.install(self.context)
        self.page: Page = self.context.new_page()
        self.width = width

    def open(self, path: str, heading: str) -> Page:
        self.page.goto(path)
        return self.settled(heading)

    def settled(self, heading: str) -> Page:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        self.page.wait_for_load_state("networkidle")
        expect(self.page.locator(".loading")).to_have_count(0)
        return self.page

    def logout(self, heading: str = "Innlogging for ansatte") -> None:
        self.page.get_by_role("button", name="Logg ut").click()
        self.api.fail("GET", "/api/v1/staff/me", 401, "auth.required")
        self.settled(heading)

    def staff_login(self, role: str, name: str) -> None:
        staff = {"id": "s", "name": name, "role": role}
        self.api.answers[("POST", "/api/v1/staff/auth/login")] = (200, {"token": "t", "csrf_token": CSRF,
                                                                        "staff": staff})
        self.page.goto("/ansatt/logg-inn")
        self.page.get_by_label("Brukernavn").fill(role)
        self.page.get_by_label("Passord").fill("demo")
        self.page.get_by_role("button", name="Logg inn").click()
        # From now on the session cookie is a staff member's, as the gateway would tell any tab that asks.
        self.api.answers[("GET", "/api/v1/staff/me")] = (200, {**staff, "csrf_token": CSRF})
        self.api.fail("GET", "/api/v1/me", 403, "forbidden")


@pytest.fixture(params=WIDTHS, ids=[w.name for w in WIDTHS])
def portal(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Portal]:
    p = Portal(browser, request.param)
    yield p
    p.context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Portal]:
    p = Portal(browser, PHONE)
    yield p
    p.context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Portal]:
    p = Portal(browser, DESKTOP)
    yield p
    p.context.close()


def test_every_patient_page_is_accessible_and_photographed(portal: Portal) -> None:
    for name, path, heading in PATIENT_PAGES:
        page = portal.open(path, heading)
        assert_accessible(page)
        screenshot(page, name, portal.width)
        # Nothing is wider than the screen: a phone never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= portal.width.width, name


def test_the_login_pages_are_accessible_and_photographed(portal: Portal) -> None:
    portal.api.fail("GET", "/api/v1/me", 401, "auth.required")
    page = portal.open("/", "Logg inn")
    assert_accessible(page)
    screenshot(page, "logg-inn", portal.width)
    page = portal.open("/ansatt/logg-inn", "Innlogging for ansatte")
    assert_accessible(page)
    screenshot(page, "ansatt-logg-inn", portal.width)


def test_every_staff_page_is_accessible_and_photographed(portal: Portal) -> None:
    portal.staff_login("doctor", "Dr. Ingrid Solberg")
    portal.settled("Innboks")
    for name, path, heading in DOCTOR_PAGES:
        page = portal.open(path, heading)
        assert_accessible(page)
        screenshot(page, name, portal.width)
        assert page.evaluate("document.documentElement.scrollWidth") <= portal.width.width, name
    portal.logout()
    portal.staff_login("reception", "Resepsjonen (Mona Vik)")
    page = portal.settled("Resepsjon")
    assert_accessible(page)
    screenshot(page, "resepsjon", portal.width)
    portal.logout()
    portal.staff_login("billing", "Regnskap (Per Moe)")
    page = portal.settled("Regnskap")
    assert_accessible(page)
    screenshot(page, "regnskap", portal.width)


def test_login_with_national_id_then_code_and_the_csrf_header_on_every_change(phone: Portal) -> None:
    api = phone.api
    me = api.answers[("GET", "/api/v1/me")]
    api.fail("GET", "/api/v1/me", 401, "auth.required")

    def after_verify(call: Call) -> None:
        if call.path == "/api/v1/auth/verify" and call.body.get("code") == "123456":
            api.answers[("GET", "/api/v1/me")] = me  # the session cookie now says who this is
    api.on_call = after_verify
    page = phone.open("/", "Logg inn")
    page.get_by_role("button", name="Send kode på SMS").click()
    expect(page.get_by_text("Fødselsnummeret må ha 11 siffer.")).to_be_visible()  # checked before asking
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill("120885 50012")
    page.get_by_role("button", name="Send kode på SMS").click()
    assert api.made("POST", "/api/v1/auth/login")[0].body == {"national_id": "12088550012"}
    api.fail("POST", "/api/v1/auth/verify", 401, "auth.invalid_code")
    page.get_by_label("Engangskode (6 siffer)").fill("000000")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_have_text("Koden stemmer ikke. Sjekk SMS-en og prøv igjen.")
    api.answers[("POST", "/api/v1/auth/verify")] = StubApi().answers[("POST", "/api/v1/auth/verify")]
    page.get_by_label("Engangskode (6 siffer)").fill("123456")
    page.get_by_role("button", name="Logg inn").click()
    phone.settled("Hei, Kari Nordmann")
    assert api.made("POST", "/api/v1/auth/verify")[-1].body == {"challenge_id": "c-1", "code": "123456"}
    page.goto("/time")
    page.get_by_role("button", name="Avbestill").click()
    page.get_by_role("button", name="Ja, avbestill timen").click()
    expect(page.get_by_text("Timen er avbestilt.")).to_be_visible()
    assert api.made("DELETE", "/api/v1/appointments/a1")[0].headers.get("x-csrf-token") == CSRF


def test_home_explains_a_restriction_in_plain_words(desktop: Portal) -> None:
    me = desktop.api.answers[("GET", "/api/v1/me")][1]
    desktop.api.answers[("GET", "/api/v1/me")] = (200, {**me, "restrictions": ["access.unpaid_claims"]})
    page = desktop.open("/", "Hei, Kari Nordmann")
    warning = page.get_by_role("region", name="Du kan ikke sende nye henvendelser nå")
    expect(warning).to_contain_text("Du har en faktura som har forfalt uten å være betalt.")
    expect(warning).to_contain_text("Betal fakturaen")
    assert_accessible(page)
    screenshot(page, "hjem-ubetalt-faktura", desktop.width)
    page.goto("/time")
    expect(page.get_by_role("button", name=re.compile("^Velg ")).first).to_be_disabled()


def test_renewal_takes_at_most_three_and_says_why_others_cannot_be_renewed(phone: Portal) -> None:
    page = phone.open("/resept", "Forny resept")
    for name in ("Levaxin 50 mikrog", "Atorvastatin 20 mg", "Metformin 500 mg"):
        page.get_by_label(name).check()
    expect(page.get_by_text("3 av 3 valgt")).to_be_visible()
    expect(page.get_by_label("Ramipril 5 mg")).to_be_disabled()
    expect(page.get_by_label("Oxycodone 5 mg")).to_be_disabled()
    expect(page.get_by_text("A-preparater (narkotiske medisiner) fornyes aldri på nett")).to_be_visible()
    expect(page.get_by_text("Antibiotika skal legen vurdere ved en undersøkelse")).to_be_visible()
    expect(page.get_by_text("skrevet ut av sykehus eller et annet legekontor")).to_be_visible()
    page.get_by_label("Melding til legen (valgfritt)").fill("Takk!")
    page.get_by_role("button", name="Send bestilling").click()
    expect(page.get_by_role("heading", name="Bestillingen er sendt")).to_be_focused()
    expect(page.get_by_text("Legen behandler den senest mandag 19. januar 2026.")).to_be_visible()
    sent = phone.api.made("POST", "/api/v1/renewals")[0].body
    assert sent == {"medication_ids": ["m1", "m2", "m3"], "message": "Takk!"}


def test_booking_shows_the_cancel_deadline_before_booking_and_the_rule_after(phone: Portal) -> None:
    page = phone.open("/time", "Timebestilling")
    expect(page.get_by_text("en time mandag kl. 09.00 må avbestilles senest fredag kl. 09.00")).to_be_visible()
    expect(page.get_by_text("Du kan avbestille på nett til og med onsdag 14. januar kl. 09:00.")).to_be_visible()
    # The patient has a time already: one at a time, so the free slots wait until it is cancelled.
    expect(page.get_by_role("button", name=re.compile("^Velg ")).first).to_be_disabled()
    phone.api.answers[("GET", "/api/v1/appointments")] = (200, {"items": []})
    page.reload()
    phone.settled("Timebestilling")
    page.get_by_role("button", name="Velg fredag 16. januar kl. 09:00").click()
    # Friday 09:00 minus 24 working hours: Thursday 09:00, shown before the patient books.
    expect(page.get_by_text("Du kan avbestille på nett til og med torsdag 15. januar kl. 09:00.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "timebestilling-bekreft", phone.width)
    phone.api.fail("POST", "/api/v1/appointments", 409, "booking.slot_taken")
    page.get_by_role("button", name="Bestill timen").click()
    expect(page.get_by_role("alert")).to_have_text("Noen andre rakk å bestille denne timen. Velg en annen.")


def test_cancelling_too_late_is_explained_not_offered(phone: Portal) -> None:
    appointments = phone.api.answers[("GET", "/api/v1/appointments")][1]["items"]
    soon = {**appointments[0], "starts_at": "2026-01-13T09:00:00+01:00",
            "patient_may_cancel_until": "2026-01-12T09:00:00+01:00"}
    phone.api.answers[("GET", "/api/v1/appointments")] = (200, {"items": [soon]})
    page = phone.open("/time", "Timebestilling")
    expect(page.get_by_text("Fristen for å avbestille på nett er ute. Ring legekontoret på 22 00 00 00.")) \
        .to_be_visible()
    expect(page.get_by_role("button", name="Avbestill")).to_have_count(0)


def test_econsultation_counts_as_the_server_and_shows_lists_price_and_confirmation(phone: Portal) -> None:
    page = phone.open("/ekonsultasjon", "eKonsultasjon")
    expect(page.get_by_role("heading", name="Dette kan du spørre om")).to_be_visible()
    expect(page.get_by_role("heading", name="Dette hører hjemme på en vanlig time")).to_be_visible()
    expect(page.get_by_text("259,00 kr (egenandel og fakturagebyr)")).to_be_visible()
    question = page.get_by_label("Spørsmålet ditt")
    send = page.get_by_role("button", name="Send eKonsultasjon")
    question.fill("  e\u0301 😀  ")  # NFC makes one "é"; an emoji is one code point; the edges are trimmed
    expect(page.get_by_text("3 av 500 tegn")).to_be_visible()
    question.fill("a" * 501)
    expect(page.get_by_text("501 av 500 tegn – 1 tegn for mye")).to_be_visible()
    expect(send).to_be_disabled()
    question.fill("Jeg har fått tørrhoste etter at jeg begynte på Ramipril. Kan det være en bivirkning?")
    expect(send).to_be_disabled()  # the lists, the answer time and the price must be confirmed first
    page.get_by_label(re.compile("^Jeg har lest hva")).check()
    send.click()
    expect(page.get_by_role("heading", name="eKonsultasjonen er sendt")).to_be_focused()
    expect(page.get_by_text("Legen svarer senest mandag 19. januar 2026.", exact=False)).to_be_visible()
    expect(page.get_by_text("Pris når legen har svart: 259,00 kr.")).to_be_visible()
    assert phone.api.made("POST", "/api/v1/econsultations")[0].body["accepted_terms"] is True
    screenshot(page, "ekonsultasjon-sendt", phone.width)


def test_a_frikort_patient_sees_it_is_free(phone: Portal) -> None:
    guidance = phone.api.answers[("GET", "/api/v1/econsultations/guidance")][1]
    phone.api.answers[("GET", "/api/v1/econsultations/guidance")] = (200, {**guidance, "price": {
        "copayment_ore": 0, "fee_ore": 0, "amount_ore": 0, "amount_nok": "0,00 kr", "exempt": True,
        "exempt_reason": "frikort"}})
    page = phone.open("/ekonsultasjon", "eKonsultasjon")
    expect(page.get_by_text("Gratis for deg: du har frikort i år.")).to_be_visible()


def test_the_renewal_hint_shows_while_the_patient_types_before_anything_is_sent(phone: Portal) -> None:
    page = phone.open("/ekonsultasjon", "eKonsultasjon")
    hint = page.get_by_text("Gjelder det fornyelse av resept?")
    page.get_by_label("Spørsmålet ditt").fill("Kan jeg få litt mer av den ene, den er snart tom?")
    expect(hint).to_have_count(0)
    phone.api.answers[("POST", "/api/v1/econsultations/renewal-hint")] = (200, {"renewal_hint": {
        "code": "econsult.renewal_hint", "message": "…"}})
    page.get_by_label("Spørsmålet ditt").fill("Jeg trenger mer Metformin")
    expect(hint).to_be_visible()
    expect(page.get_by_role("link", name="Forny resept").last).to_be_visible()
    asked = phone.api.made("POST", "/api/v1/econsultations/renewal-hint")[-1].body
    assert asked["text"] == "Jeg trenger mer Metformin"
    assert "Metformin 500 mg" in asked["medicine_names"]  # the rule knows the patient's own medicines
    assert phone.api.made("POST", "/api/v1/econsultations") == []  # nothing sent, nothing billed


def test_a_question_the_doctor_has_not_opened_can_be_withdrawn(phone: Portal) -> None:
    waiting = {"id": "e2", "doctor_id": "gp", "status": "open", "text": "Trenger jeg vaksine mot gulfeber?",
               "submitted_at": "2026-01-12T09:00:00+01:00", "due_date": "2026-01-19", "overdue": False,
               "handled_at": None, "answer": None, "declined_reason": None, "advice": None, "renewal_hint": None,
               "withdrawable": True}
    phone.api.answers[("GET", "/api/v1/econsultations")] = (200, {"items": [waiting]})
    phone.api.answers[("POST", "/api/v1/econsultations/e2/withdraw")] = (200, {
        **waiting, "status": "withdrawn", "withdrawable": False})
    page = phone.open("/ekonsultasjon", "eKonsultasjon")
    expect(page.get_by_text("så lenge legen ikke har åpnet det")).to_be_visible()
    phone.api.answers[("GET", "/api/v1/econsultations")] = (200, {"items": [
        {**waiting, "status": "withdrawn", "withdrawable": False}]})
    page.get_by_role("button", name="Trekk tilbake").click()
    expect(page.get_by_text("Spørsmålet er trukket tilbake.")).to_be_visible()
    expect(page.get_by_text("Trukket tilbake", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Trekk tilbake")).to_have_count(0)
    assert len(phone.api.made("POST", "/api/v1/econsultations/e2/withdraw")) == 1
    assert_accessible(page)


def test_invoices_link_the_giro_pdf(desktop: Portal) -> None:
    page = desktop.open("/fakturaer", "Fakturaer")
    link = page.get_by_role("link", name="Åpne giro (PDF)").first
    expect(link).to_have_attribute("href", "/api/v1/invoices/i1/pdf")
    with page.expect_popup() as popup:
        link.click()
    assert popup.value.url.endswith("/api/v1/invoices/i1/pdf")


def test_a_failed_request_says_so_and_can_be_retried_while_the_rest_works(desktop: Portal) -> None:
    desktop.api.fail("GET", "/api/v1/appointments", 503, "upstream.unavailable")
    desktop.api.aborted.add(("GET", "/api/v1/invoices"))
    page = desktop.open("/", "Hei, Kari Nordmann")
    expect(page.get_by_text("En del av systemet svarer ikke akkurat nå. Prøv igjen om litt.")).to_be_visible()
    expect(page.get_by_text("Vi får ikke kontakt med e-Portalen.", exact=False)).to_be_visible()
    expect(page.get_by_text("Du har ingen åpne henvendelser.")).to_be_visible()  # the other sections still work
    assert_accessible(page)
    screenshot(page, "hjem-feil-ved-henting", desktop.width)
    desktop.api.answers[("GET", "/api/v1/appointments")] = StubApi().answers[("GET", "/api/v1/appointments")]
    page.get_by_role("button", name="Prøv igjen").first.click()
    expect(page.get_by_text("torsdag 15. januar kl. 09:00")).to_be_visible()


def test_a_slow_request_shows_it_is_working_and_cannot_be_sent_twice(phone: Portal) -> None:
    phone.api.held.add(("POST", "/api/v1/renewals"))
    page = phone.open("/resept", "Forny resept")
    page.get_by_label("Levaxin 50 mikrog").check()
    page.get_by_role("button", name="Send bestilling").click()
    busy = page.get_by_role("button", name="Sender …")
    expect(busy).to_be_disabled()
    busy.click(force=True)  # a second press while the first is on its way sends nothing
    expect(page.get_by_text("Bestillingen er sendt", exact=False)).to_have_count(0)
    phone.api.release()
    expect(page.get_by_text("Bestillingen er sendt", exact=False)).to_be_visible()
    assert len(phone.api.made("POST", "/api/v1/renewals")) == 1


def test_doctor_decides_each_medicine_with_a_reason_for_a_rejection(phone: Portal) -> None:
    phone.staff_login("doctor", "Dr. Ingrid Solberg")
    page = phone.settled("Innboks")
    first = page.locator(".inbox-item").first
    expect(first).to_contain_text("Kari Nordmann")
    expect(first).to_contain_text("Over fristen")
    first.get_by_role("link").click()
    phone.settled("Reseptfornyelse")
    page.get_by_role("group", name="Levaxin 50 mikrog").get_by_label("Godkjenn").check()
    page.get_by_role("group", name="Atorvastatin 20 mg").get_by_label("Avslå").check()
    page.get_by_role("button", name="Send avgjørelse").click()
    expect(page.get_by_role("alert")).to_have_text("Skriv en begrunnelse for hvert avslag.")
    page.get_by_label("Begrunnelse til pasienten (Atorvastatin 20 mg)").fill("Vi må ta blodprøve først. Bestill time.")
    page.get_by_role("button", name="Send avgjørelse").click()
    expect(page.get_by_text("Avgjørelsen er sendt.", exact=False)).to_be_visible()
    assert phone.api.made("POST", "/api/v1/staff/renewals/r1/decision")[0].body == {"items": [
        {"medication_id": "m1", "approve": True},
        {"medication_id": "m2", "approve": False, "reason": "Vi må ta blodprøve først. Bestill time."}]}


def test_reception_registers_marks_first_contact_and_takes_a_phone_renewal(desktop: Portal) -> None:
    desktop.staff_login("reception", "Resepsjonen (Mona Vik)")
    page = desktop.settled("Resepsjon")
    register = page.locator("section", has=page.get_by_role("heading", name="Registrer pasient"))
    register.get_by_label("Fødselsnummer eller D-nummer").fill("03859250012")
    register.get_by_role("textbox", name="Navn", exact=True).fill("Nils Nyberg")
    register.get_by_label("Fødselsdato").fill("1992-05-03")
    register.get_by_label("Mobilnummer").fill("+4791234502")
    register.get_by_label("Fastlege").select_option(label="Dr. Ingrid Solberg")
    register.get_by_role("button", name="Registrer pasient").click()
    expect(page.get_by_text("Nils Nyberg er registrert.")).to_be_visible()
    # Found again by national ID: in the body of a POST, never in a URL.
    search = page.get_by_role("search", name="Finn pasient")
    search.get_by_label("Navn eller fødselsnummer").fill("03859250012")
    search.get_by_role("button", name="Søk").click()
    found = page.get_by_role("listitem").filter(has_text="Nils Nyberg, født 03.05.1992")
    expect(found).to_contain_text("Har ikke ringt ennå")
    assert desktop.api.made("POST", "/api/v1/staff/patients/search")[0].body == {"query": "03859250012"}
    assert not [c for c in desktop.api.calls if "03859250012" in c.path or "03859250012" in str(c.query)]
    assert_accessible(page)
    screenshot(page, "resepsjon-finn-pasient", desktop.width)
    found.get_by_role("link").click()
    desktop.settled("Nils Nyberg")
    page.get_by_role("button", name="Marker at pasienten har ringt").click()
    expect(page.get_by_text("Første kontakt er registrert.", exact=False)).to_be_visible()
    assert desktop.api.made("PATCH", "/api/v1/staff/patients/p9")[0].body == {"first_contact_done": True}
    page.get_by_role("button", name="Vis medisinlisten til Nils Nyberg").click()
    page.get_by_label("Levaxin 50 mikrog").check()
    page.get_by_role("button", name="Registrer bestillingen").click()
    expect(page.get_by_text("telefon behandles etter nett", exact=False)).to_be_focused()
    assert desktop.api.made("POST", "/api/v1/staff/renewals")[0].body == {"patient_id": "p9", "medication_ids": ["m1"]}


def test_the_access_log_reads_as_plain_sentences_with_refusals_marked(phone: Portal) -> None:
    page = phone.open("/tilgangslogg", "Hvem har sett mine data")
    expect(page.get_by_text("Dr. Ingrid Solberg besvarte eKonsultasjonen din.")).to_be_visible()
    expect(page.get_by_text("Mona Vik (resepsjonen) endret personopplysningene dine (mobilnummer).")).to_be_visible()
    expect(page.get_by_text("Du bestilte en time.")).to_have_count(0)  # the staff's access first: own reads on request
    page.get_by_label("Vis også det du selv har gjort").check()
    expect(page.get_by_text("Du bestilte en time.")).to_be_visible()
    refused = page.locator("li.refused")
    expect(refused).to_contain_text("Avvist")
    expect(refused).to_contain_text("Dr. Ole Hansen prøvde å lese eKonsultasjonen din, men fikk ikke tilgang.")
    expect(page.get_by_text("Dette er de eldste oppføringene.")).to_be_visible()
    expect(page.get_by_text("Ser du noe du ikke kjenner igjen?", exact=False)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("econsultation")  # no codes, only words


def test_the_access_log_pages_back_to_older_entries(phone: Portal) -> None:
    newest = {"id": 12, "at": "2026-01-12T09:00:00+01:00", "who": "Deg", "role": "patient",
              "object_type": "invoice", "object_id": None, "action": "list", "outcome": "success"}
    first = (200, {"entries": [newest], "next_before": 12})
    older = phone.api.answers[("GET", "/api/v1/access-log")]

    def page_by_before(call: Call) -> None:
        if call.path == "/api/v1/access-log":
            phone.api.answers[("GET", "/api/v1/access-log")] = older if call.query.get("before") == ["12"] else first
    phone.api.on_call = page_by_before
    page = phone.open("/tilgangslogg", "Hvem har sett mine data")
    page.get_by_label("Vis også det du selv har gjort").check()
    expect(page.get_by_text("Du så gjennom fakturaene dine.")).to_be_visible()
    page.get_by_role("button", name="Vis eldre oppføringer").click()
    expect(page.get_by_text("Du bestilte en time.")).to_be_visible()
    expect(page.get_by_text("Du så gjennom fakturaene dine.")).to_be_visible()  # the first page stays
    expect(page.get_by_role("button", name="Vis eldre oppføringer")).to_have_count(0)


def test_billing_uploads_an_ocr_file_and_reads_the_report(desktop: Portal) -> None:
    desktop.staff_login("billing", "Regnskap (Per Moe)")
    page = desktop.settled("Regnskap")
    expect(page.get_by_role("cell", name="Ulla Ubetalt")).to_be_visible()
    ocr_file: FilePayload = {"name": "ocr.txt", "mimeType": "text/plain", "buffer": b"NY000010" + b"0" * 72 + b"\n"}
    page.get_by_label("OCR-fil").set_input_files(files=[ocr_file])
    page.get_by_role("button", name="Last opp").click()
    expect(page.get_by_text("2 transaksjoner")).to_be_visible()
    expect(page.get_by_text("Ukjent KID", exact=False)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "regnskap-ocr-rapport", desktop.width)


def test_reception_opens_slots_and_cancels_in_the_calendar(phone: Portal) -> None:
    phone.staff_login("reception", "Resepsjonen (Mona Vik)")
    phone.settled("Resepsjon")
    page = phone.open("/ansatt/timebok", "Timebok")
    page.get_by_label("Lege", exact=True).first.select_option(label="Dr. Ingrid Solberg")
    expect(page.get_by_text("Bestilt: Kari Nordmann")).to_be_visible()
    page.get_by_role("button", name="Avbestill", exact=True).click()
    page.get_by_role("button", name="Ja, avbestill timen").click()
    expect(page.get_by_text("Timen er avbestilt, og pasienten får beskjed.")).to_be_focused()
    assert phone.api.made("DELETE", "/api/v1/staff/appointments/a9")
    form = page.locator("section", has=page.get_by_role("heading", name="Åpne timer"))
    form.get_by_label("Lege", exact=True).select_option(label="Dr. Ole Hansen")
    form.get_by_label("Starter").fill("2026-01-20T09:00")
    form.get_by_role("button", name="Åpne timer").click()
    expect(page.get_by_text("Timen er åpnet.")).to_be_visible()
    opened = phone.api.made("POST", "/api/v1/staff/slots")[0].body
    assert opened == {"doctor_id": "d2", "start": "2026-01-20T08:00:00.000Z", "minutes": 20, "online": True}
    assert_accessible(page)
    screenshot(page, "resepsjon-timebok", phone.width)


def test_the_administrator_adds_an_account_and_reads_a_patients_access_log(portal: Portal) -> None:
    portal.staff_login("admin", "Anne Admin")
    page = portal.settled("Administrasjon")
    assert_accessible(page)
    page.get_by_label("Brukernavn").fill("lege7")
    page.get_by_label("Fullt navn").fill("Dr. Siri Berg")
    page.get_by_label("Rolle").select_option(label="Lege")
    create = page.get_by_role("button", name="Opprett konto")
    page.get_by_label("Passord").fill("for-kort")
    expect(create).to_be_disabled()  # at least 12 characters, as the gateway requires
    page.get_by_label("Passord").fill("et-langt-passord-2026")
    create.click()
    expect(page.get_by_text("Kontoen lege7 er opprettet.")).to_be_visible()
    assert portal.api.made("POST", "/api/v1/staff/accounts")[0].body == {
        "username": "lege7", "name": "Dr. Siri Berg", "role": "doctor", "password": "et-langt-passord-2026"}
    page.get_by_label("Pasient-ID").fill("p1")
    page.get_by_role("button", name="Vis loggen").click()
    expect(page.get_by_text("Dr. Ingrid Solberg besvarte eKonsultasjonen.")).to_be_visible()
    expect(page.get_by_text("Pasienten opprettet en time.")).to_be_visible()
    expect(page.locator("li.refused")).to_contain_text("Dr. Ole Hansen prøvde å lese eKonsultasjonen")
    assert_accessible(page)
    screenshot(page, "admin", portal.width)
    assert page.evaluate("document.documentElement.scrollWidth") <= portal.width.width


def test_the_phone_menu_opens_and_takes_the_patient_to_a_page(phone: Portal) -> None:
    page = phone.open("/", "Hei, Kari Nordmann")
    menu = page.get_by_role("button", name="Meny")
    expect(menu).to_have_attribute("aria-expanded", "false")
    nav = page.get_by_role("navigation", name="Hovedmeny")
    expect(nav.get_by_role("link", name="Fakturaer", exact=True)).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    screenshot(page, "meny-apen", phone.width)
    nav.get_by_role("link", name="Fakturaer", exact=True).click()
    phone.settled("Fakturaer")
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # the new page is announced
    expect(menu).to_have_attribute("aria-expanded", "false")


def test_a_profile_that_cannot_be_read_after_login_is_said_not_hidden(phone: Portal) -> None:
    api = phone.api
    api.fail("GET", "/api/v1/me", 401, "auth.required")

    def after_verify(call: Call) -> None:
        if call.path == "/api/v1/auth/verify":
            api.fail("GET", "/api/v1/me", 503, "upstream.unavailable")
    api.on_call = after_verify
    page = phone.open("/", "Logg inn")
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill("12088550012")
    page.get_by_role("button", name="Send kode på SMS").click()
    page.get_by_label("Engangskode (6 siffer)").fill("123456")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_have_text("En del av systemet svarer ikke akkurat nå. Prøv igjen om litt.")



def test_a_keyboard_user_skips_to_the_content_and_sees_where_focus_is(desktop: Portal) -> None:
    page = desktop.open("/time", "Timebestilling")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til innholdet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, Tab stays in the main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused control shows a focus ring"



def test_an_api_that_is_down_at_the_start_is_said_with_a_retry_not_a_login(phone: Portal) -> None:
    me = phone.api.answers[("GET", "/api/v1/me")]
    phone.api.aborted.add(("GET", "/api/v1/me"))
    page = phone.open("/", "e-Portal")
    expect(page.get_by_role("alert")).to_contain_text("Vi får ikke kontakt med e-Portalen.")
    assert_accessible(page)
    phone.api.aborted.clear()
    phone.api.answers[("GET", "/api/v1/me")] = me
    page.get_by_role("button", name="Prøv igjen").click()
    phone.settled("Hei, Kari Nordmann")
