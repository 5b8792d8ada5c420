"""``python -m bot.sandbox``: run the sandbox server (see :mod:`bot.sandbox.cli`)."""

import sys

from bot.sandbox.cli import main

sys.exit(main())
