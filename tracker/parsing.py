"""Reading numbers that anyone may write: a URL's query, a feed's header, a list's column.

`str.isdigit()` accepts "²" and "٣", which `int()` then refuses or reads as another number,
and a 400-digit number overflows every database integer; so a whole number here is 1 to 18
ASCII digits (below 2**63), and anything else is no number at all. Pure: adapters use it.
"""

import re

WHOLE = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """The whole number `text` spells in ASCII digits, or None."""
    return int(text) if WHOLE.fullmatch(text) else None
