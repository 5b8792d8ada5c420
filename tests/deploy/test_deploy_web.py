"""The webhook-mode HTTP app: secret check, health, calendars, the stored secret."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.deploy.web import (
    DEFAULT_WEBHOOK_PATH,
    SECRET_HEADER,
    CalendarFile,
    HealthReport,
    WebhookSecretError,
    bound_port,
    build_web_app,
    serve_web,
    split_webhook_url,
    stop_web,
    webhook_secret,
)
from bot.settings import SettingsError
from bot.storage.database import Database

SECRET = "s3cret-Token_for-tests"
PATH = "/telegram/webhook"
MODIFIED = dt.datetime(2026, 1, 20, 9, 30, 15, 123456, tzinfo=dt.UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
OK = HealthReport(database=True, scheduler=True, pending_outbox=3, active_instance=True)


@dataclass
class Recorder:
    """What the app handed on, and what it should answer next."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    health: HealthReport = OK
    fail_update: bool = False
    accepting: bool = True

    async def on_update(self, payload: dict[str, Any]) -> None:
        if self.fail_update:
            raise RuntimeError("queue closed")
        self.updates.append(payload)

    async def report(self) -> HealthReport:
        return self.health

    async def calendar(self, name: str) -> CalendarFile | None:
        return CalendarFile(ICS, MODIFIED) if name == "euromlsys2026" else None


Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_client(recorder: Recorder) -> AsyncIterator[MakeClient]:
    clients: list[Client] = []

    async def make(**overrides: Any) -> Client:
        kwargs: dict[str, Any] = {
            "webhook_path": PATH,
            "secret_token": SECRET,
            "on_update": recorder.on_update,
            "health": recorder.report,
            "calendars": recorder.calendar,
            "accepting": lambda: recorder.accepting,
        }
        kwargs.update(overrides)
        client: Client = TestClient(TestServer(build_web_app(**kwargs)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


# ------------------------------------------------------------------------------- webhook


async def test_update_with_the_right_secret_is_handed_on(
    client: Client, recorder: Recorder
) -> None:
    update = {"update_id": 7, "message": {"message_id": 1, "text": "hi"}}
    response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert recorder.updates == [update]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: SECRET[:-1] + "X"},
        {SECRET_HEADER: SECRET + "x"},
        {SECRET_HEADER.lower(): SECRET.upper()},
    ],
    ids=["missing", "empty", "wrong", "one-char-off", "longer", "case"],
)
async def test_missing_or_wrong_secret_is_403_and_never_parsed(
    client: Client, recorder: Recorder, headers: dict[str, str]
) -> None:
    for body in (b'{"update_id": 1}', b"not json at all", b"[1, 2]"):
        response = await client.post(PATH, data=body, headers=headers)
        assert response.status == 403  # not 400: the body is not looked at
    assert recorder.updates == []


async def test_header_name_is_case_insensitive(client: Client, recorder: Recorder) -> None:
    response = await client.post(
        PATH, json={"update_id": 1}, headers={SECRET_HEADER.lower(): SECRET}
    )
    assert response.status == 200
    assert len(recorder.updates) == 1


@pytest.mark.parametrize(
    "body", [b"", b"{", b"not json", b"[]", b'"text"', b"42", b"null", b"\xff\xfe"]
)
async def test_body_that_is_not_a_json_object_is_400(
    client: Client, recorder: Recorder, body: bytes
) -> None:
    response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    assert recorder.updates == []


async def test_failing_on_update_is_500_so_telegram_retries(
    client: Client, recorder: Recorder
) -> None:
    recorder.fail_update = True
    response = await client.post(PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET})
    assert response.status == 500


async def test_standby_answers_503_after_the_secret_check(
    client: Client, recorder: Recorder
) -> None:
    recorder.accepting = False
    wrong = await client.post(PATH, json={"update_id": 1}, headers={SECRET_HEADER: "nope"})
    assert wrong.status == 403
    right = await client.post(PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET})
    assert right.status == 503
    assert right.headers["Retry-After"] == "5"
    assert recorder.updates == []


async def test_only_post_on_the_webhook_path(client: Client) -> None:
    assert (await client.get(PATH)).status == 405
    assert (await client.post("/other", json={}, headers={SECRET_HEADER: SECRET})).status == 404


