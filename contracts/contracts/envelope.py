"""The one envelope every event travels in, and the base class of every event payload.

The envelope is what the outbox stores and what Kafka carries: the payload is the event proper, the
rest is what consumers need to route, deduplicate, order and trace it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Event(BaseModel):
    """A fact in the past tense. Subclasses name their type, version and topic as class variables.

    Payloads carry references and the minimum a consumer needs, never copies of health records and
    never a national ID.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    topic: ClassVar[str]
    description: ClassVar[str] = ""

    def aggregate_id(self) -> str:
        """The Kafka key: one aggregate's events land on one partition and stay in order."""
        raise NotImplementedError


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID = Field(description="Unique per event; consumers deduplicate on it.")
    event_type: str = Field(description="The payload's type, for example `InvoiceIssued`.")
    schema_version: int = Field(ge=1, description="Version of the payload schema.")
    occurred_at: AwareDatetime = Field(description="When the fact happened, ISO 8601 with offset.")
    correlation_id: str = Field(description="Traces one request across services.")
    aggregate_id: str = Field(description="Identity of the aggregate; also the Kafka message key.")
    payload: dict[str, Any] = Field(description="The event itself, per `event_type` and `schema_version`.")

    @classmethod
    def wrap(cls, event: Event, *, occurred_at: datetime, correlation_id: str,
             event_id: uuid.UUID | None = None) -> Envelope:
        return cls(
            event_id=event_id or uuid.uuid4(),
            event_type=event.event_type,
            schema_version=event.schema_version,
            occurred_at=occurred_at,
            correlation_id=correlation_id,
            aggregate_id=event.aggregate_id(),
            payload=event.model_dump(mode="json"),
        )
