"""identity's SessionEnded and SessionActingForChanged, read by every gateway: the session it may keep
(adapters/session_cache.py) is forgotten at once, so a logout, or a guardian's switch to another child, through
any replica takes effect on all of them within the event's way here (tens of milliseconds), and within the
cache's seconds at worst (the broker away). Every gateway reads every message (kit.messaging.follow_every_message)."""

from __future__ import annotations

from contracts import topics
from contracts.envelope import Event
from contracts.events import SessionActingForChanged, SessionEnded
from gateway.adapters.session_cache import SessionCache
from kit.messaging import follow_every_message
from kit.runtime import ServiceRuntime


def forget_ended_sessions(runtime: ServiceRuntime, cache: SessionCache) -> None:
    def apply(event: Event) -> None:
        if isinstance(event, SessionEnded | SessionActingForChanged):
            cache.forget_session(str(event.session_id))

    follow_every_message(runtime.broker, runtime.settings, topics.SESSIONS.name, apply,
                         title="gateway sessions ended",
                         description="Every gateway forgets an ended session at once (no group: each reads every "
                                     "message).")
