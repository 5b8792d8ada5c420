"""Deployment, proven with real processes: ``python -m bot run`` children against the sandbox.

The sandbox runs in the test's event loop; each child reaches it over loopback HTTP with
``TELEGRAM_API_BASE_URL``. The children are killed by the ``spawn`` fixture whatever
happens, and every child's output is checked for the token (and webhook secret) at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import aiohttp
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain.clock import Clock, FixedClock
from bot.sandbox.server import Sandbox
from bot.sandbox.world import TranscriptMessage, User
from bot.services.events import EventBook
from bot.services.subscribers import ChatInfo, SubscriberService
from bot.storage.database import Database
from tests.deploy.botproc import CONFIG, BotProcess, child_env, free_port, iso
from tests.waiting import eventually

#: Shaped like a real token (bot id, colon, 35 characters), so the shape-based redaction
#: is exercised too; built at run time so that no token-shaped literal sits in the repo.
TOKEN = "7412365890:" + "AAFake" + "NotARealToken" * 2 + "xyz"
TOKEN_SECRET_PART = TOKEN.split(":", 1)[1]
ADMIN = 5001
#: Before the first reminder (the paper deadline's 7-day one, 2026-02-09T11:59Z), so a start
#: has nothing to catch up and countdowns are live.
BEFORE_DEADLINE = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
#: The paper deadline's 3-hour reminder.
REMINDER_3H = dt.datetime(2026, 2, 16, 8, 59, tzinfo=dt.UTC)
EVENT = "euromlsys2026"

pytestmark = pytest.mark.sandbox(tokens=[TOKEN], webhook_retry_delay=0.2)

Spawn = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def spawn(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Spawn]:
    """Start ``deadline-bot run`` children; kill them all after the test, then check logs."""
    started: list[BotProcess] = []

    async def start(
        name: str,
        args: Sequence[str] = (),
        *,
        database_url: str | None,
        log_level: str = "INFO",
        extra: Mapping[str, str] | None = None,
        token: str = TOKEN,
    ) -> BotProcess:
        env = child_env(
            token=token,
            base_url=sandbox.base_url,
            database_url=database_url,
            admin_ids=str(ADMIN),
            log_level=log_level,
            extra=extra,
        )
        child = BotProcess(name, args, env, tmp_path)
        started.append(child)
        return await child.start()

    try:
        yield start
    finally:
        for child in started:
            await child.kill()
    hook = sandbox.bot.webhook
    webhook_secret = [hook.secret_token] if hook is not None and hook.secret_token else []
    for child in started:
        token = child.env["TELEGRAM_BOT_TOKEN"]
        for secret in (token, token.split(":", 1)[1], *webhook_secret):
            assert secret not in child.output, f"{child.name} logged a secret\n{child.tail()}"


# ----------------------------------------------------------------------------- helpers


def news_in(sandbox: Sandbox, user: User) -> list[TranscriptMessage]:
    return [m for m in sandbox.bot_messages(user.id) if m.content.startswith("📣")]


def reminders_in(sandbox: Sandbox, user: User) -> list[TranscriptMessage]:
    return [m for m in sandbox.bot_messages(user.id) if m.content.startswith("⏰")]


async def ask(sandbox: Sandbox, user: User, words: str, within: float = 15) -> TranscriptMessage:
    sandbox.send(user, words)
    return await sandbox.wait_for_message(user.id, timeout=within)


async def post_news(sandbox: Sandbox, admin: User, words: str) -> None:
    """``/post words`` as ``admin``, then press Send under the preview."""
    sandbox.send(admin, f"/post {words}")
    controls = await sandbox.wait_for_message(
        admin.id,
        timeout=15,
        predicate=lambda m: any(
            b.get("callback_data", "").startswith("post:send") for b in m.buttons()
        ),
    )
    data = next(
        b["callback_data"] for b in controls.buttons() if b["callback_data"].startswith("post:send")
    )
    query = sandbox.press(admin, controls, data)
    answer = await sandbox.wait_for_answer(query, timeout=15)
    assert "Sending to" in str(answer.get("text")), answer


async def until_outbox_settled(url: str, clock: Clock, within: float = 60) -> None:
    """Wait until no outbox row is pending or being sent: the bot can send nothing more."""
    db = await Database.connect(url, clock)
    try:
        async with asyncio.timeout(within):
            while True:
                async with db.engine.connect() as conn:
                    result = await conn.execute(
                        text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                    )
                    if result.scalar_one() == 0:
                        return
                await asyncio.sleep(0.05)
    finally:
        await db.close()


async def until(check: Callable[[], bool], within: float, what: str) -> float:
    """Poll ``check`` every 50 ms; return the seconds it took, fail after ``within``."""
    begun = time.monotonic()
    while not check():
        if time.monotonic() - begun > within:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - begun


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with http.get(url) as response:
        assert response.content_type == "application/json"
        return response.status, await response.json()


# ------------------------------------------------------------------ 1. webhook mode


async def test_webhook_mode_end_to_end(sandbox: Sandbox, spawn: Spawn, sqlite_url: str) -> None:
    """Updates pushed by the sandbox are answered; health, 403s and the calendar feed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    web = await spawn(
        "webhook",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        extra={"WEBHOOK_URL": url, "PORT": str(port)},
    )
    await web.wait_ready()
    hook = sandbox.bot.webhook
    assert hook is not None and hook.url == url
    assert hook.secret_token and len(hook.secret_token) >= 32  # generated, stored, registered

    alice = sandbox.create_user("Alice", username="alice")
    dates = await ask(sandbox, alice, "/dates")
    assert "key dates" in dates.content and "Paper submission deadline" in dates.content
    assert sandbox.counters.webhook_deliveries >= 1
    assert sandbox.counters.requests["getUpdates"] == 0  # no polling in webhook mode

    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        status, health = await get_json(http, f"{base}/healthz")
        assert status == 200
        assert health["status"] == "ok" and health["active_instance"] is True
        assert health["database"] is True and health["scheduler"] is True

        # Forged updates: a real person's chat, a command the bot would answer.
        mallory = sandbox.create_user("Mallory", username="mallory")
        replies_before = sum(len(sandbox.bot_messages(c)) for c in list(sandbox.world.chats))
        forged = {
            "update_id": 900_001,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": mallory.id, "type": "private", "first_name": "Mallory"},
                "from": {"id": mallory.id, "is_bot": False, "first_name": "Mallory"},
                "text": "/dates",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
        await web.wait_for_line(r"webhook: refused a request from .* \(no secret header")
        # A real update sent after them is answered: the bot has looked at its queue since.
        assert "Paper submission deadline" in (await ask(sandbox, alice, "/next")).content
        replies_before += 1
        assert sandbox.bot_messages(mallory.id) == []
        replies_after = sum(len(sandbox.bot_messages(c)) for c in list(sandbox.world.chats))
        assert replies_after == replies_before, "a forged update was answered"

        calendar = f"{base}/calendar/{EVENT}.ics"
        async with http.get(calendar) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/calendar")
            etag = response.headers["ETag"]
            body = await response.read()
        assert body.startswith(b"BEGIN:VCALENDAR") and b"UID:euromlsys2026-paper@" in body
        async with http.get(calendar, headers={"If-None-Match": etag}) as response:
            assert response.status == 304
            assert await response.read() == b""
        async with http.get(f"{base}/calendar/no-such-event.ics") as response:
            assert response.status == 404
        async with http.get(f"{base}/calendar/euromlsys.ics") as response:  # the series' feed
            assert response.status == 200
            assert b"UID:euromlsys2026-paper@" in await response.read()

        # A second instance on the same database: a hot standby whose health check passes.
        standby_port = free_port()
        standby_url = f"http://127.0.0.1:{standby_port}/telegram/webhook"
        standby = await spawn(
            "webhook-standby",
            ["--webhook", "--now", iso(BEFORE_DEADLINE)],
            database_url=sqlite_url,
            extra={"WEBHOOK_URL": standby_url, "PORT": str(standby_port)},
        )
        await standby.wait_for_line(r"waiting as a hot standby")
        status, health = await get_json(http, f"http://127.0.0.1:{standby_port}/healthz")
        assert status == 200 and health["status"] == "standby"
        assert health["active_instance"] is False
        async with http.post(
            standby_url,
            json=forged,
            headers={"X-Telegram-Bot-Api-Secret-Token": hook.secret_token},
        ) as response:
            assert response.status == 503  # Telegram keeps the update for the active one
    assert sandbox.bot.webhook is hook  # the standby changed nothing

    # The active one stops; the standby takes over and registers itself, same secret.
    web.signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert await web.wait(10) == 0
    await standby.wait_ready(timeout=60)  # a cap against a hang; the figure is printed
    took = time.monotonic() - stopped
    hook = sandbox.bot.webhook
    assert hook is not None and hook.url == standby_url
    assert "Paper submission deadline" in (await ask(sandbox, alice, "/next")).content
    print(f"\nwebhook standby took over {took:.2f} s after SIGTERM to the active one")
    standby.signal(signal.SIGTERM)
    assert await standby.wait(15) == 0


async def test_sigterm_in_webhook_mode_loses_no_update(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str
) -> None:
    """Updates pushed while the bot stops are refused (503), kept, and answered after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    first = await spawn(
        "webhook-1",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        extra={"WEBHOOK_URL": url, "PORT": str(port)},
    )
    await first.wait_ready()
    people = [sandbox.create_user(f"P{i}") for i in range(60)]
    for i, person in enumerate(people):
        sandbox.send(person, "/next")
        if i == 20:
            first.signal(signal.SIGTERM)
        await asyncio.sleep(0.02)
    assert await first.wait(10) == 0
    answered = [p for p in people if sandbox.bot_messages(p.id)]
    kept = len(sandbox.bot.updates)
    assert len(answered) + kept == len(people), "an update was acknowledged but never answered"
    assert kept > 0

    port = free_port()
    second = await spawn(
        "webhook-2",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        extra={"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook", "PORT": str(port)},
    )
    await second.wait_ready()
    await until(
        lambda: all(sandbox.bot_messages(p.id) for p in people), 30, "every update answered"
    )
    late = sandbox.create_user("Late")  # answered after all the others were handled
    assert "Paper submission deadline" in (await ask(sandbox, late, "/next")).content
    assert all(len(sandbox.bot_messages(p.id)) == 1 for p in people)
    second.signal(signal.SIGTERM)
    assert await second.wait(15) == 0


async def test_webhook_rechecks_accepting_after_reading_the_body() -> None:
    """The bot may start stopping while a body is read: that update gets 503, not queued."""
    from bot.deploy.web import HealthReport, bound_port, build_web_app, serve_web, stop_web

    answers = iter([True, False])  # accepting at the secret check, stopping once read
    queued: list[dict[str, object]] = []

    async def on_update(payload: dict[str, object]) -> None:
        queued.append(payload)

    async def health() -> HealthReport:
        return HealthReport(database=True, scheduler=True, pending_outbox=0, active_instance=True)

    app = build_web_app(
        webhook_path="/hook",
        secret_token="s3cret_token",
        on_update=on_update,
        health=health,
        accepting=lambda: next(answers),
    )
    runner = await serve_web(app, "127.0.0.1", 0)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{bound_port(runner)}/hook",
                json={"update_id": 5},
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_token"},
            ) as response,
        ):
            assert response.status == 503
    finally:
        await stop_web(runner)
    assert queued == []


# --------------------------------------------------- 2. two processes, one PostgreSQL


async def reminder_keys_sent(url: str, clock: FixedClock) -> dict[int, list[str]]:
    """Return each chat's sent reminder rows by idempotency key (one row, one message)."""
    db = await Database.connect(url, clock)
    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT chat_id, idempotency_key FROM outbox WHERE status = 'sent' "
                    "AND idempotency_key LIKE 'reminder:%'"
                )
            )
            keys: dict[int, list[str]] = {}
            for chat, key in rows.all():
                keys.setdefault(int(chat), []).append(str(key))
            return keys
    finally:
        await db.close()


