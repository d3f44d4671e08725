"""No span carries a secret of a login through ID-porten (issue 20): the gateway and identity in this process
with tracing on (spans kept in memory), ID-porten the tests' own provider. A browser's round trip, a replay
of its callback and a level below substantial; then no span attribute, event or status may hold the national
ID, the code, the state, the nonce, the PKCE challenge, the round trip's handle, the ID token or the session
token."""

from __future__ import annotations

import json
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.bootstrap import build as build_gateway
from identity.bootstrap import build as build_identity
from kit.clock import SystemClock
from tests.e2e.test_tracing import exporter, flushed, texts  # noqa: F401  (exporter is a fixture)
from tests.support.idporten import CLIENT_ID, CLIENT_KEY, ISSUER, Provider
from tests.support.portal import register_patient
from tests.support.services import StackEnv, serving
from tests.support.system import System, free_port

pytestmark = pytest.mark.stack


def _cookie(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie[name].value
    raise AssertionError(f"no {name} cookie")


async def test_no_span_carries_a_secret_of_the_login(stack_env: StackEnv, exporter: InMemorySpanExporter,  # noqa: F811
                                                     tmp_path: Path) -> None:
    provider = Provider(SystemClock())
    ports = {s: free_port() for s in ("identity", "gateway")}
    urls = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}
    prefix = stack_env.fresh_prefix()
    identity = build_identity(stack_env.settings(
        "identity", topic_prefix=prefix, http_port=ports["identity"], idporten_issuer=ISSUER,
        idporten_client_id=CLIENT_ID, idporten_client_key=json.dumps(CLIENT_KEY.as_dict(private=True)),
        idporten_web_redirect_uri=f"{urls['gateway']}/api/v1/auth/idporten/callback"),
        idporten_transport=httpx.ASGITransport(app=provider.app()))
    gateway = build_gateway(stack_env.settings("gateway", topic_prefix=prefix, http_port=ports["gateway"],
                                               identity_url=urls["identity"]))
    providers = [app.state.runtime.tracer_provider for app in (identity, gateway)]
    system = System(gateway_url=urls["gateway"], service_urls=urls, dsns=stack_env.dsns, topic_prefix=prefix,
                    clock_file=tmp_path / "clock", logs=tmp_path)
    secrets_seen: set[str] = set()
    async with serving(identity, ports["identity"]), serving(gateway, ports["gateway"]), system.client() as http:
        patient = await register_patient(system, uuid.uuid4())
        secrets_seen.add(patient.national_id)
        for acr in ("idporten-loa-high", "idporten-loa-low"):
            start = await http.get("/api/v1/auth/idporten/start", params={"return_to": "/time"})
            assert start.status_code == 302, start.text
            handle = _cookie(start, "__Host-eportal_idporten")
            asked = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
            code, _ = provider.log_in(start.headers["location"], pid=patient.national_id, acr=acr)
            back = f"/api/v1/auth/idporten/callback?code={code}&state={asked['state']}"
            answer = await http.get(back, headers={"Cookie": f"__Host-eportal_idporten={handle}"})
            secrets_seen |= {handle, code, asked["state"], asked["nonce"], asked["code_challenge"]}
            if acr == "idporten-loa-high":
                assert answer.status_code == 302, answer.text
                secrets_seen.add(_cookie(answer, "__Host-eportal_session"))
                replay = await http.get(back, headers={"Cookie": f"__Host-eportal_idporten={handle}"})
                assert replay.status_code == 401
            else:
                assert answer.status_code == 403
        secrets_seen |= {c for c in provider.codes}
    spans = flushed(exporter, providers)
    assert {s.name for s in spans if s.name.startswith("GET /api/v1/auth/idporten/")} == {
        "GET /api/v1/auth/idporten/start", "GET /api/v1/auth/idporten/callback"}
    carried = "\n".join(t for span in spans for t in texts(span))
    leaked = [s for s in secrets_seen if s in carried]
    assert not leaked, "a span carries a secret of the login"
    assert "eyJ" not in carried  # no JWT (the ID token, the client assertion)
