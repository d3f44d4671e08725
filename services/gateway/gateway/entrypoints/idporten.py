"""Login with ID-porten (BankID, MinID) beside the SMS code (api.md, "Login with ID-porten").

The gateway holds the browser's side of the round trip; identity is the OpenID client (it writes the request,
exchanges the code with the client's key, checks the ID token and opens the session):

    start      identity writes an authorization request (state, nonce, PKCE verifier); the three secrets and
               where to go afterwards are kept in our database under a random handle, and the browser gets
               only the handle, in a `__Host-` cookie (SameSite=Lax: ID-porten's redirect back is a navigation
               from another site); 302 to ID-porten.
    callback   the handle's row is taken (deleted: one callback per start) and the state compared in constant
               time; the code goes to identity with the verifier and nonce; the session is completed exactly
               as after the SMS code (`complete_login`), and the browser goes to `return_to`, a path here.
    token      a mobile app's round trip, done in the system browser with its own PKCE, state and nonce: the
               app hands us the code, its verifier and nonce, and gets the session as a bearer token.
    logout     our session ends; the answer says where the browser goes to end ID-porten's (end_session).

Refusals: 401 `auth.idporten_failed`, 403 `auth.idporten_level`, 403 `access.not_registered`; none opens a
session. A browser is shown the refusal and sent to the login page, which says it in words.
"""

from __future__ import annotations

import html
import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.adapters.idporten_logins import IdPortenLogins, PendingLogin
from gateway.dependencies import services, settings
from gateway.domain.login import IdPortenFailed, local_path, same_state
from gateway.entrypoints.session import PatientSessionOut, complete_login, end_session
from kit.errors import DomainError, problem_response
from kit.runtime import ServiceRuntime

router = APIRouter(prefix="/api/v1/auth/idporten", tags=["innlogging"])


class IdPortenTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=512, description="Koden ID-porten sendte til appens redirect-URI.")
    code_verifier: str = Field(min_length=43, max_length=128, description="Appens PKCE-verifier (RFC 7636).")
    nonce: str = Field(min_length=1, max_length=256, description="Nonce-verdien appen sendte i forespørselen.")
    redirect_uri: str = Field(min_length=1, max_length=512, description="Appens registrerte redirect-URI.")


class EndSessionOut(BaseModel):
    end_session_url: str | None = Field(
        description="For en innlogging med ID-porten: send nettleseren hit for å logge ut av ID-porten også.")


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _forget_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(settings(request).idporten_cookie, secure=True, httponly=True, samesite="lax", path="/")


@router.get("/start", status_code=status.HTTP_302_FOUND, response_class=RedirectResponse,
            responses={302: {"description": "Til ID-porten (PKCE S256, state, nonce)."}})
async def start(request: Request, return_to: str | None = Query(
        default=None, max_length=512, description="En side i portalen (en sti, som /time) å komme tilbake til.")
                ) -> Response:
    """Log in with ID-porten: the browser goes to ID-porten and comes back to the callback."""
    target = local_path(return_to)
    runtime = _runtime(request)
    made = await services(request).call("identity", "POST", "/internal/idporten/authorization")
    handle, now = secrets.token_urlsafe(32), runtime.clock.now()
    seconds = settings(request).idporten_login_seconds
    async with runtime.pool.acquire() as conn:
        await IdPortenLogins(conn).add(handle, PendingLogin(made["state"], made["nonce"], made["code_verifier"],
                                                            target), now, now + timedelta(seconds=seconds))
    response = RedirectResponse(made["url"], status_code=status.HTTP_302_FOUND)
    response.set_cookie(settings(request).idporten_cookie, handle, max_age=seconds, secure=True, httponly=True,
                        samesite="lax", path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


def _refusal(request: Request, error: DomainError) -> Response:
    """A refused login: problem details for an API client; for a browser the same status with a page that sends
    it on to the login page, which tells the refusal in the portal's own words (the code only, no secret)."""
    if "text/html" not in request.headers.get("accept", ""):
        response: Response = problem_response(error, request)
    else:
        to = html.escape(f"/?innlogging={error.code}", quote=True)
        page = (f'<!doctype html><html lang="nb"><head><meta charset="utf-8"><meta http-equiv="refresh" '
                f'content="0;url={to}"><title>{html.escape(error.title)}</title></head><body><p>'
                f'{html.escape(error.title)}</p><p><a href="{to}">Tilbake til innloggingen</a></p></body></html>')
        response = HTMLResponse(page, status_code=error.status)
    _forget_cookie(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/callback", status_code=status.HTTP_302_FOUND, response_class=RedirectResponse,
            responses={302: {"description": "Innlogget: videre til `return_to`."},
                       401: {"description": "auth.idporten_failed"},
                       403: {"description": "auth.idporten_level, access.*"}})
async def callback(request: Request,
                   code: str | None = Query(default=None, max_length=512),
                   state: str | None = Query(default=None, max_length=256),
                   error: str | None = Query(default=None, max_length=128,
                                             description="ID-porten's error, e.g. access_denied when cancelled.")
                   ) -> Response:
    """ID-porten sends the browser back here with the code and the state."""
    runtime = _runtime(request)
    handle = request.cookies.get(settings(request).idporten_cookie)
    pending = None
    if handle and len(handle) <= 64:
        async with runtime.pool.acquire() as conn:
            pending = await IdPortenLogins(conn).take(handle, runtime.clock.now())
    try:
        if pending is None or not same_state(state, pending.state):
            raise IdPortenFailed()  # not started in this browser, started twice, replayed, or too old
        if error or not code:
            raise IdPortenFailed()  # cancelled at ID-porten, or its error
        issued = await services(request).call(
            "identity", "POST", "/internal/idporten/login",
            json={"code": code, "code_verifier": pending.code_verifier, "nonce": pending.nonce})
    except DomainError as refused:
        if refused.status >= 500:
            raise
        return _refusal(request, refused)
    response = RedirectResponse(pending.return_to, status_code=status.HTTP_302_FOUND)
    await complete_login(request, response, issued)
    _forget_cookie(request, response)
    return response


@router.post("/token", response_model=PatientSessionOut)
async def token(body: IdPortenTokenIn, request: Request, response: Response) -> Any:
    """A mobile app's login: after its own round trip in the system browser (PKCE, state checked by the app),
    the code, verifier and nonce give a session; the app sends its token as `Authorization: Bearer`."""
    issued = await services(request).call(
        "identity", "POST", "/internal/idporten/login", json=body.model_dump())
    return {**await complete_login(request, response, issued), "patient": issued["patient"]}


@router.post("/logout", response_model=EndSessionOut)
async def logout(request: Request, response: Response) -> Any:
    """End our session (as POST /api/v1/auth/logout does) and say where the browser goes to end ID-porten's:
    `end_session_url` (with `id_token_hint` and `post_logout_redirect_uri`), null for other sessions."""
    url = await end_session(request, response)
    response.headers["Cache-Control"] = "no-store"
    return {"end_session_url": url}


async def forget_expired_logins(runtime: ServiceRuntime) -> None:
    async with runtime.pool.acquire() as conn:
        await IdPortenLogins(conn).forget_expired(runtime.clock.now())