@pytest.mark.postgres
async def test_two_processes_on_postgres_one_active_then_takeover(
    sandbox: Sandbox, spawn: Spawn, postgres_url: str
) -> None:
    """A is active, B stands by; reminders and news reach everyone once; B takes over."""
    lead = 12.0  # seconds of real time from A's spawn to the reminder instant
    # The readers subscribe before A starts: however slow the machine, they are there when
    # the reminder comes (a late start sends it once at catch-up, which is the same).
    readers = [sandbox.create_user(f"Reader{i}") for i in range(3)]
    clock = FixedClock(REMINDER_3H - dt.timedelta(seconds=lead))
    db = await Database.connect(postgres_url, clock, migrate=True)
    try:
        service = SubscriberService(db, EventBook(db, clock, CONFIG), clock)
        for reader in readers:
            await service.subscribe(ChatInfo(reader.id, "private", first_name=reader.first_name))
    finally:
        await db.close()
    origin = time.monotonic()

    def now_arg() -> str:  # the same virtual clock for both, whenever each is spawned
        elapsed = time.monotonic() - origin
        return iso(REMINDER_3H - dt.timedelta(seconds=lead - elapsed))

    a = await spawn("A", ["--now", now_arg()], database_url=postgres_url)
    await a.wait_for_line(r"this instance is active \(advisory lock")
    await a.wait_ready()
    b = await spawn("B", ["--now", now_arg()], database_url=postgres_url)
    await b.wait_for_line(r"another instance is active \(advisory lock .*held by")
    await b.wait_for_line(r"waiting as a hot standby")

    async def sent_3h() -> set[int]:
        """Readers whose 3-hour reminder is recorded as sent."""
        db = await Database.connect(postgres_url, clock)
        try:
            async with db.engine.connect() as conn:
                rows = await conn.execute(
                    text(
                        "SELECT chat_id FROM outbox WHERE status = 'sent' "
                        "AND idempotency_key LIKE 'reminder:euromlsys2026:paper:3h@%'"
                    )
                )
                return {int(chat) for (chat,) in rows.all()}
        finally:
            await db.close()

    async def everyone_reminded() -> bool:
        return await sent_3h() == {r.id for r in readers}

    await eventually(everyone_reminded, "the 3-hour reminder", within=lead + 60)
    chair = sandbox.create_user("Chair", user_id=ADMIN)
    await post_news(sandbox, chair, "Camera-ready instructions are online.")
    for reader in readers:
        await sandbox.wait_for_message(
            reader.id, timeout=20, predicate=lambda m: m.content.startswith("📣")
        )
    await until_outbox_settled(postgres_url, clock)
    # One reminder each, the 3-hour one. A starts seconds before it, when the missed 1-day
    # reminder would read "due in 3 hours" too: the catch-up records it as superseded
    # (after a slow start past the 3-hour instant, that one is the latest due and is sent).
    reminded = {r.id: [m.content for m in reminders_in(sandbox, r)] for r in readers}
    sent_keys = await reminder_keys_sent(postgres_url, clock)
    for reader in readers:
        contents = reminded[reader.id]
        keys = sent_keys.get(reader.id, [])
        assert len(contents) == len(keys) == 1, (contents, keys)
        assert keys[0].startswith("reminder:euromlsys2026:paper:3h@"), keys
        assert "Paper submission deadline is due in" in contents[0]
        assert "Camera-ready instructions are online." in news_in(sandbox, reader)[0].content
        assert len(news_in(sandbox, reader)) == 1
    assert "ready for" not in b.output  # B never ran while A held the lock

    a.signal(signal.SIGKILL)
    killed = time.monotonic()
    await a.wait(10)
    await b.wait_for_line(r"this instance is active \(advisory lock", timeout=60)
    await b.wait_ready(timeout=60)
    takeover = time.monotonic() - killed
    dates = await ask(sandbox, readers[0], "/dates")
    answered = time.monotonic() - killed
    print(f"\nstandby takeover after SIGKILL: ready {takeover:.2f} s, answers {answered:.2f} s")
    assert "key dates" in dates.content
    await until_outbox_settled(postgres_url, clock)  # B's catch-up and resume: nothing twice
    for reader in readers:
        assert [m.content for m in reminders_in(sandbox, reader)] == reminded[reader.id]
        assert len(news_in(sandbox, reader)) == 1
    b.signal(signal.SIGTERM)
    assert await b.wait(15) == 0


