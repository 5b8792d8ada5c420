"""Telegram HTML as plain text: for the terminal and the fallback after Telegram refused it."""

from __future__ import annotations

from bot.domain.text import html_to_text, plain_text
from bot.render.html import visible_length


def test_tags_go_and_entities_read_as_written() -> None:
    markup = '<b>Paper</b> &amp; <a href="https://x.org/?a=1&amp;b=2">abstract</a> &lt;due&gt;'
    assert html_to_text(markup) == "Paper & abstract <due>"
    moment = '<tg-time unix="1771243140" format="wDT">Mon 16 Feb, 11:59 UTC</tg-time>'
    assert html_to_text(moment) == "Mon 16 Feb, 11:59 UTC"


def test_the_reader_counts_what_the_renderer_counts() -> None:
    markup = "<i>Überall</i> 🌍 &amp; <code>x</code>"
    text = html_to_text(markup)
    assert visible_length(markup) == len(text.encode("utf-16-le")) // 2


def test_plain_text_keeps_what_is_not_a_tag_and_breaks_lines_at_br() -> None:
    assert plain_text("a <= b and b > c") == "a <= b and b > c"
    assert plain_text("one<br>two<BR/>three") == "one\ntwo\nthree"
    assert plain_text("  <b>news</b>\n") == "news"
    assert plain_text("<b></b>") == "<b></b>"  # nothing visible: the text as it was