async def test_oversized_body_is_refused(client: Client, recorder: Recorder) -> None:
    body = b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 413
    assert recorder.updates == []


def test_build_refuses_bad_settings(recorder: Recorder) -> None:
    common: dict[str, Any] = {"on_update": recorder.on_update, "health": recorder.report}
    with pytest.raises(WebhookSecretError):
        build_web_app(webhook_path=PATH, secret_token="has space", **common)
    with pytest.raises(WebhookSecretError):
        build_web_app(webhook_path=PATH, secret_token="", **common)
    with pytest.raises(ValueError, match="start with /"):
        build_web_app(webhook_path="hook", secret_token=SECRET, **common)
    with pytest.raises(ValueError, match="healthz"):
        build_web_app(webhook_path="/healthz", secret_token=SECRET, **common)
    with pytest.raises(ValueError, match="calendar"):
        build_web_app(webhook_path="/calendar/x", secret_token=SECRET, **common)


# -------------------------------------------------------------------------------- health


@pytest.mark.parametrize(
    ("report", "status", "code"),
    [
        (OK, "ok", 200),
        (HealthReport(True, False, 0, False), "standby", 200),
        (HealthReport(False, True, 0, True), "degraded", 503),
        (HealthReport(False, False, 0, False), "degraded", 503),
        (HealthReport(True, False, 0, True), "degraded", 503),
        (HealthReport(True, True, 0, True, problems={"storage": "writes fail"}), "degraded", 503),
        (HealthReport(True, True, 0, False, problems={"instance lock": "lost"}), "degraded", 503),
    ],
    ids=[
        "ok",
        "standby",
        "no-database",
        "no-database-standby",
        "no-scheduler",
        "a-problem",
        "lock-lost",
    ],
)
async def test_healthz(
    client: Client, recorder: Recorder, report: HealthReport, status: str, code: int
) -> None:
    recorder.health = report
    response = await client.get("/healthz")
    assert response.status == code
    body = await response.json()
    assert body == {
        "status": status,
        "database": report.database,
        "scheduler": report.scheduler,
        "pending_outbox": report.pending_outbox,
        "active_instance": report.active_instance,
        "problems": dict(report.problems),
    }
    assert response.headers["Cache-Control"] == "no-store"


async def test_healthz_details_and_failures(make_client: MakeClient) -> None:
    async def detailed() -> HealthReport:
        return HealthReport(True, True, 0, True, details={"event": "euromlsys2026"})

    async def broken() -> HealthReport:
        raise RuntimeError("database exploded")

    body = await (await (await make_client(health=detailed)).get("/healthz")).json()
    assert body["event"] == "euromlsys2026"
    assert body["status"] == "ok"
    response = await (await make_client(health=broken)).get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "degraded"
    assert "exploded" not in body["error"]


# ------------------------------------------------------------------------------ calendar


async def test_calendar_served_with_caching_headers(client: Client) -> None:
    response = await client.get("/calendar/euromlsys2026.ics")
    assert response.status == 200
    assert await response.read() == ICS
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="euromlsys2026.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Last-Modified"] == "Tue, 20 Jan 2026 09:30:15 GMT"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")

    again = await client.get("/calendar/euromlsys2026.ics")
    assert again.headers["ETag"] == etag  # stable: a hash of the bytes

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await client.get("/calendar/euromlsys2026.ics", headers={"If-None-Match": header})
        assert cached.status == 304, header
        assert await cached.read() == b""
        assert cached.headers["ETag"] == etag
        assert cached.headers["Cache-Control"] == "public, max-age=3600"

    stale = await client.get("/calendar/euromlsys2026.ics", headers={"If-None-Match": '"old"'})
    assert stale.status == 200
    assert await stale.read() == ICS


