"""Every text the bot sends, as pure functions of data (the domain's types), HTML escaped.

By audience: :mod:`~bot.render.subscribers`, :mod:`~bot.render.organizers`,
:mod:`~bot.render.broadcasts`. Used by the top layer only (handlers, the command line,
the composition root); ``render`` imports nothing of the bot but ``bot.domain``.
"""
