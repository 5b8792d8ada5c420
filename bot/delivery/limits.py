"""How fast the bot may send: Telegram's flood limits as the delivery side sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain.pace import Rates


@dataclass(frozen=True)
class DeliveryLimits(Rates):
    """Sending limits for the whole bot; use :meth:`telegram`, :meth:`scaled` or :meth:`off`.

    Telegram's limits (:class:`~bot.domain.pace.Rates`), but not how it counts them. The
    defaults stay under every plausible rule: 28/s overall with no burst (so any 1-second
    window holds at most 29), broadcasts at most one message per chat every 1.1 s and one
    per group every 3.3 s; interactive replies keep a short per-chat burst. ``enabled``
    false: no pacing at all, but ``retry_after`` is still obeyed.
    """

    overall_per_s: float = 28.0
    """Messages per second for the whole bot (Telegram: about 30)."""
    overall_burst: float = 1.0
    """Messages the whole bot may send at once after a quiet spell. 1: every 1-second
    window stays under the limit whether Telegram counts with a bucket or a window."""
    paid_per_s: float = 980.0
    """Paid broadcast messages per second (``allow_paid_broadcast``; Telegram: 1,000)."""
    overall_slack_s: float = 0.005
    """Tolerance of the overall pace for a timer that fires late (not a burst)."""
    margin_s: float = 0.05
    """Safety gap in seconds, so that network jitter never makes two sends look too close."""
    bulk_margin: float = 0.1
    """A broadcast's gap per chat (and group) beyond its interval, as a fraction of it."""
    overall_window: int = 30
    """At most this many sends in any second *as Telegram may count them*: a send waits
    until the one this many sends back was answered over a second ago (Telegram: 30)."""
    paid_window: int = 1000
    """The same for paid broadcast messages (Telegram: 1,000)."""
    adapt: bool = True
    """After a 429, slow the overall pace down, then probe back up to the limit."""

    @classmethod
    def telegram(cls) -> DeliveryLimits:
        """Telegram's limits with a little headroom: 28/s, 1/s per chat (burst 3 for replies)."""
        return cls()

    @classmethod
    def scaled(cls, factor: float) -> DeliveryLimits:
        """Every rate, burst and window multiplied by ``factor``; still no overall burst."""
        base = cls.telegram()
        return replace(
            base.times(factor),
            overall_burst=base.overall_burst,
            overall_window=round(base.overall_window * factor),
            paid_window=round(base.paid_window * factor),
        )
