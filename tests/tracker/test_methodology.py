"""docs/methodology.md stays true: its tables are what the catalogue and the demo give."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_methodology_tables_match_the_catalogue_and_the_demo_results():
    call_command("loaddemo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("methodology", "--check", stdout=out, stderr=out)
    assert "up to date" in out.getvalue()