async def test_calendar_if_modified_since(client: Client) -> None:
    url = "/calendar/euromlsys2026.ics"
    same = await client.get(url, headers={"If-Modified-Since": "Tue, 20 Jan 2026 09:30:15 GMT"})
    assert same.status == 304
    older = await client.get(url, headers={"If-Modified-Since": "Tue, 20 Jan 2026 09:30:14 GMT"})
    assert older.status == 200
    junk = await client.get(url, headers={"If-Modified-Since": "yesterday"})
    assert junk.status == 200
    # If-None-Match wins over If-Modified-Since.
    both = await client.get(
        url,
        headers={"If-None-Match": '"old"', "If-Modified-Since": "Tue, 20 Jan 2026 09:30:15 GMT"},
    )
    assert both.status == 200


async def test_calendar_head(client: Client) -> None:
    response = await client.head("/calendar/euromlsys2026.ics")
    assert response.status == 200
    assert response.headers["ETag"].startswith('"')


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/unknown.ics",
        "/calendar/euromlsys2026.ical",
        "/calendar/.ics",
        "/calendar/..%2Fsecret.ics",
        "/calendar/a%20b.ics",
        "/calendar/euromlsys2026",
    ],
)
async def test_calendar_not_found(client: Client, path: str) -> None:
    assert (await client.get(path)).status == 404


async def test_no_calendar_source_means_404(make_client: MakeClient) -> None:
    client = await make_client(calendars=None)
    assert (await client.get("/calendar/euromlsys2026.ics")).status == 404


# -------------------------------------------------------------------- a real server, logs


async def test_real_server_logs_no_secret_and_no_access_lines(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = build_web_app(
        webhook_path=PATH,
        secret_token=SECRET,
        on_update=recorder.on_update,
        health=recorder.report,
        calendars=recorder.calendar,
    )
    runner = await serve_web(app, "127.0.0.1", 0)
    try:
        port = bound_port(runner)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            async with session.post(
                base + PATH, json={"update_id": 1}, headers={SECRET_HEADER: SECRET}
            ) as ok:
                assert ok.status == 200
            for wrong in ("guess-one", "guess-two"):
                async with session.post(
                    base + PATH, json={"update_id": 2}, headers={SECRET_HEADER: wrong}
                ) as refused:
                    assert refused.status == 403
            async with session.get(base + "/healthz") as health:
                assert health.status == 200
    finally:
        await stop_web(runner)
    assert len(recorder.updates) == 1
    assert SECRET not in caplog.text
    assert "guess-one" not in caplog.text
    assert not [r for r in caplog.records if r.name == "aiohttp.access"]
    refused_lines = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused_lines) == 1  # at most one line a minute, whatever the attack


# ---------------------------------------------------------------------------- the secret


async def test_webhook_secret_from_the_setting(db: Database) -> None:
    assert await webhook_secret(db.kv, "  fixed_Secret-1 ") == "fixed_Secret-1"
    assert await db.kv.get("webhook_secret") is None  # a configured secret is not stored
    for bad in ("has space", "a" * 257, "ünïcode", "semi;colon"):
        with pytest.raises(WebhookSecretError, match="WEBHOOK_SECRET"):
            await webhook_secret(db.kv, bad)
    assert await webhook_secret(db.kv, "a" * 256) == "a" * 256


async def test_generated_secret_is_shared_by_every_instance(db: Database) -> None:
    first, second = await asyncio.gather(webhook_secret(db.kv, None), webhook_secret(db.kv, None))
    assert first == second
    assert 32 <= len(first) <= 256
    assert await webhook_secret(db.kv, "") == first  # empty: not set
    assert await db.kv.get("webhook_secret") == first
    # A restart (another connection to the same database) keeps it.
    other = await Database.connect(db.engine.url.render_as_string(False), db.clock)
    try:
        assert await webhook_secret(other.kv, None) == first
    finally:
        await other.close()


def test_split_webhook_url() -> None:
    assert split_webhook_url("https://bot.example.org/tg/hook") == (
        "https://bot.example.org/tg/hook",
        "/tg/hook",
    )
    assert split_webhook_url("https://bot.example.org") == (
        "https://bot.example.org" + DEFAULT_WEBHOOK_PATH,
        DEFAULT_WEBHOOK_PATH,
    )
    assert split_webhook_url("https://bot.example.org/")[1] == DEFAULT_WEBHOOK_PATH
    for bad in ("bot.example.org", "ftp://x/y", "https://x/hook?token=1", "https://x/healthz"):
        with pytest.raises(SettingsError):
            split_webhook_url(bad)
