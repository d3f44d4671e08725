"""Login with ID-porten through the running system and the local stand-in for ID-porten (NAV's
mock-oauth2-server, its own login page), as a browser and as a mobile app do (issue 20; domain-rules.md and
api.md, "Login with ID-porten"). Tokens the stand-in cannot be made to issue (a foreign signature, another
audience, an expired one) are identity's own tests (services/identity/tests/test_identity_idporten.py)."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from kit.demo import synthetic_national_id
from tests.support.portal import register_patient
from tests.support.system import APP_REDIRECT_URI, System

pytestmark = pytest.mark.stack

FLOW_COOKIE, SESSION_COOKIE, CSRF_COOKIE = "__Host-eportal_idporten", "__Host-eportal_session", "__Host-eportal_csrf"
BANKID = {"acr": "idporten-loa-high", "amr": ["BankID"]}
MINID = {"acr": "idporten-loa-substantial", "amr": ["Minid-PIN"]}
LOW = {"acr": "idporten-loa-low", "amr": ["Minid-PIN"]}


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Each Set-Cookie by name, attributes and all (httpx keeps Secure cookies off plain http, so by hand)."""
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            found[name] = cookie
    return found


@dataclass
class Trip:
    """One browser's round trip: the start's answer, the login page's redirect back, and the callback's answer."""
    start: httpx.Response
    flow_handle: str
    back_to_us: str  # the callback URL ID-porten's stand-in sent the browser to
    callback: httpx.Response | None = None

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.back_to_us).query).items()}


async def round_trip(http: httpx.AsyncClient, national_id: str, how: dict[str, object] = BANKID, *,
                     return_to: str | None = None, call_back: bool = True) -> Trip:
    """Start at the gateway, log in at the stand-in's page (its form: the national ID and how), come back."""
    start = await http.get("/api/v1/auth/idporten/start", params={"return_to": return_to} if return_to else None)
    assert start.status_code == 302, start.text
    handle = set_cookies(start)[FLOW_COOKIE][FLOW_COOKIE].value
    async with httpx.AsyncClient(timeout=30) as browser:  # the browser at ID-porten
        page = await browser.get(start.headers["location"])
        assert page.status_code == 200
        assert "Fødselsnummer" in page.text
        done = await browser.post(start.headers["location"],
                                  data={"username": national_id, "claims": json.dumps(how)})
    assert done.status_code == 302, done.text
    trip = Trip(start, handle, done.headers["location"])
    if call_back:
        trip.callback = await callback(http, trip.back_to_us, handle)
    return trip


async def callback(http: httpx.AsyncClient, url: str, handle: str | None, accept: str = "application/json"
                   ) -> httpx.Response:
    path = urlsplit(url)
    headers = {"Accept": accept, **({"Cookie": f"{FLOW_COOKIE}={handle}"} if handle else {})}
    return await http.get(f"{path.path}?{path.query}", headers=headers)


async def sessions_of(system: System, patient_id: uuid.UUID) -> list[asyncpg.Record]:
    db = await asyncpg.connect(system.dsns["identity"])
    try:
        return await db.fetch("SELECT method, acr, ended_at FROM sessions WHERE subject_id = $1 ORDER BY created_at",
                              patient_id)
    finally:
        await db.close()


async def refused_without_session(system: System, patient_id: uuid.UUID | None, answer: httpx.Response,
                                  status: int, code: str) -> None:
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert SESSION_COOKIE not in set_cookies(answer)
    if patient_id is not None:
        assert await sessions_of(system, patient_id) == []


