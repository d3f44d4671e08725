"""A service-shaped process for test_served_by.py: one route served by kit.http.serve, as `python -m <service>`
serves every service, that answers which event loop and which HTTP parser carried the request."""

from __future__ import annotations

import asyncio
import sys

from fastapi import FastAPI

from kit.http import serve

app = FastAPI()


@app.get("/served-by")
async def served_by() -> dict[str, str]:
    # The task running this request is the protocol's: its coroutine's module names the parser
    # (uvicorn.protocols.http.httptools_impl or h11_impl).
    task = asyncio.current_task()
    coro = task.get_coro() if task is not None else None
    frame = getattr(coro, "cr_frame", None)
    return {"loop": type(asyncio.get_running_loop()).__module__,
            "http": frame.f_globals.get("__name__", "?") if frame is not None else "?"}


serve(app, "127.0.0.1", int(sys.argv[1]))
