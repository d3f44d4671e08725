"""The SMS provider's adapter over a real socket: a kept-alive connection the provider closes just as a message goes
out on it is tried again at once with the same Idempotency-Key (the provider sends it at most once); a provider
that cannot be reached is not, and the delivery's backoff waits for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr

from notify.adapters.errors import DeliveryFailed
from notify.adapters.sms import HttpSmsProvider


@dataclass
class Provider:
    """An HTTP/1.1 server that answers every message, except that on its first connection it closes the socket when
    a second request arrives on it, unanswered: a provider's idle timeout crossing a client's reuse."""

    received: list[tuple[int, str]] = field(default_factory=list)  # (connection, Idempotency-Key)
    connections: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection, requests = self.connections, 0
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
                fields = {k.lower(): v for k, v in headers.items()}
                await reader.readexactly(int(fields.get("content-length", "0")))
                requests += 1
                self.received.append((connection, fields["idempotency-key"]))
                if connection == 1 and requests == 2:
                    return  # closed, unanswered
                body = json.dumps({"id": f"msg-{len(self.received)}"}).encode()
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def provider_on_a_port() -> AsyncIterator[tuple[Provider, str]]:
    provider = Provider()
    server = await asyncio.start_server(provider.serve, "127.0.0.1", 0)
    try:
        yield provider, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_connection_closed_as_a_message_went_out_on_it_is_tried_again_at_once_with_the_same_key() -> None:
    async with provider_on_a_port() as (provider, url):
        sms = HttpSmsProvider(url, SecretStr("key"), "Legekontor", timeout=5)
        try:
            assert await sms.send("+4791110001", "Timen din er bestilt.", "delivery-1") == "msg-1"
            # The second message goes out on the kept-alive connection, which the provider closes unanswered.
            assert await sms.send("+4791110002", "Timen din er avbestilt.", "delivery-2") == "msg-3"
        finally:
            await sms.close()
    assert provider.received == [(1, "delivery-1"), (1, "delivery-2"), (2, "delivery-2")]


async def test_a_provider_that_cannot_be_reached_is_not_tried_again_at_once() -> None:
    async with provider_on_a_port() as (_, url):
        pass  # the port is free again: nothing listens on it
    sms = HttpSmsProvider(url, SecretStr("key"), "Legekontor", timeout=5)
    try:
        with pytest.raises(DeliveryFailed, match="ClientConnectorError"):
            await sms.send("+4791110003", "Timen din er bestilt.", "delivery-3")
    finally:
        await sms.close()
