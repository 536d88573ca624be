"""Read the deployment files as Docker reads them: docker-compose.yml, the Dockerfile, .env.example.

tests/test_deploy.py checks what they say; tests/integration/test_image_commands.py runs the
commands they name, outside Docker. Both read them through here, so a command is tested as
it is written, not as a test re-types it.

docker-compose.yml is parsed with PyYAML (merge keys, `<<: *app`, resolved as Compose does:
the service's own keys win, one level deep) and interpolated as Compose interpolates it, from
a `.env` made by copying .env.example (README: `cp .env.example .env`).
"""

import contextlib
import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"

# Compose's interpolation: $$ (a literal $), $NAME, ${NAME}, ${NAME:-default},
# ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alternative}, ${NAME+alternative}.
_INTERPOLATION = re.compile(
    r"""\$(?:
        (?P<escaped>\$)
      | (?P<named>[A-Za-z_][A-Za-z0-9_]*)
      | \{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?+])(?P<argument>[^}]*))?\}
      | (?P<invalid>)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Reference:
    """One `${...}` in the compose file: the variable, and whether it falls back to a value."""

    name: str
    operator: str  # "" for $NAME and ${NAME}

    @property
    def has_default(self) -> bool:
        return self.operator in ("-", ":-", "+", ":+")


def interpolate(text: str, variables: dict[str, str]) -> tuple[str, list[Reference]]:
    """`text` with Compose's interpolation applied, and the variables it referred to."""
    references: list[Reference] = []

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        if match["invalid"] is not None:
            raise ValueError(f"invalid interpolation at {match.start()} in {text!r}")
        name = match["named"] or match["braced"]
        operator, argument = match["operator"] or "", match["argument"] or ""
        if "$" in argument:
            raise ValueError(f"nested interpolation in {text!r}: extend tests/deployment.py")
        references.append(Reference(name, operator))
        value = variables.get(name)
        unset_or_empty = not value
        if operator in ("-", ":-"):
            missing = value is None if operator == "-" else unset_or_empty
            return argument if missing else str(value)
        if operator in ("?", ":?"):
            if value is None if operator == "?" else unset_or_empty:
                raise ValueError(f"{name} is required by the compose file: {argument}")
            return str(value)
        if operator in ("+", ":+"):
            present = value is not None if operator == "+" else not unset_or_empty
            return argument if present else ""
        return value or ""

    return _INTERPOLATION.sub(replace, text), references


def _interpolate_tree(node, variables, references):
    """A new tree (PyYAML shares a merged anchor's objects between services), interpolated."""
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, variables, references) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate_tree(item, variables, references) for item in node]
    if isinstance(node, str):
        text, found = interpolate(node, variables)
        references.extend(found)
        return text
    return node


def read_env_file(path: Path) -> dict[str, str]:
    """A Compose env_file (and .env): KEY=VALUE lines, # comments, optional quotes."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ValueError(f"{path.name}:{number}: not KEY=VALUE: {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def dot_env() -> dict[str, str]:
    """The `.env` a deployer starts from: a copy of .env.example."""
    return read_env_file(ENV_EXAMPLE)


def compose_raw() -> dict:
    """docker-compose.yml as YAML, merge keys resolved, not interpolated."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose(variables: dict[str, str] | None = None) -> tuple[dict, list[Reference]]:
    """docker-compose.yml as Compose sees it (interpolated from `variables`, default the
    `.env` copied from .env.example), and every variable reference it interpolated."""
    references: list[Reference] = []
    tree = _interpolate_tree(
        compose_raw(), dot_env() if variables is None else variables, references
    )
    return tree, references


def compose_command(service: dict) -> list[str]:
    """A service's `command`, split as Compose splits a string (shell words, no shell)."""
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def service_environment(config: dict, name: str) -> dict[str, str]:
    """What the service's container sees: its env_file (`.env`: .env.example's copy), then its
    `environment`, which wins (Compose's order)."""
    service = config["services"][name]
    env_files = service.get("env_file", [])
    env_files = [env_files] if isinstance(env_files, str | dict) else env_files
    env: dict[str, str] = {}
    for entry in env_files:
        path = entry["path"] if isinstance(entry, dict) else entry
        if path != ".env":
            raise AssertionError(f"{name} reads {path}: teach tests/deployment.py where it is")
        env.update(dot_env())
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    env.update({key: "" if value is None else str(value) for key, value in environment.items()})
    return env


