"""The one composition root: settings → database → services → Application.

``run`` (``bot.bootstrap``), ``demo``, the shell's ``news`` and ``stats`` and the tests all
build here (:meth:`Runtime.open`, or :func:`open_database` and :func:`event_book` for what
needs no bot), so they all run the same thing, wired once.

Faults: every background loop is supervised (``bot.supervision``); what fails shows on
``health`` (``/healthz`` says degraded) and the admins hear it once per cool-down. A storage
watch writes a heartbeat every few seconds (a read-only database shows at once, and its
recovery too) and notices a SQLite file deleted while running: the bot then stops with
status 1 after writing the still-open database back to its path (nothing lost), so the
platform restarts it on the saved file. Delivery pauses while the instance lock is lost and
resumes once it is taken back (``suspend_delivery`` / ``resume_delivery``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from dataclasses import dataclass

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter
from bot.domain.clock import Clock
from bot.domain.config import load_events
from bot.domain.model import Event
from bot.render.broadcasts import TEXTS
from bot.render.html import esc
from bot.services.admin import AdminService
from bot.services.events import EventBook
from bot.services.news import NewsService
from bot.services.reminders import ReminderService
from bot.services.send_time import SendTimeRenderer
from bot.services.subscribers import SubscriberService
from bot.services.trackers import TrackedEvents, TrackerFollower
from bot.settings import Settings, SettingsError
from bot.storage.database import Database
from bot.supervision import AdminAlerts, HealthBoard, describe, supervise
from bot.telegram import common, deferred
from bot.telegram.app import build_application, drain_updates, publish_commands, update_processor
from bot.telegram.context import BotApp
from bot.telegram.jobs import JobQueueScheduler

log = logging.getLogger(__name__)

TRACKER_JOB = "trackers:follow"

STOP_GRACE_SECONDS = 8.0
"""How long a stop waits for in-flight sends (platforms allow about 10 s after SIGTERM)."""
STORAGE_CHECK_SECONDS = 5.0
"""How often the storage watch writes its heartbeat and looks for the SQLite file."""

UPDATES_GRACE_SECONDS = 5.0
"""How long a stop lets queued updates finish (at the same time as the sends), then cancels."""


@dataclass(frozen=True)
class WebhookTarget:
    """Where Telegram should push updates, and the secret it must send along."""

    url: str
    secret: str = dataclasses.field(repr=False)


@dataclass
class Runtime:
    """Everything a running bot is made of."""

    db: Database
    clock: Clock
    book: EventBook
    subscribers: SubscriberService
    reminders: ReminderService
    engine: DeliveryEngine
    application: BotApp
    admin_ids: frozenset[int]
    admin: AdminService
    news: NewsService
    ready: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    """Set once the bot polls for updates, after the catch-up and the schedule."""
    trackers: TrackerFollower | None = None
    """Follows TRACKER_SOURCES when some are set."""
    health: HealthBoard = dataclasses.field(default_factory=HealthBoard)
    """What is failing now (``/healthz``); admins are alerted from it."""
    alerts: AdminAlerts | None = None
    failure: str | None = None
    """Why the bot stopped itself (the exit status is then 1)."""
    storage_check_seconds: float = STORAGE_CHECK_SECONDS
    _halting: asyncio.Task[None] | None = None
    _background: list[asyncio.Task[None]] = dataclasses.field(default_factory=list)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        clock: Clock,
        *,
        events: tuple[Event, ...] | None = None,
        limits: DeliveryLimits | None = None,
        workers: int = 8,
    ) -> Runtime:
        """Connect (and migrate) the settings' database, then :meth:`assemble` on it."""
        db = await open_database(settings, clock)
        try:
            return cls.assemble(settings, db, clock, events=events, limits=limits, workers=workers)
        except BaseException:
            await db.close()
            raise

    @classmethod
    def assemble(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        events: tuple[Event, ...] | None = None,
        limits: DeliveryLimits | None = None,
        workers: int = 8,
    ) -> Runtime:
        """Wire the parts together on ``db`` (nothing runs yet).

        ``events`` replaces the config's (tests); ``limits`` replaces Telegram's pace.
        """
        if settings.token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set: the bot needs its token")
        admin_ids = settings.admin_ids
        tracked = TrackedEvents(settings.tracker_sources)
        book = event_book(settings, db, clock, events=events, tracked=tracked)
        subscribers = SubscriberService(db, book, clock)
        limiter = PriorityRateLimiter(limits or DeliveryLimits.telegram())
        application = build_application(
            settings.token, base_url=settings.api_base_url, rate_limiter=limiter
        )
        admins = admin_ids | frozenset().union(*(e.admins for e in book.events))
        health = HealthBoard()
        engine = DeliveryEngine(
            db,
            application.bot,
            clock,
            workers=workers,
            on_admin_alert=lambda text: alert_admins(application, admins, text),
            health=health,
            renderer=SendTimeRenderer(db, book, TEXTS).render,
        )
        assert application.job_queue is not None
        scheduler = JobQueueScheduler(application.job_queue, clock)
        reminders = ReminderService(db, book, engine, scheduler, TEXTS)
        admin = AdminService(db, reminders, admin_ids)  # plus each series' own admins
        news = NewsService(db, engine, clock, TEXTS)
        alerts = AdminAlerts(lambda text: alert_admins(application, admins, text))
        alerts.attach(health)
        trackers = None
        if settings.tracker_sources:
            trackers = TrackerFollower(
                tracked, reminders.reload, interval=settings.tracker_interval
            )
        common.install(
            application, common.Services(subscribers, reminders, engine, admin, news, health)
        )
        return cls(
            db,
            clock,
            book,
            subscribers,
            reminders,
            engine,
            application,
            admins,
            admin,
            news,
            trackers=trackers,
            health=health,
            alerts=alerts,
        )

    async def run(
        self, stop: asyncio.Event, *, poll_timeout: int = 10, webhook: WebhookTarget | None = None
    ) -> None:
        """Run until ``stop`` is set, then stop within the grace period.

        Updates come by long polling, or, with ``webhook``, from the web server that
        feeds ``application.update_queue`` (the webhook is registered here).
        """
        application = self.application
        async with application:
            await self.subscribers.seed_config_news(esc)
            await publish_commands(application, self.admin_ids)
            await self.engine.start()
            await application.start()
            await self.reminders.start()
            await deferred.replay(self.db.kv, application)  # before any new update
            if self.trackers is not None:
                follow_trackers(application, self.trackers)
            assert application.updater is not None
            if webhook is None:
                await application.updater.start_polling(
                    timeout=poll_timeout, allowed_updates=common.ALLOWED_UPDATES
                )
            else:
                await application.bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret,
                    allowed_updates=common.ALLOWED_UPDATES,
                )
            log.info("bot @%s ready for %s", application.bot.username, self.book.primary.id)
            self._background.append(
                asyncio.create_task(
                    supervise("storage watch", lambda: self._watch_storage(stop), self.health),
                    name="storage-watch",
                )
            )
            self.ready.set()
            try:
                await stop.wait()
            finally:
                log.info("stopping: finishing in-flight sends, leaving the rest pending")
                if self.trackers is not None:
                    self.trackers.stop()  # a tracker read in flight must not delay the stop
                await self._stop_parts()
        if self.failure is not None and self.db.file_problem() is not None:
            saved = await self.db.rescue()
            log.error("database written back to %s; restart to carry on from it", saved)
        await self.db.close()

    async def _stop_parts(self) -> None:
        """Stop everything; one part failing never keeps the next from stopping."""
        application = self.application
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background.clear()
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
        except Exception:
            log.exception("stopping the updates failed")
        # Every fetched update was acknowledged: finish them, but within a deadline, and
        # drop what flooding chats still have waiting (see bot/telegram/updates).
        updates = asyncio.create_task(drain_updates(application, UPDATES_GRACE_SECONDS))
        try:
            if self._halting is not None:
                await self._halting
            await self.engine.stop(grace=STOP_GRACE_SECONDS)
        except Exception:
            log.exception("stopping delivery failed; unsent rows are resumed at the next start")
        try:
            await updates
        except Exception:
            log.exception("finishing the queued updates failed")
        if application.running:
            await application.stop()
        processor = update_processor(application)
        if processor is not None and processor.deferred:
            try:
                await deferred.keep(self.db.kv, processor.deferred)
            except Exception:
                log.exception("keeping %d queued updates failed", len(processor.deferred))

    # ---------------------------------------------------------------- faults

    def suspend_delivery(self, reason: str) -> None:
        """Stop sending at once (the instance lock is lost); claimed rows stay claimed."""
        if not self.engine.running:
            return
        log.warning("delivery paused: %s", reason)
        self.engine.halt()
        self._halting = asyncio.get_running_loop().create_task(
            self.engine.stop(grace=STOP_GRACE_SECONDS, release=False)
        )

    async def resume_delivery(self) -> None:
        """Start sending again (the lock is ours again), retrying while storage fails."""
        if self._halting is not None:
            await asyncio.gather(self._halting, return_exceptions=True)
            self._halting = None
        delay = 0.5
        while True:
            try:
                await self.engine.start()
            except Exception as exc:
                self.health.fail("delivery", f"restarting delivery failed ({describe(exc)})")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            log.warning("delivery resumed")
            return

    async def _watch_storage(self, stop: asyncio.Event) -> None:
        """Heartbeat write and SQLite file check every few seconds (see the module doc)."""
        while not stop.is_set():
            problem = self.db.file_problem()
            if problem is not None:
                self.health.fail("storage", problem)
                log.error("%s; stopping to write it back and restart on it", problem)
                self.failure = problem
                stop.set()
                return
            try:
                await self.db.check_writable()
            except Exception as exc:
                self.health.fail("storage", f"writes fail ({describe(exc)})")
            else:
                self.health.ok("storage")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.storage_check_seconds)


