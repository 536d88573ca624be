"""Wide tables in a scroll region the keyboard can reach (on a phone they scroll sideways
inside it; the page itself never does)."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# A heading with its id (Markdown's toc extension gives each one), or a whole table: the
# methodology's tables are Markdown's, never nested.
HEADING_OR_TABLE = re.compile(r'<h[1-6] id="(?P<id>[^"]+)">|<table>.*?</table>', re.S)


@register.filter
def scrolling_tables(html: str) -> SafeString:
    """Each table of trusted HTML in a focusable region named by the heading above it."""
    heading = ""

    def wrap(match: re.Match) -> str:
        nonlocal heading
        if match["id"]:
            heading = match["id"]
            return match[0]
        name = f'aria-labelledby="{escape(heading)}"' if heading else 'aria-label="Table"'
        return f'<div class="scroll" role="region" tabindex="0" {name}>{match[0]}</div>'

    return mark_safe(HEADING_OR_TABLE.sub(wrap, html))  # the input is trusted: our own docs
