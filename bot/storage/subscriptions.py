"""Subscriptions to series, reminder preferences, and who receives a broadcast.

A subscription (and a muted key date) belongs to a *series*, so it carries over from
one edition to the next; a reminder of edition ``euromlsys2027`` goes to the followers
of series ``euromlsys``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import ColumnElement, String, and_, delete, exists, func, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock
from bot.domain.reminding import REMINDER_MODES, modes_covering
from bot.storage._sql import instant, opt_instant, opt_str, upsert_insert
from bot.storage.models import (
    Audience,
    Recipient,
    ReminderMode,
    Subscription,
    SubscriptionStats,
)
from bot.storage.schema import chats, muted_key_dates, subscriptions
from bot.storage.unit import Connections


class UnknownChatError(LookupError):
    """The chat is not in ``chats``: call ``upsert_chat`` first."""


def subscription_from_row(row: RowMapping) -> Subscription:
    """Build a :class:`Subscription` from a ``subscriptions`` row."""
    return Subscription(
        series_id=str(row["series_id"]),
        chat_id=int(row["chat_id"]),
        subscribed_at=instant(row["subscribed_at"]),
        unsubscribed_at=opt_instant(row["unsubscribed_at"]),
        reminders=cast(ReminderMode, row["reminders"]),
        active=bool(row["active"]),
    )


class SubscriptionRepository:
    """Reads and writes ``subscriptions`` and ``muted_key_dates``."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock

    async def subscribe(self, series_id: str, chat_id: int) -> bool:
        """Subscribe the chat; True if this is new or reactivates an unsubscription.

        A returning subscriber keeps the reminder mode and mutes chosen before.
        Raises :class:`UnknownChatError` if the chat was never upserted.
        """
        now = self._clock.now()
        s = subscriptions.c
        insert_stmt = (
            upsert_insert(self._engine, subscriptions)
            .values(
                series_id=series_id,
                chat_id=chat_id,
                subscribed_at=now,
                unsubscribed_at=None,
                reminders="all",
                active=True,
            )
            .on_conflict_do_nothing()
            .returning(s.chat_id)
        )
        async with self._conns.write() as conn:
            known = (
                await conn.execute(select(chats.c.chat_id).where(chats.c.chat_id == chat_id))
            ).first()
            if known is None:
                raise UnknownChatError(f"chat {chat_id} is unknown; upsert it first")
            if (await conn.execute(insert_stmt)).first() is not None:
                return True
            reactivated = await conn.execute(
                update(subscriptions)
                .where(s.series_id == series_id, s.chat_id == chat_id, ~s.active)
                .values(active=True, subscribed_at=now, unsubscribed_at=None)
            )
            return reactivated.rowcount > 0

    async def unsubscribe(self, series_id: str, chat_id: int) -> bool:
        """Unsubscribe (the row stays, inactive); True if the chat was subscribed."""
        s = subscriptions.c
        stmt = (
            update(subscriptions)
            .where(s.series_id == series_id, s.chat_id == chat_id, s.active)
            .values(active=False, unsubscribed_at=self._clock.now())
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def get_subscription(self, series_id: str, chat_id: int) -> Subscription | None:
        """Return the subscription row (active or not), or ``None``."""
        s = subscriptions.c
        stmt = select(subscriptions).where(s.series_id == series_id, s.chat_id == chat_id)
        async with self._conns.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return None if row is None else subscription_from_row(row)

    async def is_subscribed(self, series_id: str, chat_id: int) -> bool:
        """Tell whether the chat has an active subscription to the series."""
        sub = await self.get_subscription(series_id, chat_id)
        return sub is not None and sub.active

    async def set_reminder_mode(self, series_id: str, chat_id: int, mode: ReminderMode) -> bool:
        """Choose ``all``, ``deadlines`` or ``off``; False if there is no subscription."""
        if mode not in REMINDER_MODES:
            raise ValueError(f"reminder mode must be one of {REMINDER_MODES}, not {mode!r}")
        s = subscriptions.c
        stmt = (
            update(subscriptions)
            .where(s.series_id == series_id, s.chat_id == chat_id)
            .values(reminders=mode)
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def mute_key_date(self, series_id: str, chat_id: int, key_date_id: str) -> bool:
        """Stop reminders of one key date for the chat; True if it was not muted."""
        stmt = (
            upsert_insert(self._engine, muted_key_dates)
            .values(
                series_id=series_id,
                chat_id=chat_id,
                key_date_id=key_date_id,
                muted_at=self._clock.now(),
            )
            .on_conflict_do_nothing()
            .returning(muted_key_dates.c.key_date_id)
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def unmute_key_date(self, series_id: str, chat_id: int, key_date_id: str) -> bool:
        """Resume reminders of one key date; True if it was muted."""
        m = muted_key_dates.c
        stmt = delete(muted_key_dates).where(
            m.series_id == series_id, m.chat_id == chat_id, m.key_date_id == key_date_id
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def muted_key_dates(self, series_id: str, chat_id: int) -> frozenset[str]:
        """Return the ids of the key dates the chat muted."""
        m = muted_key_dates.c
        stmt = select(m.key_date_id).where(m.series_id == series_id, m.chat_id == chat_id)
        async with self._conns.read() as conn:
            return frozenset(str(v) for v in (await conn.execute(stmt)).scalars())

    async def followed(self, chat_id: int) -> list[str]:
        """Return the series the chat follows (active subscriptions), by id."""
        s = subscriptions.c
        stmt = select(s.series_id).where(s.chat_id == chat_id, s.active).order_by(s.series_id)
        async with self._conns.read() as conn:
            return [str(v) for v in (await conn.execute(stmt)).scalars()]

    async def default_series(self, chat_id: int) -> str | None:
        """Return the series the chat chose to talk about, if it chose one."""
        stmt = select(chats.c.default_series).where(chats.c.chat_id == chat_id)
        async with self._conns.read() as conn:
            return opt_str((await conn.execute(stmt)).scalar_one_or_none())

    async def choose_series(self, chat_id: int, series_id: str | None) -> bool:
        """Remember the chat's default series (``None`` forgets it); False if unknown chat."""
        stmt = update(chats).where(chats.c.chat_id == chat_id).values(default_series=series_id)
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def merge_series(self, old: str, new: str) -> int:
        """Move every subscription and mute kept under ``old`` to series ``new``.

        For rows written under an edition's id (or a series id the config renamed).
        Where a chat already has a subscription to ``new``, the active one wins, then
        the more recent; mutes are united; a chat's default follows. One transaction;
        returns how many subscriptions moved (0 the second time).
        """
        if old == new:
            return 0
        s, m = subscriptions.c, muted_key_dates.c
        moved = 0
        async with self._conns.write() as conn:
            olds = (
                (await conn.execute(select(subscriptions).where(s.series_id == old)))
                .mappings()
                .all()
            )
            for row in olds:
                chat = row["chat_id"]
                current = (
                    (
                        await conn.execute(
                            select(subscriptions).where(s.series_id == new, s.chat_id == chat)
                        )
                    )
                    .mappings()
                    .one_or_none()
                )
                if current is None:
                    await conn.execute(
                        update(subscriptions)
                        .where(s.series_id == old, s.chat_id == chat)
                        .values(series_id=new)
                    )
                else:
                    if _newer(row, current):
                        values = {k: row[k] for k in ("subscribed_at", "unsubscribed_at")}
                        values |= {"reminders": row["reminders"], "active": row["active"]}
                        await conn.execute(
                            update(subscriptions)
                            .where(s.series_id == new, s.chat_id == chat)
                            .values(**values)
                        )
                    await conn.execute(
                        delete(subscriptions).where(s.series_id == old, s.chat_id == chat)
                    )
                moved += 1
            await conn.execute(
                upsert_insert(self._engine, muted_key_dates)
                .from_select(
                    ["series_id", "chat_id", "key_date_id", "muted_at"],
                    select(literal(new, String), m.chat_id, m.key_date_id, m.muted_at).where(
                        m.series_id == old
                    ),
                )
                .on_conflict_do_nothing()
            )
            await conn.execute(delete(muted_key_dates).where(m.series_id == old))
            await conn.execute(
                update(chats).where(chats.c.default_series == old).values(default_series=new)
            )
        return moved

    async def active_recipients(
        self,
        series_id: str,
        *,
        key_date_id: str | None = None,
        kind: str | None = None,
    ) -> list[Recipient]:
        """Return the chats a broadcast goes to, ordered by chat id.

        Always: an active subscription on an active chat. Without ``key_date_id``
        (news, extension notices) that is all. With ``key_date_id`` (a reminder):
        mode ``off`` is left out, mode ``deadlines`` only gets key dates whose
        ``kind`` is ``"deadline"``, and chats that muted the key date are left out.
        """
        s, c = subscriptions.c, chats.c
        stmt = (
            select(c.chat_id, c.timezone, c.language_code)
            .select_from(subscriptions.join(chats, c.chat_id == s.chat_id))
            .where(*audience_conditions(Audience(series_id, key_date_id, kind)))
            .order_by(c.chat_id)
        )
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Recipient(int(r[0]), opt_str(r[1]), opt_str(r[2])) for r in rows]

    async def audience_size(self, audience: Audience) -> int:
        """Count the chats a broadcast to ``audience`` reaches now (extra chats included)."""
        s, c = subscriptions.c, chats.c
        conditions = audience_conditions(audience)
        if audience.extra_chats:
            conditions.append(s.chat_id.not_in(audience.extra_chats))
        stmt = (
            select(func.count())
            .select_from(subscriptions.join(chats, c.chat_id == s.chat_id))
            .where(*conditions)
        )
        async with self._conns.read() as conn:
            found = int((await conn.execute(stmt)).scalar_one())
        return found + len(set(audience.extra_chats))

    async def stats(self, series_id: str) -> SubscriptionStats:
        """Count subscribers of the series for ``/stats``."""
        s, c = subscriptions.c, chats.c
        joined = subscriptions.join(chats, c.chat_id == s.chat_id)
        reachable = _reachable(series_id)
        async with self._conns.read() as conn:

            async def grouped(column: Any) -> dict[Any, int]:
                stmt = (
                    select(column, func.count())
                    .select_from(joined)
                    .where(reachable)
                    .group_by(column)
                )
                return {k: int(n) for k, n in (await conn.execute(stmt)).all()}

            everyone = (
                await conn.execute(
                    select(func.count()).select_from(subscriptions).where(s.series_id == series_id)
                )
            ).scalar_one()
            unreachable = (
                await conn.execute(
                    select(func.count())
                    .select_from(joined)
                    .where(s.series_id == series_id, s.active, ~c.active)
                )
            ).scalar_one()
            by_timezone = await grouped(c.timezone)
            by_mode = await grouped(s.reminders)
            by_type = await grouped(c.type)
        active = sum(by_mode.values())
        return SubscriptionStats(
            active=active,
            inactive=int(everyone) - active,
            unreachable=int(unreachable),
            by_timezone=_frozen(by_timezone),
            by_mode=_frozen(by_mode),
            by_type=_frozen(by_type),
        )


def audience_conditions(audience: Audience) -> list[ColumnElement[bool]]:
    """The WHERE of ``subscriptions JOIN chats`` that selects an audience (see Audience)."""
    s, m = subscriptions.c, muted_key_dates.c
    conditions: list[ColumnElement[bool]] = [_reachable(audience.series_id)]
    if audience.key_date_id is not None:
        conditions.append(s.reminders.in_(modes_covering(audience.kind)))
        muted = exists().where(
            m.series_id == s.series_id,
            m.chat_id == s.chat_id,
            m.key_date_id == audience.key_date_id,
        )
        conditions.append(~muted)
    return conditions


def _newer(row: RowMapping, other: RowMapping) -> bool:
    """Whether subscription ``row`` should win over ``other`` (active first, then recent)."""
    return (bool(row["active"]), instant(row["subscribed_at"])) > (
        bool(other["active"]),
        instant(other["subscribed_at"]),
    )


def _reachable(series_id: str) -> ColumnElement[bool]:
    s, c = subscriptions.c, chats.c
    return and_(s.series_id == series_id, s.active, c.active)


def _frozen(counts: dict[Any, int]) -> Mapping[Any, int]:
    return MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0]))))
