"""Logging set-up: one line per event, third-party chatter quieted, secrets redacted."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# httpx logs every request URL at INFO, and the Bot API puts the token in the URL.
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio")
_TOKEN_SHAPE = re.compile(r"\b\d{5,12}:[A-Za-z0-9_-]{20,}\b")


class RedactingFilter(logging.Filter):
    """Replace known secrets, and anything shaped like a bot token, with ``[REDACTED]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Redact one more secret from now on."""
        if secret and len(secret) >= 6 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, "[REDACTED]")
        return _TOKEN_SHAPE.sub("[REDACTED]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record once, redacted, so handlers print only the safe text."""
        message = self.redact(record.getMessage())
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            message = f"{message}\n{self.redact(formatted)}"
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = message, None
        return True


_FILTER = RedactingFilter()


def add_secret(secret: str) -> None:
    """Redact ``secret`` from every log line from now on (e.g. a generated webhook secret)."""
    _FILTER.add(secret)


def setup_logging(level: int, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger: a line per event, quiet libraries, redacted secrets."""
    for secret in secrets:
        _FILTER.add(secret)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
