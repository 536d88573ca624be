"""Run the test suite on PostgreSQL: `python -m tests.postgres [pytest args]`.

TEST_DATABASE_URL names the server (default: this machine's, postgres@127.0.0.1:5432).
Without a server the run is skipped with the reason; under CI=true that is a failure.
"""

import os
import sys

import environ
import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/entente"


def main(argv: list[str]) -> int:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_URL)
    config = environ.Env.db_url_config(url)
    try:
        psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            password=config["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL suite SKIPPED: no server at {url} ({str(error).strip()})"
        print(reason, file=sys.stderr)
        return 1 if os.environ.get("CI", "").lower() == "true" else 0
    os.environ["DATABASE_URL"] = url
    print(f"Running the suite on PostgreSQL ({url})", flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
