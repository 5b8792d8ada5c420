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
    a :class:`SandboxThread` (sync tests, other processes); the marker applies too.

:class:`SandboxThread` runs a sandbox in a background thread for synchronous callers.  The wait
helpers (``sandbox.wait_for_message``, ``wait_for_answer``, ``wait_until``) are
:mod:`bot.sandbox.waits`, the people API (``sandbox.create_user``, ``send``, ``press``, …)
:mod:`bot.sandbox.people`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import pytest_asyncio

from bot.sandbox.server import Sandbox
from bot.sandbox.world import User

__all__ = [
    "SandboxThread",
    "sandbox",
    "sandbox_kwargs",
    "sandbox_thread",
    "sandbox_user",
    "tg_bot",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


class SandboxThread:
    """A :class:`Sandbox` in a background thread with its own event loop, for sync callers.

    Change or wait on the world in the sandbox's loop with :meth:`call` (a sync method) or
    :meth:`run` (a coroutine), e.g. ``thread.call(thread.sandbox.create_user, "Bob")``; reading
    ``counters`` or transcripts directly through ``.sandbox`` is fine between actions.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sandbox: Sandbox | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def sandbox(self) -> Sandbox:
        """The running sandbox."""
        if self._sandbox is None:
            raise RuntimeError("SandboxThread is not started")
        return self._sandbox

    def start(self, timeout: float = 10.0) -> SandboxThread:
        """Start the thread and wait until the server listens."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            try:
                self._sandbox = Sandbox(*self._args, **self._kwargs)
                self._stopped = asyncio.Event()
                await self._sandbox.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                raise
            ready.set()
            await self._stopped.wait()
            await self._sandbox.stop()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(main())
            except BaseException:  # the failure is reported to start()
                log.debug("sandbox thread ended with an error", exc_info=True)
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="telegram-sandbox", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the sandbox did not start in time")
        if failure:
            raise failure[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and join the thread."""
        if self._loop is not None and self._stopped is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run a coroutine in the sandbox's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("SandboxThread is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a (sync) sandbox method in the sandbox's loop and return its result."""

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())


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