async def open_database(settings: Settings, clock: Clock) -> Database:
    """Connect to the settings' database (SQLite in ``data_dir`` by default) and migrate it."""
    return await Database.connect(
        settings.database_url, clock, data_dir=settings.data_dir, migrate=True
    )


def event_book(
    settings: Settings,
    db: Database,
    clock: Clock,
    *,
    events: tuple[Event, ...] | None = None,
    tracked: TrackedEvents | None = None,
) -> EventBook:
    """The events of the settings' config (plus those ``tracked`` follows), kept in ``db``."""
    tracked = tracked or TrackedEvents(settings.tracker_sources)
    return EventBook(db, clock, settings.config_path, events, loader=tracked.loader(load_events))


def follow_trackers(
    application: BotApp,
    follower: TrackerFollower,
) -> None:
    """Read the tracker files now and every ``follower.interval`` seconds (one at a time)."""
    interval = follower.interval

    async def follow(_context: object) -> None:
        try:
            await follower.poll()
        except Exception:
            log.exception("reading the tracker files failed; next try in %.0f s", interval)

    assert application.job_queue is not None
    application.job_queue.run_repeating(
        follow,
        interval=interval,
        first=0,
        name=TRACKER_JOB,
        job_kwargs={"id": TRACKER_JOB, "coalesce": True, "max_instances": 1},
    )


async def alert_admins(
    application: BotApp,
    admin_ids: frozenset[int],
    text: str,
) -> None:
    """Tell every admin about something that needs a person (best effort)."""
    for admin in sorted(admin_ids):
        with contextlib.suppress(Exception):
            await application.bot.send_message(admin, f"⚠️ {esc(text)}")  # HTML by default
