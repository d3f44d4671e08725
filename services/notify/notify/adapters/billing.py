"""The giro PDF of an invoice, from billing's internal API (`GET /internal/invoices/{id}/pdf`)."""

from __future__ import annotations

import re
import uuid

import aiohttp

from notify.adapters.errors import DeliveryFailed, GiroUnavailable

_FILENAME = re.compile(r'filename="?([A-Za-z0-9._-]{1,100})"?')


class GiroPdfs:
    def __init__(self, billing_url: str, timeout: float) -> None:
        self._url = billing_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop (aiohttp binds its session to it).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, raise_for_status=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def fetch(self, invoice_id: uuid.UUID) -> tuple[str, bytes]:
        """(file name, PDF). GiroUnavailable while billing cannot answer; DeliveryFailed if it has no such giro."""
        try:
            async with self._client().get(f"{self._url}/internal/invoices/{invoice_id}/pdf") as response:
                status, content = response.status, await response.read()
                disposition = response.headers.get("content-disposition", "")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise GiroUnavailable(type(exc).__name__) from exc
        if status == 404:
            raise DeliveryFailed("giro: billing has no such invoice")
        if status != 200 or not content.startswith(b"%PDF"):
            raise GiroUnavailable(f"HTTP {status}")
        named = _FILENAME.search(disposition)
        return (named.group(1) if named else f"faktura-{invoice_id}.pdf"), content
