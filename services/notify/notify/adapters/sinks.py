"""The local SMTP server and SMS sink for development and tests: they accept what notify sends and keep
it in memory, newest first, for `GET /internal/dev/sms` and `/internal/dev/mail` (the gateway's /dev/...).

They run inside notify's process on ports of their own and speak the real protocols (SMTP through
aiosmtpd, the SMS provider's HTTP API), so notify's adapters are the production code path. The SMS sink
honours idempotency keys as a provider does. Tests can make it fail for chosen numbers or the next N
messages, to stand in for a provider that is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

KEPT = 2000  # messages kept per sink; a development sink, not an archive


@dataclass
class SmsSink:
    """Stands in for the SMS provider. `fail_next` answers that many requests with 503 first;
    `fail_for` answers 503 to every message for those numbers."""

    fail_next: int = 0
    fail_for: set[str] = field(default_factory=set)
    received: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT))
    requests: int = 0
    _by_key: dict[str, str] = field(default_factory=dict)

    def app(self) -> Starlette:
        """The provider's one route, on Starlette alone: it runs in notify's process, and under load FastAPI's
        layers (its dependency solving for one header) cost more a message than notify's own sending of it."""
        async def accept(request: Request) -> JSONResponse:
            body = await request.json()
            idempotency_key = request.headers.get("idempotency-key")
            self.requests += 1
            if self.fail_next > 0 or body.get("to") in self.fail_for:
                self.fail_next = max(0, self.fail_next - 1)
                return JSONResponse({"error": "unavailable"}, status_code=503)
            if idempotency_key and idempotency_key in self._by_key:
                return JSONResponse({"id": self._by_key[idempotency_key], "duplicate": True}, status_code=200)
            message_id = str(uuid.uuid4())
            if idempotency_key:
                self._by_key[idempotency_key] = message_id
            self.received.appendleft({"id": message_id, "to": body.get("to"), "from": body.get("from"),
                                      "text": body.get("text"), "received_at": datetime.now(UTC).isoformat()})
            return JSONResponse({"id": message_id}, status_code=201)

        return Starlette(routes=[Route("/messages", accept, methods=["POST"])])

    def to(self, number: str | None) -> list[dict[str, Any]]:
        return [m for m in self.received if number is None or m["to"] == number]


@dataclass
class MailSink:
    """An SMTP server (aiosmtpd) that keeps every message it is given."""

    received: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        body = msg.get_body(preferencelist=("plain",))
        attachments = [{"filename": part.get_filename(), "content_type": part.get_content_type(),
                        "size": len(part.get_payload(decode=True) or b"")} for part in msg.iter_attachments()]
        for rcpt in envelope.rcpt_tos:
            self.received.appendleft({
                "id": str(uuid.uuid4()), "to": rcpt, "from": envelope.mail_from, "subject": str(msg["Subject"]),
                "text": body.get_content() if body is not None else "", "attachments": attachments,
                "message_id": str(msg["Message-ID"]), "received_at": datetime.now(UTC).isoformat()})
        return "250 OK"

    def to(self, address: str | None) -> list[dict[str, Any]]:
        return [m for m in self.received if address is None or m["to"].lower() == address.lower()]


class _QuietServer(uvicorn.Server):
    """uvicorn inside another server's process: the host process owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An ASGI app served on a port of its own inside the running event loop."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        # Idle connections kept longer than notify's client keeps them (30 s), as kit.http.serve does for the
        # services: uvicorn's 5 s closed them under the client, now and then just as a message went out on one.
        self._server = _QuietServer(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False,
                                                   timeout_keep_alive=75))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]), name=f"http-{self.port}")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sock.close()


class SmtpServer:
    """aiosmtpd's SMTP protocol on a port of its own inside the running event loop (no thread)."""

    def __init__(self, handler: MailSink, host: str, port: int) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self.port = port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self._handler, hostname="eportal-mail-sink", loop=loop), self._host, self._port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