# -------------------------------------------------------------- 3. no secret in any log


async def test_no_token_or_secret_in_debug_logs(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str
) -> None:
    """A full DEBUG session in webhook mode, with errors, never prints the token or secret."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    bot = await spawn(
        "debug",
        ["--webhook", "--now", iso(BEFORE_DEADLINE)],
        database_url=sqlite_url,
        log_level="DEBUG",
        extra={"WEBHOOK_URL": url, "PORT": str(port)},
    )
    await bot.wait_ready()
    hook = sandbox.bot.webhook
    assert hook is not None and hook.secret_token
    secret = hook.secret_token

    sam = sandbox.create_user("Sam", username="sam")
    chair = sandbox.create_user("Chair", user_id=ADMIN)
    for words in ("/start", "/dates", "/timezone Europe/Berlin", "/next", "/subscribe"):
        await ask(sandbox, sam, words)
    await post_news(sandbox, chair, "The <b>program</b> is online & final.")
    await sandbox.wait_for_message(
        sam.id, timeout=20, predicate=lambda m: m.content.startswith("📣")
    )
    bad = await ask(sandbox, chair, "/extend nosuchdate 2026-03-01 23:59 AoE")
    assert "There is no key date 'nosuchdate'" in bad.content
    # Telegram fails: a 5xx on a reply, a dropped connection on another.
    sandbox.faults.fail_next(1, status=502, method="sendMessage")
    sandbox.send(sam, "/topics")
    await bot.wait_for_line(r"NetworkError: Bad Gateway", timeout=15)
    sandbox.faults.drop_next(1, method="sendMessage")
    sandbox.send(sam, "/contacts")
    # A dropped connection: httpx says RemoteProtocolError or ReadError, aiohttp (the bot's
    # requests) ServerDisconnectedError.
    await bot.wait_for_line(r"RemoteProtocolError|ReadError|ServerDisconnected", timeout=15)
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
        http.post(url, json={"update_id": 1}) as response,
    ):
        assert response.status == 403
    await ask(sandbox, sam, "/cfp", within=20)  # still answering after the faults
    bot.signal(signal.SIGTERM)
    assert await bot.wait(15) == 0

    output = bot.output
    assert "DEBUG" in output and "setWebhook" in output  # DEBUG really was on
    for leaked in (TOKEN, TOKEN_SECRET_PART, secret):
        assert leaked not in output
    assert "[REDACTED]" in output  # the Bot API URL and the secret_token parameter
    request_lines = [
        line for line in output.splitlines() if " httpx:" in line or " httpcore" in line
    ]
    assert not any(TOKEN_SECRET_PART in line for line in request_lines)
    assert not any("HTTP Request:" in line for line in request_lines), request_lines[:3]


async def test_a_rejected_token_is_not_printed(spawn: Spawn, sqlite_url: str) -> None:
    """A revoked token: PTB's InvalidToken quotes it; ``run`` says so without it, exit 2."""
    revoked = "7412365891:" + "AARevoked" + "NotARealToken" * 2
    bot = await spawn("revoked", [], database_url=sqlite_url, token=revoked)
    assert await bot.wait(30) == 2
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in bot.output
    assert "Traceback" not in bot.output
    # (the spawn fixture checks that neither this token nor its secret half was printed)


