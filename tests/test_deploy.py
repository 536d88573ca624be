"""docker-compose.yml is valid Compose, and says what Entente's deployment needs.

Valid: against the compose specification's own JSON schema (compose-spec's
schema/compose-spec.json, as the check-jsonschema package ships it: `vendor.compose-spec`),
after the merge keys and the interpolation Compose applies, so without a Docker binary or the
network. Then what the schema cannot know and `docker compose config` would refuse or a
deployment would get wrong: references to services and volumes that exist, one beat, the
database and broker in every process, migrations before anything serves, interpolated
variables that have a value. tests/integration/test_image_commands.py runs the commands.
"""

import copy
import json
import re
from importlib import resources
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests import deployment
from tests.deployment import (
    Dockerfile,
    compose,
    compose_command,
    dot_env,
    interpolate,
    service_environment,
)

APP_SERVICES = {"migrate", "web", "worker", "beat"}  # the services that run Entente's image


def compose_spec_schema() -> dict:
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(schema.read_text())


def schema_errors(document: dict) -> list[str]:
    schema = compose_spec_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


@pytest.fixture(scope="module")
def config() -> dict:
    return compose()[0]


def test_the_compose_file_is_valid_against_the_compose_specification(config):
    assert schema_errors(config) == []


@pytest.mark.parametrize(
    "path, value",
    [
        (("services", "beat", "deploy", "replica"), 1),  # a misspelt key
        (("services", "web", "depends_on", "migrate", "condition"), "service_completed"),
        (("services", "worker", "restart_policy"), "always"),  # a key of another level
        (("services", "db", "healthcheck", "retries"), ["10"]),  # a wrong type
    ],
)
def test_the_schema_refuses_what_compose_would(config, path, value):
    """The validation is not vacuous: each of these breaks the file for Compose."""
    broken = copy.deepcopy(config)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_errors(broken) != []


def test_services_refer_only_to_services_and_volumes_the_file_declares(config):
    services, volumes = config["services"], config.get("volumes") or {}
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on an unknown service {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0] if isinstance(mount, str) else mount.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in volumes, f"{name} mounts the undeclared volume {source}"


def test_the_app_services_run_the_image_the_dockerfile_builds(config):
    built = {name for name, service in config["services"].items() if "build" in service}
    assert built == APP_SERVICES
    for name in APP_SERVICES:
        assert config["services"][name]["build"] == ".", name


def test_exactly_one_beat(config):
    """Two beats would send every scheduled job twice."""
    services = config["services"]
    runs_beat = {
        name
        for name, service in services.items()
        if "command" in service
        and (
            "beat" in compose_command(service)[:4]
            or {"-B", "--beat"} & set(compose_command(service))
        )
    }
    assert runs_beat == {"beat"}
    beat = services["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert "scale" not in beat
    assert compose_command(beat)[:4] == ["celery", "-A", "config", "beat"]
    # Workers scale (`--scale worker=3`): nothing of theirs may be unique to one container.
    worker = services["worker"]
    assert compose_command(worker)[:4] == ["celery", "-A", "config", "worker"]
    assert not {"container_name", "ports", "hostname"} & set(worker)


def test_every_app_service_gets_the_database_and_the_broker(config):
    services = config["services"]
    db = services["db"]["environment"]
    expected = None
    for name in sorted(APP_SERVICES):
        env = service_environment(config, name)
        assert services[name].get("env_file") == ".env", f"{name} must read the shared .env"
        database, broker = env.get("DATABASE_URL", ""), env.get("REDIS_URL", "")
        assert database and broker, f"{name} lacks DATABASE_URL or REDIS_URL"
        url = urlsplit(database)
        assert (url.scheme, url.hostname, url.port) == ("postgres", "db", 5432), name
        assert (url.username, url.password, url.path) == (
            db["POSTGRES_USER"],
            db["POSTGRES_PASSWORD"],
            f"/{db['POSTGRES_DB']}",
        ), f"{name}'s DATABASE_URL does not match the db service's credentials"
        redis = urlsplit(broker)
        assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379), name
        # Web, worker and beat share their settings (Celery writes the enqueuer's time limits
        # into each message): the same database and broker everywhere.
        expected = expected or (database, broker)
        assert (database, broker) == expected, f"{name} is on another database or broker"


