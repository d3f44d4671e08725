"""eportal's event contracts: the envelope, the events, their topics and versions."""

from contracts.envelope import Envelope, Event
from contracts.registry import EVENTS_BY_TYPE, event_from, parse_envelope

__all__ = ["EVENTS_BY_TYPE", "Envelope", "Event", "event_from", "parse_envelope"]
