"""A small misbehaving API for tests: echoes the Authorization header, answers empty URLs,
huge or trickling bodies. Served on 127.0.0.1:0 like the sandbox (``serve_rogue``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

from batch_enrol.sandbox import serve_in_thread


class Rogue:
    """``behaviour``: echo-401/echo-403/echo-422/echo-500, echo-reject, echo-upper-reject (the bare token upper-cased), empty-url, huge, huge-chunked, trickle,
    retry-after-N (429 with ``Retry-After: N`` to every call), retry-after-once-N (that to the first call, then 200s)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.calls = 0

    async def app(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.calls += 1
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        kind = self.behaviour
        if kind.startswith("echo-") and kind[5:].isdigit():
            body = {"error": f"Invalid JWT: {auth}", "name": auth, "detail": {"headers": {"authorization": auth}}}
            await _answer(send, int(kind[5:]), json.dumps(body).encode())
        elif kind == "echo-reject":
            body = {"status": "ai_reject", "interview_url": "https://x/i/1", "reason": f"rejected for {auth}"}
            await _answer(send, 200, json.dumps(body).encode())
        elif kind == "echo-upper-reject":
            body = {"status": "ai_reject", "interview_url": "https://x/i/1", "reason": f"no: {auth.removeprefix('Bearer ').upper()}"}
            await _answer(send, 200, json.dumps(body).encode())
        elif kind.startswith("retry-after-"):
            seconds = kind.removeprefix("retry-after-").removeprefix("once-")
            if "once" in kind and self.calls > 1:
                await _answer(send, 200, b'{"status": "ai_accept", "interview_url": "https://x/i/1"}')
            else:
                await _answer(send, 429, b'{"error": "Too many requests"}', [(b"retry-after", seconds.encode())])
        elif kind == "empty-url":
            await _answer(send, 200, b'{"status": "ai_accept", "interview_url": "", "position_def_set_id": "p1"}')
        elif kind == "huge":
            await _answer(send, 200, b'{"status": "ai_accept", "reason": "' + b"x" * (5 * 2**20) + b'"}')
        elif kind in ("huge-chunked", "trickle"):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            piece, pause = (b"x" * 65536, 0.0) if kind == "huge-chunked" else (b" ", 0.5)
            with contextlib.suppress(Exception):  # the client hangs up: that is the point
                for _ in range(10_000):
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                    await asyncio.sleep(pause)
        else:
            raise ValueError(kind)


async def _answer(send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextlib.contextmanager
def serve_rogue(behaviour: str) -> Iterator[tuple[Rogue, str]]:
    rogue = Rogue(behaviour)
    with serve_in_thread(rogue) as url:  # type: ignore[arg-type]  # anything with an ASGI .app
        yield rogue, url
