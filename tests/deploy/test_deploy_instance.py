"""The instance lock's name: derived once, for `run` and `news` alike."""

from __future__ import annotations

from pathlib import Path

from bot.deploy.instance import instance_lock, lock_name
from bot.settings import Settings

TOKEN = "123456:" + "secret-part" * 3
PG = "postgresql://postgres@127.0.0.1:5432/test"


def test_the_name_is_the_bot_id_and_the_schema_never_the_secret() -> None:
    assert lock_name(TOKEN) == "deadline-bot:123456"
    assert lock_name(TOKEN, f"sqlite:///{Path('data/x.sqlite3')}") == "deadline-bot:123456"
    assert lock_name(TOKEN, PG) == "deadline-bot:123456"
    one = lock_name(TOKEN, PG + "?options=-csearch_path%3Dbot_one")
    two = lock_name(TOKEN, PG + "?options=-csearch_path=bot_two")
    assert (one, two) == ("deadline-bot:123456:bot_one", "deadline-bot:123456:bot_two")
    assert all("secret" not in name for name in (one, two))


def test_run_and_news_build_the_same_lock_from_the_settings() -> None:
    settings = Settings.from_env({"DATABASE_URL": PG + "?options=-csearch_path%3Ds1"})
    # bootstrap.run_bot and shell.news both call instance_lock: one name, one key.
    first, second = instance_lock(settings, TOKEN), instance_lock(settings, TOKEN)
    assert first.name == second.name == "deadline-bot:123456:s1"
    assert first.describe() == second.describe()