# ------------------------------------------------------------------ 4. graceful stop


async def test_sigterm_mid_broadcast_exits_cleanly_and_restart_resumes(
    sandbox: Sandbox, spawn: Spawn, sqlite_url: str
) -> None:
    """SIGTERM mid-way through 300 sends: exit 0 within 10 s, resume, once each."""
    count = 300
    readers = [sandbox.create_user(f"R{i}", user_id=300_000 + i) for i in range(count)]
    clock = FixedClock(BEFORE_DEADLINE)
    db = await Database.connect(sqlite_url, clock, migrate=True)
    try:
        service = SubscriberService(db, EventBook(db, clock, CONFIG), clock)
        for reader in readers:
            await service.subscribe(ChatInfo(reader.id, "private", first_name=reader.first_name))
    finally:
        await db.close()
    chair = sandbox.create_user("Chair", user_id=ADMIN)

    first = await spawn("first", ["--now", iso(BEFORE_DEADLINE)], database_url=sqlite_url)
    await first.wait_ready()
    await post_news(sandbox, chair, "Registration is open.")

    def delivered() -> int:
        return sum(1 for r in readers if news_in(sandbox, r))

    await until(lambda: delivered() >= count // 4, 30, "a quarter of the broadcast")
    first.signal(signal.SIGTERM)
    asked = time.monotonic()
    code = await first.wait(15)
    stopped_in = time.monotonic() - asked
    sent_before = delivered()
    print(f"\nSIGTERM mid-broadcast: exit {code} after {stopped_in:.2f} s, {sent_before} sent")
    assert code == 0
    assert stopped_in < 10
    assert sent_before < count, "the broadcast finished before SIGTERM; nothing to resume"

    db = await Database.connect(sqlite_url, clock)
    try:
        pending = await db.outbox.pending_count()
        async with db.engine.connect() as conn:
            result = await conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))
            statuses = {str(status): int(n) for status, n in result.all()}
    finally:
        await db.close()
    assert pending > 0 and pending == count - sent_before, statuses
    assert "sending" not in statuses, statuses  # in-flight rows were finished or released
    interrupted = first.output.count("interrupted at stop")

    second = await spawn("second", ["--now", iso(BEFORE_DEADLINE)], database_url=sqlite_url)
    await second.wait_ready()
    await until(lambda: delivered() == count, 40, "every reader to get the news")
    await until_outbox_settled(sqlite_url, clock)  # nothing left that could still be sent
    twice = [r.id for r in readers if len(news_in(sandbox, r)) > 1]
    # The engine lets in-flight sends finish on a graceful stop, so none is sent twice.
    assert interrupted == 0, first.tail()
    assert twice == []
    second.signal(signal.SIGTERM)
    assert await second.wait(15) == 0


