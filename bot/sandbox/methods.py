"""Bot API methods of the sandbox, kept in a registry so new ones are easy to add.

A method is an ``async def handler(ctx: CallContext, p: Params) -> result``; raise
:class:`ApiError` (or use :func:`bad_request` / :func:`forbidden`) for Telegram-style errors and
return the ``result`` object (or :class:`Described` to add Telegram's ``description`` to a
successful answer, as ``setWebhook`` does).  Register it on :data:`DEFAULT_REGISTRY` with the
:meth:`MethodRegistry.method` decorator, or on one sandbox with ``sandbox.registry.register``.
Method names are matched case-insensitively, as on Telegram.

Order of checks in the sending methods: required parameters → text/caption parsing (entity
errors, empty, too long) → reply markup → the chat (not found, upgraded, blocked, deactivated,
not a member) → the replied-to message → flood limits → the message is recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from bot.sandbox.entities import (
    EntityParseError,
    UnsupportedParseMode,
    checked_link,
    detect_entities,
    parse_text,
    sort_entities,
    utf16_len,
)
from bot.sandbox.world import (
    ALL_UPDATE_TYPES,
    DEFAULT_UPDATE_TYPES,
    BotAccount,
    Chat,
    Conversation,
    TranscriptMessage,
    WebhookConfig,
    now,
)

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

JSON = dict[str, Any]

__all__ = [
    "DEFAULT_REGISTRY",
    "ApiError",
    "CallContext",
    "Described",
    "MethodRegistry",
    "Params",
    "UploadedFile",
    "bad_request",
    "forbidden",
    "too_many_requests",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, plus description and parameters."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSON:
        """Return the answer body."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """A 400 ``Bad Request: …`` error."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """A 403 ``Forbidden: …`` error."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood error; ``parameters.retry_after`` says how many seconds to wait."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class Described(NamedTuple):
    """A successful result with Telegram's optional ``description`` field."""

    result: Any
    description: str


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class Params:
    """Request parameters from the query string, a form, multipart or JSON body.

    Form and multipart values are strings; nested objects arrive JSON-encoded inside them and are
    decoded by :meth:`json`.  JSON bodies give native values; every getter accepts both.
    """

    data: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """True if the parameter was sent and is not empty."""
        value = self.data.get(name)
        return value is not None and value != ""

    def get_str(self, name: str) -> str | None:
        """Return a string parameter (numbers are converted), None if absent."""
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def get_int(self, name: str) -> int | None:
        """Return an integer parameter, None if absent or empty."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                return int(float(str(value)))
            except ValueError:
                raise bad_request(f'field "{name}" must be a valid Number') from None

    def get_float(self, name: str) -> float | None:
        """Return a number parameter, None if absent or empty."""
        value = self.data.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def get_bool(self, name: str) -> bool:
        """Return a boolean parameter (true/1/True), False if absent."""
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def get_json(self, name: str, what: str) -> Any:
        """Return a JSON parameter decoded (a string is parsed), None if absent.

        ``what`` names the object in the error, e.g. "reply keyboard markup".
        """
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what} JSON object") from None
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        """Return the chat id (int) or ``@username`` (str); error if absent."""
        value = self.data.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None

    def required_int(self, name: str) -> int:
        """Return a required integer parameter."""
        value = self.get_int(name)
        if value is None:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def required_str(self, name: str) -> str:
        """Return a required string parameter."""
        value = self.get_str(name)
        if value is None or value == "":
            raise bad_request(f'parameter "{name}" is required')
        return value


@dataclass
class CallContext:
    """What a method handler gets besides its parameters."""

    sandbox: Sandbox
    bot: BotAccount
    method: str


Handler = Callable[[CallContext, Params], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    """A registered method."""

    name: str
    handler: Handler


class MethodRegistry:
    """Bot API methods by case-insensitive name."""

    def __init__(self) -> None:
        self._methods: dict[str, MethodSpec] = {}

    def register(self, name: str, handler: Handler) -> None:
        """Add or replace a method."""
        self._methods[name.lower()] = MethodSpec(name, handler)

    def method(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`register`."""

        def decorate(handler: Handler) -> Handler:
            self.register(name, handler)
            return handler

        return decorate

    def get(self, name: str) -> MethodSpec | None:
        """Find a method by name, ignoring case."""
        return self._methods.get(name.lower())

    def copy(self) -> MethodRegistry:
        """A registry with the same methods (per-sandbox additions don't leak)."""
        clone = MethodRegistry()
        clone._methods = dict(self._methods)
        return clone


