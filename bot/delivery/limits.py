"""How fast the bot may send: Telegram's flood limits as the delivery side sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class DeliveryLimits:
    """Sending limits for the whole bot; use :meth:`telegram`, :meth:`scaled` or :meth:`off`.

    Telegram documents about 30 messages/s overall, about 1 message/s in a chat (short
    bursts tolerated) and 20 messages/min in a group, but not how it counts them. The
    defaults stay under every plausible rule: 28/s overall with no burst (so any 1-second
    window holds at most 29), broadcasts at most one message per chat every 1.1 s and one
    per group every 3.3 s; interactive replies keep a short per-chat burst.
    """

    overall_per_s: float = 28.0
    """Messages per second for the whole bot (Telegram: about 30)."""
    per_chat_per_s: float = 1.0
    """Messages per second in one chat, once its burst is used up."""
    per_chat_burst: float = 3.0
    """Messages a quiet chat may receive at once."""
    per_group_per_min: float = 20.0
    """Messages per minute in one group, supergroup or channel (on top of the chat limit)."""
    per_group_burst: float = 20.0
    """Messages a quiet group may receive at once."""
    overall_burst: float = 1.0
    """Messages the whole bot may send at once after a quiet spell. 1: every 1-second
    window stays under the limit whether Telegram counts with a bucket or a window."""
    overall_slack_s: float = 0.005
    """Tolerance of the overall pace for a timer that fires late (not a burst)."""
    margin_s: float = 0.05
    """Safety gap in seconds, so that network jitter never makes two sends look too close."""
    bulk_margin: float = 0.1
    """A broadcast's gap per chat (and group) beyond its interval, as a fraction of it."""
    paid_per_s: float = 980.0
    """Paid broadcast messages per second (``allow_paid_broadcast``; Telegram: 1,000)."""
    overall_window: int = 30
    """At most this many sends in any second *as Telegram may count them*: a send waits
    until the one this many sends back was answered over a second ago (Telegram: 30)."""
    paid_window: int = 1000
    """The same for paid broadcast messages (Telegram: 1,000)."""
    adapt: bool = True
    """After a 429, slow the overall pace down, then probe back up to the limit."""
    enabled: bool = True
    """False: no pacing at all (capacity benchmarks); ``retry_after`` is still obeyed."""

    @classmethod
    def telegram(cls) -> DeliveryLimits:
        """Telegram's limits with a little headroom: 28/s, 1/s per chat (burst 3 for replies)."""
        return cls()

    @classmethod
    def scaled(cls, factor: float) -> DeliveryLimits:
        """Every rate and burst multiplied by ``factor`` (the sandbox's ``Limits.scaled``)."""
        base = cls.telegram()
        return replace(
            base,
            overall_per_s=base.overall_per_s * factor,
            per_chat_per_s=base.per_chat_per_s * factor,
            per_chat_burst=base.per_chat_burst * factor,
            per_group_per_min=base.per_group_per_min * factor,
            per_group_burst=base.per_group_burst * factor,
            paid_per_s=base.paid_per_s * factor,
            overall_window=round(base.overall_window * factor),
            paid_window=round(base.paid_window * factor),
        )

    @classmethod
    def off(cls) -> DeliveryLimits:
        """No pacing (``retry_after`` is still obeyed)."""
        return cls(enabled=False)
