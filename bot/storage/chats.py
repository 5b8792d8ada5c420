"""Chats the bot has seen: who they are, their time zone, whether they are reachable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, and_, case, delete, func, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.clock import Clock
from bot.storage._sql import instant, opt_int, opt_str, upsert_insert
from bot.storage.models import Chat
from bot.storage.schema import chats, muted_key_dates, outbox, subscriptions
from bot.storage.unit import Connections

#: ``inactive_reason`` of a group that became a supergroup (a new chat id).
MIGRATED = "migrated"


def chat_from_row(row: RowMapping) -> Chat:
    """Build a :class:`Chat` from a ``chats`` row."""
    return Chat(
        chat_id=int(row["chat_id"]),
        type=str(row["type"]),
        title=opt_str(row["title"]),
        username=opt_str(row["username"]),
        first_name=opt_str(row["first_name"]),
        timezone=opt_str(row["timezone"]),
        language_code=opt_str(row["language_code"]),
        active=bool(row["active"]),
        inactive_reason=opt_str(row["inactive_reason"]),
        first_seen=instant(row["first_seen"]),
        updated_at=instant(row["updated_at"]),
        migrated_to=opt_int(row["migrated_to"]),
    )


class ChatRepository:
    """Reads and writes ``chats``; ``migrate_chat`` also moves a chat's preferences."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def upsert_chat(
        self,
        chat_id: int,
        type: str,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        *,
        language_code: str | None = None,
    ) -> Chat:
        """Insert or refresh a chat from an incoming update; ``first_seen`` is kept.

        A chat that writes to the bot is reachable, so an inactive chat becomes
        active again, unless it was migrated (its old id never comes back). A missing
        ``language_code`` keeps the stored one; the name fields are overwritten.
        """
        now = self._clock.now()
        stmt = upsert_insert(self._engine, chats).values(
            chat_id=chat_id,
            type=type,
            title=title,
            username=username,
            first_name=first_name,
            language_code=language_code,
            timezone=None,
            active=True,
            inactive_reason=None,
            first_seen=now,
            updated_at=now,
            migrated_to=None,
        )
        migrated = chats.c.inactive_reason == MIGRATED
        upsert = stmt.on_conflict_do_update(
            index_elements=[chats.c.chat_id],
            set_={
                "type": stmt.excluded.type,
                "title": stmt.excluded.title,
                "username": stmt.excluded.username,
                "first_name": stmt.excluded.first_name,
                "language_code": func.coalesce(stmt.excluded.language_code, chats.c.language_code),
                "updated_at": stmt.excluded.updated_at,
                "active": case((migrated, chats.c.active), else_=True),
                "inactive_reason": case((migrated, chats.c.inactive_reason), else_=None),
            },
        ).returning(*chats.c)
        async with self._conns.write() as conn:
            row = (await conn.execute(upsert)).mappings().one()
        return chat_from_row(row)

    async def get_chat(self, chat_id: int) -> Chat | None:
        """Return the chat, or ``None`` if the bot has never seen it."""
        async with self._conns.read() as conn:
            row = (
                (await conn.execute(select(chats).where(chats.c.chat_id == chat_id)))
                .mappings()
                .one_or_none()
            )
        return None if row is None else chat_from_row(row)

    async def set_timezone(self, chat_id: int, timezone: str | None) -> bool:
        """Store the chat's IANA zone name (``None`` clears it); False if unknown chat.

        The name is stored as given: validate it (e.g. with pytz) before calling.
        """
        return await self._update(chat_id, {"timezone": timezone})

    async def mark_inactive(self, chat_id: int, reason: str) -> bool:
        """Mark the chat unreachable (``blocked``, ``deactivated``, ``kicked``...).

        Returns True if the chat was active. Subscriptions are left alone, so a chat
        that comes back (``mark_active`` or ``upsert_chat``) gets its reminders again.
        """
        return await self._update(
            chat_id,
            {"active": False, "inactive_reason": reason},
            chats.c.active,
        )

    async def mark_active(self, chat_id: int) -> bool:
        """Mark the chat reachable again; returns True if it was inactive.

        A migrated chat stays inactive: its id is dead, use the new one.
        """
        return await self._update(
            chat_id,
            {"active": True, "inactive_reason": None},
            and_(~chats.c.active, func.coalesce(chats.c.inactive_reason, "") != MIGRATED),
        )

    async def _update(self, chat_id: int, values: dict[str, Any], *conditions: Any) -> bool:
        stmt = (
            update(chats)
            .where(chats.c.chat_id == chat_id, *conditions)
            .values(**values, updated_at=self._clock.now())
        )
        async with self._conns.write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0

    async def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """Move a group that became a supergroup to its new chat id.

        In one transaction: the new chat is created if needed (inheriting title,
        time zone and language); subscriptions and mutes are copied to it (what the
        new id already has wins); the old subscriptions become inactive and the old
        mutes are removed; pending outbox rows are re-addressed to the new id (their
        idempotency keys are kept, so they are still sent once); the old chat becomes
        inactive with reason ``migrated`` and ``migrated_to`` = ``new_id``.
        Returns False (and does nothing) if ``old_id`` is unknown. Idempotent.
        """
        if old_id == new_id:
            raise ValueError("a chat cannot migrate to itself")
        async with self._conns.write() as conn:
            return await self._migrate(conn, old_id, new_id)

    async def _migrate(self, conn: AsyncConnection, old_id: int, new_id: int) -> bool:
        now = self._clock.now()
        old = (
            (await conn.execute(select(chats).where(chats.c.chat_id == old_id)))
            .mappings()
            .one_or_none()
        )
        if old is None:
            return False
        # The new id may already be known (its first update can race this call).
        await conn.execute(
            upsert_insert(self._engine, chats)
            .values(
                chat_id=new_id,
                type="supergroup",
                title=old["title"],
                username=old["username"],
                first_name=old["first_name"],
                timezone=old["timezone"],
                language_code=old["language_code"],
                default_series=old["default_series"],
                active=True,
                inactive_reason=None,
                first_seen=now,
                updated_at=now,
                migrated_to=None,
            )
            .on_conflict_do_nothing()
        )
        await conn.execute(
            update(chats)
            .where(chats.c.chat_id == new_id)
            .values(
                timezone=func.coalesce(chats.c.timezone, old["timezone"]),
                language_code=func.coalesce(chats.c.language_code, old["language_code"]),
                default_series=func.coalesce(chats.c.default_series, old["default_series"]),
                updated_at=now,
            )
        )

        s = subscriptions.c
        copy_subs = (
            upsert_insert(self._engine, subscriptions)
            .from_select(
                ["series_id", "chat_id", "subscribed_at", "unsubscribed_at", "reminders", "active"],
                select(
                    s.series_id,
                    _literal_chat(new_id),
                    s.subscribed_at,
                    s.unsubscribed_at,
                    s.reminders,
                    s.active,
                ).where(s.chat_id == old_id),
            )
            .on_conflict_do_nothing()
        )
        await conn.execute(copy_subs)
        await conn.execute(
            update(subscriptions)
            .where(s.chat_id == old_id, s.active)
            .values(active=False, unsubscribed_at=now)
        )

        m = muted_key_dates.c
        copy_mutes = (
            upsert_insert(self._engine, muted_key_dates)
            .from_select(
                ["series_id", "chat_id", "key_date_id", "muted_at"],
                select(m.series_id, _literal_chat(new_id), m.key_date_id, m.muted_at).where(
                    m.chat_id == old_id
                ),
            )
            .on_conflict_do_nothing()
        )
        await conn.execute(copy_mutes)
        await conn.execute(delete(muted_key_dates).where(m.chat_id == old_id))

        await conn.execute(
            update(outbox)
            .where(outbox.c.chat_id == old_id, outbox.c.status == "pending")
            .values(chat_id=new_id)
        )
        await conn.execute(
            update(chats)
            .where(chats.c.chat_id == old_id)
            .values(active=False, inactive_reason=MIGRATED, migrated_to=new_id, updated_at=now)
        )
        return True


def _literal_chat(chat_id: int) -> Any:
    return literal(chat_id, BigInteger)
