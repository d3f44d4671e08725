"""The refresh of the sessions this gateway keeps (adapters/session_cache.py): every few seconds, one call to
identity for up to 300 of them, however many requests they made meanwhile. What identity leaves out has
ended and is forgotten; the rest are trusted for the cache's seconds again, with their facts as they are now; and
identity learns when each was last used here, so its idle end counts from the last request served from memory.

If identity cannot be asked, nothing is refreshed: the kept answers run out after the cache's seconds and each
request asks identity for itself, as with no cache at all."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from gateway.auth import principal_from
from gateway.dependencies import Gateway
from gateway.domain.principal import Principal
from kit.logging import get_logger
from kit.runtime import Hook, ServiceRuntime

log = get_logger(__name__)

CHUNK = 300  # identity's limit per call (POST /internal/sessions/refresh: its bodies stay under 64 KiB)


def refreshing_kept_sessions(state: Gateway) -> Hook:
    async def refresh_kept_sessions(runtime: ServiceRuntime) -> None:
        cache = state.session_cache
        kept = list(cache.to_refresh().items())
        for start in range(0, len(kept), CHUNK):
            asked = dict(kept[start:start + CHUNK])
            started = time.monotonic()
            found = await state.services.call("identity", "POST", "/internal/sessions/refresh", json={"sessions": [
                {"id": session_id, "used_at": used_at.isoformat() if used_at else None, "facts": facts}
                for session_id, (used_at, facts) in asked.items()]})
            cache.refreshed(asked, started, {doc["session_id"]: _refreshed(doc) for doc in found["sessions"]})
    return refresh_kept_sessions


def _refreshed(doc: dict[str, Any]) -> tuple[Principal | None, datetime, str]:
    """A live session: its facts in full when identity sent them (they differ from ours), and when it ends."""
    ends = min(datetime.fromisoformat(doc["expires_at"]), datetime.fromisoformat(doc["idle_expires_at"]))
    return (principal_from(doc["session"])[0] if doc["session"] else None), ends, doc["facts"]
