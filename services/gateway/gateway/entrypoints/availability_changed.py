"""econsult's EConsultAvailabilityChanged, read by every gateway: the flag its profile pages show
(adapters/econsult_availability.py) changes at once.

No consumer group: each gateway reads every message, from the newest on (a gateway that starts later keeps no
answer from before its start). Nothing is written, so no inbox row."""

from __future__ import annotations

from contracts import topics
from contracts.events import EConsultAvailabilityChanged
from contracts.registry import event_from, parse_envelope
from gateway.adapters.econsult_availability import EConsultAvailability
from kit.logging import get_logger
from kit.messaging import current_message
from kit.runtime import ServiceRuntime

log = get_logger(__name__)


def follow_econsult_availability(runtime: ServiceRuntime, availability: EConsultAvailability) -> None:
    subscriber = runtime.broker.subscriber(
        runtime.settings.topic(topics.AVAILABILITY.name), auto_offset_reset="latest",
        fetch_max_wait_ms=runtime.settings.consumer_fetch_wait_ms, title="gateway eConsultation availability",
        description="Every gateway shows a GP's eConsultation opening as it is now (no group: each reads every "
                    "message).")

    async def on_message() -> None:
        msg = current_message(runtime.broker)
        try:
            event = event_from(parse_envelope(msg.body))
        except ValueError:
            log.warning("availability event not understood")  # the kept answer's seconds still bound it
            return
        if isinstance(event, EConsultAvailabilityChanged):
            availability.changed(event.doctor_id, event.open)

    subscriber(on_message)
