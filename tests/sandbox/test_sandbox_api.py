"""python-telegram-bot's real Bot against the sandbox over HTTP: every method and error."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    MenuButtonCommands,
    MenuButtonWebApp,
    ReplyParameters,
    WebAppInfo,
)
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken

from bot.sandbox import Limits, Sandbox, User

pytestmark = pytest.mark.sandbox(limits=Limits.off())


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


def last_description(sandbox: Sandbox) -> str:
    assert sandbox.last_error is not None
    return str(sandbox.last_error["description"])


async def test_get_me(tg_bot: Bot, sandbox: Sandbox) -> None:
    me = await tg_bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "sandbox_bot"
    assert tg_bot.username == "sandbox_bot"


async def test_wrong_tokens_raise_invalid_token(sandbox: Sandbox) -> None:
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await Bot("999:wrong-token", base_url=sandbox.base_url).initialize()
    with pytest.raises(InvalidToken):
        await Bot("999:wrong-token", base_url=sandbox.base_url).get_me()
    assert sandbox.last_error == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        await Bot("0bad", base_url=sandbox.base_url).get_me()
    assert last_description(sandbox) == "Unauthorized: invalid token specified"


async def test_unknown_method_and_case_insensitive_names(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.base_url}{sandbox.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{sandbox.base_url}{sandbox.token}/GETME") as resp:
            body = await resp.json()
            assert body["ok"] is True
            assert body["result"]["id"] == 123456


async def test_bodies_form_json_and_query(sandbox: Sandbox, sandbox_user: User) -> None:
    url = f"{sandbox.base_url}{sandbox.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    async with aiohttp.ClientSession() as http:
        form = {"chat_id": str(sandbox_user.id), "text": "form", "reply_markup": _json(markup)}
        async with http.post(url, data=form) as resp:
            assert (await resp.json())["result"]["reply_markup"] == markup
        payload = {"chat_id": sandbox_user.id, "text": "json", "reply_markup": markup}
        async with http.post(url, json=payload) as resp:
            assert (await resp.json())["result"]["text"] == "json"
        async with http.get(url, params={"chat_id": sandbox_user.id, "text": "query"}) as resp:
            assert (await resp.json())["result"]["text"] == "query"
    texts = [m.text for m in sandbox.bot_messages(sandbox_user.id)]
    assert texts == ["form", "json", "query"]


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


async def test_send_message_html_entities_and_markup(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    text = (
        "<b>Deadline</b> in <i>3 days</i> 🎉 <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler> "
        '<a href="https://example.org/cfp">CFP</a> <code>c</code> '
        '<pre><code class="language-python">print(1)</code></pre> '
        '<blockquote expandable>q</blockquote> <tg-time unix="1700000000" format="wDT">'
        "then</tg-time> &lt;&amp;&gt;&quot; &#128512;"
    )
    msg = await tg_bot.send_message(
        sandbox_user.id, text, parse_mode="HTML", reply_markup=keyboard("yes", "no")
    )
    assert msg.text.startswith('Deadline in 3 days 🎉 u s x CFP c print(1) q then <&>" 😀')
    types = [e.type for e in msg.entities]
    assert "bold" in types and "text_link" in types and "expandable_blockquote" in types
    recorded = sandbox.bot_messages(sandbox_user.id)[-1]
    assert recorded.entity_texts("bold") == ["Deadline"]
    assert recorded.entity_texts("italic") == ["3 days"]
    assert recorded.entity_texts("text_link") == ["CFP"]
    # Offsets are UTF-16: the emoji before "u" counts as 2 units.
    underline = next(e for e in recorded.entities if e["type"] == "underline")
    assert underline["offset"] == len("Deadline in 3 days ") + 2 + 1
    pre = next(e for e in recorded.entities if e["type"] == "pre")
    assert pre["language"] == "python"
    date_time = next(e for e in recorded.entities if e["type"] == "date_time")
    assert date_time["unix_time"] == 1700000000 and date_time["date_time_format"] == "wDT"
    assert [b["callback_data"] for b in recorded.buttons()] == ["yes", "no"]


@pytest.mark.parametrize("mode", ["MarkdownV2", "Markdown", "markdown", "BBCode"])
async def test_only_html_is_a_parse_mode(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User, mode: str
) -> None:
    # The bot sends only HTML; Markdown is refused the way Telegram refuses an unknown mode,
    # and nothing is recorded.
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await tg_bot.send_message(sandbox_user.id, "*bold* _it_", parse_mode=mode)
    assert last_description(sandbox) == "Bad Request: unsupported parse_mode"
    assert sandbox.bot_messages(sandbox_user.id) == []


async def test_send_message_plain(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    plain = await tg_bot.send_message(sandbox_user.id, "<b>not parsed</b> see /help")
    assert plain.text == "<b>not parsed</b> see /help"
    assert [e.type for e in plain.entities] == ["bot_command"]


@pytest.mark.parametrize(
    ("text", "mode", "description"),
    [
        ("<x>hi</x>", "HTML", 'Unsupported start tag "x" at byte offset 0'),
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<i>a</b>", "HTML", 'Unmatched end tag at byte offset 4, expected "</i>", found "</b>"'),
        ("1 < 2", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("ok <", "HTML", "Unclosed start tag at byte offset 3"),
        ("a</b>", "HTML", "Unexpected end tag at byte offset 1"),
        (
            '<span class="x">s</span>',
            "HTML",
            'Tag "span" must have class "tg-spoiler" at byte offset 0',
        ),
    ],
)
async def test_parse_errors(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User, text: str, mode: str, description: str
) -> None:
    with pytest.raises(BadRequest, match="parse entities"):
        await tg_bot.send_message(sandbox_user.id, text, parse_mode=mode)
    assert last_description(sandbox) == f"Bad Request: can't parse entities: {description}"
    assert sandbox.bot_messages(sandbox_user.id) == []


async def test_text_checks(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    # 4096 UTF-16 units after parsing is fine; tags don't count, surrogate pairs count twice.
    await tg_bot.send_message(sandbox_user.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest):
        await tg_bot.send_message(sandbox_user.id, "😀" * 2049)
    assert last_description(sandbox) == "Bad Request: message is too long"
    with pytest.raises(BadRequest):
        await tg_bot.send_message(sandbox_user.id, "<b></b>", parse_mode="HTML")
    assert last_description(sandbox) == "Bad Request: message text is empty"
    with pytest.raises(BadRequest):
        await tg_bot.send_message(987654321, "hi")
    assert last_description(sandbox) == "Bad Request: chat not found"
    with pytest.raises(BadRequest):
        await tg_bot.send_message(sandbox_user.id, "hi", reply_markup=keyboard("x" * 65))
    assert last_description(sandbox) == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest):
        await tg_bot.send_message(sandbox_user.id, "hi", parse_mode="BBCode")
    assert last_description(sandbox) == "Bad Request: unsupported parse_mode"


async def test_entities_param_and_link_preview_and_reply(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    from telegram import MessageEntity

    first = await tg_bot.send_message(
        sandbox_user.id,
        "see https://example.org",
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        entities=[MessageEntity("bold", 0, 3)],
    )
    assert [e.type for e in first.entities] == ["bold", "url"]
    assert first.link_preview_options is not None and first.link_preview_options.is_disabled
    reply = await tg_bot.send_message(
        sandbox_user.id, "re", reply_parameters=ReplyParameters(first.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == first.message_id
    with pytest.raises(BadRequest):
        await tg_bot.send_message(sandbox_user.id, "re", reply_parameters=ReplyParameters(999))
    assert last_description(sandbox) == "Bad Request: message to be replied not found"
    loose = await tg_bot.send_message(
        sandbox_user.id,
        "re",
        reply_parameters=ReplyParameters(999, allow_sending_without_reply=True),
    )
    assert loose.reply_to_message is None


async def test_edit_and_delete(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    msg = await tg_bot.send_message(sandbox_user.id, "v1", reply_markup=keyboard("a"))
    edited = await tg_bot.edit_message_text(
        "<b>v2</b>",
        chat_id=sandbox_user.id,
        message_id=msg.message_id,
        parse_mode="HTML",
        reply_markup=keyboard("a"),
    )
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="not modified"):
        await tg_bot.edit_message_text(
            "<b>v2</b>",
            chat_id=sandbox_user.id,
            message_id=msg.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("a"),
        )
    assert last_description(sandbox) == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    await tg_bot.edit_message_reply_markup(
        chat_id=sandbox_user.id, message_id=msg.message_id, reply_markup=keyboard("b")
    )
    with pytest.raises(BadRequest, match="not modified"):
        await tg_bot.edit_message_reply_markup(
            chat_id=sandbox_user.id, message_id=msg.message_id, reply_markup=keyboard("b")
        )
    recorded = sandbox.bot_messages(sandbox_user.id)[0]
    assert [h["text"] for h in recorded.history] == ["v1", "v2"]
    assert recorded.entity_texts("bold") == ["v2"]
    assert await tg_bot.delete_message(sandbox_user.id, msg.message_id)
    assert recorded.deleted
    with pytest.raises(BadRequest):
        await tg_bot.delete_message(sandbox_user.id, msg.message_id)
    assert last_description(sandbox) == "Bad Request: message to delete not found"
    with pytest.raises(BadRequest):
        await tg_bot.edit_message_text("x", chat_id=sandbox_user.id, message_id=msg.message_id)
    assert last_description(sandbox) == "Bad Request: message to edit not found"
    user_msg = sandbox.send(sandbox_user, "mine")
    with pytest.raises(BadRequest):
        await tg_bot.edit_message_text("x", chat_id=sandbox_user.id, message_id=user_msg.message_id)
    assert last_description(sandbox) == "Bad Request: message can't be edited"


async def test_send_document_keeps_name_type_bytes(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    data = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    msg = await tg_bot.send_document(
        sandbox_user.id,
        data,
        filename="deadlines.ics",
        caption="<i>calendar</i>",
        parse_mode="HTML",
    )
    assert msg.document is not None
    assert msg.document.file_name == "deadlines.ics"
    assert msg.document.mime_type == "text/calendar"
    assert msg.caption == "calendar"
    stored = sandbox.bot_messages(sandbox_user.id)[-1]
    assert stored.document is not None and stored.document.data == data
    assert stored.entity_texts("italic") == ["calendar"]
    again = await tg_bot.send_document(sandbox_user.id, msg.document.file_id)
    assert again.document is not None and again.document.file_id == msg.document.file_id
    file = await tg_bot.get_file(msg.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data
    with pytest.raises(BadRequest):
        await tg_bot.send_document(sandbox_user.id, "no-such-file-id")
    assert last_description(sandbox) == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_edit_caption_and_text_each_need_their_own(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    doc = await tg_bot.send_document(sandbox_user.id, b"x", filename="a.txt", caption="old")
    edited = await tg_bot.edit_message_caption(
        chat_id=sandbox_user.id,
        message_id=doc.message_id,
        caption="<b>new</b>",
        parse_mode="HTML",
        reply_markup=keyboard("a"),
    )
    assert isinstance(edited, type(doc)) and edited.caption == "new"
    stored = sandbox.bot_messages(sandbox_user.id)[-1]
    assert stored.caption == "new" and stored.entity_texts("bold") == ["new"]
    with pytest.raises(BadRequest):
        await tg_bot.edit_message_text("t", chat_id=sandbox_user.id, message_id=doc.message_id)
    assert last_description(sandbox) == "Bad Request: there is no text in the message to edit"
    text = await tg_bot.send_message(sandbox_user.id, "plain")
    with pytest.raises(BadRequest):
        await tg_bot.edit_message_caption(
            chat_id=sandbox_user.id, message_id=text.message_id, caption="c"
        )
    assert last_description(sandbox) == "Bad Request: there is no caption in the message to edit"


async def test_callback_query_roundtrip(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    sent = await tg_bot.send_message(sandbox_user.id, "Pick", reply_markup=keyboard("one"))
    record = sandbox.bot_messages(sandbox_user.id)[-1]
    press = sandbox.press(sandbox_user, record, "one")
    updates = await tg_bot.get_updates(timeout=1)
    query = updates[-1].callback_query
    assert query is not None and query.data == "one"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == sandbox_user.id
    assert await tg_bot.answer_callback_query(query.id, text="Done", show_alert=True)
    answer = await sandbox.wait_for_answer(press)
    assert answer["text"] == "Done" and answer["show_alert"] is True
    with pytest.raises(BadRequest):
        await tg_bot.answer_callback_query(query.id)
    assert last_description(sandbox) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    with pytest.raises(ValueError, match="no button"):
        sandbox.press(sandbox_user, record, "missing")


async def test_inline_query_roundtrip(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    query = sandbox.inline_query(sandbox_user, "neurips")
    updates = await tg_bot.get_updates(timeout=1)
    inline = updates[-1].inline_query
    assert inline is not None and inline.query == "neurips"
    result = InlineQueryResultArticle("1", "NeurIPS", InputTextMessageContent("May 15"))
    assert await tg_bot.answer_inline_query(inline.id, [result], cache_time=0)
    answer = await sandbox.wait_for_answer(query)
    assert answer["results"][0]["title"] == "NeurIPS"
    with pytest.raises(BadRequest):
        await tg_bot.answer_inline_query(inline.id, [result])


async def test_commands_per_scope(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    group = sandbox.create_group("Lab", members=[sandbox_user])
    await tg_bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await tg_bot.set_my_commands(
        [BotCommand("next", "Next deadline")], scope=BotCommandScopeAllPrivateChats()
    )
    await tg_bot.set_my_commands(
        [BotCommand("digest", "Digest")], scope=BotCommandScopeChat(group.id)
    )
    await tg_bot.set_my_commands([BotCommand("hilfe", "Hilfe")], language_code="de")
    assert [c.command for c in await tg_bot.get_my_commands()] == ["start", "help"]
    private = await tg_bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private] == ["next"]
    assert [
        c.command for c in await tg_bot.get_my_commands(scope=BotCommandScopeChat(group.id))
    ] == ["digest"]
    assert [c.command for c in await tg_bot.get_my_commands(language_code="de")] == ["hilfe"]
    assert [c["command"] for c in sandbox.effective_commands(sandbox_user.id, sandbox_user)] == [
        "next"
    ]
    assert await tg_bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert await tg_bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    with pytest.raises(BadRequest):
        await tg_bot.set_my_commands([BotCommand("Bad Command", "x")])
    assert last_description(sandbox) == "Bad Request: BOT_COMMAND_INVALID"
    with pytest.raises(BadRequest):
        await tg_bot.get_my_commands(scope=BotCommandScopeChat(-42))
    assert last_description(sandbox) == "Bad Request: chat not found"


async def test_menu_button(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    assert isinstance(await tg_bot.get_chat_menu_button(), MenuButtonCommands)
    web_app = MenuButtonWebApp("Open", WebAppInfo("https://example.org/app"))
    assert await tg_bot.set_chat_menu_button(chat_id=sandbox_user.id, menu_button=web_app)
    assert await tg_bot.get_chat_menu_button(chat_id=sandbox_user.id) == web_app


async def test_get_chat_and_members(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    bob = sandbox.create_user("Bob")
    group = sandbox.create_group(
        "Reading group", creator=sandbox_user, admins=[bob], kind="supergroup"
    )
    private = await tg_bot.get_chat(sandbox_user.id)
    assert private.type == "private" and private.username == "alice"
    chat = await tg_bot.get_chat(group.id)
    assert chat.type == "supergroup" and chat.title == "Reading group"
    assert str(group.id).startswith("-100")
    assert (await tg_bot.get_chat_member(group.id, sandbox_user.id)).status == "creator"
    assert (await tg_bot.get_chat_member(group.id, bob.id)).status == "administrator"
    assert (await tg_bot.get_chat_member(group.id, tg_bot.id)).status == "member"
    outsider = sandbox.create_user("Eve")
    assert (await tg_bot.get_chat_member(group.id, outsider.id)).status == "left"
    admins = await tg_bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {sandbox_user.id, bob.id}
    assert await tg_bot.get_chat_member_count(group.id) == 3
    with pytest.raises(BadRequest):
        await tg_bot.get_chat(-1001)
    assert last_description(sandbox) == "Bad Request: chat not found"


async def test_blocked_deactivated_and_not_started(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    sandbox.block(sandbox_user)
    with pytest.raises(Forbidden):
        await tg_bot.send_message(sandbox_user.id, "hi")
    assert sandbox.last_error == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    sandbox.unblock(sandbox_user)
    updates = await tg_bot.get_updates()
    transitions = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in updates
        if u.my_chat_member
    ]
    assert transitions == [("member", "kicked"), ("kicked", "member")]
    await tg_bot.send_message(sandbox_user.id, "welcome back")
    sandbox.deactivate(sandbox_user)
    with pytest.raises(Forbidden):
        await tg_bot.send_message(sandbox_user.id, "hi")
    assert last_description(sandbox) == "Forbidden: user is deactivated"
    shy = sandbox.create_user("Shy", started=False)
    with pytest.raises(Forbidden):
        await tg_bot.send_message(shy.id, "hi")
    assert last_description(sandbox) == "Forbidden: bot can't initiate conversation with a user"


async def test_groups_membership_and_migration(
    tg_bot: Bot, sandbox: Sandbox, sandbox_user: User
) -> None:
    group = sandbox.create_group("Lab", creator=sandbox_user, bot_status=None)
    with pytest.raises(Forbidden):
        await tg_bot.send_message(group.id, "hi")
    assert last_description(sandbox) == "Forbidden: bot is not a member of the group chat"
    sandbox.add_bot_to_group(group, by=sandbox_user)
    await tg_bot.send_message(group.id, "hello group")
    updates = await tg_bot.get_updates()
    added = updates[-1].my_chat_member
    assert added is not None and added.new_chat_member.status == "member"
    assert added.from_user.id == sandbox_user.id
    new = sandbox.upgrade_group(group)
    with pytest.raises(ChatMigrated) as caught:
        await tg_bot.send_message(group.id, "hi")
    assert caught.value.new_chat_id == new.id
    assert sandbox.last_error == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new.id},
    }
    await tg_bot.send_message(new.id, "hello supergroup")
    sandbox.remove_bot_from_group(new, by=sandbox_user, ban=True)
    with pytest.raises(Forbidden):
        await tg_bot.send_message(new.id, "hi")
    assert last_description(sandbox) == "Forbidden: bot was kicked from the supergroup chat"


async def test_group_privacy_mode(tg_bot: Bot, sandbox: Sandbox, sandbox_user: User) -> None:
    group = sandbox.create_group("Lab", members=[sandbox_user])
    sandbox.send(sandbox_user, "just chatting", chat=group)
    sandbox.send(sandbox_user, "/next@sandbox_bot", chat=group)
    sandbox.send(sandbox_user, "/next@other_bot", chat=group)
    updates = await tg_bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["/next@sandbox_bot"]
    assert len(sandbox.transcript(group)) == 3


async def test_channel_posts(tg_bot: Bot, sandbox: Sandbox) -> None:
    channel = sandbox.create_channel("News", username="deadline_news")
    msg = await tg_bot.send_message("@deadline_news", "CFP open")
    assert msg.chat.id == channel.id and msg.sender_chat is not None
    assert str(channel.id).startswith("-100")


async def test_send_chat_action(tg_bot: Bot, sandbox_user: User) -> None:
    assert await tg_bot.send_chat_action(sandbox_user.id, "typing")


async def test_get_updates_conflict_while_webhook(tg_bot: Bot, sandbox: Sandbox) -> None:
    await tg_bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict):
        await tg_bot.get_updates()
    assert last_description(sandbox) == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    await tg_bot.delete_webhook()
    assert await tg_bot.get_updates() == ()