# ------------------------------------------------- 5. postgres:// and ephemeral disks


@pytest.mark.postgres
async def test_run_accepts_a_postgres_scheme_url(
    sandbox: Sandbox, spawn: Spawn, postgres_url: str
) -> None:
    """``DATABASE_URL=postgres://…`` (as platforms write it) works: migrate, lock, serve."""
    url = make_url(postgres_url)
    schema = str(url.query["options"]).removeprefix("-csearch_path=")
    written = "postgres://" + postgres_url.split("://", 1)[1]
    assert written.startswith("postgres://postgres") and "options=" in written
    bot = await spawn("postgres-scheme", ["--now", iso(BEFORE_DEADLINE)], database_url=written)
    await bot.wait_for_line(r"this instance is active \(advisory lock")
    await bot.wait_ready()
    sam = sandbox.create_user("Sam")
    answer = await ask(sandbox, sam, "/subscribe")
    assert answer.content.startswith("🔔 Subscribed")
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
        assert row is not None and row[0] > 3  # migrated into the test's schema
        subscribed = conn.execute("SELECT count(*) FROM subscriptions").fetchone()
        assert subscribed == (1,)
    bot.signal(signal.SIGTERM)
    assert await bot.wait(15) == 0


async def test_ephemeral_platform_refuses_sqlite_unless_allowed(
    sandbox: Sandbox, spawn: Spawn, tmp_path: Path
) -> None:
    """``DYNO`` set and SQLite: exit 2 with the fix; ``--allow-ephemeral-sqlite`` starts."""
    dyno = {"DYNO": "web.1"}
    refused = await spawn("dyno", [], database_url=None, extra=dyno)
    assert await refused.wait(30) == 2
    message = refused.output
    assert "Heroku-style dyno" in message and "every subscriber would be lost" in message
    assert "DATABASE_URL" in message and "--allow-ephemeral-sqlite" in message
    assert "Traceback" not in message
    assert not (tmp_path / "data").exists()  # refused before creating anything

    allowed = await spawn(
        "dyno-allowed", ["--allow-ephemeral-sqlite"], database_url=None, extra=dyno
    )
    await allowed.wait_for_line(r"WARNING .*running on Heroku-style dyno with the default SQLite")
    await allowed.wait_ready()
    assert (tmp_path / "data" / "deadline-bot.sqlite3").exists()
    sam = sandbox.create_user("Sam")
    assert "key dates" in (await ask(sandbox, sam, "/dates")).content
    allowed.signal(signal.SIGTERM)
    assert await allowed.wait(15) == 0


async def test_an_unsupported_database_url_is_a_setting_error(spawn: Spawn, tmp_path: Path) -> None:
    """``DATABASE_URL=mysql://…``: exit 2 naming the supported schemes, no traceback."""
    bot = await spawn("mysql", [], database_url="mysql://bot:pw@db.example.org/bot")
    assert await bot.wait(30) == 2
    assert "DATABASE_URL: unsupported database URL (scheme 'mysql')" in bot.output
    assert "postgres://" in bot.output and "Traceback" not in bot.output
    assert not (tmp_path / "data").exists()
