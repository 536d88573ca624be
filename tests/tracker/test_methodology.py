"""docs/methodology.md stays true: its tables are what the catalogue and the demo give."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from tracker.management.commands.methodology import demo_sensitivity
from tracker.scoring import sensitivity


@pytest.mark.django_db
def test_methodology_tables_match_the_catalogue_and_the_demo_results():
    call_command("loaddemo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("methodology", "--check", stdout=out, stderr=out)
    assert "up to date" in out.getvalue()


@pytest.mark.django_db
def test_the_sensitivity_section_tries_every_family_on_the_demo():
    call_command("loaddemo", stdout=io.StringIO())
    text = (settings.BASE_DIR / "docs" / "methodology.md").read_text(encoding="utf-8")
    generated = re.search(r"<!-- sensitivity:start.*?-->\n(.*?)\n<!-- sensitivity:end", text, re.S)
    assert generated and generated[1] == demo_sensitivity()
    rows = [line.split(" | ") for line in generated[1].splitlines() if line.startswith("| ")]
    families = {row[0].lstrip("| ") for row in rows if len(row) == 6}
    assert families >= {sensitivity.PUBLISHED, *sensitivity.FAMILIES}
    # The published row is the calibration table's last date, with hindsight (its last cells).
    calibration = re.search(
        r"<!-- calibration:start.*?-->\n(.*?)\n<!-- calibration:end", text, re.S
    )
    *_, index, verdict = calibration[1].splitlines()[-1].strip("| ").split(" | ")
    published = next(row for row in rows if row[1] == "as published")
    assert published[2].split(" ")[0] == index and published[3] == verdict
