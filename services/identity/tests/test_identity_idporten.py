"""Login with ID-porten, identity's half (domain-rules.md, "Login with ID-porten"), against a provider of the
tests' own (tests/support/idporten.py): each way an ID token or a code can be wrong is refused with its code,
and none of them opens a session; a good one opens the same kind of session as the SMS code."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from services.identity.tests.conftest import WithIdPorten
from tests.support.idporten import APP_REDIRECT, CLIENT_ID, ISSUER, POST_LOGOUT, SUBSTANTIAL, WEB_REDIRECT, new_key

pytestmark = pytest.mark.stack


async def _sessions(w: WithIdPorten) -> int:
    db = await w.identity.db()
    try:
        return int(await db.fetchval("SELECT count(*) FROM sessions"))
    finally:
        await db.close()


async def _log_in(w: WithIdPorten, pid: str, *, sent_nonce: str | None = None, verifier: str | None = None,
                  redirect_uri: str | None = None, **claims: Any) -> httpx.Response:
    """The web's round trip: identity writes the request, the provider's login page gives a code, identity
    gets the code with the verifier and nonce the gateway kept."""
    made = (await w.identity.client.post("/internal/idporten/authorization")).json()
    code, _ = w.provider.log_in(made["url"], pid=pid, **claims)
    body = {"code": code, "code_verifier": verifier or made["code_verifier"], "nonce": sent_nonce or made["nonce"]}
    if redirect_uri:
        body["redirect_uri"] = redirect_uri
    return await w.identity.client.post("/internal/idporten/login", json=body)


async def _refused(w: WithIdPorten, answer: httpx.Response, status: int, code: str, before: int) -> None:
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert "token" not in answer.json()
    assert await _sessions(w) == before, "a refused login opened a session"


async def test_the_authorization_request_asks_for_a_code_with_pkce_state_nonce_and_the_level(
        with_idporten: WithIdPorten) -> None:
    made = (await with_idporten.identity.client.post("/internal/idporten/authorization")).json()
    url = urlsplit(made["url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/authorize"
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == WEB_REDIRECT
    assert params["scope"] == "openid profile"
    assert params["acr_values"] == SUBSTANTIAL
    assert params["code_challenge_method"] == "S256"
    assert (params["state"], params["nonce"]) == (made["state"], made["nonce"])
    assert made["code_verifier"] not in made["url"]  # only its S256 challenge travels
    assert min(len(made["state"]), len(made["nonce"])) >= 43
    assert len(made["code_verifier"]) >= 43
    again = (await with_idporten.identity.client.post("/internal/idporten/authorization")).json()
    assert {again[k] for k in ("state", "nonce", "code_verifier")}.isdisjoint(made.values())


async def test_a_patient_logs_in_and_gets_the_same_session_as_by_sms_with_method_and_level_recorded(
        with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, patient_id = await w.identity.patient()
    answer = await _log_in(w, national_id, acr=SUBSTANTIAL)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["patient"]["id"] == str(patient_id)
    assert (body["kind"], body["role"], body["method"], body["acr"]) == ("patient", "patient", "idporten", SUBSTANTIAL)
    by_sms = await w.identity.login(national_id)
    assert by_sms["method"] == "sms"
    assert by_sms["acr"] is None
    # The same kind of session either way: the same lifetimes (the clock stands still between the two logins).
    assert (body["expires_at"], body["idle_expires_at"]) == (by_sms["expires_at"], by_sms["idle_expires_at"])
    assert body["expires_at"].startswith(str((w.identity.clock.now() + timedelta(hours=12)).date()))
    resolved = (await w.identity.resolve(body["token"])).json()
    assert (resolved["method"], resolved["acr"]) == ("idporten", SUBSTANTIAL)
    db = await w.identity.db()
    try:
        row = await db.fetchrow("SELECT method, acr, id_token_hint IS NOT NULL AS hint FROM sessions "
                                "WHERE id = $1", uuid.UUID(body["session_id"]))
    finally:
        await db.close()
    assert (row["method"], row["acr"], row["hint"]) == ("idporten", SUBSTANTIAL, True)


async def test_logout_ends_the_session_and_says_where_to_end_id_portens(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    session = (await _log_in(w, national_id)).json()
    ended = (await w.identity.client.post("/internal/sessions/end", json={"token": session["token"]})).json()
    assert ended["ended"] is True
    assert ended["method"] == "idporten"
    url = urlsplit(ended["end_session_url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/logout"
    assert params["post_logout_redirect_uri"] == POST_LOGOUT
    assert params["id_token_hint"].count(".") == 2  # the ID token ID-porten issued for this login
    assert (await w.identity.resolve(session["token"])).status_code == 401
    db = await w.identity.db()
    try:
        assert await db.fetchval("SELECT id_token_hint FROM sessions WHERE id = $1",
                                 uuid.UUID(session["session_id"])) is None
    finally:
        await db.close()
    again = (await w.identity.client.post("/internal/sessions/end", json={"token": session["token"]})).json()
    assert again == {"ended": False, "method": None, "end_session_url": None}


@pytest.mark.parametrize(("case", "claims"), [
    ("bad signature", {"signed_by": "stranger"}),
    ("wrong audience", {"aud": "another-client"}),
    ("wrong issuer", {"iss": "https://idporten.evil"}),
    ("expired token", {"exp": "past"}),
    ("issued in the future", {"iat": "future"}),
    ("issued too long ago", {"iat": "old"}),
    ("no nonce", {"nonce": None}),
    ("pid malformed", {"pid": "12345678901"}),
    ("pid missing", {"pid": None}),
])
async def test_a_token_that_is_wrong_is_refused_without_a_session(with_idporten: WithIdPorten, case: str,
                                                                    claims: dict[str, Any]) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    now = int(w.identity.clock.now().timestamp())
    values: dict[str, Any] = dict(claims)
    if values.get("signed_by") == "stranger":
        stranger = new_key(w.provider.key.kid)  # the provider's key id, another key: the signature fails
        values["signed_by"] = stranger
    times = {"past": now - 61, "future": now + 600, "old": now - 3600}
    for key in ("exp", "iat"):
        if key in values:
            values[key] = times[values[key]]
            if key == "iat" and claims["iat"] == "old":
                values["exp"] = now + 60  # still valid by exp: only the age refuses it
    pid = values.pop("pid", national_id)
    before = await _sessions(w)
    await _refused(w, await _log_in(w, pid, **values), 401, "auth.idporten_failed", before)


async def test_a_nonce_other_than_the_requests_is_refused(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    before = await _sessions(w)
    answer = await _log_in(w, national_id, sent_nonce="a-nonce-from-another-login")
    await _refused(w, answer, 401, "auth.idporten_failed", before)


@pytest.mark.parametrize("acr", ["idporten-loa-low", "Level3", None])
async def test_a_level_below_substantial_is_refused_with_its_own_code(with_idporten: WithIdPorten,
                                                                       acr: str | None) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    before = await _sessions(w)
    await _refused(w, await _log_in(w, national_id, acr=acr), 403, "auth.idporten_level", before)


async def test_a_used_code_and_a_wrong_verifier_are_refused(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    made = (await w.identity.client.post("/internal/idporten/authorization")).json()
    code, _ = w.provider.log_in(made["url"], pid=national_id)
    body = {"code": code, "code_verifier": made["code_verifier"], "nonce": made["nonce"]}
    assert (await w.identity.client.post("/internal/idporten/login", json=body)).status_code == 200
    before = await _sessions(w)
    await _refused(w, await w.identity.client.post("/internal/idporten/login", json=body), 401,
                   "auth.idporten_failed", before)
    await _refused(w, await _log_in(w, national_id, verifier="x" * 64), 401, "auth.idporten_failed", before)
    unknown = {**body, "code": "a-code-nobody-issued"}
    await _refused(w, await w.identity.client.post("/internal/idporten/login", json=unknown), 401,
                   "auth.idporten_failed", before)


async def test_someone_not_on_the_list_is_told_so(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    before = await _sessions(w)
    await _refused(w, await _log_in(w, w.identity.unknown_id()), 403, "access.not_registered", before)


async def test_a_patient_without_a_mobile_may_log_in_and_is_restricted_as_after_the_sms_code(
        with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient(mobile=None, first_contact_done=False)
    session = await _log_in(w, national_id)
    assert session.status_code == 200, session.text
    resolved = (await w.identity.resolve(session.json()["token"])).json()
    assert resolved["restrictions"] == ["access.no_mobile", "access.first_contact_by_phone"]


async def test_a_rolled_key_is_fetched_once_and_an_unknown_one_refused(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    assert (await _log_in(w, national_id)).status_code == 200
    reads = w.provider.jwks_reads
    assert (await _log_in(w, national_id)).status_code == 200
    assert w.provider.jwks_reads == reads  # the keys are kept
    w.provider.roll_key()
    assert (await _log_in(w, national_id)).status_code == 200  # the new kid: the JWKS read again
    assert w.provider.jwks_reads == reads + 1
    before = await _sessions(w)
    await _refused(w, await _log_in(w, national_id, signed_by=new_key("never-published")), 401,
                   "auth.idporten_failed", before)


async def test_the_client_authenticates_with_a_fresh_private_key_jwt_each_time(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    for _ in range(2):
        assert (await _log_in(w, national_id)).status_code == 200
    first, second = w.provider.assertions[-2:]
    for assertion in (first, second):
        assert (assertion["iss"], assertion["sub"], assertion["aud"]) == (CLIENT_ID, CLIENT_ID, ISSUER)
        assert assertion["exp"] - assertion["iat"] <= 120
    assert first["jti"] != second["jti"]


async def test_an_app_uses_its_registered_redirect_uri_and_no_other(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    made = (await w.identity.client.post("/internal/idporten/authorization")).json()
    # The app's own request (AppAuth would write it): the same client, the app's redirect URI.
    app_url = made["url"].replace(
        "redirect_uri=" + WEB_REDIRECT.replace(":", "%3A").replace("/", "%2F"),
        "redirect_uri=" + APP_REDIRECT.replace(":", "%3A").replace("/", "%2F"))
    assert app_url != made["url"]
    code, _ = w.provider.log_in(app_url, pid=national_id)
    body = {"code": code, "code_verifier": made["code_verifier"], "nonce": made["nonce"]}
    answer = await w.identity.client.post("/internal/idporten/login", json={**body, "redirect_uri": APP_REDIRECT})
    assert answer.status_code == 200, answer.text
    before = await _sessions(w)
    await _refused(w, await _log_in(w, national_id, redirect_uri="https://evil.example/cb"), 401,
                   "auth.idporten_failed", before)


async def test_a_provider_that_is_down_is_a_503_and_no_session(with_idporten: WithIdPorten) -> None:
    w = with_idporten
    w.provider.down = True
    # The metadata was not read yet in this identity: the request cannot be written.
    answer = await w.identity.client.post("/internal/idporten/authorization")
    assert (answer.status_code, answer.json()["code"]) == (503, "idporten.unavailable")


async def test_nothing_secret_reaches_the_log(with_idporten: WithIdPorten, capsys: pytest.CaptureFixture[str]) -> None:
    w = with_idporten
    national_id, _ = await w.identity.patient()
    made = (await w.identity.client.post("/internal/idporten/authorization")).json()
    code, _ = w.provider.log_in(made["url"], pid=national_id)
    body = {"code": code, "code_verifier": made["code_verifier"], "nonce": made["nonce"]}
    ok = await w.identity.client.post("/internal/idporten/login", json=body)
    replay = await w.identity.client.post("/internal/idporten/login", json=body)
    low = await _log_in(w, national_id, acr="idporten-loa-low")
    assert (ok.status_code, replay.status_code, low.status_code) == (200, 401, 403)
    logged = capsys.readouterr().out
    for secret in (national_id, code, made["state"], made["nonce"], made["code_verifier"], ok.json()["token"]):
        assert secret not in logged
