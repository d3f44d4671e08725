"""The SMS provider, spoken to over HTTP.

The API (what our provider offers and the local sink imitates):

    POST {provider}/messages
    Authorization: Bearer <api key>
    Idempotency-Key: <delivery id>
    {"to": "+4791234567", "from": "Legekontor", "text": "..."}
    -> 200/201/202 {"id": "<provider's message id>"}

The provider keeps idempotency keys: a second POST with the same key is answered with the first
message's id and sends nothing. That closes most of the crash window between the provider's acceptance
and our record of it (see notify's README): the retry after a crash is absorbed by the provider.

aiohttp, not httpx (as in the gateway): every booking, cancellation and decision is an SMS, and httpx's
transport was two thirds of notify's CPU under the bench's mix (httpcore over anyio, and an `import sniffio`
searched on sys.path at every request; bench/results/2026-11-30-profile-notify.md).
"""

from __future__ import annotations

import json

import aiohttp
from pydantic import SecretStr

from notify.adapters.errors import DeliveryFailed


class HttpSmsProvider:
    def __init__(self, url: str, api_key: SecretStr, sender: str, timeout: float) -> None:
        self._url = url.rstrip("/")
        self._api_key = api_key
        self._sender = sender
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop (aiohttp binds its session to it).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, raise_for_status=False,
                                                  connector=aiohttp.TCPConnector(limit=50, keepalive_timeout=30))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, headers: dict[str, str], message: dict[str, str]) -> tuple[int, bytes]:
        async with self._client().post(f"{self._url}/messages", headers=headers, json=message) as response:
            return response.status, await response.read()

    async def send(self, to: str, text: str, idempotency_key: str) -> str:
        """Hand one SMS to the provider; its message id on acceptance, DeliveryFailed otherwise."""
        headers = {"Idempotency-Key": idempotency_key}
        if self._api_key.get_secret_value():
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        message = {"to": to, "from": self._sender, "text": text}
        try:
            try:
                status, body = await self._post(headers, message)
            except aiohttp.ClientConnectorError:
                raise  # no connection to be had: the provider is away, and the delivery's backoff waits for it
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # A kept-alive connection the provider closed as the message went out on it (its idle timeout
                # and our reuse crossing). aiohttp tries such a request again by itself only for idempotent
                # methods; this POST is one through its Idempotency-Key (RFC 9112 9.3.1.1), so once more at once,
                # on a new connection, and the provider sends it at most once. Without this the message waited
                # the delivery's backoff (5 s): seen in make bench, one prescription SMS in twenty at idle.
                status, body = await self._post(headers, message)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryFailed(f"sms: {type(exc).__name__}") from exc
        # The reason keeps the status only: a provider's error body may echo the text (a login code).
        if status in (408, 409, 425, 429) or status >= 500:
            raise DeliveryFailed(f"sms: HTTP {status}")
        if status >= 400:
            raise DeliveryFailed(f"sms: refused, HTTP {status}", permanent=True)
        try:
            answer = json.loads(body)
            reference = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        except ValueError:
            reference = ""
        return reference or idempotency_key
