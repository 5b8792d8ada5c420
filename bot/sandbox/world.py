"""The simulated Telegram world's state: bots, people, chats, transcripts and update queues.

This is plain, synchronous, typed state with no I/O.  The Bot API methods
(:mod:`bot.sandbox.methods`) and the simulated people (:mod:`bot.sandbox.people`) read and change
it; two hooks (:attr:`World.on_update`, :attr:`World.on_bot_message`) let the server wake long
polls, webhook push and ``wait_for_message`` callers.

Every bot has its own view of a chat (a :class:`Conversation`): its membership status, the message
counter and the transcript of messages exchanged there.  Private chats have the user's id, groups
negative ids (``-4…``), supergroups and channels ``-100…`` ids, as on Telegram.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.sandbox.entities import entity_text

JSON = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]

# Update types delivered when allowed_updates is empty or not given (Telegram's default).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "my_chat_member",
        "chat_join_request",
    }
)
ALL_UPDATE_TYPES = DEFAULT_UPDATE_TYPES | {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

#: What a bot token looks like: the bot's id, a colon, a secret.
TOKEN_SHAPE = re.compile(r"[1-9][0-9]{0,15}:[A-Za-z0-9_-]{1,64}")

__all__ = [
    "TOKEN_SHAPE",
    "BotAccount",
    "CallbackQueryRecord",
    "Chat",
    "Conversation",
    "InlineQueryRecord",
    "StoredFile",
    "TranscriptMessage",
    "User",
    "World",
]


def now() -> int:
    """Return the current unix time (Telegram's date unit)."""
    return int(time.time())


@dataclass
class User:
    """A Telegram account: a simulated person or a bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    deactivated: bool = False

    def to_api(self) -> JSON:
        """Return the Bot API ``User`` object."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    """A chat as Telegram knows it (shared by all bots)."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> ChatMember status
    migrated_to: int | None = None
    migrated_from: int | None = None

    @property
    def is_group_like(self) -> bool:
        """True for groups, supergroups and channels (the 20 messages/minute limit applies)."""
        return self.type != "private"

    def to_api(self) -> JSON:
        """Return the short Bot API ``Chat`` object."""
        data: JSON = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.last_name:
            data["last_name"] = self.last_name
        return data


@dataclass
class StoredFile:
    """An uploaded file, kept byte for byte."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes
    file_path: str

    def to_api(self) -> JSON:
        """Return the Bot API ``Document`` object."""
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class TranscriptMessage:
    """One message in a chat's transcript, sent by the bot or by a simulated person."""

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    reply_to_message_id: int | None = None
    document: StoredFile | None = None
    link_preview_options: JSON | None = None
    edit_date: int | None = None
    history: list[JSON] = field(default_factory=list)  # earlier versions, oldest first
    deleted: bool = False
    extra: JSON = field(default_factory=dict)  # service fields (migrate_to_chat_id, …)

    @property
    def content(self) -> str:
        """The text or the caption (empty string if neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def all_entities(self) -> list[JSON]:
        """Entities of the text or of the caption."""
        return self.entities if self.text is not None else self.caption_entities

    def entity_texts(self, entity_type: str) -> list[str]:
        """Return the pieces of text covered by entities of ``entity_type`` (e.g. "bold")."""
        return [entity_text(self.content, e) for e in self.all_entities if e["type"] == entity_type]

    def buttons(self) -> list[JSON]:
        """Return the inline keyboard buttons, row by row, flattened."""
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [button for row in self.reply_markup["inline_keyboard"] for button in row]

    def to_record(self) -> JSON:
        """Return a JSON-ready description for transcripts (the control API, dumps)."""
        data: JSON = {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "sender_id": self.sender_id,
            "from_bot": self.from_bot,
            "date": self.date,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
            "reply_to_message_id": self.reply_to_message_id,
            "edit_date": self.edit_date,
            "history": self.history,
            "deleted": self.deleted,
        }
        if self.document is not None:
            data["document"] = self.document.to_api()
        if self.link_preview_options is not None:
            data["link_preview_options"] = self.link_preview_options
        data.update(self.extra)
        return data


@dataclass
class Conversation:
    """One bot's view of one chat: its membership and the transcript."""

    bot: BotAccount
    chat: Chat
    bot_status: str = "member"  # member, administrator, left, kicked (kicked = blocked in DMs)
    started: bool = True  # private chats: the user has contacted the bot
    messages: list[TranscriptMessage] = field(default_factory=list)
    by_id: dict[int, TranscriptMessage] = field(default_factory=dict)
    next_message_id: int = 1


@dataclass
class CallbackQueryRecord:
    """A button press and the bot's answer to it."""

    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float
    answered: bool = False
    answer: JSON | None = None


@dataclass
class InlineQueryRecord:
    """An inline query and the bot's answer to it."""

    id: str
    user_id: int
    query: str
    created: float
    answered: bool = False
    answer: JSON | None = None


@dataclass
class WebhookConfig:
    """A bot's webhook settings and delivery state."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class BotAccount:
    """A bot: its token, identity, update queue, webhook and commands."""

    token: str
    user: User
    can_join_groups: bool = True
    privacy_mode: bool = True  # in groups, only commands, replies and mentions reach the bot
    supports_inline_queries: bool = True
    updates: deque[JSON] = field(default_factory=deque)
    next_update_id: int = 1
    allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
    allowed_updates_list: list[str] = field(default_factory=list)
    webhook: WebhookConfig | None = None
    commands: dict[tuple[str, int | None, int | None, str], list[JSON]] = field(
        default_factory=dict
    )
    menu_buttons: dict[int | None, JSON] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    inline_queries: dict[str, InlineQueryRecord] = field(default_factory=dict)
    poll_generation: int = 0

    @property
    def id(self) -> int:
        """The bot's user id (the number before the colon in the token)."""
        return self.user.id

    @property
    def username(self) -> str:
        """The bot's username."""
        return self.user.username or ""

    def get_me(self) -> JSON:
        """Return the ``getMe`` result."""
        return {
            **self.user.to_api(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


class World:
    """All simulated state: bots, users, chats, conversations, files."""

    def __init__(self) -> None:
        self.bots: dict[int, BotAccount] = {}
        self.bots_by_token: dict[str, BotAccount] = {}
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.conversations: dict[tuple[int, int], Conversation] = {}
        self.files: dict[str, StoredFile] = {}
        self.on_update: Callable[[BotAccount], None] | None = None
        self.on_bot_message: Callable[[Conversation, TranscriptMessage], None] | None = None
        self._user_ids = itertools.count(100001)
        self._group_ids = itertools.count(4000000001)
        self._super_ids = itertools.count(1001000000001)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    # ------------------------------------------------------------------------------- accounts

    def add_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        first_name: str = "Sandbox Bot",
        privacy_mode: bool = True,
    ) -> BotAccount:
        """Register a bot; its id is the number before the colon of ``token``."""
        if TOKEN_SHAPE.fullmatch(token) is None:
            raise ValueError(f"not a Telegram-shaped token: {token!r}")
        bot_id = int(token.split(":", 1)[0])
        user = User(
            id=bot_id,
            first_name=first_name,
            username=username or f"sandbox{bot_id}_bot",
            is_bot=True,
            language_code=None,
        )
        account = BotAccount(token=token, user=user, privacy_mode=privacy_mode)
        self.bots[bot_id] = account
        self.bots_by_token[token] = account
        self.users[bot_id] = user
        return account

    def add_user(self, user: User, chat: Chat, *, started: bool) -> None:
        """Register a person and their private chat (``started``: opened with every bot)."""
        if user.id in self.users:
            raise ValueError(f"user {user.id} already exists")
        self.users[user.id] = user
        self.chats[chat.id] = chat
        for bot in self.bots.values():
            self.conversation_in(bot, chat).started = started

    def add_chat(self, chat: Chat, *, bot_status: str | None) -> None:
        """Register a group, supergroup or channel; bots join it with ``bot_status`` (None: not)."""
        self.chats[chat.id] = chat
        for bot in self.bots.values():
            self.conversation_in(bot, chat).bot_status = bot_status or "left"
            if bot_status is not None:
                chat.members[bot.id] = bot_status

    def new_user_id(self) -> int:
        """The next free id for a simulated person."""
        return next(self._user_ids)

    def new_chat_id(self, kind: ChatType) -> int:
        """The next id for a group (``-4…``) or a supergroup/channel (``-100…``)."""
        return -next(self._group_ids) if kind == "group" else -next(self._super_ids)

    def new_query_id(self, bot: BotAccount) -> str:
        """A fresh callback or inline query id."""
        return f"{bot.id}{next(self._query_ids):012d}"

    # -------------------------------------------------------------------------------- lookups

    @property
    def primary(self) -> BotAccount:
        """The first bot added (the default wherever a bot is optional)."""
        return next(iter(self.bots.values()))

    def bot_for(self, ref: BotAccount | str | None) -> BotAccount:
        """Resolve an optional bot (an account or a token) to an account; None: the primary."""
        if ref is None:
            return self.primary
        if isinstance(ref, str):
            return self.bots_by_token[ref]
        return ref

    def conversation_in(self, bot: BotAccount, chat: Chat) -> Conversation:
        """Return the bot's conversation in ``chat``, created on first use."""
        key = (bot.id, chat.id)
        conv = self.conversations.get(key)
        if conv is None:
            conv = Conversation(bot=bot, chat=chat)
            if chat.type != "private":
                conv.bot_status = chat.members.get(bot.id, "left")
            self.conversations[key] = conv
        return conv

    def conversation(self, bot: BotAccount, chat_id: int) -> Conversation:
        """Return the bot's conversation in ``chat_id`` (KeyError if the chat doesn't exist)."""
        return self.conversation_in(bot, self.chats[chat_id])

    def find_chat(self, chat_ref: int | str) -> Chat | None:
        """Resolve a chat id or an ``@username`` of a public chat."""
        if isinstance(chat_ref, str):
            if chat_ref.startswith("@"):
                name = chat_ref[1:].lower()
                for chat in self.chats.values():
                    if chat.username and chat.username.lower() == name and chat.type != "private":
                        return chat
                return None
            try:
                chat_ref = int(chat_ref)
            except ValueError:
                return None
        return self.chats.get(chat_ref)

    def lookup_user_api(self, user_id: int) -> JSON | None:
        """Return the API ``User`` for ``user_id`` if known (used for text_mention links)."""
        user = self.users.get(user_id)
        return user.to_api() if user is not None else None

    # ------------------------------------------------------------------------------ messages

    def message_to_api(
        self, conv: Conversation, msg: TranscriptMessage, *, with_reply: bool = True
    ) -> JSON:
        """Build the Bot API ``Message`` object for a transcript message."""
        chat = conv.chat
        data: JSON = {"message_id": msg.message_id}
        if chat.type == "channel":
            data["sender_chat"] = chat.to_api()
        else:
            sender = self.users.get(msg.sender_id)
            if sender is not None:
                data["from"] = sender.to_api()
        data["chat"] = chat.to_api()
        data["date"] = msg.date
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if with_reply and msg.reply_to_message_id is not None:
            replied = conv.by_id.get(msg.reply_to_message_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_to_api(conv, replied, with_reply=False)
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.document is not None:
            data["document"] = msg.document.to_api()
        if msg.caption is not None:
            data["caption"] = msg.caption
            if msg.caption_entities:
                data["caption_entities"] = msg.caption_entities
        if msg.link_preview_options is not None:
            data["link_preview_options"] = msg.link_preview_options
        if msg.reply_markup is not None and "inline_keyboard" in msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        data.update(msg.extra)
        return data

    def add_message(
        self, conv: Conversation, *, sender_id: int, from_bot: bool, **fields: Any
    ) -> TranscriptMessage:
        """Append a message to a conversation's transcript with the next message id."""
        msg = TranscriptMessage(
            message_id=conv.next_message_id,
            chat_id=conv.chat.id,
            sender_id=sender_id,
            from_bot=from_bot,
            date=now(),
            **fields,
        )
        conv.next_message_id += 1
        conv.messages.append(msg)
        conv.by_id[msg.message_id] = msg
        if from_bot and self.on_bot_message is not None:
            self.on_bot_message(conv, msg)
        return msg

    def store_file(self, data: bytes, file_name: str | None, mime_type: str | None) -> StoredFile:
        """Keep an uploaded file and give it a file_id."""
        number = next(self._file_ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:08d}SANDBOX",
            file_unique_id=f"AgAD{number:06d}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            file_path=f"documents/file_{number}{suffix}",
        )
        self.files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------------------------- updates

    def enqueue(self, bot: BotAccount, update_type: str, payload: JSON) -> JSON | None:
        """Queue an update for ``bot`` unless its allowed_updates exclude the type."""
        if update_type not in bot.allowed_updates:
            return None
        update = {"update_id": bot.next_update_id, update_type: payload}
        bot.next_update_id += 1
        bot.updates.append(update)
        if self.on_update is not None:
            self.on_update(bot)
        return update

    def member_update(self, conv: Conversation, actor: User, old: str, new: str) -> JSON | None:
        """Queue the bot's ``my_chat_member`` update for a status change from ``old`` to ``new``."""
        bot = conv.bot
        payload = {
            "chat": conv.chat.to_api(),
            "from": actor.to_api(),
            "date": now(),
            "old_chat_member": self.chat_member_api(conv.chat, bot.user, old),
            "new_chat_member": self.chat_member_api(conv.chat, bot.user, new),
        }
        return self.enqueue(bot, "my_chat_member", payload)

    def chat_member_api(self, chat: Chat, user: User, status: str) -> JSON:
        """Return a Bot API ``ChatMember`` of the given status."""
        data: JSON = {"status": status, "user": user.to_api()}
        if status == "administrator":
            rights = {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
            }
            if chat.type == "channel":
                rights.update(can_post_messages=True, can_edit_messages=True)
            data.update(rights)
        elif status == "creator":
            data["is_anonymous"] = False
        elif status == "kicked":
            data["until_date"] = 0
        return data