DEFAULT_REGISTRY = MethodRegistry()
method = DEFAULT_REGISTRY.method


# ------------------------------------------------------------------------------------ helpers


def _chat_kind(chat: Chat) -> str:
    return {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}.get(
        chat.type, "chat"
    )


def resolve_chat(ctx: CallContext, ref: int | str, *, for_send: bool = True) -> Conversation:
    """Find the chat and check the bot may write there; raise Telegram's errors otherwise."""
    world = ctx.sandbox.world
    chat = world.find_chat(ref)
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None and for_send:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    conv = world.conversation(ctx.bot, chat.id)
    if not for_send:
        return conv
    if chat.type == "private":
        user = world.users[chat.id]
        if user.is_bot:
            raise forbidden("bot can't send messages to bots")
        if user.deactivated:
            raise forbidden("user is deactivated")
        if conv.bot_status == "kicked":
            raise forbidden("bot was blocked by the user")
        if not conv.started:
            raise forbidden("bot can't initiate conversation with a user")
        return conv
    if conv.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {_chat_kind(chat)}")
    if conv.bot_status not in ("member", "administrator", "creator"):
        raise forbidden(f"bot is not a member of the {_chat_kind(chat)}")
    if chat.type == "channel" and conv.bot_status == "member":
        raise bad_request("need administrator rights in the channel chat")
    return conv


