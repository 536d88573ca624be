"""CSV cells a spreadsheet shows rather than runs."""

import pytest

from tracker.spreadsheets import spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("https://evil.example","click")',
            '\'=HYPERLINK("https://evil.example","click")',
        ),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1.5", "-1.5"),  # a number stays a number
        ("+3e2", "+3e2"),
        ("Drones delivered = 20", "Drones delivered = 20"),
        ("", ""),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_formula_cells_are_defused_and_everything_else_kept(cell, written):
    assert spreadsheet_safe(cell) == written
