"""Broadcasts and the outbox: one row per message, written before the first send.

Life of an outbox row::

    pending ──claim_due──▶ sending ──mark_sent──▶ sent
       ▲                     │ ├──mark_failed(final=False)──▶ pending (later)
       │                     │ ├──mark_failed(final=True)───▶ failed
       │                     │ └──mark_blocked──────────────▶ blocked (+ chat inactive)
       └─release_stale_sending┘
    pending ──cancel_broadcast──▶ cancelled
    pending ──claim_due, chat inactive──▶ skipped

The idempotency key (unique) is what makes "never twice" hold: a reminder's rows
are keyed ``reminder:<event>:<key date>:<offset>@<key date instant>:<chat>`` (every
format: :mod:`bot.domain.outbox_keys`), so re-creating a broadcast after a restart, a
reload or a catch-up inserts nothing new.

The one window for a duplicate: a row is ``sending`` while its message is in
flight. If the process dies after Telegram accepted the message but before
``mark_sent`` committed, ``release_stale_sending`` (run at start) puts the row
back to ``pending`` and it is sent again. Telegram gives no way to ask "did you
get this?", so at-least-once in that window is the price of never losing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.clock import Clock
from bot.storage._sql import (
    dump_json,
    instant,
    load_json,
    opt_instant,
    opt_int,
    opt_str,
    upsert_insert,
)
from bot.storage.models import (
    Audience,
    AudienceBroadcast,
    Broadcast,
    BroadcastKind,
    BroadcastProgress,
    BroadcastStatus,
    CreatedBroadcast,
    NewOutboxRow,
    OutboxRow,
    OutboxStatus,
)
from bot.storage.schema import (
    BROADCAST_KINDS,
    broadcast_parts,
    broadcasts,
    chats,
    outbox,
    subscriptions,
)
from bot.storage.subscriptions import audience_conditions
from bot.storage.types import UTCDateTime
from bot.storage.unit import Connections

#: ``last_error`` of rows skipped because their chat became unreachable.
CHAT_INACTIVE = "chat inactive"

#: Recipients written per ``INSERT … SELECT`` statement when enqueueing an audience.
ENQUEUE_CHUNK = 50_000

#: ``status = 'pending'`` as a literal, so that SQLite and PostgreSQL use the partial
#: ``ix_outbox_due`` index (a bound parameter cannot prove the index's WHERE).
IS_PENDING: ColumnElement[bool] = outbox.c.status == literal_column("'pending'")

#: Payload parts kept in memory (they never change once written).
_PART_CACHE = 4096


def broadcast_from_row(row: RowMapping) -> Broadcast:
    """Build a :class:`Broadcast` from a ``broadcasts`` row."""
    return Broadcast(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        kind=cast(BroadcastKind, row["kind"]),
        ref=str(row["ref"]),
        created_at=instant(row["created_at"]),
        created_by=opt_int(row["created_by"]),
        status=cast(BroadcastStatus, row["status"]),
        total=int(row["total"]),
        report=load_json(row["report"]),
        finished_at=opt_instant(row["finished_at"]),
        paid=bool(row["paid"]),
    )


def outbox_row_from_row(row: RowMapping, payload: Mapping[str, Any] | None = None) -> OutboxRow:
    """Build an :class:`OutboxRow` from an ``outbox`` row (``payload``: its broadcast's part)."""
    own = load_json(row["payload"])
    return OutboxRow(
        id=int(row["id"]),
        broadcast_id=int(row["broadcast_id"]),
        chat_id=int(row["chat_id"]),
        idempotency_key=str(row["idempotency_key"]),
        payload=own if own is not None else (payload or {}),
        status=cast(OutboxStatus, row["status"]),
        attempts=int(row["attempts"]),
        next_attempt_at=instant(row["next_attempt_at"]),
        claimed_at=opt_instant(row["claimed_at"]),
        message_id=opt_int(row["message_id"]),
        last_error=opt_str(row["last_error"]),
        created_at=instant(row["created_at"]),
        sent_at=opt_instant(row["sent_at"]),
    )


class OutboxRepository:
    """Reads and writes ``broadcasts`` and ``outbox``."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._conns = Connections(engine)
        self._clock = clock
        self._parts: dict[tuple[int, int], dict[str, Any]] = {}

    def _now(self, now: dt.datetime | None) -> dt.datetime:
        return self._clock.now() if now is None else now

    # --- broadcasts ------------------------------------------------------------------

    async def create_broadcast(
        self,
        event_id: str,
        kind: BroadcastKind,
        ref: str,
        created_by: int | None,
        rows: Iterable[NewOutboxRow | tuple[int, str, Mapping[str, Any]]],
        *,
        not_before: dt.datetime | None = None,
        paid: bool = False,
    ) -> CreatedBroadcast:
        """Write a broadcast and its outbox rows in one transaction.

        ``(event_id, kind, ref)`` identifies the broadcast: calling again with the same
        triple reuses it. Rows whose idempotency key already exists (in any broadcast)
        are skipped, so repeated or concurrent calls never duplicate a message. New
        rows on a finished broadcast reopen it (``pending``); a cancelled broadcast
        takes no new rows. Rows are due at ``not_before`` (default: now). Each distinct
        payload is stored once (``broadcast_parts``), however many rows share it.
        ``paid``: send with ``allow_paid_broadcast`` (set when the broadcast is created).
        """
        new_rows = [NewOutboxRow(*row) for row in rows]
        keys = [row.idempotency_key for row in new_rows]
        if len(set(keys)) != len(keys):
            raise ValueError("idempotency keys repeat within one broadcast")

        async def write(conn: AsyncConnection, broadcast_id: int, due: dt.datetime) -> int:
            return await self._insert_rows(conn, broadcast_id, new_rows, due)

        async with self._conns.write() as conn:
            return await self._create_in(
                conn, event_id, kind, ref, created_by, write, not_before, paid, bool(new_rows)
            )

    async def create_broadcast_to(
        self, order: AudienceBroadcast, *, chunk: int = ENQUEUE_CHUNK
    ) -> CreatedBroadcast:
        """Write a broadcast to everyone in the order's audience, inside the database.

        The recipients are selected and written by ``INSERT … SELECT`` statements of at
        most ``chunk`` chats each (in chat id order), all in one transaction, so nothing
        of the audience passes through Python and memory stays flat. Every recipient
        gets each of the order's parts (stored once). Otherwise as :meth:`create_broadcast`.
        """
        parts, part_suffix, key_prefix = order.parts, order.part_suffix, order.key_prefix
        audience = order.audience
        if not parts:
            raise ValueError("a broadcast needs at least one part")
        if len(parts) > 1 and not part_suffix:
            raise ValueError("several parts need part_suffix=True to keep keys unique")

        async def write(conn: AsyncConnection, broadcast_id: int, due: dt.datetime) -> int:
            indexes = await self._store_parts(conn, broadcast_id, parts)
            now = self._clock.now()
            inserted = 0
            for index, part in enumerate(indexes):
                suffix = f":{index}" if part_suffix else ""
                inserted += await self._insert_audience(
                    conn, broadcast_id, audience, part, key_prefix, suffix, due, now, chunk
                )
                extra = [
                    NewOutboxRow(chat_id, f"{key_prefix}{chat_id}{suffix}", {})
                    for chat_id in dict.fromkeys(audience.extra_chats)
                ]
                if extra:
                    inserted += await self._insert_plain(conn, broadcast_id, extra, part, due)
            return inserted

        async with self._conns.write() as conn:
            return await self._create_in(
                conn,
                order.event_id,
                order.kind,
                order.ref,
                order.created_by,
                write,
                order.not_before,
                order.paid,
                True,
            )

    async def _create_in(
        self,
        conn: AsyncConnection,
        event_id: str,
        kind: BroadcastKind,
        ref: str,
        created_by: int | None,
        write: Any,
        not_before: dt.datetime | None,
        paid: bool,
        has_rows: bool,
    ) -> CreatedBroadcast:
        if kind not in BROADCAST_KINDS:
            raise ValueError(f"broadcast kind must be one of {BROADCAST_KINDS}, not {kind!r}")
        now = self._clock.now()
        due = now if not_before is None else not_before
        b = broadcasts.c
        make = (
            upsert_insert(self._engine, broadcasts)
            .values(
                event_id=event_id,
                kind=kind,
                ref=ref,
                created_at=now,
                created_by=created_by,
                status="pending",
                total=0,
                report=None,
                finished_at=None,
                paid=paid,
            )
            .on_conflict_do_nothing()
        )
        # FOR UPDATE: concurrent creators of one broadcast take turns (its parts, its total).
        find = (
            select(b.id, b.status)
            .where(b.event_id == event_id, b.kind == kind, b.ref == ref)
            .with_for_update()
        )
        await conn.execute(make)
        broadcast_id, status = (await conn.execute(find)).one()
        broadcast_id = int(broadcast_id)
        if status == "cancelled" or not has_rows:
            return CreatedBroadcast(broadcast_id, 0)
        inserted = int(await write(conn, broadcast_id, due))
        # An increment, not a count: under READ COMMITTED a concurrent creator's rows
        # are invisible to this transaction's count, while the row lock taken above
        # serializes increments, and ON CONFLICT makes `inserted` exact.
        values: dict[str, Any] = {"total": b.total + inserted}
        if inserted and status == "done":
            values.update(status="pending", finished_at=None)
        await conn.execute(update(broadcasts).where(b.id == broadcast_id).values(**values))
        return CreatedBroadcast(broadcast_id, inserted)

    async def _store_parts(
        self, conn: AsyncConnection, broadcast_id: int, payloads: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        """Store each distinct payload once for the broadcast; return each one's part index."""
        p = broadcast_parts.c
        known: dict[str, int] = {
            str(text): int(part)
            for part, text in (
                await conn.execute(select(p.part, p.payload).where(p.broadcast_id == broadcast_id))
            ).all()
        }
        fresh: list[dict[str, Any]] = []
        indexes: list[int] = []
        for payload in payloads:
            text = dump_json(payload)
            part = known.get(text)
            if part is None:
                part = known[text] = len(known)
                fresh.append({"broadcast_id": broadcast_id, "part": part, "payload": text})
            indexes.append(part)
        if fresh:
            await conn.execute(broadcast_parts.insert(), fresh)
        return indexes

    async def _insert_rows(
        self,
        conn: AsyncConnection,
        broadcast_id: int,
        rows: Sequence[NewOutboxRow],
        due: dt.datetime,
    ) -> int:
        if not rows:
            return 0
        parts = await self._store_parts(conn, broadcast_id, [row.payload for row in rows])
        inserted = 0
        for part in dict.fromkeys(parts):
            chosen = [row for row, p in zip(rows, parts, strict=True) if p == part]
            inserted += await self._insert_plain(conn, broadcast_id, chosen, part, due)
        return inserted

    async def _insert_plain(
        self,
        conn: AsyncConnection,
        broadcast_id: int,
        rows: Sequence[NewOutboxRow],
        part: int,
        due: dt.datetime,
    ) -> int:
        """Insert rows whose payload is ``part`` of the broadcast (keys already taken: skipped)."""
        stmt = (
            upsert_insert(self._engine, outbox)
            .on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
            .returning(outbox.c.id)
        )
        now = self._clock.now()
        params = [
            {
                "broadcast_id": broadcast_id,
                "chat_id": row.chat_id,
                "idempotency_key": row.idempotency_key,
                "payload": None,
                "part": part,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": due,
                "claimed_at": None,
                "message_id": None,
                "last_error": None,
                "created_at": now,
                "sent_at": None,
            }
            for row in rows
        ]
        result = await conn.execute(stmt, params)
        return len(result.all())

    async def _insert_audience(
        self,
        conn: AsyncConnection,
        broadcast_id: int,
        audience: Audience,
        part: int,
        prefix: str,
        suffix: str,
        due: dt.datetime,
        now: dt.datetime,
        chunk: int,
    ) -> int:
        """``INSERT … SELECT`` one part for the audience, ``chunk`` chats per statement."""
        s, c = subscriptions.c, chats.c
        joined = subscriptions.join(chats, c.chat_id == s.chat_id)
        conditions = audience_conditions(audience)
        if audience.extra_chats:
            conditions.append(s.chat_id.not_in(audience.extra_chats))
        key = literal(prefix, String) + sql_cast(s.chat_id, String) + literal(suffix, String)
        columns = [
            "broadcast_id",
            "chat_id",
            "idempotency_key",
            "part",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        inserted, after = 0, None
        while True:
            window = list(conditions)
            if after is not None:
                window.append(s.chat_id > after)
            bound = (
                await conn.execute(
                    select(s.chat_id)
                    .select_from(joined)
                    .where(*window)
                    .order_by(s.chat_id)
                    .offset(chunk - 1)
                    .limit(1)
                )
            ).scalar()
            if bound is not None:
                window.append(s.chat_id <= bound)
            source = (
                select(
                    literal(broadcast_id, outbox.c.broadcast_id.type),
                    s.chat_id,
                    key,
                    literal(part, outbox.c.part.type),
                    literal("pending", String),
                    literal(0, outbox.c.attempts.type),
                    literal(due, outbox.c.next_attempt_at.type),
                    literal(now, outbox.c.created_at.type),
                )
                .select_from(joined)
                .where(*window)
            )
            stmt = (
                upsert_insert(self._engine, outbox)
                .from_select(columns, source)
                .on_conflict_do_nothing(index_elements=[outbox.c.idempotency_key])
                .execution_options(preserve_rowcount=True)
            )
            inserted += int((await conn.execute(stmt)).rowcount)
            if bound is None:
                return inserted
            after = bound

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        """Return one broadcast, or ``None``."""
        async with self._conns.read() as conn:
            row = (
                (await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id)))
                .mappings()
                .one_or_none()
            )
        return None if row is None else broadcast_from_row(row)

    async def find_broadcast(self, event_id: str, kind: str, ref: str) -> Broadcast | None:
        """Return the broadcast of ``(event_id, kind, ref)`` if one was ever created."""
        b = broadcasts.c
        stmt = select(broadcasts).where(b.event_id == event_id, b.kind == kind, b.ref == ref)
        async with self._conns.read() as conn:
            row = (await conn.execute(stmt)).mappings().one_or_none()
        return None if row is None else broadcast_from_row(row)

    async def list_broadcasts(
        self, limit: int = 20, *, event_id: str | None = None
    ) -> list[Broadcast]:
        """Return the newest broadcasts first."""
        stmt = select(broadcasts)
        if event_id is not None:
            stmt = stmt.where(broadcasts.c.event_id == event_id)
        stmt = stmt.order_by(broadcasts.c.created_at.desc(), broadcasts.c.id.desc()).limit(limit)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [broadcast_from_row(r) for r in rows]

    async def unfinished_broadcasts(
        self, event_id: str | None = None, kind: BroadcastKind | None = None
    ) -> list[Broadcast]:
        """Return the broadcasts without a final report (pending, running, being cancelled).

        Oldest first; optionally of one event and kind. These are few whatever the history.
        """
        b = broadcasts.c
        stmt = select(broadcasts).where(b.finished_at.is_(None))
        if event_id is not None:
            stmt = stmt.where(b.event_id == event_id)
        if kind is not None:
            stmt = stmt.where(b.kind == kind)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt.order_by(b.id))).mappings().all()
        return [broadcast_from_row(r) for r in rows]

    async def start_broadcast(self, broadcast_id: int) -> bool:
        """Mark a pending broadcast ``running``; True if it was pending."""
        return await self._set_broadcast_status(broadcast_id, "running", ("pending",))

    async def cancel_broadcast(self, broadcast_id: int) -> int:
        """Cancel a broadcast: its pending rows become ``cancelled``; returns how many.

        Rows already ``sending`` finish normally. A finished broadcast is left as is.
        """
        o, b = outbox.c, broadcasts.c
        async with self._conns.write() as conn:
            result = await conn.execute(
                update(outbox)
                .where(o.broadcast_id == broadcast_id, o.status == "pending")
                .values(status="cancelled")
            )
            await conn.execute(
                update(broadcasts)
                .where(b.id == broadcast_id, b.status.in_(("pending", "running")))
                .values(status="cancelled")
            )
        return int(result.rowcount)

    async def finish_broadcast(
        self,
        broadcast_id: int,
        report: Mapping[str, Any],
        now: dt.datetime | None = None,
    ) -> bool:
        """Store the delivery report; the broadcast becomes ``done`` (unless cancelled)."""
        b = broadcasts.c
        stmt = (
            update(broadcasts)
            .where(b.id == broadcast_id)
            .values(
                report=dump_json(report),
                finished_at=self._now(now),
                status=case((b.status == "cancelled", b.status), else_=literal("done")),
            )
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def _set_broadcast_status(
        self, broadcast_id: int, status: BroadcastStatus, allowed_from: tuple[str, ...]
    ) -> bool:
        b = broadcasts.c
        stmt = (
            update(broadcasts)
            .where(b.id == broadcast_id, b.status.in_(allowed_from))
            .values(status=status)
        )
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def broadcast_progress(self, broadcast_id: int) -> BroadcastProgress | None:
        """Count the broadcast's rows by status (``None`` if it does not exist)."""
        b, o = broadcasts.c, outbox.c
        async with self._conns.read() as conn:
            head = (
                await conn.execute(select(b.status, b.total).where(b.id == broadcast_id))
            ).one_or_none()
            if head is None:
                return None
            counts = (
                await conn.execute(
                    select(o.status, func.count())
                    .where(o.broadcast_id == broadcast_id)
                    .group_by(o.status)
                )
            ).all()
        return BroadcastProgress(
            broadcast_id=broadcast_id,
            status=cast(BroadcastStatus, head[0]),
            total=int(head[1]),
            by_status={str(s): int(n) for s, n in counts},
        )

    # --- outbox rows -----------------------------------------------------------------

    async def claim_due(self, limit: int, now: dt.datetime | None = None) -> list[OutboxRow]:
        """Atomically move up to ``limit`` due pending rows to ``sending``; return them.

        Due means ``next_attempt_at <= now``; oldest first (then by id). Each claim counts
        as an attempt and stamps ``claimed_at``. Of the due rows looked at, those of
        inactive chats are marked ``skipped`` instead. Concurrent claimers never get the
        same row: on PostgreSQL they skip each other's locked rows (``FOR UPDATE SKIP
        LOCKED``); SQLite runs one writer at a time.

        The cost does not grow with the backlog: the rows come from the partial index
        ``ix_outbox_due`` (pending rows in due order) with a ``LIMIT``, and the chats of
        just those rows are looked up by primary key (see ``explain_claim``).
        """
        if limit <= 0:
            return []
        at = self._now(now)
        o = outbox.c
        async with self._conns.write() as conn:
            claimed: list[OutboxRow] = []
            while len(claimed) < limit:
                candidates = (await conn.execute(self._due_query(at, limit - len(claimed)))).all()
                if not candidates:
                    break
                chat_ids = {int(chat) for _, chat in candidates}
                inactive = set(
                    (
                        await conn.execute(
                            select(chats.c.chat_id).where(
                                chats.c.chat_id.in_(chat_ids), ~chats.c.active
                            )
                        )
                    ).scalars()
                )
                skip_ids = [int(i) for i, chat in candidates if chat in inactive]
                due_ids = [int(i) for i, chat in candidates if chat not in inactive]
                if skip_ids:
                    await conn.execute(
                        update(outbox)
                        .where(o.id.in_(skip_ids), IS_PENDING)
                        .values(status="skipped", last_error=CHAT_INACTIVE)
                    )
                if due_ids:
                    rows = (
                        (
                            await conn.execute(
                                update(outbox)
                                .where(o.id.in_(due_ids), IS_PENDING)
                                .values(status="sending", attempts=o.attempts + 1, claimed_at=at)
                                .returning(*outbox.c)
                            )
                        )
                        .mappings()
                        .all()
                    )
                    claimed += await self._with_payloads(conn, rows)
        claimed.sort(key=lambda r: (r.next_attempt_at, r.id))
        return claimed

    @staticmethod
    def _due_query(at: dt.datetime, limit: int) -> Any:
        o = outbox.c
        # Lock first, then update by id: ``UPDATE ... WHERE id IN (SELECT ... LIMIT n
        # FOR UPDATE SKIP LOCKED)`` can be planned as a nested loop that re-runs the
        # subquery and so claims more than ``n`` rows on PostgreSQL.
        return (
            select(o.id, o.chat_id)
            .where(IS_PENDING, o.next_attempt_at <= at)
            .order_by(o.next_attempt_at, o.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    async def explain_claim(self, limit: int = 32, now: dt.datetime | None = None) -> str:
        """Return the database's plan for the claim's row lookup (benchmarks, tests)."""
        stmt = self._due_query(self._now(now), limit)
        async with self._conns.read() as conn:
            compiled = stmt.compile(conn.sync_engine, compile_kwargs={"render_postcompile": True})
            sqlite = conn.dialect.name == "sqlite"
            params = {
                key: UTCDateTime().process_bind_param(value, conn.dialect)
                if isinstance(value, dt.datetime)
                else value
                for key, value in compiled.params.items()
            }
            if sqlite:  # the driver gets the text SQLAlchemy would store
                params = {
                    k: v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v
                    for k, v in params.items()
                }
            if sqlite:
                sql = str(compiled).replace(" FOR UPDATE", "")
                order = compiled.positiontup or []
                positional = tuple(params[name] for name in order)
                rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", positional)).all()
                return "\n".join(str(r[-1]) for r in rows)
            rows = (await conn.exec_driver_sql(f"EXPLAIN ANALYZE {compiled}", params)).all()
            return "\n".join(str(r[0]) for r in rows)

    async def _with_payloads(
        self, conn: AsyncConnection, rows: Sequence[RowMapping]
    ) -> list[OutboxRow]:
        """Build rows, filling in their broadcast's payload part where they have none."""
        wanted = {
            (int(r["broadcast_id"]), int(r["part"])) for r in rows if r["payload"] is None
        } - self._parts.keys()
        if wanted:
            p = broadcast_parts.c
            found = await conn.execute(
                select(p.broadcast_id, p.part, p.payload).where(
                    p.broadcast_id.in_({b for b, _ in wanted})
                )
            )
            if len(self._parts) > _PART_CACHE:
                self._parts.clear()
            for broadcast_id, part, text in found.all():
                self._parts[(int(broadcast_id), int(part))] = load_json(str(text)) or {}
        return [
            outbox_row_from_row(r, self._parts.get((int(r["broadcast_id"]), int(r["part"]))))
            for r in rows
        ]

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: dt.datetime | None = None
    ) -> bool:
        """Record that Telegram accepted the message; False if it was already sent."""
        o = outbox.c
        stmt = (
            update(outbox)
            .where(o.id == row_id, o.status != "sent")
            .values(status="sent", message_id=message_id, sent_at=self._now(now), last_error=None)
        )
        return await self._execute(stmt)

    async def mark_sent_many(
        self,
        items: Sequence[tuple[int, int | None] | tuple[int, int | None, dt.datetime]],
        now: dt.datetime | None = None,
    ) -> int:
        """Record many accepted messages in one transaction.

        Each item is ``(row id, message id)`` or ``(row id, message id, sent_at)``: the
        instant Telegram accepted that row (default ``now``). The delivery engine's group
        commit: each worker still waits for its own row's commit before its next
        request, so the duplicate window stays one row per worker. Returns how many rows
        changed (rows already sent are left alone).
        """
        if not items:
            return 0
        o = outbox.c
        at = self._now(now)
        stmt = (
            update(outbox)
            .where(o.id == bindparam("row_id"), o.status != "sent")
            .values(
                status="sent",
                message_id=bindparam("message_id"),
                sent_at=bindparam("sent", type_=o.sent_at.type),
                last_error=None,
            )
        )
        params = [
            {"row_id": item[0], "message_id": item[1], "sent": item[2] if len(item) > 2 else at}
            for item in items
        ]
        async with self._conns.write() as conn:
            result = await conn.execute(stmt, params)
        return int(result.rowcount)

    async def mark_failed(
        self,
        row_id: int,
        error: str,
        *,
        final: bool,
        next_attempt_at: dt.datetime | None = None,
    ) -> bool:
        """Record a failed attempt: ``failed`` if final, else back to ``pending``.

        A retry is due at ``next_attempt_at`` (default now); honour ``retry_after``
        by passing now + retry_after. False if the row is not in flight or pending.
        """
        o = outbox.c
        values: dict[str, Any] = {"last_error": error}
        if final:
            values["status"] = "failed"
        else:
            values["status"] = "pending"
            values["next_attempt_at"] = (
                next_attempt_at if next_attempt_at is not None else self._clock.now()
            )
        stmt = (
            update(outbox)
            .where(o.id == row_id, o.status.in_(("sending", "pending")))
            .values(**values)
        )
        return await self._execute(stmt)

    async def mark_blocked(self, row_id: int, error: str, reason: str = "blocked") -> bool:
        """Record a 403: the row becomes ``blocked`` and its chat inactive (``reason``).

        Both in one transaction; the chat's other due rows are then skipped by
        ``claim_due``. Returns False if the row is not in flight or pending.
        """
        o, c = outbox.c, chats.c
        async with self._conns.write() as conn:
            chat_id = (
                await conn.execute(
                    update(outbox)
                    .where(o.id == row_id, o.status.in_(("sending", "pending")))
                    .values(status="blocked", last_error=error)
                    .returning(o.chat_id)
                )
            ).scalar()
            if chat_id is None:
                return False
            await conn.execute(
                update(chats)
                .where(c.chat_id == chat_id, c.active)
                .values(active=False, inactive_reason=reason, updated_at=self._clock.now())
            )
        return True

    async def mark_skipped(self, row_id: int, reason: str) -> bool:
        """Give up on a row without sending (e.g. nothing left to say); False if not open."""
        o = outbox.c
        stmt = (
            update(outbox)
            .where(o.id == row_id, o.status.in_(("sending", "pending")))
            .values(status="skipped", last_error=reason)
        )
        return await self._execute(stmt)

    async def release_stale_sending(self, *, claimed_before: dt.datetime | None = None) -> int:
        """Put ``sending`` rows back to ``pending``; returns how many. Call at start.

        Without ``claimed_before`` every in-flight row is released: only right for a
        single delivery process that is starting (nothing of its own is in flight).
        This is the at-least-once window described in the module docstring.
        """
        o = outbox.c
        stmt = update(outbox).where(o.status == "sending")
        if claimed_before is not None:
            stmt = stmt.where(o.claimed_at < claimed_before)
        stmt = stmt.values(status="pending")
        async with self._conns.write() as conn:
            return int((await conn.execute(stmt)).rowcount)

    async def _execute(self, stmt: Any) -> bool:
        async with self._conns.write() as conn:
            return (await conn.execute(stmt)).rowcount > 0

    # --- queries ---------------------------------------------------------------------

    async def pending_count(self, broadcast_id: int | None = None) -> int:
        """Count rows still waiting to be sent (``pending``)."""
        stmt = select(func.count()).select_from(outbox).where(IS_PENDING)
        if broadcast_id is not None:
            stmt = stmt.where(outbox.c.broadcast_id == broadcast_id)
        async with self._conns.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def next_due_at(self) -> dt.datetime | None:
        """Return when the earliest pending row is due (for a sender to sleep until)."""
        stmt = select(func.min(outbox.c.next_attempt_at)).where(IS_PENDING)
        async with self._conns.read() as conn:
            value = (await conn.execute(stmt)).scalar()
        return opt_instant(value)

    async def rows_for(self, broadcast_id: int) -> list[OutboxRow]:
        """Return all rows of a broadcast, in insertion order."""
        stmt = select(outbox).where(outbox.c.broadcast_id == broadcast_id).order_by(outbox.c.id)
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
            return await self._with_payloads(conn, rows)

    async def has_pending(self) -> bool:
        """Tell whether any row waits to be sent (cheap at any backlog)."""
        stmt = select(exists().where(IS_PENDING))
        async with self._conns.read() as conn:
            return bool((await conn.execute(stmt)).scalar())

    async def is_open(self, broadcast_id: int) -> bool:
        """Tell whether the broadcast has rows pending or in flight (an index lookup)."""
        o = outbox.c
        stmt = select(
            exists().where(o.broadcast_id == broadcast_id, o.status.in_(("pending", "sending")))
        )
        async with self._conns.read() as conn:
            return bool((await conn.execute(stmt)).scalar())

    async def report_counts(self, broadcast_id: int) -> list[tuple[str, str | None, int]]:
        """Count a broadcast's rows by (status, last error), for its report."""
        o = outbox.c
        stmt = (
            select(o.status, o.last_error, func.count())
            .where(o.broadcast_id == broadcast_id)
            .group_by(o.status, o.last_error)
        )
        async with self._conns.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [(str(status), opt_str(error), int(n)) for status, error, n in rows]

    async def has_key(self, idempotency_key: str) -> bool:
        """Tell whether a row with this idempotency key exists (in any status)."""
        stmt = select(outbox.c.id).where(outbox.c.idempotency_key == idempotency_key)
        async with self._conns.read() as conn:
            return (await conn.execute(stmt)).first() is not None
