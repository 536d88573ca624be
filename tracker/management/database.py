"""What every Entente command checks before it touches the database."""

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def require_migrated(using: str = DEFAULT_DB_ALIAS) -> None:
    """A clear error, instead of "no such table", on a database that is not migrated."""
    connection = connections[using]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(
            f"The database {connection.settings_dict['NAME']} is not up to date: "
            "run python manage.py migrate first."
        )
