"""Calendar exports: the ``.ics`` file of an event's key dates."""

from bot.calendar.ics import (
    CONTENT_TYPE,
    alarm_offsets,
    calendar_filename,
    event_calendar,
    key_date_uid,
)

__all__ = [
    "CONTENT_TYPE",
    "alarm_offsets",
    "calendar_filename",
    "event_calendar",
    "key_date_uid",
]
