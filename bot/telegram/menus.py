"""The command menus: the public one for everybody, a longer one in each admin's chat."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.render.organizers import ADMIN_COMMANDS_HELP
from bot.render.subscribers import COMMANDS_HELP

PUBLIC_COMMANDS = [BotCommand(name, what[:256]) for name, what in COMMANDS_HELP]
ADMIN_COMMANDS = [BotCommand(name, what[:256]) for name, what in ADMIN_COMMANDS_HELP]


async def publish_public_menu(bot: Bot) -> None:
    """Publish the public commands (setMyCommands, default scope)."""
    await bot.set_my_commands(PUBLIC_COMMANDS, scope=BotCommandScopeDefault())


async def publish_admin_menu(bot: Bot, admin_id: int) -> None:
    """Publish public plus admin commands in one admin's private chat (BotCommandScopeChat)."""
    await bot.set_my_commands(PUBLIC_COMMANDS + ADMIN_COMMANDS, scope=BotCommandScopeChat(admin_id))
