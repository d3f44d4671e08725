"""The sender: sends queued deliveries after their commit, retries with exponential backoff, and keeps
each delivery's state (queued, sent, failed after N tries with a dead-letter record, or withdrawn).

A delivery due when it is queued is handed to this process's sender as the consumer's transaction commits, queued
already claimed (`hand_over`: no wake-up, no claim statement, no wait; a login code goes at once). A delivery queued
where no sender runs (this one starting or stopping) wakes any sender by LISTEN/NOTIFY at that commit, and the poll
finds retries and reminders that have come due. A delivery is claimed with a lease and its try counted before the
provider is called, and recorded as sent right after the provider accepts it: the deliveries accepted at the
same moment together, in one round trip (`SentRecords`: at once if no write is running, else in the one after
it), each send done only once its record is committed. The one window left is a crash between those two
moments: the lease expires and the delivery is tried again. The SMS provider receives the delivery id as its
idempotency key and absorbs that second try; SMTP has none, so an e-mail may then arrive twice (with the
same Message-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

import asyncpg
from opentelemetry.trace import Tracer
from prometheus_client import Counter

from kit.backoff import exponential_backoff
from kit.clock import Clock
from kit.logging import get_logger
from kit.telemetry import continued
from kit.telemetry import tracer as make_tracer
from kit.worker import NotifiedWorker
from notify.adapters import repository as repo
from notify.adapters.errors import DeliveryFailed, GiroUnavailable
from notify.adapters.mail import Attachment
from notify.domain.rules import send_from
from notify.settings import NotifySettings

log = get_logger(__name__)

OUTCOMES = Counter("eportal_notify_deliveries_total", "Delivery outcomes", ["channel", "outcome"])


class SmsChannel(Protocol):
    async def send(self, to: str, text: str, idempotency_key: str) -> str: ...


class MailChannel(Protocol):
    async def send(self, to: str, subject: str, body: str, delivery_id: str,
                   attachments: tuple[Attachment, ...] = ()) -> str: ...


class Giros(Protocol):
    async def fetch(self, invoice_id: uuid.UUID) -> tuple[str, bytes]: ...


def backoff(settings: NotifySettings, tries: int) -> timedelta:
    """After the n-th failed try: base, 2 x base, 4 x base, ... up to the cap."""
    return timedelta(seconds=exponential_backoff(settings.delivery_backoff_seconds, tries - 1,
                                                 most=settings.delivery_backoff_max_seconds))


class SentRecords:
    """Deliveries the provider accepted, recorded as sent by group commit: those accepted while a write is on its
    way go together in the next, one round trip (no BEGIN/COMMIT) instead of a transaction each. A send is done
    only when its own record is committed; if the write fails, so does each of its sends (logged: the lease runs
    out and the delivery is tried again, which the provider's idempotency key absorbs)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[asyncpg.Record, str, datetime, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, row: asyncpg.Record, reference: str, sent_at: datetime) -> None:
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, reference, sent_at, written))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all(), name="notify-sent-records")
        await asyncio.shield(written)  # a send that is cancelled (a stop) does not cancel the others' write

    async def stop(self) -> None:
        """Cut off like a send in flight at a stop: the deliveries of a write that did not commit are tried again
        once their lease runs out."""
        if self._writing is not None:
            self._writing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writing
            self._writing = None

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._pool.acquire() as conn:
                    await repo.record_sent(conn, [(row, reference, at) for row, reference, at, _ in batch])
            except Exception as exc:
                for *_, written in batch:
                    if not written.done():
                        written.set_exception(exc)
                continue
            for *_, written in batch:
                if not written.done():
                    written.set_result(None)


