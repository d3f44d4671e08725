"""econsult's EConsultAvailabilityChanged, read by every gateway: the flag its profile pages show
(adapters/econsult_availability.py) changes at once, on every replica (kit.messaging.follow_every_message)."""

from __future__ import annotations

from contracts import topics
from contracts.envelope import Event
from contracts.events import EConsultAvailabilityChanged
from gateway.adapters.econsult_availability import EConsultAvailability
from kit.messaging import follow_every_message
from kit.runtime import ServiceRuntime


def follow_econsult_availability(runtime: ServiceRuntime, availability: EConsultAvailability) -> None:
    def apply(event: Event) -> None:
        if isinstance(event, EConsultAvailabilityChanged):
            availability.changed(event.doctor_id, event.open)

    follow_every_message(runtime.broker, runtime.settings, topics.AVAILABILITY.name, apply,
                         title="gateway eConsultation availability",
                         description="Every gateway shows a GP's eConsultation opening as it is now (no group: each "
                                     "reads every message).")
