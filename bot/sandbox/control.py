"""The sandbox control API: drive simulated people over HTTP (JSON in, JSON out).

All endpoints live under ``/sandbox/`` on the sandbox's port; bodies are JSON objects, answers
are ``{"ok": true, "result": …}`` or ``{"ok": false, "error": "…"}`` (HTTP 400/404).  Faults never
apply here.  ``bot`` (a token) is optional wherever a bot matters; the first bot is the default.

==========================  ===============================================================
``GET  /sandbox/state``      bots (id, username, webhook, pending updates), users, chats
``POST /sandbox/users``      ``{"first_name", "username"?, "last_name"?, "language_code"?,
                             "id"?, "started"?}`` → the User
``POST /sandbox/groups``     ``{"title", "kind"?: group|supergroup|channel, "member_ids"?,
                             "admin_ids"?, "creator_id"?, "username"?, "bot_status"?}`` → Chat
``POST /sandbox/send``       ``{"user_id", "text", "chat_id"?, "reply_to_message_id"?}``
                             → the person's message (transcript record)
``POST /sandbox/press``      ``{"user_id", "chat_id", "message_id", "data"}`` → ``{"id"}``
``POST /sandbox/inline``     ``{"user_id", "query"}`` → ``{"id"}``
``POST /sandbox/block``      ``{"user_id"}``; ``/sandbox/unblock`` likewise;
                             ``/sandbox/deactivate`` likewise
``POST /sandbox/upgrade``    ``{"chat_id"}`` → the new supergroup
``GET  /sandbox/transcript`` ``?chat_id=…`` → list of messages (bot's and people's)
``GET  /sandbox/wait``       ``?chat_id=…&timeout=5`` → the next new bot message, or 404
``GET  /sandbox/answer``     ``?query_id=…`` → the bot's answer to a press / inline query
``GET  /sandbox/counters``   requests per method, sends, 429s (per chat), faults, webhooks;
                             ``POST /sandbox/counters/reset`` zeroes them
``POST /sandbox/limits``     ``{"preset": "real"|"off"|"x10"|"real:sliding"}`` or Limits fields
``POST /sandbox/faults``     a :class:`~bot.sandbox.faults.FaultRule` as JSON (kind, phase,
                             status, delay, method, probability, remaining);
                             ``GET`` lists them, ``DELETE`` clears them
==========================  ===============================================================

Example::

    curl -s -XPOST localhost:8081/sandbox/users -d '{"first_name": "Ada"}'
    curl -s -XPOST localhost:8081/sandbox/send -d '{"user_id": 100001, "text": "/start"}'
    curl -s 'localhost:8081/sandbox/wait?chat_id=100001&timeout=10'
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.faults import FaultRule
from bot.sandbox.limits import Limits
from bot.sandbox.world import Chat, User

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

__all__ = ["add_control_routes"]

JSON = dict[str, Any]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def add_control_routes(app: web.Application, sandbox: Sandbox) -> None:
    """Mount the control API of ``sandbox`` on ``app``."""
    world = sandbox.world

    async def body(request: web.Request) -> JSON:
        if not request.can_read_body:
            return {}
        try:
            data = json.loads(await request.read())
        except ValueError:
            raise _ControlError("body must be a JSON object") from None
        if not isinstance(data, dict):
            raise _ControlError("body must be a JSON object")
        return data

    def user(data: JSON) -> User:
        found = world.users.get(int(data.get("user_id", 0)))
        if found is None:
            raise _ControlError("unknown user_id", 404)
        return found

    def chat(value: Any) -> Chat:
        found = world.find_chat(value if value is not None else "")
        if found is None:
            raise _ControlError("unknown chat_id", 404)
        return found

    def wrap(handler: Callable[[web.Request], Awaitable[Any]]) -> Route:
        async def route(request: web.Request) -> web.StreamResponse:
            try:
                return _ok(await handler(request))
            except _ControlError as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
            except (KeyError, ValueError, TypeError) as exc:
                return web.json_response({"ok": False, "error": repr(exc)}, status=400)

        return route

    async def state(request: web.Request) -> Any:
        return {
            "url": sandbox.url,
            "base_url": sandbox.base_url,
            "bots": [
                {
                    **b.get_me(),
                    "token": b.token,
                    "webhook": b.webhook.url if b.webhook else "",
                    "pending_update_count": len(b.updates),
                }
                for b in world.bots.values()
            ],
            "users": [
                u.to_api() | {"deactivated": u.deactivated}
                for u in world.users.values()
                if not u.is_bot
            ],
            "chats": [
                c.to_api() | {"members": c.members, "migrated_to": c.migrated_to}
                for c in world.chats.values()
            ],
            "limits": sandbox.limits.to_json(),
        }

    async def create_user(request: web.Request) -> Any:
        data = await body(request)
        created = sandbox.create_user(
            str(data.get("first_name", "Alice")),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "en"),
            user_id=data.get("id"),
            started=bool(data.get("started", True)),
        )
        return created.to_api()

    async def create_group(request: web.Request) -> Any:
        data = await body(request)
        created = sandbox.create_group(
            str(data.get("title", "Test group")),
            kind=str(data.get("kind", "group")),
            members=[world.users[int(i)] for i in data.get("member_ids", [])],
            admins=[world.users[int(i)] for i in data.get("admin_ids", [])],
            creator=world.users[int(data["creator_id"])] if "creator_id" in data else None,
            username=data.get("username"),
            bot_status=data.get("bot_status", "member"),
        )
        return created.to_api()

    async def send(request: web.Request) -> Any:
        data = await body(request)
        who = user(data)
        where = chat(data["chat_id"]) if "chat_id" in data else None
        msg = sandbox.send(
            who,
            str(data["text"]),
            chat=where,
            reply_to=data.get("reply_to_message_id"),
            bot=data.get("bot"),
        )
        return msg.to_record()

    async def press(request: web.Request) -> Any:
        data = await body(request)
        account = world.bot_for(data.get("bot"))
        conv = world.conversation(account, chat(data["chat_id"]).id)
        msg = conv.by_id.get(int(data["message_id"]))
        if msg is None:
            raise _ControlError("unknown message_id", 404)
        record = sandbox.press(user(data), msg, str(data["data"]), bot=account)
        return {"id": record.id}

    async def inline(request: web.Request) -> Any:
        data = await body(request)
        record = sandbox.inline_query(user(data), str(data.get("query", "")), bot=data.get("bot"))
        return {"id": record.id}

    def membership(action: str) -> Callable[[web.Request], Awaitable[Any]]:
        async def handler(request: web.Request) -> Any:
            data = await body(request)
            who = user(data)
            if action == "block":
                sandbox.block(who, bot=data.get("bot"))
            elif action == "unblock":
                sandbox.unblock(who, bot=data.get("bot"))
            else:
                sandbox.deactivate(who)
            return True

        return handler

    async def upgrade(request: web.Request) -> Any:
        data = await body(request)
        return sandbox.upgrade_group(chat(data["chat_id"])).to_api()

    async def transcript(request: web.Request) -> Any:
        where = chat(request.query.get("chat_id"))
        return [m.to_record() for m in sandbox.transcript(where, bot=request.query.get("bot"))]

    async def wait(request: web.Request) -> Any:
        where = chat(request.query.get("chat_id"))
        timeout = min(float(request.query.get("timeout", "5")), 60.0)
        try:
            msg = await sandbox.wait_for_message(
                where, timeout=timeout, bot=request.query.get("bot")
            )
        except TimeoutError as exc:
            raise _ControlError(str(exc), 404) from None
        return msg.to_record()

    async def answer(request: web.Request) -> Any:
        query_id = request.query.get("query_id", "")
        for account in world.bots.values():
            record: Any = account.callback_queries.get(query_id) or account.inline_queries.get(
                query_id
            )
            if record is not None:
                return {"answered": record.answered, "answer": record.answer}
        raise _ControlError("unknown query_id", 404)

    async def counters(request: web.Request) -> Any:
        return sandbox.counters.snapshot()

    async def reset_counters(request: web.Request) -> Any:
        sandbox.counters.reset()
        return True

    async def limits(request: web.Request) -> Any:
        data = await body(request)
        if "preset" in data:
            new = Limits.preset(str(data["preset"]))
        else:
            names = {f.name for f in fields(Limits)}
            new = Limits(**{k: v for k, v in data.items() if k in names})
        sandbox.set_limits(new)
        return new.to_json()

    async def add_fault(request: web.Request) -> Any:
        data = await body(request)
        names = {f.name for f in fields(FaultRule)} - {"hits"}
        rule = FaultRule(**{k: v for k, v in data.items() if k in names})
        if rule.kind not in ("error", "delay", "drop") or rule.phase not in ("before", "after"):
            raise _ControlError("kind must be error|delay|drop and phase before|after")
        return sandbox.faults.add(rule).to_json()

    async def list_faults(request: web.Request) -> Any:
        return [rule.to_json() for rule in sandbox.faults.rules]

    async def clear_faults(request: web.Request) -> Any:
        sandbox.faults.clear()
        return True

    routes: list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]] = [
        ("GET", "/sandbox/state", state),
        ("POST", "/sandbox/users", create_user),
        ("POST", "/sandbox/groups", create_group),
        ("POST", "/sandbox/send", send),
        ("POST", "/sandbox/press", press),
        ("POST", "/sandbox/inline", inline),
        ("POST", "/sandbox/block", membership("block")),
        ("POST", "/sandbox/unblock", membership("unblock")),
        ("POST", "/sandbox/deactivate", membership("deactivate")),
        ("POST", "/sandbox/upgrade", upgrade),
        ("GET", "/sandbox/transcript", transcript),
        ("GET", "/sandbox/wait", wait),
        ("GET", "/sandbox/answer", answer),
        ("GET", "/sandbox/counters", counters),
        ("POST", "/sandbox/counters/reset", reset_counters),
        ("POST", "/sandbox/limits", limits),
        ("POST", "/sandbox/faults", add_fault),
        ("GET", "/sandbox/faults", list_faults),
        ("DELETE", "/sandbox/faults", clear_faults),
    ]
    for http_method, path, handler in routes:
        app.router.add_route(http_method, path, wrap(handler))
