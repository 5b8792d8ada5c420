"""The HTTP side of webhook mode: Telegram's updates, a health check and calendar files.

Routes of :func:`build_web_app`:

``POST <webhook_path>``
    an update from Telegram. The ``X-Telegram-Bot-Api-Secret-Token`` header must equal the
    secret given to ``setWebhook`` (compared in constant time); otherwise 403 and the body
    is never read. A body that is not a JSON object is 400; else ``on_update(payload)`` and
    200 (500 if ``on_update`` fails, so that Telegram delivers the update again). A JSON
    object that is not an update (``on_update`` raises :class:`NotAnUpdate`) is logged in
    one line and answered 200: delivering it again would never help.
``GET /healthz``
    JSON ``{"status": "ok" | "degraded" | "standby", "database", "scheduler",
    "pending_outbox", "active_instance", "problems", ...}``: 200 for ok and standby, 503 for
    degraded (``problems`` names each failing part: storage, delivery, the instance lock, a
    background task restarting).
``GET /calendar/<event>.ics``
    the event's calendar with a strong ``ETag``, ``Last-Modified`` and an hour of caching;
    ``If-None-Match`` (or ``If-Modified-Since``) answers 304; an unknown event 404.

Nothing here logs a header, the secret or a request line: the runner has no access log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from bot.settings import SettingsError

log = logging.getLogger(__name__)

#: The header Telegram sends the ``secret_token`` of ``setWebhook`` in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's rule for ``secret_token``: 1–256 characters of ``A-Za-z0-9_-``.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: The environment variable that fixes the secret (else one is generated and stored).
SECRET_ENV = "WEBHOOK_SECRET"
#: The ``kv`` key a generated secret is kept under (shared by every instance).
SECRET_KV_KEY = "webhook_secret"
#: The path updates are posted to when ``WEBHOOK_URL`` names none.
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
HEALTH_PATH = "/healthz"
CALENDAR_PREFIX = "/calendar/"
#: Seconds the health callable may take before the answer is "degraded".
HEALTH_TIMEOUT = 5.0
#: Largest update body accepted (Telegram's updates are far smaller).
MAX_UPDATE_BYTES = 1024 * 1024
CALENDAR_CACHE_CONTROL = "public, max-age=3600"
CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"

_EVENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_FORBIDDEN_LOG_INTERVAL = 60.0

HealthStatus = Literal["ok", "degraded", "standby"]


@dataclass(frozen=True)
class HealthReport:
    """What ``/healthz`` says about this instance."""

    database: bool
    """The database answered a query."""
    scheduler: bool
    """The reminder scheduler (JobQueue) is running; false on a standby is expected."""
    pending_outbox: int
    """Outbox rows waiting to be sent."""
    active_instance: bool
    """This instance holds the one-active-instance lock (else it is a hot standby)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Anything else worth showing (JSON-serialisable), e.g. ``{"event": "euromlsys2026"}``."""
    problems: Mapping[str, str] = field(default_factory=dict)
    """What is failing right now (``part → problem``), from the health board."""

    @property
    def status(self) -> HealthStatus:
        """The overall verdict.

        ``degraded`` without a database, with a problem on the board, or when active
        without a scheduler; ``standby`` when another instance is active; ``ok`` otherwise.
        """
        if not self.database or self.problems:
            return "degraded"
        if not self.active_instance:
            return "standby"
        return "ok" if self.scheduler else "degraded"

    def to_json(self) -> dict[str, Any]:
        """Return the ``/healthz`` body."""
        body: dict[str, Any] = dict(self.details)
        body.update(
            status=self.status,
            database=self.database,
            scheduler=self.scheduler,
            pending_outbox=self.pending_outbox,
            active_instance=self.active_instance,
            problems=dict(self.problems),
        )
        return body


@dataclass(frozen=True)
class CalendarFile:
    """A calendar to serve: its bytes and when its content last changed."""

    data: bytes
    last_modified: dt.datetime
    """Aware; HTTP shows it to the second."""

    @property
    def etag(self) -> str:
        """A strong entity tag: a hash of the bytes, quoted."""
        return '"' + hashlib.sha256(self.data).hexdigest()[:40] + '"'


OnUpdate = Callable[[dict[str, Any]], Awaitable[None]]


class NotAnUpdate(ValueError):
    """Raised by an ``on_update`` callback for a JSON object that is not a Telegram update."""


HealthCheck = Callable[[], Awaitable[HealthReport]]
CalendarSource = Callable[[str], Awaitable[CalendarFile | None]]


def build_web_app(
    *,
    webhook_path: str,
    secret_token: str,
    on_update: OnUpdate,
    health: HealthCheck,
    calendars: CalendarSource | None = None,
    accepting: Callable[[], bool] | None = None,
) -> web.Application:
    """Return the aiohttp application (see the module docstring for its routes).

    ``accepting``, when given and false (a standby, or an instance that is stopping), makes
    the webhook answer 503 with ``Retry-After`` after the secret check (and again once the
    body is read), so that Telegram keeps the update and delivers it again later.
    """
    if not webhook_path.startswith("/") or webhook_path == HEALTH_PATH:
        raise ValueError(f"webhook path must start with / and not be {HEALTH_PATH}")
    if webhook_path.startswith(CALENDAR_PREFIX):
        raise ValueError(f"webhook path must not be under {CALENDAR_PREFIX}")
    check_secret(secret_token)
    expected = secret_token.encode()
    forbidden = _ForbiddenLog()

    async def handle_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), expected
        ):
            forbidden.note(request, missing=given is None)
            return web.Response(status=403, text="Forbidden")
        if accepting is not None and not accepting():
            return web.Response(status=503, text="Standby", headers={"Retry-After": "5"})
        if request.content_length is not None and request.content_length > MAX_UPDATE_BYTES:
            return web.Response(status=413, text="Payload Too Large")
        try:
            body = await request.read()
            payload = json.loads(body)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="Payload Too Large")
        except ValueError:  # also UnicodeDecodeError
            return web.Response(status=400, text="Bad Request: body is not JSON")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="Bad Request: body is not a JSON object")
        if accepting is not None and not accepting():  # again: it may have changed while reading
            return web.Response(status=503, text="Standby", headers={"Retry-After": "5"})
        try:
            await on_update(payload)
        except NotAnUpdate as exc:
            log.warning("webhook: ignored a body that is not an update (%s)", exc)
            return web.Response(status=200, text="Ignored: not an update")
        except Exception:
            log.exception("webhook: update %s could not be queued", payload.get("update_id"))
            return web.Response(status=500, text="Internal Server Error")
        return web.Response(status=200)

    async def handle_health(_request: web.Request) -> web.Response:
        try:
            report = await asyncio.wait_for(health(), timeout=HEALTH_TIMEOUT)
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            report = HealthReport(
                database=False,
                scheduler=False,
                pending_outbox=0,
                active_instance=False,
                details={"error": f"health check failed: {type(exc).__name__}"},
            )
        return web.json_response(
            report.to_json(),
            status=503 if report.status == "degraded" else 200,
            headers={"Cache-Control": "no-store"},
        )

    async def handle_calendar(request: web.Request) -> web.Response:
        name = request.match_info["event"]
        if calendars is None or _EVENT_NAME.fullmatch(name) is None:
            return web.Response(status=404, text="Not Found")
        found = await calendars(name)
        if found is None:
            return web.Response(status=404, text="Not Found")
        headers = {
            "Cache-Control": CALENDAR_CACHE_CONTROL,
            "ETag": found.etag,
            "Last-Modified": http_date(found.last_modified),
        }
        if _not_modified(request, found):
            return web.Response(status=304, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
        headers["Content-Type"] = CALENDAR_CONTENT_TYPE
        return web.Response(body=found.data, headers=headers)

    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app.router.add_post(webhook_path, handle_update)
    app.router.add_get(HEALTH_PATH, handle_health)
    app.router.add_get(CALENDAR_PREFIX + "{event:[^/]+}.ics", handle_calendar)
    return app


def http_date(when: dt.datetime) -> str:
    """Format an aware instant as an HTTP date (``Sun, 01 Feb 2026 12:00:00 GMT``)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return email.utils.format_datetime(when.astimezone(dt.UTC).replace(microsecond=0), True)


