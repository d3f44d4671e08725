"""A parent in the browser (issue 19), on a phone and on a desktop: Kari Nordmann, not our patient, is the
guardian of a 7-year-old and a 13-year-old on the same GP. She logs in with the code on her own mobile, is
asked whom she uses the portal for, chooses the 7-year-old (every page then says so, and the menu has every
page), switches to the 13-year-old (the appointments alone, and the menu shows no more) and sees, on each
page, whose page it is. Each page on the way is checked with axe."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from kit.clock import OSLO
from kit.demo import synthetic_national_id
from tests.browser.support import DESKTOP, PHONE, Width, assert_accessible, new_context
from tests.browser.test_portal_live import Clinic
from tests.support.system import System

pytestmark = pytest.mark.stack


def a_child(clinic: Clinic, name: str, years: int) -> str:
    """A child on the clinic's GP's list, `years` old (and a month), without a mobile: their patient id."""
    today = datetime.now(OSLO).date()
    born = today.replace(year=today.year - years) - timedelta(days=30)
    while True:
        made = clinic.http.post(clinic.url("identity", "/internal/patients"), json={
            "national_id": synthetic_national_id(born, secrets.randbelow(1000)), "name": name,
            "birth_date": born.isoformat(), "gp_id": str(clinic.gp), "first_contact_done": True})
        if made.status_code != 409:
            assert made.status_code == 201, made.text
            return str(made.json()["id"])


def a_parent(clinic: Clinic, children: list[str]) -> tuple[str, str]:
    """Kari Nordmann, registered by reception as the children's guardian: (national ID, mobile)."""
    national_id = synthetic_national_id(date(1980, 1, 1) + timedelta(days=secrets.randbelow(3000)),
                                        secrets.randbelow(1000))
    mobile = f"+4799{secrets.randbelow(10**6):06d}"
    for child in children:
        made = clinic.http.post(clinic.url("identity", f"/internal/patients/{child}/guardians"), json={
            "national_id": national_id, "name": "Kari Nordmann", "mobile": mobile})
        assert made.status_code == 201, made.text
    return national_id, mobile


def enter_the_code(page: Page, clinic: Clinic, national_id: str, mobile: str) -> None:
    """The login page: the national ID, then the code the SMS sink got for `mobile`."""
    page.goto("/")
    page.get_by_label("Fødselsnummer eller D-nummer (11 siffer)").fill(national_id)
    seen = clinic.sms_codes(mobile)
    page.get_by_role("button", name="Send kode på SMS").click()
    page.get_by_label("Engangskode (6 siffer)").fill(clinic.sms_code(mobile, seen))
    page.get_by_role("button", name="Logg inn").click()


def whose_page(page: Page, text: str) -> None:
    """The bar under the header says whose page this is, on every page."""
    expect(page.get_by_role("region", name="Hvem siden gjelder")).to_contain_text(text)


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Hovedmeny")


def open_menu(page: Page, width: Width) -> None:
    if width is PHONE:
        page.get_by_role("button", name="Meny").click()


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=lambda w: w.name)
def test_a_parent_chooses_a_child_and_every_page_says_whose_it_is(browser: Browser, live_system: System,
                                                                  width: Width) -> None:
    clinic = Clinic(live_system)
    try:
        emma, jonas = a_child(clinic, "Emma Hansen", 7), a_child(clinic, "Jonas Hansen", 13)
        national_id, mobile = a_parent(clinic, [emma, jonas])
        context = new_context(browser, width, live_system.gateway_url)
        page = context.new_page()
        enter_the_code(page, clinic, national_id, mobile)

        # Not our patient: whom does she use the portal for?
        expect(page.get_by_role("heading", level=1)).to_have_text("Hvem vil du bruke portalen for?")
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        page.get_by_role("button", name="Bruk portalen for Emma (under 12 år)").click()

        whose_page(page, "Du bruker portalen for Emma")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Kari Nordmann")
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        open_menu(page, width)
        menu(page).get_by_role("link", name="Forny resept").click()
        whose_page(page, "Du bruker portalen for Emma")
        page.wait_for_load_state("networkidle")
        assert_accessible(page)

        # Switch person: the 13-year-old, appointments only.
        page.get_by_label("Bytt person").select_option(label="Jonas (12–15 år: bare timer)")
        expect(page).to_have_url(f"{live_system.gateway_url}/time")
        whose_page(page, "Du bruker portalen for Jonas")
        whose_page(page, "du kan se, bestille og avbestille timer")
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        open_menu(page, width)
        expect(menu(page).get_by_role("link", name="Forny resept")).to_have_count(0)
        expect(menu(page).get_by_role("link", name="Fakturaer")).to_have_count(0)
        expect(menu(page).get_by_role("link", name="Timebestilling")).to_have_count(1)
    finally:
        clinic.http.close()


def test_the_parent_is_told_a_child_of_7_cannot_log_in_alone(browser: Browser, live_system: System) -> None:
    clinic = Clinic(live_system)
    try:
        today = datetime.now(OSLO).date()
        born = today.replace(year=today.year - 7)
        national_id = synthetic_national_id(born, secrets.randbelow(1000))
        mobile = f"+4798{secrets.randbelow(10**6):06d}"
        made = httpx.post(clinic.url("identity", "/internal/patients"), timeout=30, json={
            "national_id": national_id, "name": "Emma Alene", "birth_date": born.isoformat(), "mobile": mobile,
            "gp_id": str(uuid.uuid4()), "first_contact_done": True})
        assert made.status_code == 201, made.text
        context = new_context(browser, PHONE, live_system.gateway_url)
        page = context.new_page()
        enter_the_code(page, clinic, national_id, mobile)
        expect(page.get_by_text("Barn under 12 år kan ikke logge inn selv.", exact=False)).to_be_visible()
        assert_accessible(page)
    finally:
        clinic.http.close()
