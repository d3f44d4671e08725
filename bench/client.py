"""The bench's HTTP client for the measured requests made from Python: the booking rush, the event latency probes,
the table's growth and the big bodies (the traffic mix has its own generator, bench/generator): aiohttp (its C
parser, asyncio's own transports).

It shares the machine's two cores with the system it measures, so every millisecond it spends is taken from the
gateway and the services. With httpx it spent 25 ms of CPU per booking try in the rush (more than the whole system
under test: `bench/results/2026-11-29-rush-after-patch.json`), most of it httpcore's pool bookkeeping over anyio; the
gateway's own hops left httpx for aiohttp for the same reason (issue 17). Set-up (staff, imports, log-ins) still goes
through httpx: it is not measured.

Answers are read with orjson: the slot search's list (hundreds of slots, every try of the rush chooses from it) read
with the standard library's json was 44 % of the Python generator's CPU at the mix's maximum (py-spy), when the mix
still ran from here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

# What a request of the measured traffic may fail with besides an answer: the generator counts it as an error.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content) if self.content else None

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class Client:
    """`get`/`post`/`delete` against the gateway, each read whole into an `Answer` (the connection back in the
    pool at once). `connections` caps the requests in flight; more wait in aiohttp's queue."""

    def __init__(self, base_url: str, *, connections: int = 200, timeout: float = 60) -> None:
        self._base = base_url.rstrip("/")
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections, ttl_dns_cache=None),
            timeout=aiohttp.ClientTimeout(total=timeout), skip_auto_headers=("User-Agent",))

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                      params: dict[str, str] | None = None, json: Any = None) -> Answer:
        async with self._session.request(method, self._base + path, headers=headers, params=params,
                                         json=json) as response:
            return Answer(response.status, await response.read())

    async def get(self, path: str, **kw: Any) -> Answer:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Answer:
        return await self.request("POST", path, **kw)

    async def delete(self, path: str, **kw: Any) -> Answer:
        return await self.request("DELETE", path, **kw)

    async def aclose(self) -> None:
        await self._session.close()
