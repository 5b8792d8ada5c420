"""Updates kept across a stop: acknowledged to Telegram, not handled by the deadline.

Telegram does not send an acknowledged update again (polling moved its offset past it,
or the webhook answered 200). Those the stop deadline left unstarted are written to the
database (``kv``, one JSON list) and handled first at the next start, by whichever
instance takes over. Kept at most :data:`MAX_KEPT` (the oldest beyond are logged, not kept).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update

from bot.storage.kv import KeyValueRepository
from bot.telegram.context import BotApp

log = logging.getLogger(__name__)

KEY = "updates:deferred"
MAX_KEPT = 2000


async def keep(store: KeyValueRepository, updates: Sequence[Update]) -> int:
    """Add ``updates`` to those kept for the next start; return how many are kept now."""
    if not updates:
        return 0
    try:
        kept: list[dict[str, Any]] = json.loads(await store.get(KEY) or "[]")
        known = {item.get("update_id") for item in kept}
        kept += [u.to_dict() for u in updates if u.update_id not in known]
        kept.sort(key=lambda item: int(item.get("update_id", 0)))
        if len(kept) > MAX_KEPT:
            lost = [item.get("update_id") for item in kept[:-MAX_KEPT]]
            log.error("too many updates kept across the stop; dropped the oldest: %s", lost)
            kept = kept[-MAX_KEPT:]
        await store.set(KEY, json.dumps(kept, ensure_ascii=False))
    except Exception as exc:  # the database is gone too: say which updates are lost
        ids = ", ".join(str(u.update_id) for u in updates)
        log.error(
            "could not keep %d update(s) for the next start (%s); lost: %s", len(updates), exc, ids
        )
        return 0
    log.info("%d update(s) kept for the next start", len(kept))
    return len(kept)


async def replay(store: KeyValueRepository, application: BotApp) -> int:
    """Queue the updates kept by the last stop (before any new one); return how many."""
    kept: list[dict[str, Any]] = json.loads(await store.get(KEY) or "[]")
    if not kept:
        return 0
    for item in kept:
        update = Update.de_json(item, application.bot)
        await application.update_queue.put(update)
    await store.set(KEY, "[]")
    log.info("handling %d update(s) kept from the last stop", len(kept))
    return len(kept)
