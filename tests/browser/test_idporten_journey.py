"""Login with ID-porten in the browser (issue 20): Debian's Chromium through the running system and the local
stand-in for ID-porten (NAV's mock-oauth2-server) and its own login page, where the national ID is typed. In
again at the page the patient set out for, out of both sessions with "Logg ut", and a login below the level
we take told in the portal's words. Each portal page on the way is checked with axe."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from kit.demo import synthetic_national_id
from tests.browser.support import PHONE, assert_accessible, new_context
from tests.support.system import System

pytestmark = pytest.mark.stack


def a_patient(system: System, name: str) -> str:
    """A patient on the list (through identity's internal API, as reception would): their national ID."""
    while True:
        national_id = synthetic_national_id(date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000)),
                                            secrets.randbelow(1000))
        made = httpx.post(f"{system.service_urls['identity']}/internal/patients", timeout=30, json={
            "national_id": national_id, "name": name, "birth_date": "1970-01-01",
            "mobile": f"+4798{secrets.randbelow(10**6):06d}", "first_contact_done": True})
        if made.status_code != 409:
            assert made.status_code == 201, made.text
            return national_id


def at_id_porten(page: Page, system: System, national_id: str, way: str) -> None:
    """The stand-in's login page: the national ID, and how (BankID, MinID, or the level we refuse)."""
    expect(page).to_have_url(re.compile("^" + re.escape(f"{system.idporten_issuer}/authorize?")))
    page.get_by_label("Fødselsnummer (11 siffer)").fill(national_id)
    page.get_by_label(way).check()
    page.get_by_role("button", name="Logg inn").click()


def test_a_patient_logs_in_with_id_porten_and_out_of_both(browser: Browser, live_system: System) -> None:
    national_id = a_patient(live_system, "Ida Porten")
    context = new_context(browser, PHONE, live_system.gateway_url)
    page = context.new_page()
    try:
        page.goto("/tilgangslogg")  # a page of the portal, before logging in: the login page in its place
        expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
        assert_accessible(page)
        page.get_by_role("link", name="Logg inn med ID-porten").click()
        at_id_porten(page, live_system, national_id, "MinID (sikkerhetsnivå betydelig)")

        # Back at the page set out for, logged in: the session cookie as after the SMS code.
        expect(page).to_have_url(f"{live_system.gateway_url}/tilgangslogg")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hvem har sett mine data")
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        names = {c["name"]: c for c in context.cookies()}
        assert names["__Host-eportal_session"]["httpOnly"] is True
        assert names["__Host-eportal_session"]["sameSite"] == "Strict"
        assert "__Host-eportal_idporten" not in names  # the round trip's handle is gone

        # Out: our session ends, then ID-porten's (its end-session endpoint sends the browser back home).
        with page.expect_request(re.compile(re.escape(f"{live_system.idporten_issuer}/endsession") + r"\?")) as sent:
            page.get_by_role("button", name="Logg ut").click()
        assert "id_token_hint=" in sent.value.url
        assert "post_logout_redirect_uri=" in sent.value.url
        expect(page).to_have_url(f"{live_system.gateway_url}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
        gone = page.request.get("/api/v1/me")
        assert gone.status == 401
    finally:
        context.close()


def test_a_login_below_the_level_we_take_is_told_on_the_login_page(browser: Browser, live_system: System) -> None:
    national_id = a_patient(live_system, "Lav Nivåsen")
    context = new_context(browser, PHONE, live_system.gateway_url)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("link", name="Logg inn med ID-porten").click()
        at_id_porten(page, live_system, national_id, "Lavt nivå (portalen skal avvise det)")
        expect(page).to_have_url(f"{live_system.gateway_url}/?innlogging=auth.idporten_level")
        expect(page.get_by_role("alert")).to_contain_text("BankID eller MinID")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
        assert_accessible(page)
        assert page.request.get("/api/v1/me").status == 401
    finally:
        context.close()
