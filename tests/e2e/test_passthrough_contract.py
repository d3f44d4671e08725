"""Answers the gateway passes on unparsed (Services.forward) must already be in the public shape: the
service's model and the gateway's documented one are the same fields of the same types."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from booking.entrypoints.schemas import FreeSlotsOut as BookingFreeSlots
from gateway.entrypoints.booking import FreeSlotsOut as PublicFreeSlots


def shape(model: type[BaseModel]) -> Any:
    """The model's JSON schema without titles and descriptions: fields, types, formats, what is required."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("title", "description")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return strip(model.model_json_schema(mode="serialization"))


def test_the_slot_search_booking_writes_is_the_public_answer() -> None:
    assert shape(BookingFreeSlots) == shape(PublicFreeSlots)


def test_the_comparison_sees_a_field_more() -> None:
    class Leaky(PublicFreeSlots):
        internal_note: str

    assert shape(Leaky) != shape(PublicFreeSlots)
