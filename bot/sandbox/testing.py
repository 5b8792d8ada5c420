"""Pytest fixtures for the sandbox (a plugin module: ``pytest_plugins = ["bot.sandbox.testing"]``).

Fixtures (function scope):

``sandbox``
    a started :class:`~bot.sandbox.server.Sandbox` in the test's event loop.  Configure it with
    the marker ``@pytest.mark.sandbox(limits=Limits.off(), tokens=[…], seed=…, …)`` — its keyword
    arguments go to the ``Sandbox`` constructor.  Default limits are Telegram's real ones.
``sandbox_user``
    a simulated person "Alice" (username ``alice``) who has started the bot.
``tg_bot``
    an initialized python-telegram-bot ``Bot`` talking to ``sandbox`` over HTTP.
``sandbox_thread``
    a :class:`~bot.sandbox.server.SandboxThread` (sync tests, other processes); the marker
    applies too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from bot.sandbox.server import Sandbox, SandboxThread
from bot.sandbox.world import User

__all__ = ["sandbox", "sandbox_kwargs", "sandbox_thread", "sandbox_user", "tg_bot"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sandbox`` marker."""
    config.addinivalue_line(
        "markers", "sandbox(**kwargs): keyword arguments for the Sandbox of the sandbox fixtures"
    )


@pytest.fixture
def sandbox_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Constructor arguments for the sandbox fixtures, from the ``sandbox`` marker."""
    marker = request.node.get_closest_marker("sandbox")
    return dict(marker.kwargs) if marker is not None else {}


@pytest_asyncio.fixture
async def sandbox(sandbox_kwargs: dict[str, Any]) -> AsyncIterator[Sandbox]:
    """A running sandbox in the current event loop, stopped after the test."""
    instance = Sandbox(**sandbox_kwargs)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


@pytest.fixture
def sandbox_user(sandbox: Sandbox) -> User:
    """A person, Alice, who has opened the chat with the bot."""
    return sandbox.create_user("Alice", last_name="Liddell", username="alice")


@pytest_asyncio.fixture
async def tg_bot(sandbox: Sandbox) -> AsyncIterator[Any]:
    """python-telegram-bot's ``Bot`` pointed at the sandbox (initialized, shut down after)."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    bot = Bot(
        sandbox.token,
        base_url=sandbox.base_url,
        base_file_url=sandbox.base_file_url,
        request=HTTPXRequest(connection_pool_size=8, read_timeout=10.0),
    )
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@pytest.fixture
def sandbox_thread(sandbox_kwargs: dict[str, Any]) -> Iterator[SandboxThread]:
    """A sandbox running in a background thread."""
    thread = SandboxThread(**sandbox_kwargs).start()
    try:
        yield thread
    finally:
        thread.stop()
