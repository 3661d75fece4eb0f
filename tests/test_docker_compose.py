"""The container setup: docker-compose.yml and the Dockerfile, checked by parsing.

No Docker engine is needed: the compose file is read with ``yaml.safe_load`` and every
onething command in it is parsed by the real CLI parser, so a renamed flag or subcommand
breaks here rather than in a container.  Variables such as ``${ONETHING_BUNDLE:-newborn}``
are resolved the way ``docker compose`` resolves them when the variable is unset.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from onething.cli import build_parser, main
from onething.scenarios.loader import catalog_names, load_scenario
from onething.services.faust_runtime import make_app
from onething.services.kafka_broker import KAFKA_VERSION

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict = COMPOSE["services"]
KAFKA = "kafka"
ONETHING_SERVICES = sorted(name for name in SERVICES if name != KAFKA)
_SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]
PACKAGES: list[str] = sorted(
    {
        _SETUPTOOLS["package-dir"].get(name, name.replace(".", "/"))
        for name in _SETUPTOOLS["packages"]
    }
)
"""The source folders of the installed packages (each ``onething.X`` lives in folder X)."""

_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


def _unset(value: str) -> str:
    """A compose value as `docker compose` sees it when no variable is set."""
    return _VARIABLE.sub(lambda m: m.group("default") or "", value)


def _command(service: str) -> list[str]:
    return [_unset(str(arg)) for arg in SERVICES[service]["command"]]


def _option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command else None


def _kafka_env() -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[KAFKA]["environment"].items()}


def _advertised() -> dict[str, tuple[str, int]]:
    """Listener name -> (host, port) of KAFKA_ADVERTISED_LISTENERS."""
    listeners = {}
    for entry in _kafka_env()["KAFKA_ADVERTISED_LISTENERS"].split(","):
        name, address = entry.strip().split("://")
        host, port = address.rsplit(":", 1)
        listeners[name] = (host, int(port))
    return listeners


def _bundle(command: list[str]) -> str:
    if command[0] == "live":
        return command[1]
    bundle = _option(command, "--bundle")
    assert bundle is not None, f"no --bundle in {command}"
    return bundle


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_kafka_is_one_official_apache_kafka_node_in_kraft_mode_advertised_as_kafka():
    assert SERVICES[KAFKA]["image"].startswith("apache/kafka:")
    env = _kafka_env()
    assert {role.strip() for role in env["KAFKA_PROCESS_ROLES"].split(",")} == {
        "broker",
        "controller",
    }
    assert "ZOOKEEPER" not in " ".join(env)
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@{KAFKA}:9093"
    assert "CONTROLLER://" in env["KAFKA_LISTENERS"]
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert _advertised() == {"PLAINTEXT": (KAFKA, 9092)}
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env[key] == "1", f"{key} must be 1 on a single node"


def test_kafka_has_a_healthcheck_that_asks_the_broker():
    check = SERVICES[KAFKA]["healthcheck"]["test"]
    assert "kafka-broker-api-versions.sh" in " ".join(check)
    assert "localhost:9092" in " ".join(check)


@pytest.mark.parametrize("service", ONETHING_SERVICES)
def test_every_onething_service_is_built_from_the_dockerfile(service):
    build = SERVICES[service]["build"]
    assert build["context"] == "."
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"


@pytest.mark.parametrize("service", ONETHING_SERVICES)
def test_every_onething_service_runs_a_real_onething_command(service):
    command = _command(service)
    try:
        build_parser().parse_args(command)
        error = None
    except SystemExit as exc:  # argparse's usage error; its message is on stderr
        error = exc.code
    if error is not None:
        pytest.fail(f"{service}: `onething {shlex.join(command)}` does not parse (exit {error})")


@pytest.mark.parametrize("service", ONETHING_SERVICES)
def test_every_bootstrap_names_the_kafka_service_and_its_advertised_port(service):
    host, port = _advertised()["PLAINTEXT"]
    assert _option(_command(service), "--bootstrap") == f"{host}:{port}" == f"{KAFKA}:9092"


@pytest.mark.parametrize("service", ONETHING_SERVICES)
def test_every_onething_service_waits_for_kafka_to_be_healthy(service):
    assert SERVICES[service]["depends_on"][KAFKA] == {"condition": "service_healthy"}


def test_every_department_of_the_bundle_has_exactly_one_service():
    bundles = {_bundle(_command(service)) for service in ONETHING_SERVICES}
    assert len(bundles) == 1, f"the services run different bundles: {sorted(bundles)}"
    scenario = load_scenario(bundles.pop())
    served = [
        _option(command, "--department")
        for command in map(_command, ONETHING_SERVICES)
        if command[:2] == ["service", "department"]
    ]
    assert sorted(served) == sorted(scenario.departments)


def test_one_platform_one_shared_data_service_and_one_harness_that_runs_once():
    commands = {service: _command(service) for service in ONETHING_SERVICES}
    for head in (["service", "platform"], ["service", "shared-data"], ["live"]):
        assert sum(c[: len(head)] == head for c in commands.values()) == 1, head
    (harness,) = [name for name, c in commands.items() if c[0] == "live"]
    assert "--external-services" in commands[harness]
    assert str(SERVICES[harness]["restart"]) == "no"


def test_the_shipped_file_is_what_onething_compose_writes_for_newborn(capsys):
    assert main(["compose", "newborn"]) == 0
    assert capsys.readouterr().out == (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("bundle", sorted(catalog_names()))
def test_every_bundle_gets_a_compose_file_running_exactly_its_departments(bundle, capsys):
    assert main(["compose", bundle, "--replicas", "2"]) == 0
    services = yaml.safe_load(capsys.readouterr().out)["services"]
    scenario = load_scenario(bundle)
    commands = {name: s["command"] for name, s in services.items() if name != KAFKA}
    for name, command in commands.items():
        build_parser().parse_args(command)  # a usage error raises SystemExit
        assert _option(command, "--bootstrap") == "kafka:9092", name
    departments = {
        _option(c, "--department"): services[name]
        for name, c in commands.items()
        if c[:2] == ["service", "department"]
    }
    assert sorted(departments) == sorted(scenario.departments)
    assert all(s["deploy"]["replicas"] == 2 for s in departments.values())
    assert "deploy" not in services["platform"]  # one single-window queue, one instance
    harness = services["harness"]["depends_on"]
    assert set(harness) == set(services) - {"harness"}


def test_the_shared_data_runs_as_replicas_and_the_platform_never(capsys):
    assert main(["compose", "newborn", "--replicas", "hospital=3,shared-data=2"]) == 0
    services = yaml.safe_load(capsys.readouterr().out)["services"]
    assert services["shared-data"]["deploy"]["replicas"] == 2
    assert services["department-hospital"]["deploy"]["replicas"] == 3
    assert "deploy" not in services["department-hrss"] and "deploy" not in services["platform"]
    assert main(["compose", "newborn", "--replicas", "platform=2"]) == 2
    assert "'platform' is none of" in capsys.readouterr().err


def test_compose_against_an_existing_kafka_starts_none(capsys):
    assert main(["compose", "restaurant", "--bootstrap", "broker.example:9092"]) == 0
    services = yaml.safe_load(capsys.readouterr().out)["services"]
    assert KAFKA not in services
    assert all(
        _option(s["command"], "--bootstrap") == "broker.example:9092" for s in services.values()
    )


@pytest.mark.parametrize(
    ("replicas", "says"),
    [
        ("nowhere=2", "'nowhere' is none of"),
        ("hospital=0", "not a whole number from 1 to 64"),
        ("9", "9 replicas share 4 partitions"),
    ],
)
def test_a_wrong_replica_count_is_a_one_line_usage_error(replicas, says, capsys):
    assert main(["compose", "newborn", "--replicas", replicas]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and err.count("\n") == 0


def test_the_image_runs_onething_with_the_catalog_as_default_command():
    instructions = dict(_dockerfile())
    assert instructions["FROM"].startswith("python:3.11")
    assert json.loads(instructions["ENTRYPOINT"]) == ["onething"]
    assert json.loads(instructions["CMD"]) == ["catalog"]


def test_the_image_runs_as_a_non_root_user():
    users = [args for keyword, args in _dockerfile() if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_the_image_copies_every_package_of_pyproject_and_installs_the_project():
    copied = set()
    for keyword, args in _dockerfile():
        if keyword in ("COPY", "ADD"):
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            copied |= {p.rstrip("/").removeprefix("./") for p in parts[:-1]}
    assert {"pyproject.toml", "README.md"} <= copied
    missing = [  # a subpackage's folder comes with its parent's
        package
        for package in PACKAGES
        if not any(package == c or package.startswith(f"{c}/") for c in copied)
        and "." not in copied
    ]
    assert not missing, f"the Dockerfile does not copy {missing}"
    runs = " ".join(args for keyword, args in _dockerfile() if keyword == "RUN")
    assert re.search(r"pip install (\S+ )*\.(\s|$)", runs)


def test_the_build_context_leaves_out_the_virtualenv_and_keeps_the_packages():
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "out"} <= patterns
    assert not patterns & {*PACKAGES, "pyproject.toml", "README.md"}


def test_compose_runs_the_kafka_version_the_tests_run():
    assert SERVICES[KAFKA]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_the_broker_allows_the_session_timeout_the_services_ask_for():
    """Kafka refuses a consumer-group member whose session timeout is below its floor
    (6 s by default); the services use 2 s."""
    session_ms = make_app("compose-check", "kafka:9092").conf.broker_session_timeout * 1000
    assert int(_kafka_env()["KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS"]) <= session_ms
