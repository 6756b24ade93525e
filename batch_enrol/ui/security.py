"""Who may use the app (a password when it listens beyond this computer) and CSRF on every form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Secret

SESSION_COOKIE = "batch_enrol_session"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: On every answer: no scripts, frames or form targets from elsewhere; no referrer; no cache (last: pages only).
HEADERS = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class Guard:
    """ASGI middleware: HTTP Basic password (when set), a session cookie, a bound on request bodies.

    The CSRF token is an HMAC of the session cookie under a key that lives only in this
    process; ``read_form`` checks it on every POST.
    """

    def __init__(self, app: ASGIApp, *, password: Secret, max_body: int) -> None:
        self.app, self.password, self.max_body = app, password, max_body
        self.key = secrets.token_bytes(32)
        self.too_large = (
            f"That upload is too large: the spreadsheet and CV files sent together can be at most {max_body // 2**20} MB. "
            "Go back and send fewer CV files at a time (or zip them)."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.password and not self._authorised(headers.get("authorization", "")):
            await _plain(send, 401, "Password needed.", [(b"www-authenticate", b'Basic realm="batch-enrol", charset="UTF-8"')])
            return
        cookie = SimpleCookie(headers.get("cookie", ""))
        session = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else ""
        new = not session or len(session) != 43
        if new:
            session = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = self.token_for(session)
        declared = int(headers.get("content-length") or 0) if scope["method"] not in SAFE_METHODS else 0
        seen = 0

        async def bounded_receive() -> Message:  # too large: the page that reads the form shows the app's error page
            nonlocal seen
            if declared > self.max_body:
                raise HTTPException(413, self.too_large)
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise HTTPException(413, self.too_large)
            return message

        static = scope["path"].startswith("/static/")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(HEADERS if not static else HEADERS[:-1])  # pages hold personal data: never cached
                if new:
                    extra.append((b"set-cookie", f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict".encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, bounded_receive, send_with_cookie)

    def token_for(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    def _authorised(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, given = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return hmac.compare_digest(given.encode(), self.password.get().encode())


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


async def read_form(request: Request, *, max_files: int = 0, max_part_bytes: int = 1024 * 1024) -> FormData:
    """The POSTed form, once its CSRF token matches this session's; 403 otherwise."""
    form = await request.form(max_files=max_files, max_fields=1000, max_part_size=max_part_bytes)
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not hmac.compare_digest(given, request.state.csrf):
        raise HTTPException(403, "This page has expired. Go back, reload the page and try again.")
    return form