def formatted_text(
    ctx: CallContext, p: Params, text_field: Literal["text", "caption"]
) -> tuple[str | None, list[JSON]]:
    """Parse a text (required) or caption with parse_mode/entities; apply Telegram's checks."""
    required = text_field == "text"
    entities_field = "entities" if required else "caption_entities"
    limit = MAX_TEXT if required else MAX_CAPTION
    raw = p.get_str(text_field)
    if raw is None:
        if required:
            raise bad_request("message text is empty")
        return None, []
    entities: list[JSON]
    given = p.get_json(entities_field, "entities")
    if given is not None:
        if not isinstance(given, list):
            raise bad_request("can't parse entities JSON object")
        text = raw
        entities = [dict(e) for e in given if isinstance(e, dict) and "type" in e]
    else:
        mode = p.get_str("parse_mode")
        try:
            text, entities = parse_text(raw, mode, ctx.sandbox.world.lookup_user_api)
        except UnsupportedParseMode:
            raise bad_request("unsupported parse_mode") from None
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    if required and not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        raise bad_request("message is too long" if required else "message caption is too long")
    entities.extend(detect_entities(text, entities))
    return text, sort_entities(entities)


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def reply_markup(p: Params) -> JSON | None:
    """Decode and validate ``reply_markup`` (inline keyboards in detail)."""
    markup = p.get_json("reply_markup", "reply keyboard markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        _check_reply_keyboard(markup)
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be of type Array'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = str(button["url"])
                if not checked_link(url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )
    return {"inline_keyboard": rows}


def _check_reply_keyboard(markup: JSON) -> None:
    """Validate a reply keyboard (``keyboard``: rows of buttons with text) as Telegram does."""
    if "keyboard" not in markup:
        return  # ReplyKeyboardRemove, ForceReply
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) and row for row in rows):
        raise bad_request('can\'t parse keyboard: field "keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request("can't parse keyboard button: Text must be a non-empty String")


def reply_target(p: Params, conv: Conversation) -> int | None:
    """Resolve reply_parameters / reply_to_message_id to a message id in ``conv``."""
    params = p.get_json("reply_parameters", "reply parameters")
    allow_missing = p.get_bool("allow_sending_without_reply")
    if params is None:
        message_id = p.get_int("reply_to_message_id")
    else:
        if not isinstance(params, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = params.get("message_id")
        allow_missing = allow_missing or bool(params.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    target = conv.by_id.get(int(message_id))
    if target is None or target.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return target.message_id


def link_preview(p: Params) -> JSON | None:
    """link_preview_options, or the legacy disable_web_page_preview flag."""
    options = p.get_json("link_preview_options", "link preview options")
    if isinstance(options, dict) and options:
        return options
    if p.get_bool("disable_web_page_preview"):
        return {"is_disabled": True}
    return None


def find_message(conv: Conversation, message_id: int, missing: str) -> TranscriptMessage:
    """Return a live message or raise ``Bad Request: <missing>``."""
    msg = conv.by_id.get(message_id)
    if msg is None or msg.deleted:
        raise bad_request(missing)
    return msg


# -------------------------------------------------------------------------------- identity


@method("getMe")
async def get_me(ctx: CallContext, p: Params) -> Any:
    """Return the bot's User object."""
    return ctx.bot.get_me()


@method("logOut")
async def log_out(ctx: CallContext, p: Params) -> Any:
    """Accept and do nothing (the sandbox has no cloud server to log out from)."""
    return True


@method("close")
async def close(ctx: CallContext, p: Params) -> Any:
    """Accept and do nothing."""
    return True


# --------------------------------------------------------------------------------- updates


def _set_allowed_updates(bot: BotAccount, p: Params) -> None:
    if "allowed_updates" not in p.data:
        return
    value = p.get_json("allowed_updates", "allowed updates")
    if value is None:
        return
    if not isinstance(value, list):
        raise bad_request("can't parse allowed updates JSON object")
    wanted = [str(v) for v in value if str(v) in ALL_UPDATE_TYPES]
    bot.allowed_updates_list = wanted
    bot.allowed_updates = frozenset(wanted) if wanted else DEFAULT_UPDATE_TYPES


def _confirm(bot: BotAccount, offset: int) -> None:
    updates = bot.updates
    if offset < 0:
        while len(updates) > -offset:
            updates.popleft()
    elif offset > 0:
        while updates and updates[0]["update_id"] < offset:
            updates.popleft()


@method("getUpdates")
async def get_updates(ctx: CallContext, p: Params) -> Any:
    """Long polling: confirm by offset, wait up to ``timeout`` s for the first update."""
    bot, sandbox = ctx.bot, ctx.sandbox
    if bot.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    limit = min(max(p.get_int("limit") or 100, 1), 100)
    timeout = min(max(p.get_float("timeout") or 0.0, 0.0), 50.0)
    _set_allowed_updates(bot, p)
    bot.poll_generation += 1
    generation = bot.poll_generation
    sandbox.notify_updates(bot)  # an older long poll ends with 409
    _confirm(bot, p.get_int("offset") or 0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if bot.poll_generation != generation:
            raise ApiError(409, POLL_CONFLICT)
        if bot.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        if bot.updates:
            return list(itertools.islice(bot.updates, limit))
        remaining = deadline - loop.time()
        if remaining <= 0 or sandbox.closing:
            return []
        await sandbox.wait_updates(bot, remaining)


def _webhook_info(bot: BotAccount) -> JSON:
    hook = bot.webhook
    info: JSON = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message or ""
        if bot.allowed_updates_list:
            info["allowed_updates"] = bot.allowed_updates_list
    return info


_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("setWebhook")
async def set_webhook(ctx: CallContext, p: Params) -> Any:
    """Set (or, with an empty url, remove) the webhook; delivery starts at once."""
    bot = ctx.bot
    url = (p.get_str("url") or "").strip()
    if not url:
        return await delete_webhook(ctx, p)
    if not re.match(r"https?://[^/\s]+", url, flags=re.IGNORECASE):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get_str("secret_token")
    if secret is not None and secret != "" and _SECRET.fullmatch(secret) is None:
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = min(max(p.get_int("max_connections") or 40, 1), 100)
    _set_allowed_updates(bot, p)
    if p.get_bool("drop_pending_updates"):
        bot.updates.clear()
    old = bot.webhook
    same = old is not None and old.url == url and old.secret_token == (secret or None)
    bot.webhook = WebhookConfig(
        url=url,
        secret_token=secret or None,
        max_connections=max_connections,
        ip_address=p.get_str("ip_address"),
    )
    if old is not None and same:
        bot.webhook.last_error_date = old.last_error_date
        bot.webhook.last_error_message = old.last_error_message
    ctx.sandbox.webhook_changed(bot)
    return Described(True, "Webhook is already set" if same else "Webhook was set")


@method("deleteWebhook")
async def delete_webhook(ctx: CallContext, p: Params) -> Any:
    """Remove the webhook; pending updates stay for getUpdates unless dropped."""
    bot = ctx.bot
    if p.get_bool("drop_pending_updates"):
        bot.updates.clear()
    if bot.webhook is None:
        return Described(True, "Webhook is already deleted")
    bot.webhook = None
    ctx.sandbox.webhook_changed(bot)
    return Described(True, "Webhook was deleted")


@method("getWebhookInfo")
async def get_webhook_info(ctx: CallContext, p: Params) -> Any:
    """Return the WebhookInfo object."""
    return _webhook_info(ctx.bot)


# -------------------------------------------------------------------------------- messages


@method("sendMessage")
async def send_message(ctx: CallContext, p: Params) -> Any:
    """Send a text message."""
    ref = p.chat_ref()
    text, entities = formatted_text(ctx, p, "text")
    markup = reply_markup(p)
    conv = resolve_chat(ctx, ref)
    return _record_send(
        ctx,
        p,
        conv,
        text=text,
        entities=entities,
        reply_markup=markup,
        link_preview_options=link_preview(p),
    )


def _record_send(ctx: CallContext, p: Params, conv: Conversation, **fields: Any) -> JSON:
    """A send's last checks (the replied-to message, flood limits); then record the message."""
    reply_to = reply_target(p, conv)
    ctx.sandbox.take_send_slot(conv, paid=p.get_bool("allow_paid_broadcast"))
    world = ctx.sandbox.world
    msg = world.add_message(
        conv, sender_id=ctx.bot.id, from_bot=True, reply_to_message_id=reply_to, **fields
    )
    return world.message_to_api(conv, msg)


@method("sendDocument")
async def send_document(ctx: CallContext, p: Params) -> Any:
    """Send a file (multipart upload, a known file_id, or attach://name)."""
    world = ctx.sandbox.world
    ref = p.chat_ref()
    upload = p.files.get("document")
    value = p.get_str("document")
    if upload is None and value and value.startswith("attach://"):
        upload = p.files.get(value[len("attach://") :])
    caption, caption_entities = formatted_text(ctx, p, "caption")
    if upload is None and not value:
        raise bad_request("there is no document in the request")
    markup = reply_markup(p)
    conv = resolve_chat(ctx, ref)
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        stored = world.store_file(upload.data, upload.filename, upload.content_type)
    else:
        assert value is not None
        known = world.files.get(value)
        if known is None:
            if value.lower().startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            raise bad_request("wrong file identifier/HTTP URL specified")
        stored = known
    return _record_send(
        ctx,
        p,
        conv,
        document=stored,
        caption=caption,
        caption_entities=caption_entities,
        reply_markup=markup,
    )


@method("getFile")
async def get_file(ctx: CallContext, p: Params) -> Any:
    """Return the File object; download from ``/file/bot<token>/<file_path>``."""
    stored = ctx.sandbox.world.files.get(p.required_str("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def _edit_target(ctx: CallContext, p: Params) -> tuple[Conversation, TranscriptMessage]:
    if p.has("inline_message_id") and not p.has("chat_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    ref = p.chat_ref()
    message_id = p.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    conv = resolve_chat(ctx, ref)
    msg = find_message(conv, message_id, "message to edit not found")
    if not msg.from_bot:
        raise bad_request("message can't be edited")
    return conv, msg


def _apply_edit(
    ctx: CallContext, conv: Conversation, msg: TranscriptMessage, **changes: Any
) -> Any:
    current = {key: getattr(msg, key) for key in changes}
    if current == changes:
        raise bad_request(NOT_MODIFIED)
    if ctx.sandbox.limits.count_edits:
        ctx.sandbox.take_send_slot(conv)
    msg.history.append(
        {
            "text": msg.text,
            "entities": msg.entities,
            "caption": msg.caption,
            "caption_entities": msg.caption_entities,
            "reply_markup": msg.reply_markup,
            "edit_date": msg.edit_date,
        }
    )
    for key, value in changes.items():
        setattr(msg, key, value)
    msg.edit_date = now()
    ctx.sandbox.notify_activity()
    return ctx.sandbox.world.message_to_api(conv, msg)


def _formatted_edit(
    ctx: CallContext, p: Params, field: Literal["text", "caption"]
) -> tuple[Conversation, TranscriptMessage, JSON]:
    """The message an edit of its ``field`` targets, and the changes (the keyboard included).

    An omitted ``reply_markup`` removes the keyboard, as on Telegram.
    """
    value, entities = formatted_text(ctx, p, field)
    markup = reply_markup(p)
    conv, msg = _edit_target(ctx, p)
    if (msg.text if field == "text" else msg.document) is None:
        raise bad_request(f"there is no {field} in the message to edit")
    entities_key = "entities" if field == "text" else "caption_entities"
    return conv, msg, {field: value, entities_key: entities, "reply_markup": markup}


@method("editMessageText")
async def edit_message_text(ctx: CallContext, p: Params) -> Any:
    """Edit a bot message's text (an omitted reply_markup removes the keyboard, as on Telegram)."""
    conv, msg, changes = _formatted_edit(ctx, p, "text")
    preview = link_preview(p)
    if preview is not None:
        msg.link_preview_options = preview
    return _apply_edit(ctx, conv, msg, **changes)


@method("editMessageCaption")
async def edit_message_caption(ctx: CallContext, p: Params) -> Any:
    """Edit a bot document's caption."""
    conv, msg, changes = _formatted_edit(ctx, p, "caption")
    return _apply_edit(ctx, conv, msg, **changes)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: CallContext, p: Params) -> Any:
    """Replace (or, if omitted, remove) a bot message's inline keyboard."""
    markup = reply_markup(p)
    conv, msg = _edit_target(ctx, p)
    return _apply_edit(ctx, conv, msg, reply_markup=markup)


@method("deleteMessage")
async def delete_message(ctx: CallContext, p: Params) -> Any:
    """Delete a message (own messages anywhere; others' in private chats or as an admin)."""
    ref = p.chat_ref()
    message_id = p.required_int("message_id")
    conv = resolve_chat(ctx, ref, for_send=False)
    msg = find_message(conv, message_id, "message to delete not found")
    if (
        not msg.from_bot
        and conv.chat.type != "private"
        and conv.bot_status not in ("administrator", "creator")
    ):
        raise bad_request("message can't be deleted")
    msg.deleted = True
    ctx.sandbox.notify_activity()
    return True


@method("sendChatAction")
async def send_chat_action(ctx: CallContext, p: Params) -> Any:
    """Accept a chat action ("typing", …) for a chat the bot may write to."""
    resolve_chat(ctx, p.chat_ref())
    p.required_str("action")
    return True


# ---------------------------------------------------------------------------- interactions


@method("answerCallbackQuery")
async def answer_callback_query(ctx: CallContext, p: Params) -> Any:
    """Answer a button press once."""
    record = ctx.bot.callback_queries.get(p.get_str("callback_query_id") or "")
    if record is None or record.answered:
        raise bad_request(QUERY_INVALID)
    record.answered = True
    record.answer = {
        "text": p.get_str("text"),
        "show_alert": p.get_bool("show_alert"),
        "url": p.get_str("url"),
        "cache_time": p.get_int("cache_time") or 0,
    }
    ctx.sandbox.notify_activity()
    return True


@method("answerInlineQuery")
async def answer_inline_query(ctx: CallContext, p: Params) -> Any:
    """Answer an inline query once with up to 50 results."""
    record = ctx.bot.inline_queries.get(p.get_str("inline_query_id") or "")
    results = p.get_json("results", "inline query results")
    if record is None or record.answered:
        raise bad_request(QUERY_INVALID)
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > 50:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict) or "type" not in result or "id" not in result:
            raise bad_request("can't parse InlineQueryResult JSON object")
        result_id = str(result["id"])
        if not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
    record.answered = True
    record.answer = {
        "results": results,
        "cache_time": p.get_int("cache_time"),
        "is_personal": p.get_bool("is_personal"),
        "next_offset": p.get_str("next_offset") or "",
        "button": p.get_json("button", "inline query results button"),
    }
    ctx.sandbox.notify_activity()
    return True


# -------------------------------------------------------------------------------- commands


_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def _scope_key(ctx: CallContext, p: Params) -> tuple[str, int | None, int | None, str]:
    scope = p.get_json("scope", "BotCommandScope")
    language = p.get_str("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    if scope is None:
        return ("default", None, None, language)
    if not isinstance(scope, dict):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = str(scope.get("type", ""))
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return (kind, None, None, language)
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad_request("unsupported bot command scope type")
    chat = ctx.sandbox.world.find_chat(scope.get("chat_id", ""))
    if chat is None:
        raise bad_request("chat not found")
    user_id: int | None = None
    if kind == "chat_member":
        user_id = int(scope.get("user_id", 0))
        if user_id not in ctx.sandbox.world.users:
            raise bad_request("user not found")
    return (kind, chat.id, user_id, language)


@method("setMyCommands")
async def set_my_commands(ctx: CallContext, p: Params) -> Any:
    """Store the command list for a scope and language (an empty list deletes it)."""
    commands = p.get_json("commands", "commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    clean: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = str(command.get("command", "")).lstrip("/")
        description = str(command.get("description", ""))
        if _COMMAND.fullmatch(name) is None:
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": description})
    key = _scope_key(ctx, p)
    if clean:
        ctx.bot.commands[key] = clean
    else:
        ctx.bot.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(ctx: CallContext, p: Params) -> Any:
    """Return the commands of exactly this scope and language (no fallback, as on Telegram)."""
    return ctx.bot.commands.get(_scope_key(ctx, p), [])


@method("deleteMyCommands")
async def delete_my_commands(ctx: CallContext, p: Params) -> Any:
    """Delete the commands of this scope and language."""
    ctx.bot.commands.pop(_scope_key(ctx, p), None)
    return True


def _menu_chat_id(ctx: CallContext, p: Params) -> int | None:
    """The chat whose menu button is meant; None: the default button."""
    if not p.has("chat_id"):
        return None
    return resolve_chat(ctx, p.chat_ref(), for_send=False).chat.id


@method("setChatMenuButton")
async def set_chat_menu_button(ctx: CallContext, p: Params) -> Any:
    """Set the menu button of a private chat, or the default one."""
    chat_id = _menu_chat_id(ctx, p)
    button = p.get_json("menu_button", "menu button")
    if button is None:
        button = {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button JSON object")
    ctx.bot.menu_buttons[chat_id] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: CallContext, p: Params) -> Any:
    """Return a chat's menu button (falling back to the default one)."""
    button = ctx.bot.menu_buttons.get(_menu_chat_id(ctx, p))
    if button is None or button.get("type") == "default":
        button = ctx.bot.menu_buttons.get(None, {"type": "commands"})
    if button.get("type") == "default":
        button = {"type": "commands"}
    return button


# ----------------------------------------------------------------------------------- chats


@method("getChat")
async def get_chat(ctx: CallContext, p: Params) -> Any:
    """Return the ChatFullInfo object."""
    chat = resolve_chat(ctx, p.chat_ref(), for_send=False).chat
    info = chat.to_api()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.type != "private":
        info["permissions"] = {
            "can_send_messages": True,
            "can_send_polls": True,
            "can_send_other_messages": True,
            "can_add_web_page_previews": True,
            "can_change_info": False,
            "can_invite_users": True,
            "can_pin_messages": False,
        }
    if chat.migrated_from is not None:
        info["migrated_from_chat_id"] = chat.migrated_from
    return info


@method("getChatMember")
async def get_chat_member(ctx: CallContext, p: Params) -> Any:
    """Return a member's status (creator / administrator / member / left / kicked)."""
    world = ctx.sandbox.world
    conv = resolve_chat(ctx, p.chat_ref(), for_send=False)
    user_id = p.required_int("user_id")
    user = world.users.get(user_id)
    if user is None:
        raise bad_request("PARTICIPANT_ID_INVALID")
    chat = conv.chat
    if user_id == ctx.bot.id:
        status = conv.bot_status
    elif chat.type == "private":
        status = "member" if user_id == chat.id else "left"
    else:
        status = chat.members.get(user_id, "left")
    return world.chat_member_api(chat, user, status)


@method("getChatAdministrators")
async def get_chat_administrators(ctx: CallContext, p: Params) -> Any:
    """Return the creator and administrators of a group or channel."""
    world = ctx.sandbox.world
    chat = resolve_chat(ctx, p.chat_ref(), for_send=False).chat
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        world.chat_member_api(chat, world.users[uid], status)
        for uid, status in chat.members.items()
        if status in ("creator", "administrator") and uid in world.users
    ]


@method("getChatMemberCount")
async def get_chat_member_count(ctx: CallContext, p: Params) -> Any:
    """Return the number of members."""
    chat = resolve_chat(ctx, p.chat_ref(), for_send=False).chat
    return sum(
        1 for status in chat.members.values() if status in ("creator", "administrator", "member")
    )
