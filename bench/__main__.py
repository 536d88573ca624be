"""The performance benchmark: `make bench` (python -m bench).

Builds a synthetic catalogue (200 indicators over 10 years) in its own database, grows it to
10k, 100k and 1M observations, and prints the time and peak memory of a full rebuild and of an
incremental refresh after one new observation at each size. BENCH_DATABASE_URL picks the
database (default: a fresh SQLite file in the temp folder; a PostgreSQL database must be named
entente_bench*, and is dropped and created); BENCH_SIZES the sizes.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or (
        f"sqlite:///{Path(tempfile.gettempdir()) / 'entente-bench.sqlite3'}"
    )
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    elif url.startswith(("postgres://", "postgresql://")):
        fresh_postgres_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="false",  # DEBUG keeps every query in memory: not what production does
        SECRET_KEY="benchmark-only",
        ALLOWED_HOSTS="localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        DASHBOARD_PUBLIC="true",
        STATIC_ROOT=str(Path(tempfile.gettempdir()) / "entente-bench-static"),
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


def fresh_postgres_database(url: str) -> None:
    """Drop and create the benchmark's own database (never point this at real data)."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if not name.startswith("entente_bench"):
        raise SystemExit(f"BENCH_DATABASE_URL must name a database entente_bench*, not {name!r}")
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    url = configure()
    from bench import scoring_bench

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
    print(f"Entente benchmark — database {url.split('@')[-1]}, {os.cpu_count()} CPUs")
    scoring_bench.run(sizes)


if __name__ == "__main__":
    main()
