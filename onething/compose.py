"""A docker-compose file for the live twin of any bundle: Apache Kafka in KRaft mode (or
an existing Kafka), one service per department with its replicas, the platform, the
shared data and the harness.  The shipped docker-compose.yml is this for newborn."""

from __future__ import annotations

import json
import os
from pathlib import Path

from onething.scenarios.model import Scenario
from onething.services.kafka_broker import KAFKA_VERSION

KAFKA = "kafka:9092"
SPEEDUP = 1000.0
IMAGE = "onething:local"
"""The one image every onething container runs: built once from the Dockerfile, not once
per service under seven names."""
SOURCES = Path(__file__).resolve().parents[1]
"""The source checkout the image is built from (its Dockerfile at the top)."""

HEADER = """\
# The live twin of the {name} bundle, written by `onething compose {ref}{options}`:
# one Kafka broker (KRaft, no ZooKeeper){kafka_note}, one container per department of the
# bundle, the platform (single window, routing), the shared-data service and the harness
# that feeds applicants and reports the measures.  Every onething container runs one
# image, {image}, built from {dockerfile}; its entrypoint is `onething`, so
# `command:` is the argument list of the CLI.
#
# Use:
#   docker compose up --build                          # the harness prints the result
#   docker compose up --build --abort-on-container-exit --exit-code-from harness
#   docker compose down                                # stop and remove everything
#
# Another bundle: `onething compose BUNDLE > docker-compose.yml` writes its departments.
# A department runs as several replicas (one consumer group sharing its partitions) with
# `onething compose BUNDLE --replicas N` or `--replicas DEPARTMENT=N,...`, the shared
# data (no state) with `--replicas shared-data=N`; the platform is one instance (its
# single window is one queue).
"""

KAFKA_SERVICE = """\
  kafka:
    image: apache/kafka:{kafka_version}
    hostname: kafka
    environment:
      CLUSTER_ID: 4L6g3nShT-eMCtK--X86sw
      KAFKA_NODE_ID: 1
      KAFKA_PROCESS_ROLES: broker,controller
      KAFKA_LISTENERS: PLAINTEXT://:9092,CONTROLLER://:9093
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092
      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
      KAFKA_INTER_BROKER_LISTENER_NAME: PLAINTEXT
      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
      KAFKA_LOG_DIRS: /tmp/kraft-combined-logs
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 0
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: 500
      KAFKA_NUM_PARTITIONS: {partitions}
    healthcheck:
      test: {healthcheck}
      interval: 5s
      timeout: 10s
      retries: 24
      start_period: 10s
"""


HEALTHCHECK = [
    "CMD-SHELL",
    "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092"
    " > /dev/null 2>&1",
]


class ComposeError(ValueError):
    """A compose request that cannot be written (an unknown department, a bad count, no
    Dockerfile to build from)."""


def build_context(folder: Path) -> str:
    """The build context as a compose file in ``folder`` must name it: relative when the
    file sits inside the source checkout (the shipped file says ``.``), else absolute,
    which holds wherever the file is written."""
    if not (SOURCES / "Dockerfile").is_file():
        raise ComposeError(
            f"no Dockerfile in {SOURCES}: the image is built from a source checkout of onething"
        )
    folder = folder.resolve()
    if folder == SOURCES or SOURCES in folder.parents:
        return Path(os.path.relpath(SOURCES, folder)).as_posix()
    return SOURCES.as_posix()


SHARED_DATA = "shared-data"
"""The replicas key of the shared data, which keeps no state and so may run as several
processes; the platform may not (its single window is one queue across all cases)."""


def parse_replicas(text: str | None, scenario: Scenario) -> dict[str, int]:
    """``N`` for every department, or ``NAME=N,...`` where a name is a department or
    ``shared-data``; 1 where unsaid."""
    counts = dict.fromkeys([*scenario.departments, SHARED_DATA], 1)
    if not text:
        return counts
    if text.isdigit():
        return {**dict.fromkeys(scenario.departments, _count(text)), SHARED_DATA: 1}
    for part in text.split(","):
        name, _, number = part.partition("=")
        name = name.strip()
        if name not in counts:
            known = ", ".join([*scenario.departments, SHARED_DATA])
            raise ComposeError(
                f"--replicas {part}: {name!r} is none of {known} (the platform is one instance)"
            )
        counts[name] = _count(number)
    return counts


