"""The composition root: settings → events → storage → services → the Application."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.domain.clock import Clock
from bot.domain.config import load_events
from bot.services.subscribers import SubscriberService
from bot.settings import Settings
from bot.storage.database import Database
from bot.telegram.app import build_application, serve

log = logging.getLogger(__name__)


async def open_service(settings: Settings, clock: Clock) -> SubscriberService:
    """Load the events, open and migrate the database, and return the subscriber service."""
    events = load_events(settings.config_path)
    db = await Database.connect(
        settings.database_url, clock, data_dir=settings.data_dir, migrate=True
    )
    log.info("database %s ready", db.url)
    return SubscriberService(db, events, clock)


async def run_bot(settings: Settings, clock: Clock, stop: asyncio.Event | None = None) -> None:
    """Run the bot until SIGINT/SIGTERM (or ``stop``)."""
    if settings.token is None:
        raise ValueError("no token")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    service = await open_service(settings, clock)
    application = build_application(settings.token, service, base_url=settings.api_base_url)
    await serve(application, service, stop)
