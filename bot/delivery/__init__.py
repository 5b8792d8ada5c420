"""Delivery: the outbox sent at Telegram's pace, nothing lost, nothing twice (but one window).

* :class:`PriorityRateLimiter` — the Application's rate limiter: interactive replies first,
  broadcasts (``rate_limit_args=BULK``) get the rest, 429 pauses everything.
* :class:`DeliveryEngine` — workers that send outbox rows and record every outcome.
"""

from bot.delivery.engine import AdminAlert, DeliveryEngine, ProgressCallback, Renderer
from bot.delivery.limiter import BULK, PAID, LimiterStats, PriorityRateLimiter
from bot.delivery.limits import DeliveryLimits
from bot.delivery.payload import plain_text, send_kwargs
from bot.delivery.progress import Progress, build_report
from bot.delivery.retry import RetryPolicy

__all__ = [
    "BULK",
    "PAID",
    "AdminAlert",
    "DeliveryEngine",
    "DeliveryLimits",
    "LimiterStats",
    "PriorityRateLimiter",
    "Progress",
    "ProgressCallback",
    "Renderer",
    "RetryPolicy",
    "build_report",
    "plain_text",
    "send_kwargs",
]