async def test_a_patient_logs_in_through_id_porten_and_gets_the_same_cookie_session_as_by_sms(
        live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        trip = await round_trip(http, patient.national_id, MINID, return_to="/time?uke=2")
        # To ID-porten: the authorization code flow with PKCE S256, state and nonce, and the level we take.
        asked = {k: v[0] for k, v in parse_qs(urlsplit(trip.start.headers["location"]).query).items()}
        assert asked["response_type"] == "code"
        assert asked["client_id"] == live_system.idporten_client_id
        assert asked["redirect_uri"] == f"{live_system.gateway_url}/api/v1/auth/idporten/callback"
        assert asked["code_challenge_method"] == "S256"
        assert asked["acr_values"] == "idporten-loa-substantial"
        assert min(len(asked["state"]), len(asked["nonce"]), len(asked["code_challenge"])) >= 43
        flow = set_cookies(trip.start)[FLOW_COOKIE][FLOW_COOKIE]
        assert (flow["secure"], flow["httponly"], flow["samesite"], flow["path"]) == (True, True, "lax", "/")
        assert trip.flow_handle not in trip.start.headers["location"]

        assert trip.callback is not None
        assert trip.callback.status_code == 302, trip.callback.text
        assert trip.callback.headers["location"] == "/time?uke=2"
        cookies = set_cookies(trip.callback)
        session = cookies[SESSION_COOKIE][SESSION_COOKIE]
        assert (session["secure"], session["httponly"], session["samesite"], session["path"]) == (
            True, True, "strict", "/")
        assert cookies[FLOW_COOKIE][FLOW_COOKIE]["max-age"] == "0"  # the round trip's handle is gone
        for secret in (trip.query["code"], trip.query["state"], patient.national_id):
            assert secret not in trip.callback.headers["location"]

        token, csrf = session.value, cookies[CSRF_COOKIE][CSRF_COOKIE].value
        me = await http.get("/api/v1/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        assert me.status_code == 200, me.text
        assert me.json()["id"] == str(patient.id)
        assert me.json()["login"] == {"method": "idporten", "level": "idporten-loa-substantial"}
        # The same CSRF rule as any cookie session.
        forged = await http.post("/api/v1/renewals", json={"medication_ids": [str(uuid.uuid4())]},
                                 headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        assert (forged.status_code, forged.json()["code"]) == (403, "auth.csrf")
        honest = await http.post("/api/v1/renewals", json={"medication_ids": [str(uuid.uuid4())]},
                                 headers={"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": csrf})
        assert honest.json().get("code") != "auth.csrf"
    recorded = await sessions_of(live_system, patient.id)
    assert [(r["method"], r["acr"]) for r in recorded] == [("idporten", "idporten-loa-substantial")]


async def test_a_state_that_is_not_this_browsers_is_refused_without_a_session(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        trip = await round_trip(http, patient.national_id, call_back=False)
        forged = trip.back_to_us.replace(trip.query["state"], secrets.token_urlsafe(32))
        await refused_without_session(live_system, patient.id, await callback(http, forged, trip.flow_handle),
                                      401, "auth.idporten_failed")
        # The round trip was used up by that attempt: the right state no longer helps.
        await refused_without_session(live_system, patient.id,
                                      await callback(http, trip.back_to_us, trip.flow_handle),
                                      401, "auth.idporten_failed")
        # A callback in a browser that never started the login (no handle, or another's).
        other = await round_trip(http, patient.national_id, call_back=False)
        await refused_without_session(live_system, patient.id, await callback(http, other.back_to_us, None),
                                      401, "auth.idporten_failed")
        mine = await round_trip(http, patient.national_id, call_back=False)
        await refused_without_session(live_system, patient.id,
                                      await callback(http, other.back_to_us, mine.flow_handle),
                                      401, "auth.idporten_failed")


async def test_a_replayed_code_is_refused(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        trip = await round_trip(http, patient.national_id)
        assert trip.callback is not None
        assert trip.callback.status_code == 302
        # The same callback again, cookie and all: the round trip is over.
        again = await callback(http, trip.back_to_us, trip.flow_handle)
        assert (again.status_code, again.json()["code"]) == (401, "auth.idporten_failed")
        # The used code with a fresh round trip's state: ID-porten's stand-in refuses the code itself.
        fresh = await round_trip(http, patient.national_id, call_back=False)
        replay = fresh.back_to_us.replace(fresh.query["code"], trip.query["code"])
        answer = await callback(http, replay, fresh.flow_handle)
        assert (answer.status_code, answer.json()["code"]) == (401, "auth.idporten_failed")
        assert SESSION_COOKIE not in set_cookies(answer)
    assert len(await sessions_of(live_system, patient.id)) == 1  # the first, honest login only


async def test_a_level_below_substantial_and_a_malformed_pid_are_refused(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        low = await round_trip(http, patient.national_id, LOW)
        assert low.callback is not None
        await refused_without_session(live_system, patient.id, low.callback, 403, "auth.idporten_level")
        malformed = await round_trip(http, "12345678901")
        assert malformed.callback is not None
        await refused_without_session(live_system, None, malformed.callback, 401, "auth.idporten_failed")
        stranger = await round_trip(http, "not a number at all")
        assert stranger.callback is not None
        await refused_without_session(live_system, None, stranger.callback, 401, "auth.idporten_failed")


async def test_someone_not_on_the_clinics_list_is_told_so(live_system: System) -> None:
    unknown = synthetic_national_id(date(1901, 3, 4), secrets.randbelow(1000))
    async with live_system.client() as http:
        trip = await round_trip(http, unknown)
        assert trip.callback is not None
        await refused_without_session(live_system, None, trip.callback, 403, "access.not_registered")


async def test_a_browser_is_shown_the_refusal_and_sent_to_the_login_page(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        trip = await round_trip(http, patient.national_id, LOW, call_back=False)
        page = await callback(http, trip.back_to_us, trip.flow_handle, accept="text/html,application/xhtml+xml")
        assert page.status_code == 403
        assert page.headers["content-type"].startswith("text/html")
        assert 'url=/?innlogging=auth.idporten_level"' in page.text
        assert trip.query["code"] not in page.text
        assert trip.query["state"] not in page.text


@pytest.mark.parametrize("return_to", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                       "javascript:alert(1)", "evil.example", "/ok\r\nSet-Cookie: x=1"])
async def test_return_to_must_be_a_path_here(live_system: System, return_to: str) -> None:
    async with live_system.client() as http:
        answer = await http.get("/api/v1/auth/idporten/start", params={"return_to": return_to})
    assert (answer.status_code, answer.json()["code"]) == (422, "validation.return_to")
    assert "location" not in answer.headers


async def test_logout_ends_our_session_and_sends_the_browser_to_id_portens_end_session(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        trip = await round_trip(http, patient.national_id)
        assert trip.callback is not None
        cookies = set_cookies(trip.callback)
        token, csrf = cookies[SESSION_COOKIE][SESSION_COOKIE].value, cookies[CSRF_COOKIE][CSRF_COOKIE].value
        headers = {"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": csrf}
        ended = await http.post("/api/v1/auth/idporten/logout", headers=headers)
        assert ended.status_code == 200, ended.text
        url = urlsplit(ended.json()["end_session_url"])
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{live_system.idporten_issuer}/endsession"
        assert params["post_logout_redirect_uri"] == f"{live_system.gateway_url}/"
        assert params["id_token_hint"].count(".") == 2
        assert set_cookies(ended)[SESSION_COOKIE][SESSION_COOKIE]["max-age"] == "0"
        assert (await http.get("/api/v1/me", headers=headers)).status_code == 401
        async with httpx.AsyncClient(timeout=30) as browser:
            at_idporten = await browser.get(ended.json()["end_session_url"])
        assert at_idporten.status_code == 302
        assert at_idporten.headers["location"] == f"{live_system.gateway_url}/"
    assert [r["ended_at"] is not None for r in await sessions_of(live_system, patient.id)] == [True]


async def test_a_mobile_app_logs_in_with_its_own_pkce_and_uses_the_bearer_token(live_system: System) -> None:
    """The app's round trip (docs/operations.md): the system browser to ID-porten with the app's own state,
    nonce and PKCE; the redirect to the app's URI; the code handed to our API; the session as a bearer token."""
    patient = await register_patient(live_system, uuid.uuid4())
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    authorize = prepare_grant_uri(
        f"{live_system.idporten_issuer}/authorize", client_id=live_system.idporten_client_id, response_type="code",
        redirect_uri=APP_REDIRECT_URI, scope="openid profile", state=state, nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256",
        acr_values="idporten-loa-substantial")
    async with httpx.AsyncClient(timeout=30) as system_browser:
        done = await system_browser.post(authorize, data={"username": patient.national_id,
                                                          "claims": json.dumps(BANKID)})
    back = urlsplit(done.headers["location"])
    assert f"{back.scheme}:{back.path}" == APP_REDIRECT_URI
    got = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert got["state"] == state  # the app checks its own state
    async with live_system.client() as api:
        wrong = await api.post("/api/v1/auth/idporten/token", json={
            "code": got["code"], "code_verifier": secrets.token_urlsafe(48), "nonce": nonce,
            "redirect_uri": APP_REDIRECT_URI})
        assert (wrong.status_code, wrong.json()["code"]) == (401, "auth.idporten_failed")
        async with httpx.AsyncClient(timeout=30) as system_browser:  # the used code is gone: a new round trip
            done = await system_browser.post(authorize, data={"username": patient.national_id,
                                                              "claims": json.dumps(BANKID)})
        code = parse_qs(urlsplit(done.headers["location"]).query)["code"][0]
        answer = await api.post("/api/v1/auth/idporten/token", json={
            "code": code, "code_verifier": verifier, "nonce": nonce, "redirect_uri": APP_REDIRECT_URI})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["patient"]["id"] == str(patient.id)
        bearer = {"Authorization": f"Bearer {body['token']}"}
        me = await api.get("/api/v1/me", headers=bearer)
        assert me.json()["login"] == {"method": "idporten", "level": "idporten-loa-high"}
        assert (await api.get("/api/v1/appointments", headers=bearer)).status_code == 200
        assert (await api.post("/api/v1/auth/logout", headers=bearer)).status_code == 204
        assert (await api.get("/api/v1/me", headers=bearer)).status_code == 401


async def test_no_national_id_code_state_or_token_reaches_a_log(live_system: System) -> None:
    patient = await register_patient(live_system, uuid.uuid4())
    async with live_system.client() as http:
        good = await round_trip(http, patient.national_id)
        low = await round_trip(http, patient.national_id, LOW)
        forged = await round_trip(http, patient.national_id, call_back=False)
        await callback(http, forged.back_to_us.replace(forged.query["state"], "x" * 43), forged.flow_handle)
    assert good.callback is not None
    session = set_cookies(good.callback)[SESSION_COOKIE][SESSION_COOKIE].value
    secrets_seen = {patient.national_id, session, good.flow_handle, low.flow_handle}
    for trip in (good, low, forged):
        secrets_seen |= {trip.query["code"], trip.query["state"]}
        asked = parse_qs(urlsplit(trip.start.headers["location"]).query)
        secrets_seen |= {asked["nonce"][0], asked["code_challenge"][0]}
    for service in ("gateway", "identity"):
        logged = live_system.log(service)
        leaked = [s for s in secrets_seen if s in logged]
        assert not leaked, f"{service} logged a secret of the login"
        assert not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.", logged), f"{service} logged a JWT"
