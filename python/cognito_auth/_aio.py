"""asyncio bridge: work runs on the core's I/O threads and its result is handed to the
event loop with ``call_soon_threadsafe``, so awaiting never blocks the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def _settle(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


async def run(start: Callable[..., None], *args: Any) -> Any:
    """Calls ``start(*args, done)``; ``done(ok, value)`` is called from another thread."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Any] = loop.create_future()

    def done(ok: bool, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(_settle, fut, ok, value)
        except RuntimeError:
            pass  # the loop was closed while the work ran: nobody is waiting

    start(*args, done)
    return await fut
