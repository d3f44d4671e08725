"""The giro PDF of an invoice, from billing's internal API (`GET /internal/invoices/{id}/pdf`)."""

from __future__ import annotations

import re
import uuid

import httpx

from notify.adapters.errors import DeliveryFailed, GiroUnavailable

_FILENAME = re.compile(r'filename="?([A-Za-z0-9._-]{1,100})"?')


class GiroPdfs:
    def __init__(self, billing_url: str, timeout: float) -> None:
        self._url = billing_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(self, invoice_id: uuid.UUID) -> tuple[str, bytes]:
        """(file name, PDF). GiroUnavailable while billing cannot answer; DeliveryFailed if it has no such giro."""
        try:
            response = await self._client.get(f"{self._url}/internal/invoices/{invoice_id}/pdf")
        except httpx.HTTPError as exc:
            raise GiroUnavailable(type(exc).__name__) from exc
        if response.status_code == 404:
            raise DeliveryFailed("giro: billing has no such invoice")
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise GiroUnavailable(f"HTTP {response.status_code}")
        named = _FILENAME.search(response.headers.get("content-disposition", ""))
        return (named.group(1) if named else f"faktura-{invoice_id}.pdf"), response.content
