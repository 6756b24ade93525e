"""The only module that knows the API's HTTP: one call → EnrolResponse, or a classified CallError."""

from __future__ import annotations

import asyncio
import email.utils
import math
import socket
import time
from dataclasses import dataclass

import httpx
from pydantic import ValidationError

from .redaction import SECRETS, redact
from .schema import ENDPOINT, RESULT_LIST, ApiErrorBody, Candidate, EnrolResponse, ResultPage

RETRY_AFTER_CAP = 600.0
USER_AGENT = "batch-enrol"
MAX_BODY_BYTES = 2**20  #: the largest answer read (decoded bytes); an enrolment answer is a few hundred


class CallError(Exception):
    """One failed call. ``status`` is None for transport errors (no HTTP response).

    ``unsendable``: the request could not be put on the wire as built (httpx's
    ``LocalProtocolError``, e.g. a header value it refuses): no attempt can succeed, so it
    is never retried as a connection failure. ``retry_after``: seconds the server asked to
    wait, as it asked (not capped: the retry rule caps it, and compares it to the time left).
    ``foreign``: the answer's body is not one the API gives (not its JSON error, or a 200
    without the enrolment's fields: an HTML page, another service's JSON). ``dropped``: the
    connection was reset or closed before any answer came (no status line).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        field: str = "",
        retry_after: float | None = None,
        reached_server: bool = True,
        unsendable: bool = False,
        foreign: bool = False,
        dropped: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
        self.retry_after = retry_after
        self.reached_server = reached_server
        self.unsendable = unsendable
        self.foreign = foreign
        self.dropped = dropped

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.status else self.message


def parse_retry_after(value: str | None, *, now: float | None = None, cap: float = RETRY_AFTER_CAP) -> float | None:
    """``Retry-After`` in seconds or as an HTTP date → seconds to wait (at most ``cap``), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), cap)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``connect``/``read``/``write`` bound each step (``read``: the longest silence between
    two pieces of the answer); ``total`` bounds the whole call, so an answer that trickles in a
    byte a second still ends, as a retryable timeout."""

    connect: float = 10.0
    read: float = 180.0  # longer than the platform's 150 s, so its 504 arrives first
    write: float = 30.0
    pool: float | None = None  # concurrency is bounded by the dispatcher, never by the pool
    total: float = 240.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class Client:
    """An async client for the enrolment endpoint. Never puts the token in a message."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeouts: Timeouts = Timeouts(),
        transport: httpx.AsyncBaseTransport | None = None,
        verify: bool | str = True,
        lanes: int = 1,
    ) -> None:
        """``lanes``: one keep-alive connection each (the dispatcher gives every worker its own).

        Separate single-connection clients cost httpx far less CPU per call than one shared
        pool that many workers contend for (figures in benchmarks/README.md).
        A given ``transport`` (tests: MockTransport, ASGITransport) is shared by all lanes.
        """

        SECRETS.add(token)  # from now on, no text that enters from outside can carry it

        def lane_client(lane_transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
                timeout=timeouts.httpx(),
                transport=lane_transport,
                verify=verify,
                trust_env=True,
            )

        self._total = timeouts.total
        # Parsed once: a relative URL would be parsed and merged again on every call.
        self._url = httpx.URL(base_url.rstrip("/") + ENDPOINT)
        self._results_url = httpx.URL(base_url.rstrip("/") + RESULT_LIST)
        if transport is not None:
            self._lanes = [lane_client(transport)]
        else:
            verify = httpx.create_ssl_context(verify=verify)  # one CA bundle load, shared by every lane
            # TCP_NODELAY: otherwise a request's headers and body can sit out a 40 ms delayed ACK.
            self._lanes = [
                lane_client(httpx.AsyncHTTPTransport(
                    verify=verify,
                    limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                    socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                ))  # fmt: skip
                for _ in range(max(1, lanes))
            ]

    def set_token(self, token: str) -> None:
        """Send ``token`` from the next call on (a renewed token); it is redacted from then on too."""
        SECRETS.add(token)
        for lane in self._lanes:
            lane.headers["Authorization"] = f"Bearer {token}"

    @property
    def url(self) -> str:
        """The endpoint's full URL (base URL + path)."""
        return str(self._url)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for lane in self._lanes:
            await lane.aclose()

    async def enrol(self, candidate: Candidate, *, idempotency_key: str, lane: int = 0) -> EnrolResponse:
        """Send one enrolment. Raises CallError for anything but a well-formed 200."""
        http = self._lanes[lane % len(self._lanes)]
        request = http.build_request("POST", self._url, json=candidate.body(), headers={"Idempotency-Key": idempotency_key})
        response, content = await self._send(http, request)
        if response.status_code == 200:
            try:
                answer = EnrolResponse.model_validate_json(content)
            except ValidationError:
                raise CallError("the API answered 200 with a body that does not match the contract", status=200, foreign=True) from None
            if not answer.interview_url.strip():
                raise CallError(f"the API answered {answer.status} without an interview_url", status=200)
            if answer.reason:
                answer.reason = redact(answer.reason)
            return answer
        raise _http_error(response, content)

    async def result_list(self, params: dict[str, str | int], *, lane: int = 0) -> ResultPage:
        """One page of ``GET /merchant-result-list``. Raises CallError for anything but a well-formed 200."""
        http = self._lanes[lane % len(self._lanes)]
        response, content = await self._send(http, http.build_request("GET", self._results_url, params=params))
        if response.status_code == 200:
            try:
                return ResultPage.model_validate_json(content)
            except ValidationError:
                raise CallError("the API answered 200 with a result list that does not match the contract", status=200) from None
        raise _http_error(response, content)

    async def _send(self, http: httpx.AsyncClient, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """(response, body) of one call within the overall deadline, the body read up to the size cap.

        Raises CallError naming what went wrong in fixed words (never the exception's own text).
        """
        response = None
        try:
            async with asyncio.timeout(self._total):
                response = await http.send(request, stream=True)
                try:
                    content = await _read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise CallError(f"no complete answer within {self._total:g} s (the call's overall deadline)") from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            where = f"{self._url.host}:{self._url.port}" if self._url.port else self._url.host
            raise CallError(f"could not connect to {where} ({_connect_problem(exc)})", reached_server=False) from None
        except httpx.LocalProtocolError as exc:  # before sending: nothing reached the server, no retry can help
            raise CallError(
                f"the request could not be sent as built ({type(exc).__name__}: a header value httpx refuses)",
                reached_server=False,
                unsendable=True,
            ) from None
        except httpx.TimeoutException as exc:
            raise CallError(f"no response in time ({type(exc).__name__})") from None
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
            if response is None:  # reset or closed before the status line: no answer at all
                raise CallError(f"the connection was closed before any answer ({type(exc).__name__})", dropped=True) from None
            raise CallError(f"connection failed ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise CallError(f"connection failed ({type(exc).__name__})") from None
        return response, content


def _connect_problem(exc: BaseException) -> str:
    """Why no connection was made, in a few fixed words (never the exception's own text)."""
    causes, seen = [], exc
    while seen is not None and len(causes) < 8:  # httpx → httpcore → anyio → the socket's own error
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    text = " ".join(str(c) for c in causes).lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "TLS handshake failed"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text or "name resolution" in text:
        return "host name not found"
    if "refused" in text:
        return "connection refused"
    return type(exc).__name__


async def _read_capped(response: httpx.Response) -> bytes:
    """The decoded body, or CallError once it passes MAX_BODY_BYTES (never buffered whole)."""
    too_big = CallError(
        f"the API answered {response.status_code} with a body over {MAX_BODY_BYTES // 1024} KB: not read further",
        status=response.status_code,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) > MAX_BODY_BYTES:
            raise too_big
    return bytes(body)


def _http_error(response: httpx.Response, content: bytes) -> CallError:
    message, field, foreign = response.reason_phrase or "HTTP error", "", False
    try:
        body = ApiErrorBody.model_validate_json(content)
        message, field = body.error, body.name or ""
    except ValidationError:
        foreign = True  # not the API's {"error": ...}: an HTML page, a proxy's or another service's answer
    return CallError(
        " ".join(redact(message).split())[:500],
        status=response.status_code,
        field=redact(field)[:100],
        retry_after=parse_retry_after(response.headers.get("Retry-After"), cap=math.inf),
        foreign=foreign,
    )
