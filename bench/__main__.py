"""The performance benchmark: `make bench` (python -m bench).

Builds a synthetic catalogue (200 indicators over 10 years) in its own database, grows it to
10k, 100k and 1M observations, and prints the time and peak memory of a full rebuild and of an
incremental refresh after one new observation at each size. BENCH_DATABASE_URL picks the
database (default: a fresh SQLite file in the temp folder; a PostgreSQL database must be named
entente_bench*, and is dropped and created); BENCH_SIZES the sizes.

`python -m bench load` is the load run with faults (bench/load_bench.py): gunicorn, PostgreSQL
(BENCH_LOAD_DATABASE_URL, default entente_bench_load on this machine) and a private Redis,
at BENCH_LOAD_SIZE observations (default 1M).
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


LOAD_DATABASE = "postgres://postgres@127.0.0.1:5432/entente_bench_load"


def main() -> None:
    if sys.argv[1:] == ["load"]:
        return load()
    url = configure()
    from bench import scoring_bench

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
    print(f"Entente benchmark — database {url.split('@')[-1]}, {os.cpu_count()} CPUs")
    scoring_bench.run(sizes)


def load() -> None:
    """`python -m bench load`: the load run with faults (bench/load_bench.py)."""
    import socket

    with socket.socket() as probe:  # the private Redis's port, named before Django starts
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    os.environ["BENCH_DATABASE_URL"] = os.environ.get("BENCH_LOAD_DATABASE_URL", LOAD_DATABASE)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    url = configure()
    from bench import load_bench

    size = int(os.environ.get("BENCH_LOAD_SIZE", "1000000"))
    print(f"Entente load benchmark — database {url.split('@')[-1]}, {os.cpu_count()} CPUs")
    load_bench.run(size, port)


if __name__ == "__main__":
    main()
