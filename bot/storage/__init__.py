"""Storage: schema, migrations and repositories; the only place with SQL.

Start with :class:`Database`::

    db = await Database.connect(settings.database_url, clock, data_dir=settings.data_dir)
    await db.migrate()
    await db.chats.upsert_chat(chat_id, "private", first_name="Ada")

A use case that writes more than once runs in one unit of work (``bot.storage.unit``)::

    async with db.unit_of_work():
        await db.chats.upsert_chat(chat_id, "private", first_name="Ada")
        await db.subscriptions.subscribe(series_id, chat_id)
"""

from bot.storage.database import Database
from bot.storage.migrations import (
    LATEST_VERSION,
    MigrationReport,
    SchemaTooNewError,
    current_version,
    migrate,
)
from bot.storage.models import (
    AuditEntry,
    Broadcast,
    BroadcastKind,
    BroadcastProgress,
    BroadcastStatus,
    Chat,
    ConfigNews,
    CreatedBroadcast,
    Extension,
    NewOutboxRow,
    NewsItem,
    NewsSource,
    OutboxRow,
    OutboxStatus,
    Recipient,
    ReminderMode,
    Subscription,
    SubscriptionStats,
)
from bot.storage.subscriptions import UnknownChatError
from bot.storage.urls import normalize_database_url, redact_url

__all__ = [
    "LATEST_VERSION",
    "AuditEntry",
    "Broadcast",
    "BroadcastKind",
    "BroadcastProgress",
    "BroadcastStatus",
    "Chat",
    "ConfigNews",
    "CreatedBroadcast",
    "Database",
    "Extension",
    "MigrationReport",
    "NewOutboxRow",
    "NewsItem",
    "NewsSource",
    "OutboxRow",
    "OutboxStatus",
    "Recipient",
    "ReminderMode",
    "SchemaTooNewError",
    "Subscription",
    "SubscriptionStats",
    "UnknownChatError",
    "current_version",
    "migrate",
    "normalize_database_url",
    "redact_url",
]
