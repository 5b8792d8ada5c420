"""The running bot, assembled: events, storage, services, delivery, scheduler, Application.

One composition root for ``run``, ``demo`` and the end-to-end tests, so all three run the
same thing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from telegram.constants import ParseMode
from telegram.ext import Application

from bot.delivery import DeliveryEngine, DeliveryLimits, PriorityRateLimiter
from bot.domain.clock import Clock
from bot.domain.model import Event
from bot.render.html import esc
from bot.services.admin import AdminService
from bot.services.events import EventBook
from bot.services.news import NewsService
from bot.services.reminders import ReminderService
from bot.services.subscribers import SubscriberService
from bot.storage.database import Database
from bot.telegram import common, deferred
from bot.telegram.app import build_application, drain_updates, publish_commands, update_processor
from bot.telegram.jobs import JobQueueScheduler

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 8.0
"""How long a stop waits for in-flight sends (platforms allow about 10 s after SIGTERM)."""

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
    application: Application  # type: ignore[type-arg]
    admin_ids: frozenset[int]
    admin: AdminService
    ready: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    """Set once the bot polls for updates, after the catch-up and the schedule."""

    @classmethod
    def assemble(
        cls,
        *,
        db: Database,
        clock: Clock,
        token: str,
        config_path: Path,
        events: tuple[Event, ...] | None = None,
        base_url: str | None = None,
        admin_ids: frozenset[int] = frozenset(),
        limits: DeliveryLimits | None = None,
        workers: int = 8,
    ) -> Runtime:
        """Wire the parts together (nothing runs yet)."""
        book = EventBook(db, clock, config_path, events)
        subscribers = SubscriberService(db, book, clock)
        limiter = PriorityRateLimiter(limits or DeliveryLimits.telegram())
        application = build_application(token, base_url=base_url, rate_limiter=limiter)
        admins = admin_ids | frozenset().union(*(e.admins for e in book.events))
        engine = DeliveryEngine(
            db,
            application.bot,
            clock,
            workers=workers,
            on_admin_alert=lambda text: alert_admins(application, admins, text),
        )
        assert application.job_queue is not None
        scheduler = JobQueueScheduler(application.job_queue, clock)
        reminders = ReminderService(db, book, engine, scheduler)
        engine.renderer = reminders.render
        admin = AdminService(db, reminders, admins)
        runtime = cls(db, clock, book, subscribers, reminders, engine, application, admins, admin)
        news = NewsService(db, engine, clock)
        common.install(application, common.Services(subscribers, reminders, engine, admin, news))
        return runtime

    async def run(
        self, stop: asyncio.Event, *, poll_timeout: int = 10, webhook: WebhookTarget | None = None
    ) -> None:
        """Run until ``stop`` is set, then stop within the grace period.

        Updates come by long polling, or, with ``webhook``, from the web server that
        feeds ``application.update_queue`` (the webhook is registered here).
        """
        application = self.application
        async with application:
            await self.subscribers.seed_config_news()
            await publish_commands(application, self.admin_ids)
            await self.engine.start()
            await application.start()
            await self.reminders.start()
            await deferred.replay(self.db.kv, application)  # before any new update
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
            self.ready.set()
            try:
                await stop.wait()
            finally:
                log.info("stopping: finishing in-flight sends, leaving the rest pending")
                if application.updater.running:
                    await application.updater.stop()  # polling: acknowledges what it fetched
                # Every fetched update was acknowledged: finish them, but within a deadline,
                # and drop what flooding chats still have waiting (see bot/telegram/updates).
                updates = asyncio.create_task(drain_updates(application, UPDATES_GRACE_SECONDS))
                await self.engine.stop(grace=STOP_GRACE_SECONDS)
                await updates
                await application.stop()
                processor = update_processor(application)
                if processor is not None and processor.deferred:
                    await deferred.keep(self.db.kv, processor.deferred)
        await self.db.close()


async def alert_admins(
    application: Application,  # type: ignore[type-arg]
    admin_ids: frozenset[int],
    text: str,
) -> None:
    """Tell every admin about something that needs a person (best effort)."""
    for admin in sorted(admin_ids):
        with contextlib.suppress(Exception):
            await application.bot.send_message(admin, f"⚠️ {esc(text)}", parse_mode=ParseMode.HTML)
