"""Defaults shared by the settings, the storage and the command line, defined once.

A tiny module with no imports of its own, so the command line starts fast.
"""

from __future__ import annotations

from pathlib import Path

#: The folder of the default SQLite database (``DATA_DIR``), relative to the working folder.
DEFAULT_DATA_DIR = Path("data")
#: The config looked for when neither ``--config`` nor ``BOT_CONFIG`` names one.
DEFAULT_CONFIG = Path("config")


class SettingsError(ValueError):
    """A setting (an environment variable or an option) with a value the bot cannot use."""
