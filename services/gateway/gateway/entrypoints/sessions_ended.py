"""identity's SessionEnded and SessionActingForChanged, read by every gateway: the session it may keep
(adapters/session_cache.py) is forgotten at once, so a logout, or a guardian's switch to another child, through
any replica takes effect on all of them within the event's way here (tens of milliseconds), and within the
cache's seconds at worst (the broker away).

No consumer group: each gateway reads every message, from the newest on (a gateway that starts later keeps no
session from before its start, so it has nothing older to forget). Nothing is written, so no inbox row."""

from __future__ import annotations

from contracts import topics
from contracts.events import SessionActingForChanged, SessionEnded
from contracts.registry import event_from, parse_envelope
from gateway.adapters.session_cache import SessionCache
from kit.logging import get_logger
from kit.messaging import current_message
from kit.runtime import ServiceRuntime

log = get_logger(__name__)


def forget_ended_sessions(runtime: ServiceRuntime, cache: SessionCache) -> None:
    subscriber = runtime.broker.subscriber(
        runtime.settings.topic(topics.SESSIONS.name), auto_offset_reset="latest",
        fetch_max_wait_ms=runtime.settings.consumer_fetch_wait_ms, title="gateway sessions ended",
        description="Every gateway forgets an ended session at once (no group: each reads every message).")

    async def on_message() -> None:
        msg = current_message(runtime.broker)
        try:
            event = event_from(parse_envelope(msg.body))
        except ValueError:
            log.warning("session event not understood")  # nothing to forget; the cache's seconds still bound it
            return
        if isinstance(event, SessionEnded | SessionActingForChanged):
            cache.forget_session(str(event.session_id))

    subscriber(on_message)