def test_web_worker_and_beat_start_after_the_migrations_complete(config):
    services = config["services"]
    migrate = services["migrate"]
    assert compose_command(migrate) == ["python", "manage.py", "migrate", "--no-input"]
    assert migrate["restart"] == "no", "a restarting migrate never completes"
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name

    def waits_for(name: str, seen: frozenset = frozenset()) -> dict[str, str]:
        conditions: dict[str, str] = {}
        for dependency, spec in services[name].get("depends_on", {}).items():
            assert dependency not in seen, f"a dependency cycle through {dependency}"
            conditions[dependency] = spec["condition"]
            conditions.update(waits_for(dependency, seen | {name}))
        return conditions

    for name in sorted(APP_SERVICES):
        conditions = waits_for(name)
        assert conditions.get("db") == conditions.get("redis") == "service_healthy", name
    for service in services.values():
        for dependency, spec in service.get("depends_on", {}).items():
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"


def test_every_interpolated_variable_has_a_default_or_is_in_env_example():
    _, references = compose()
    assert references, "the compose file interpolates nothing: this test reads it wrong"
    listed = set(dot_env())
    missing = {r.name for r in references if not r.has_default and r.name not in listed}
    assert missing == set(), "set in .env.example, or give a default: ${NAME:-value}"
    # And with no .env at all, the file still interpolates (defaults only).
    assert compose(variables={})[0]["services"]["db"]["environment"]["POSTGRES_PASSWORD"]


def test_the_web_service_serves_where_the_image_listens(config):
    """The port gunicorn binds (CMD), EXPOSE, the published port and the healthcheck agree."""
    dockerfile = Dockerfile.read()
    command = dockerfile.cmd()
    assert command[:2] == ["gunicorn", "config.wsgi"]
    bind = command[command.index("--bind") + 1]
    port = bind.rpartition(":")[2]
    assert bind == f"0.0.0.0:{port}", "the container must listen on every interface"
    assert dockerfile.one("EXPOSE") == port
    web = config["services"]["web"]
    assert [p.rpartition(":")[2] for p in web["ports"]] == [port]
    assert all(p.startswith("127.0.0.1:") for p in web["ports"]), "only the proxy may reach it"
    kind, *test = web["healthcheck"]["test"]
    assert kind == "CMD" and test[:2] == ["python", "-c"]
    assert re.findall(r"http://127\.0\.0\.1:(\d+)/healthz", test[2]) == [port]
    assert "TRUST_X_FORWARDED_PROTO" in service_environment(config, "web")


@pytest.mark.parametrize(
    "text, variables, expected",
    [
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:-x}", {"A": "y"}, "y"),
        ("$A/${B}", {"A": "1", "B": "2"}, "1/2"),
        ("$$A", {"A": "1"}, "$A"),
        ("${A:+on}", {"A": "1"}, "on"),
        ("${A:+on}", {}, ""),
    ],
)
def test_the_interpolation_follows_compose(text, variables, expected):
    assert interpolate(text, variables)[0] == expected


@pytest.mark.parametrize("text", ["${A:?set A}", "$", "${A"])
def test_the_interpolation_refuses_what_compose_refuses(text):
    with pytest.raises(ValueError):
        interpolate(text, {})


def test_the_image_holds_what_the_app_reads_at_run_time_and_none_of_the_local_state():
    """The methodology page reads docs/, loaddemo fixtures/ and seeds/; a developer's caches,
    test databases and queue files (var/) must not ship."""
    patterns = deployment.dockerignore_patterns()

    def shipped(path):  # an ignored folder takes everything in it along
        parts = path.split("/")
        prefixes = ("/".join(parts[: n + 1]) for n in range(len(parts)))
        return not any(deployment._ignored(prefix, patterns) for prefix in prefixes)

    for needed in (
        "docs/methodology.md",
        "fixtures/russia-iran/catalogue.toml",
        "seeds",
        "manage.py",
    ):
        assert shipped(needed), f"{needed} is left out of the image"
    for local in ("var/test-db.sqlite3", ".mypy_cache/x", ".venv", "db.sqlite3", ".env", "tests"):
        assert not shipped(local), f"{local} would be copied into the image"
