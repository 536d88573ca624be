import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

COMMANDS = [("loaddemo",), ("recompute",), ("methodology", "--check"), ("ingest", "OFAC SDN list")]


@pytest.mark.django_db(transaction=True)
def test_commands_refuse_a_database_that_is_not_migrated():
    call_command("migrate", "tracker", "0010", verbosity=0)
    try:
        for command in COMMANDS:
            with pytest.raises(CommandError, match="not up to date: run python manage.py migrate"):
                call_command(*command)
    finally:
        call_command("migrate", verbosity=0)
