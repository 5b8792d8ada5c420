"""How fast the bot may send: Telegram's flood limits as the delivery side sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class DeliveryLimits:
    """Sending limits for the whole bot; use :meth:`telegram`, :meth:`scaled` or :meth:`off`.

    Telegram documents about 30 messages/s overall, about 1 message/s in a chat (short
    bursts tolerated) and 20 messages/min in a group. The defaults stay just under.
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
    overall_burst: float = 10.0
    """Messages the whole bot may send at once after a quiet spell."""
    margin_s: float = 0.05
    """Safety gap in seconds, so that network jitter never makes two sends look too close."""
    enabled: bool = True
    """False: no pacing at all (capacity benchmarks); ``retry_after`` is still obeyed."""

    @classmethod
    def telegram(cls) -> DeliveryLimits:
        """Telegram's limits with a little headroom: 28/s, 1/s per chat (burst 3), 20/min."""
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
            overall_burst=base.overall_burst * factor,
        )

    @classmethod
    def off(cls) -> DeliveryLimits:
        """No pacing (``retry_after`` is still obeyed)."""
        return cls(enabled=False)
