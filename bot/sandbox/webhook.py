"""Webhook push: each bot with a webhook gets its updates POSTed one by one, in order.

A failed delivery (an error status, a refused connection, a timeout) is recorded in the bot's
``WebhookConfig`` (``getWebhookInfo`` shows it) and retried after ``retry_delay`` seconds; the
update stays first in the queue until the webhook accepts it, as on Telegram.  Requests carry
``X-Telegram-Bot-Api-Secret-Token`` when the webhook has a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.sandbox.limits import Counters
from bot.sandbox.world import BotAccount, now

__all__ = ["WebhookPusher", "dumps"]

JSON = dict[str, Any]
WaitUpdates = Callable[[BotAccount, float], Awaitable[None]]


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as Telegram sends it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookPusher:
    """One delivery task per bot with a webhook."""

    def __init__(
        self,
        counters: Counters,
        wait_updates: WaitUpdates,
        *,
        retry_delay: float = 1.0,
        timeout: float = 10.0,
    ) -> None:
        self.counters = counters
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._wait_updates = wait_updates
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._stopped = False

    def changed(self, bot: BotAccount) -> None:
        """Start delivering for a newly set webhook (a removed one ends its task by itself)."""
        self._stopped = False
        if bot.webhook is None:
            return
        task = self._tasks.get(bot.id)
        if task is None or task.done():
            self._tasks[bot.id] = asyncio.get_running_loop().create_task(
                self._deliver(bot), name=f"sandbox-webhook-{bot.id}"
            )

    async def stop(self) -> None:
        """Cancel every delivery task and close the HTTP client."""
        self._stopped = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver(self, bot: BotAccount) -> None:
        """POST queued updates one by one, in order; retry failures after a pause."""
        while not self._stopped and bot.webhook is not None:
            if not bot.updates:
                await self._wait_updates(bot, 1.0)
                continue
            hook = bot.webhook
            update = bot.updates[0]
            error = await self._post(hook.url, hook.secret_token, update)
            if bot.webhook is not hook:
                continue
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.popleft()
                self.counters.webhook_deliveries += 1
            else:
                self.counters.webhook_failures += 1
                hook.last_error_date = now()
                hook.last_error_message = error
                await asyncio.sleep(self.retry_delay)

    async def _post(self, url: str, secret: str | None, update: JSON) -> str | None:
        """POST one update; return None if accepted, else Telegram's last_error_message."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        try:
            async with self._session.post(url, data=dumps(update), headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc.__class__.__name__}"
