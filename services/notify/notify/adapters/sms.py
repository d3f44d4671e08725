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
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from notify.adapters.errors import DeliveryFailed


class HttpSmsProvider:
    def __init__(self, url: str, api_key: SecretStr, sender: str, timeout: float) -> None:
        self._url = url.rstrip("/")
        self._api_key = api_key
        self._sender = sender
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, to: str, text: str, idempotency_key: str) -> str:
        """Hand one SMS to the provider; its message id on acceptance, DeliveryFailed otherwise."""
        headers = {"Idempotency-Key": idempotency_key}
        if self._api_key.get_secret_value():
            headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
        try:
            response = await self._client.post(f"{self._url}/messages", headers=headers,
                                               json={"to": to, "from": self._sender, "text": text})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"sms: {type(exc).__name__}") from exc
        # The reason keeps the status only: a provider's error body may echo the text (a login code).
        if response.status_code in (408, 409, 425, 429) or response.status_code >= 500:
            raise DeliveryFailed(f"sms: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryFailed(f"sms: refused, HTTP {response.status_code}", permanent=True)
        try:
            reference = str(response.json().get("id", ""))
        except ValueError:
            reference = ""
        return reference or idempotency_key
