"""Cells that a spreadsheet will not run: every CSV this site writes goes through here.

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`), so text from
the data (a summary, a source's name) could run in an analyst's spreadsheet. Such text is
prefixed with an apostrophe, which spreadsheets show as nothing (OWASP's advice); numbers,
negative ones included, stay numbers. Pure.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_safe(value):
    """`value`, as text a spreadsheet shows rather than runs; non-text values unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value