def _count(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise ComposeError(f"--replicas: {text!r} is not a whole number from 1 to 64")
    return int(text)


def compose_file(
    ref: str,
    scenario: Scenario,
    replicas: dict[str, int] | None = None,
    bootstrap: str | None = None,
    partitions: int = 4,
    context: str = ".",
) -> str:
    """The compose file's text: the bundle ``ref`` (a catalog name, or a path the
    containers can read), its departments' replicas, Kafka unless ``bootstrap``; the
    image built from ``context`` (``build_context``)."""
    replicas = replicas or parse_replicas(None, scenario)
    if max(replicas.values()) > partitions:
        raise ComposeError(
            f"{max(replicas.values())} replicas share {partitions} partitions: the extra "
            "ones would sit idle (raise the partitions)"
        )
    server = bootstrap or KAFKA
    options = "".join(
        [
            f" --replicas {','.join(f'{d}={n}' for d, n in replicas.items() if n > 1)}"
            if any(n > 1 for n in replicas.values())
            else "",
            f" --bootstrap {bootstrap}" if bootstrap else "",
        ]
    )
    kafka_note = f" at {bootstrap}, not started here" if bootstrap else ""
    lines = [
        HEADER.format(
            name=scenario.name,
            ref=ref,
            options=options,
            kafka_note=kafka_note,
            image=IMAGE,
            dockerfile="./Dockerfile" if context == "." else f"{context}/Dockerfile",
        ),
        "x-onething: &onething",
        f"  image: {IMAGE}",
        "  build:",
        f"    context: {json.dumps(context) if context != '.' else context}",
        "    dockerfile: Dockerfile",
    ]
    if not bootstrap:
        lines += ["  depends_on:", "    kafka:", "      condition: service_healthy"]
    lines += ["  restart: on-failure", "", "services:"]
    if not bootstrap:
        lines += [
            KAFKA_SERVICE.format(
                kafka_version=KAFKA_VERSION,
                partitions=partitions,
                healthcheck=json.dumps(HEALTHCHECK),
            )
        ]
    bundle = ["--bundle", ref, "--bootstrap", server]
    names = []
    lines.append(f"  # --- the departments of {scenario.name} ---")
    for department in scenario.departments:
        name = f"department-{department.replace('_', '-')}"
        names.append(name)
        command = ["service", "department", *bundle, "--department", department]
        lines += _service(name, [*command, "--speedup", f"{SPEEDUP:g}"], replicas[department])
    lines.append("  # --- the platform: single window, one form, routing to the departments ---")
    names.append("platform")
    lines += _service("platform", ["service", "platform", *bundle, "--speedup", f"{SPEEDUP:g}"])
    lines.append(
        "  # --- shared data: supplies what items fetch instead of the applicant's paper ---"
    )
    names.append("shared-data")
    lines += _service(
        "shared-data", ["service", "shared-data", *bundle], replicas.get(SHARED_DATA, 1)
    )
    lines.append(
        "  # --- the harness: applicants in, measures out; runs once, after the services ---"
    )
    harness = ["live", ref, "--mode", "after", "--bootstrap", server, "--external-services"]
    lines += _service("harness", [*harness, "--speedup", f"{SPEEDUP:g}", "--duration", "5"])[:-1]
    lines.append("    depends_on:")
    if not bootstrap:
        lines += ["      kafka:", "        condition: service_healthy"]
    for name in names:
        lines += [f"      {name}:", "        condition: service_started"]
    lines.append('    restart: "no"')
    return "\n".join(lines) + "\n"


def _service(name: str, command: list[str], replicas: int = 1) -> list[str]:
    lines = [
        f"  {name}:",
        "    <<: *onething",
        f"    command: {json.dumps(command, ensure_ascii=False)}",
    ]
    if replicas > 1:
        lines += ["    deploy:", f"      replicas: {replicas}"]
    return [*lines, ""]