class Sender:
    def __init__(self, pool: asyncpg.Pool, clock: Clock, settings: NotifySettings, sms: SmsChannel,
                 mail: MailChannel, giros: Giros, tracer: Tracer | None = None) -> None:
        self._pool = pool
        self._tracer = tracer or make_tracer(None)
        self._clock = clock
        self._settings = settings
        self._sms = sms
        self._mail = mail
        self._giros = giros
        self._sent = SentRecords(pool)
        self._worker = NotifiedWorker("notify-sender", pool, repo.WAKE_CHANNEL, self.send_due,
                                      idle_seconds=settings.sender_poll_seconds,
                                      retry_seconds=settings.sender_poll_seconds)
        self._handed: set[asyncio.Task[None]] = set()
        # Handed-over sends at once at most as many as a claim takes: a backlog applied in one batch does not open a
        # connection to the provider for each of its messages (and `lease` hands no more over once that many are held).
        self._sending = asyncio.Semaphore(settings.sender_batch)
        self._running = False

    @property
    def running(self) -> bool:
        """Started and not stopping: deliveries may be handed to it."""
        return self._running

    @property
    def lease(self) -> timedelta | None:
        """The lease a delivery is queued under for this sender to take at commit; None while it has as many in hand
        as it sends at once (a backlog applied in batches): those wait unclaimed for a claim, which takes only what
        it can send, so no lease runs out on a delivery still waiting here to be sent."""
        if len(self._handed) >= self._settings.sender_batch:
            return None
        return timedelta(seconds=self._settings.sender_lease_seconds)

    async def start(self) -> None:
        await self._worker.start()
        self._running = True

    async def stop(self) -> None:
        self._running = False
        await self._worker.stop()
        for task in list(self._handed):  # cut off like a send in flight: the lease gives them again
            task.cancel()
        await asyncio.gather(*self._handed, return_exceptions=True)
        await self._sent.stop()

    def hand_over(self, rows: list[asyncpg.Record]) -> None:
        """Deliveries the consumer queued already claimed (`repository.add_deliveries` with this sender's lease),
        handed over as its transaction commits: each sent now, as a claimed one is. If this process dies first, the
        lease runs out and any sender claims them."""
        if not self._running:
            return  # stopping: the lease gives them to a sender again
        for row in rows:
            task = asyncio.create_task(self._handed_send(row), name="notify-handed-delivery")
            self._handed.add(task)
            task.add_done_callback(self._handed.discard)

    async def _handed_send(self, row: asyncpg.Record) -> None:
        try:
            async with self._sending:
                await self._traced(row)
        except Exception as exc:  # the record was not written (database away): the lease gives it again
            log.warning("handed delivery not recorded; it will be tried again", delivery_id=str(row["id"]),
                        error=type(exc).__name__)

    def wake(self) -> None:
        self._worker.wake()

    async def send_due(self) -> int:
        """Claim what is due and send it. Returns how many were claimed."""
        now = self._clock.now()
        async with self._pool.acquire() as conn:  # one statement: no BEGIN/COMMIT around it
            rows = await repo.claim_due(conn, now, self._settings.sender_batch,
                                        timedelta(seconds=self._settings.sender_lease_seconds))
        # Each delivery on its own: one slow or failing message never holds up the others.
        await asyncio.gather(*(self._traced(row) for row in rows))
        return len(rows)

    async def _traced(self, row: asyncpg.Record) -> None:
        """The delivery in the trace of the event that queued it (kit/telemetry.py): kind and channel only."""
        with continued(self._tracer, f"notify sends {row['channel']}", row["trace_context"],
                       attributes={"eportal.delivery_kind": row["kind"], "eportal.channel": row["channel"]}):
            await self._deliver(row)

    async def _deliver(self, row: asyncpg.Record) -> None:
        now = self._clock.now()
        if row["expires_at"] is not None and now >= row["expires_at"]:
            await self._finish(row, "failed", lambda c: repo.record_failed(c, row, "expired", now, dead_letter=False))
            return
        allowed = send_from(row["kind"], now)
        if allowed > now:  # a reminder that came due in the night (the sender was away): wait for 08:00
            await self._record(lambda c: repo.record_deferred(c, row, "quiet hours", now, allowed, counts=False))
            return
        try:
            reference = await self._send(row)
        except GiroUnavailable as exc:
            until = now + backoff(self._settings, row["deferrals"] + 1)
            log.warning("giro not available; the invoice e-mail waits", delivery_id=str(row["id"]),
                        error=str(exc))
            await self._record(lambda c: repo.record_deferred(c, row, "giro unavailable", now, until, counts=True))
            return
        except DeliveryFailed as exc:
            await self._failed(row, exc, now)
            return
        except Exception as exc:  # a bug must not lose the delivery: count it as a failed try
            log.exception("delivery raised", delivery_id=str(row["id"]))
            await self._failed(row, DeliveryFailed(f"error: {type(exc).__name__}"), now)
            return
        # Recorded at once (with those accepted meanwhile): this is the crash window the module docstring describes.
        await self._sent.record(row, reference, self._clock.now())
        self._count(row, "sent")

    async def _send(self, row: asyncpg.Record) -> str:
        delivery_id = str(row["id"])
        if row["channel"] == "sms":
            return await self._sms.send(row["address"], row["body"], delivery_id)
        attachments: tuple[Attachment, ...] = ()
        if row["giro_invoice_id"] is not None:  # never without the giro
            filename, pdf = await self._giros.fetch(row["giro_invoice_id"])
            attachments = (Attachment(filename, pdf),)
        return await self._mail.send(row["address"], row["subject"] or "", row["body"], delivery_id, attachments)

    async def _failed(self, row: asyncpg.Record, exc: DeliveryFailed, now: datetime) -> None:
        if exc.permanent or row["attempts"] >= self._settings.delivery_max_attempts:
            await self._finish(row, "failed", lambda c: repo.record_failed(c, row, exc.reason, now))
            log.error("delivery failed for good", delivery_id=str(row["id"]), kind=row["kind"],
                      channel=row["channel"], attempts=row["attempts"], error=exc.reason)
            return
        retry_at = send_from(row["kind"], now + backoff(self._settings, row["attempts"]))
        await self._record(lambda c: repo.record_retry(c, row, exc.reason, now, retry_at))
        OUTCOMES.labels(row["channel"], "retry").inc()
        log.warning("delivery failed; will retry", delivery_id=str(row["id"]), kind=row["kind"],
                    channel=row["channel"], attempt=row["attempts"], error=exc.reason)

    async def _finish(self, row: asyncpg.Record, outcome: str, write: Any) -> None:
        await self._record(write)
        self._count(row, outcome)

    @staticmethod
    def _count(row: asyncpg.Record, outcome: str) -> None:
        OUTCOMES.labels(row["channel"], outcome).inc()
        if outcome == "sent":
            log.info("delivered", delivery_id=str(row["id"]), kind=row["kind"], channel=row["channel"],
                     attempts=row["attempts"])

    async def _record(self, write: Any) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await write(conn)