def _not_modified(request: web.Request, found: CalendarFile) -> bool:
    """RFC 9110: If-None-Match (weak comparison) wins; else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or found.etag in tags
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return found.last_modified.replace(microsecond=0) <= when


class _ForbiddenLog:
    """Log refused webhook calls without their headers, at most once a minute."""

    def __init__(self) -> None:
        self.count = 0
        self._last = -_FORBIDDEN_LOG_INTERVAL

    def note(self, request: web.Request, *, missing: bool) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._last < _FORBIDDEN_LOG_INTERVAL:
            return
        self._last = now
        log.warning(
            "webhook: refused a request from %s (%s secret header; %d refused so far)",
            request.remote,
            "no" if missing else "wrong",
            self.count,
        )


# ------------------------------------------------------------------------------- serving


async def serve_web(
    app: web.Application, host: str, port: int, *, shutdown_timeout: float = 5.0
) -> web.AppRunner:
    """Listen on ``host:port`` (0 picks a free port, see :func:`bound_port`); no access log."""
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """Return the TCP port a runner from :func:`serve_web` listens on."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the runner listens on no TCP port")


async def stop_web(runner: web.AppRunner) -> None:
    """Stop listening and finish the requests in flight."""
    await runner.cleanup()


# ---------------------------------------------------------------------------- the secret


