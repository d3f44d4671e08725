"""Every service is served by kit.http.serve on uvloop's event loop and httptools' parser (issue 17, e)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.eventually import eventually
from tests.support.system import free_port

SERVED_APP = Path(__file__).with_name("served_app.py")


def _serve(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(SERVED_APP), str(port)])


async def test_a_served_service_runs_on_uvloop_and_httptools() -> None:
    port = free_port()
    server = _serve(port)
    try:
        async def answer() -> dict[str, str]:
            assert server.poll() is None, "the server stopped at start"
            try:
                async with httpx.AsyncClient() as client:
                    response = await client.get(f"http://127.0.0.1:{port}/served-by")
            except httpx.TransportError:
                return {}
            return dict(response.json())

        served = await eventually(answer, what="the served app")
        assert served == {"loop": "uvloop", "http": "uvicorn.protocols.http.httptools_impl"}
    finally:
        server.terminate()
        server.wait(timeout=30)
