"""The simulated people: what they do to a :class:`~bot.sandbox.world.World` and what they see.

:class:`People` is the Python API of the simulation: create a person or a group, send a message,
press a button, type an inline query, block the bot, upgrade a group; read a chat's transcript and
the command menu a client would show.  Every action changes the world and queues the updates the
bots would get from Telegram.  ``bot`` (an account or a token) is optional wherever a bot matters;
the world's first bot is the default.  It is plain synchronous code with no I/O; the
:class:`~bot.sandbox.server.Sandbox` is one (and also serves the world over HTTP).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal, cast

from bot.sandbox.entities import detect_entities, entity_text
from bot.sandbox.world import (
    BotAccount,
    CallbackQueryRecord,
    Chat,
    Conversation,
    InlineQueryRecord,
    TranscriptMessage,
    User,
    World,
)

__all__ = ["People"]

JSON = dict[str, Any]
BotRef = BotAccount | str | None
GroupKind = Literal["group", "supergroup", "channel"]


class People:
    """Simulated people acting on ``self.world``; see the module docstring."""

    def __init__(self, world: World) -> None:
        self.world = world

    # -------------------------------------------------------------------------------- creation

    def create_user(
        self,
        first_name: str = "Alice",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        started: bool = True,
    ) -> User:
        """Create a person (``started``: they have opened the chat with the bots already)."""
        uid = user_id if user_id is not None else self.world.new_user_id()
        user = User(uid, first_name, last_name, username, language_code)
        chat = Chat(
            id=uid,
            type="private",
            username=username,
            first_name=first_name,
            last_name=last_name,
            members={uid: "member"},
        )
        self.world.add_user(user, chat, started=started)
        return user

    def create_group(
        self,
        title: str = "Test group",
        *,
        members: Sequence[User] = (),
        admins: Sequence[User] = (),
        creator: User | None = None,
        kind: str = "group",
        username: str | None = None,
        bot_status: str | None = "member",
    ) -> Chat:
        """Create a group (``kind``: group, supergroup or channel) the bots are in."""
        if kind not in ("group", "supergroup", "channel"):
            raise ValueError(f"unknown chat kind {kind!r}")
        chat_kind = cast(GroupKind, kind)
        chat = Chat(self.world.new_chat_id(chat_kind), chat_kind, title=title, username=username)
        if creator is not None:
            chat.members[creator.id] = "creator"
        for user in admins:
            chat.members[user.id] = "administrator"
        for user in members:
            chat.members.setdefault(user.id, "member")
        self.world.add_chat(chat, bot_status=bot_status)
        return chat

    def create_channel(self, title: str = "Test channel", *, username: str | None = None) -> Chat:
        """Create a channel where the bots are administrators."""
        return self.create_group(
            title, kind="channel", username=username, bot_status="administrator"
        )

    # --------------------------------------------------------------------------------- actions

    def send(
        self,
        user: User,
        text: str,
        *,
        chat: Chat | int | None = None,
        reply_to: TranscriptMessage | int | None = None,
        entities: list[JSON] | None = None,
        bot: BotRef = None,
    ) -> TranscriptMessage:
        """``user`` sends ``text`` (to their DM with the bot unless ``chat`` is given).

        Commands, mentions and links get their entities, as Telegram adds them.
        """
        world = self.world
        account = world.bot_for(bot)
        where = world.chats[chat.id if isinstance(chat, Chat) else (chat or user.id)]
        conv = world.conversation_in(account, where)
        if where.type == "private":
            conv.started = True
        found = list(entities or [])
        found.extend(detect_entities(text, found))
        msg = world.add_message(
            conv,
            sender_id=user.id,
            from_bot=False,
            text=text,
            entities=found,
            reply_to_message_id=(
                reply_to.message_id if isinstance(reply_to, TranscriptMessage) else reply_to
            ),
        )
        if _reaches_bot(conv, msg):
            update_type = "channel_post" if where.type == "channel" else "message"
            world.enqueue(account, update_type, world.message_to_api(conv, msg))
        return msg

    def send_location(
        self, user: User, latitude: float, longitude: float, *, bot: BotRef = None
    ) -> TranscriptMessage:
        """``user`` shares a location in their private chat (e.g. with a location button)."""
        world = self.world
        account = world.bot_for(bot)
        conv = world.conversation(account, user.id)
        conv.started = True
        location = {"latitude": latitude, "longitude": longitude}
        msg = world.add_message(
            conv, sender_id=user.id, from_bot=False, extra={"location": location}
        )
        if _reaches_bot(conv, msg):
            world.enqueue(account, "message", world.message_to_api(conv, msg))
        return msg

    def press(
        self,
        user: User,
        message: TranscriptMessage,
        callback_data: str,
        *,
        bot: BotRef = None,
        check: bool = True,
    ) -> CallbackQueryRecord:
        """``user`` presses the inline button with ``callback_data`` under ``message``.

        ``check=False`` presses a button no longer shown (a double tap, a stale app).
        """
        world = self.world
        account = world.bot_for(bot)
        conv = world.conversation(account, message.chat_id)
        current = conv.by_id.get(message.message_id, message)
        if check and not any(b.get("callback_data") == callback_data for b in current.buttons()):
            raise ValueError(f"no button with callback_data {callback_data!r} under that message")
        record = CallbackQueryRecord(
            id=world.new_query_id(account),
            user_id=user.id,
            chat_id=conv.chat.id,
            message_id=current.message_id,
            data=callback_data,
            created=time.monotonic(),
        )
        account.callback_queries[record.id] = record
        payload = {
            "id": record.id,
            "from": user.to_api(),
            "message": world.message_to_api(conv, current),
            "chat_instance": str(abs(conv.chat.id) * 7919 + account.id),
            "data": callback_data,
        }
        world.enqueue(account, "callback_query", payload)
        return record

    def inline_query(
        self,
        user: User,
        query: str,
        *,
        offset: str = "",
        chat_type: str = "sender",
        bot: BotRef = None,
    ) -> InlineQueryRecord:
        """``user`` types ``@bot query`` in some chat."""
        world = self.world
        account = world.bot_for(bot)
        record = InlineQueryRecord(
            id=world.new_query_id(account), user_id=user.id, query=query, created=time.monotonic()
        )
        account.inline_queries[record.id] = record
        payload = {
            "id": record.id,
            "from": user.to_api(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        world.enqueue(account, "inline_query", payload)
        return record

    def block(self, user: User, *, bot: BotRef = None) -> None:
        """``user`` blocks the bot (my_chat_member: member → kicked)."""
        self._set_dm_status(user, "kicked", bot)

    def unblock(self, user: User, *, bot: BotRef = None) -> None:
        """``user`` unblocks the bot (my_chat_member: kicked → member)."""
        self._set_dm_status(user, "member", bot)

    def _set_dm_status(self, user: User, status: str, bot: BotRef) -> None:
        conv = self.world.conversation(self.world.bot_for(bot), user.id)
        old = conv.bot_status
        if old != status:
            conv.bot_status = status
            self.world.member_update(conv, user, old, status)

    def deactivate(self, user: User) -> None:
        """``user`` deletes their account: sends fail with ``Forbidden: user is deactivated``."""
        user.deactivated = True

    def add_bot_to_group(
        self, chat: Chat, *, by: User | None = None, admin: bool = False, bot: BotRef = None
    ) -> None:
        """The bot is added to ``chat`` (or promoted, with ``admin``)."""
        self._set_bot_membership(chat, "administrator" if admin else "member", by, bot)

    def remove_bot_from_group(
        self, chat: Chat, *, by: User | None = None, ban: bool = False, bot: BotRef = None
    ) -> None:
        """The bot leaves or is removed (``ban``: kicked) from ``chat``."""
        self._set_bot_membership(chat, "kicked" if ban else "left", by, bot)

    def _set_bot_membership(self, chat: Chat, status: str, by: User | None, bot: BotRef) -> None:
        """A my_chat_member update for the bot's new ``status`` in a group."""
        world = self.world
        account = world.bot_for(bot)
        conv = world.conversation_in(account, chat)
        old = conv.bot_status
        if old == status:
            return
        conv.bot_status = status
        chat.members[account.id] = status
        actor = by or _creator(world, chat) or account.user
        world.member_update(conv, actor, old, status)

    def upgrade_group(self, chat: Chat, *, by: User | None = None) -> Chat:
        """Turn a basic group into a supergroup; the old id then answers "upgraded" errors."""
        if chat.type != "group":
            raise ValueError("only basic groups can be upgraded")
        world = self.world
        new = Chat(
            id=world.new_chat_id("supergroup"),
            type="supergroup",
            title=chat.title,
            members=dict(chat.members),
            migrated_from=chat.id,
        )
        world.chats[new.id] = new
        chat.migrated_to = new.id
        actor = by or _creator(world, chat)
        for account in world.bots.values():
            old_conv = world.conversation_in(account, chat)
            new_conv = world.conversation_in(account, new)
            new_conv.bot_status = old_conv.bot_status
            if old_conv.bot_status not in ("member", "administrator"):
                continue
            sender_id = actor.id if actor is not None else account.id
            for conv, extra in (
                (old_conv, {"migrate_to_chat_id": new.id}),
                (new_conv, {"migrate_from_chat_id": chat.id}),
            ):
                msg = world.add_message(conv, sender_id=sender_id, from_bot=False, extra=extra)
                world.enqueue(account, "message", world.message_to_api(conv, msg))
        return new

    # ----------------------------------------------------------------------------- observation

    def transcript(self, chat: Chat | int, *, bot: BotRef = None) -> list[TranscriptMessage]:
        """Every message of the chat (the bot's and people's, deleted ones flagged)."""
        chat_id = chat.id if isinstance(chat, Chat) else chat
        return list(self.world.conversation(self.world.bot_for(bot), chat_id).messages)

    def bot_messages(self, chat: Chat | int, *, bot: BotRef = None) -> list[TranscriptMessage]:
        """The messages the bot sent to the chat."""
        return [m for m in self.transcript(chat, bot=bot) if m.from_bot]

    def effective_commands(
        self, chat: Chat | int, user: User | None = None, *, bot: BotRef = None
    ) -> list[JSON]:
        """The command list a client would show ``user`` in ``chat`` (scope fallback applied)."""
        account = self.world.bot_for(bot)
        chat_obj = chat if isinstance(chat, Chat) else self.world.chats[chat]
        language = (user.language_code if user else None) or ""
        status = chat_obj.members.get(user.id, "left") if user else "left"
        keys: list[tuple[str, int | None, int | None]] = []
        if chat_obj.type == "private":
            keys += [("chat", chat_obj.id, None), ("all_private_chats", None, None)]
        else:
            if user is not None:
                keys.append(("chat_member", chat_obj.id, user.id))
            if status in ("creator", "administrator"):
                keys.append(("chat_administrators", chat_obj.id, None))
            keys.append(("chat", chat_obj.id, None))
            if status in ("creator", "administrator"):
                keys.append(("all_chat_administrators", None, None))
            keys.append(("all_group_chats", None, None))
        keys.append(("default", None, None))
        for kind, chat_id, user_id in keys:
            for lang in dict.fromkeys((language, "")):
                found = account.commands.get((kind, chat_id, user_id, lang))
                if found:
                    return found
        return []


def _creator(world: World, chat: Chat) -> User | None:
    return next((world.users[uid] for uid, st in chat.members.items() if st == "creator"), None)


def _reaches_bot(conv: Conversation, msg: TranscriptMessage) -> bool:
    """Whether the bot gets the message (privacy mode: commands, replies, mentions in groups)."""
    chat, bot = conv.chat, conv.bot
    if chat.type == "private":
        return conv.bot_status != "kicked"
    if conv.bot_status not in ("member", "administrator", "creator"):
        return False
    if not bot.privacy_mode or conv.bot_status == "administrator":
        return True
    if msg.reply_to_message_id is not None:
        replied = conv.by_id.get(msg.reply_to_message_id)
        if replied is not None and replied.from_bot:
            return True
    text = msg.text or ""
    for entity in msg.entities:
        piece = entity_text(text, entity)
        if entity["type"] == "bot_command" and (
            "@" not in piece or piece.split("@", 1)[1].lower() == bot.username.lower()
        ):
            return True
        if entity["type"] == "mention" and piece[1:].lower() == bot.username.lower():
            return True
    return False