class WebhookSecretError(SettingsError):
    """A webhook secret Telegram would refuse."""


class SecretStore(Protocol):
    """Where a generated secret is kept (``Database.kv``)."""

    async def setdefault(self, key: str, value: str) -> str:
        """Store ``value`` unless ``key`` exists; return the stored value."""
        ...


def check_secret(secret: str, *, source: str = "secret_token") -> str:
    """Return ``secret`` if Telegram accepts it (1–256 of ``A-Za-z0-9_-``), else raise."""
    if SECRET_PATTERN.fullmatch(secret) is None:
        raise WebhookSecretError(
            f"{source}: Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and - "
            f"(got {len(secret)} characters{', some not allowed' if secret else ''})"
        )
    return secret


async def webhook_secret(store: SecretStore, given: str | None) -> str:
    """Return the webhook secret: ``given`` if set, else the one in the database.

    ``given`` is the WEBHOOK_SECRET setting (``Settings.webhook_secret``). A generated
    secret (``secrets.token_urlsafe(32)``) is stored with ``setdefault`` under
    ``kv["webhook_secret"]``, so every instance and every restart uses the same one. The
    value is never logged.
    """
    given = (given or "").strip()
    if given:
        return check_secret(given, source=SECRET_ENV)
    stored = await store.setdefault(SECRET_KV_KEY, secrets.token_urlsafe(32))
    return check_secret(stored, source=f"the database's kv[{SECRET_KV_KEY!r}]")


def split_webhook_url(url: str) -> tuple[str, str]:
    """Return ``(url for setWebhook, path to listen on)`` for ``WEBHOOK_URL``.

    A URL without a path gets :data:`DEFAULT_WEBHOOK_PATH`. Query strings and fragments
    are refused (Telegram would post to them, but nobody should put secrets there).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise SettingsError(f"WEBHOOK_URL={url!r}: write it as https://HOST[/PATH]")
    if parts.query or parts.fragment:
        raise SettingsError("WEBHOOK_URL: no query string or fragment, please")
    path = parts.path if parts.path not in ("", "/") else DEFAULT_WEBHOOK_PATH
    if path == HEALTH_PATH or path.startswith(CALENDAR_PREFIX):
        raise SettingsError(f"WEBHOOK_URL: the path {path!r} is taken by another route")
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")), path