@dataclass(frozen=True)
class Dockerfile:
    """The instructions of the Dockerfile, continuation lines joined, comments dropped."""

    instructions: list[tuple[str, str]]

    @classmethod
    def read(cls, path: Path = DOCKERFILE) -> "Dockerfile":
        instructions, pending = [], ""
        for line in path.read_text().splitlines():
            if line.strip().startswith("#") or (not pending and not line.strip()):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            keyword, _, rest = (pending + line).strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
            pending = ""
        if pending:
            raise ValueError("the Dockerfile ends inside a continued line")
        return cls(instructions)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def one(self, keyword: str) -> str:
        found = self.all(keyword)
        if len(found) != 1:
            raise AssertionError(f"the Dockerfile has {len(found)} {keyword} instructions, not 1")
        return found[0]

    def env(self) -> dict[str, str]:
        """ENV's variables (the KEY=VALUE form), as every later RUN and the container see them."""
        values: dict[str, str] = {}
        for rest in self.all("ENV"):
            words = shlex.split(rest)
            if words and "=" not in words[0]:  # the legacy `ENV KEY value` form
                values[words[0]] = " ".join(words[1:])
                continue
            for word in words:
                key, _, value = word.partition("=")
                values[key] = value
        return values

    def run_commands(self) -> list[list[str]]:
        """Each command of the RUN instructions (shell form, `a && b` split), as words."""
        commands = []
        for rest in self.all("RUN"):
            if rest.startswith("["):
                commands.append(json.loads(rest))
                continue
            for part in rest.split("&&"):
                if re.search(r"[;|<>`]|\$\(|\|\|", part):
                    raise AssertionError(f"RUN uses shell syntax this test cannot run: {part!r}")
                commands.append(shlex.split(part))
        return commands

    def cmd(self) -> list[str]:
        """CMD in its exec form (a JSON array: the server is PID 1 and gets the stop signal)."""
        rest = self.one("CMD")
        try:
            command = json.loads(rest)
        except json.JSONDecodeError:
            raise AssertionError(f"CMD is not in exec form (a JSON array): {rest}") from None
        if not (isinstance(command, list) and all(isinstance(w, str) for w in command)):
            raise AssertionError(f"CMD is not a JSON array of strings: {rest}")
        return command


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text().splitlines() if DOCKERIGNORE.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pattern(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker matches it: `*` and `?` within one path element,
    `**` across any number of them (Go's filepath.Match, plus `**`)."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def _ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches decides, and `!` re-includes. A folder
    that is ignored takes everything in it along (copytree does not descend into it)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if _pattern(pattern.removeprefix("!").strip().strip("/")).fullmatch(relative):
            ignored = not negate
    return ignored


def copy_build_context(destination: Path) -> Path:
    """What `COPY . .` puts in the image: the repository less what .dockerignore names.

    Files are hard-linked where they can be (the context is mostly caches, .mypy_cache), as
    nothing the image's commands run writes into a file that exists: collectstatic writes
    staticfiles/, which is ignored. A file that goes while this walks (a cache, a test
    database of a concurrent run) is left out, as it would be from a build started then.
    """
    patterns = dockerignore_patterns()
    for directory, folders, files in os.walk(ROOT):  # os.walk skips folders that vanish
        base = Path(directory).relative_to(ROOT)
        folders[:] = [f for f in folders if not _ignored((base / f).as_posix(), patterns)]
        (destination / base).mkdir(parents=True, exist_ok=True)
        for name in files:
            relative = base / name
            if _ignored(relative.as_posix(), patterns):
                continue
            source, target = ROOT / relative, destination / relative
            with contextlib.suppress(FileNotFoundError):
                if source.is_symlink():
                    target.symlink_to(os.readlink(source))
                    continue
                try:
                    os.link(source, target)
                except FileNotFoundError:
                    raise
                except OSError:  # another file system, or links not allowed
                    shutil.copy2(source, target)
    return destination
