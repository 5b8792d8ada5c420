"""Defaults shared by the settings, the storage and the command line, defined once.

A tiny module with no imports of its own, so the command line starts fast.
"""

from __future__ import annotations

from pathlib import Path

#: The folder of the default SQLite database (``DATA_DIR``), relative to the working folder.
DEFAULT_DATA_DIR = Path("data")
#: The config looked for when neither ``--config`` nor ``BOT_CONFIG`` names one.
DEFAULT_CONFIG = Path("config")
#: The variable that names the config (the settings' ``config_path``).
CONFIG_VARIABLE = "BOT_CONFIG"
#: The file, in the working folder, whose variables stand under the environment's.
ENV_FILE = ".env"


class SettingsError(ValueError):
    """A setting (an environment variable or an option) with a value the bot cannot use."""
