"""`live`, `compose`, `broker`, `service` and `worker`: the live twin on Kafka and the
experiment workers."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from onething import api
from onething.cli.arguments import (
    BUNDLE_HELP,
    LEVERS_HELP,
    UsageError,
    drain_arg,
    levers_of,
    positive,
    rate_arg,
    speedup_arg,
)
from onething.cli.tables import CHANGE, change_text, compare_rows, measure_rows, num, print_table
from onething.live import (
    AGREEMENT_REPLICATIONS,
    CHAOS_KINDS,
    TOPOLOGIES,
    behind_warning,
    chaos_refusal,
)
from onething.scenarios.loader import load_scenario

PROGRESS_EVERY = 5.0
"""Seconds between the plain progress lines of a live run whose stderr is not a terminal."""


def cmd_compose(args: argparse.Namespace) -> int:
    from onething.compose import ComposeError, build_context, compose_file, parse_replicas

    scenario = load_scenario(args.bundle)
    try:
        replicas = parse_replicas(args.replicas, scenario)
        context = build_context(Path(args.out).parent if args.out else Path.cwd())
        text = compose_file(
            args.bundle, scenario, replicas, args.bootstrap, args.partitions, context
        )
    except ComposeError as exc:
        raise UsageError(f"compose: {exc}") from None
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    from onething.services.broker import TansuBroker
    from onething.services.kafka_broker import embedded_broker, install

    if args.action == "install":
        install(say=lambda line: print(line, flush=True))
        return 0
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    try:  # TLS is Tansu's (behind its front); the embedded Apache Kafka serves plaintext
        broker = (
            TansuBroker(
                tls_cert=args.tls_cert,
                tls_key=args.tls_key,
                why="onething serves TLS with Tansu only",
            )
            if args.tls_cert
            else embedded_broker()
        )
    except OSError as exc:  # ssl.SSLError included
        reason = exc.strerror or str(exc)
        raise UsageError(f"{args.tls_cert}, {args.tls_key}: cannot serve TLS: {reason}") from None
    broker.start(port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tls = " over TLS only" if broker.tls else ""
    print(f"Kafka broker ({broker.describe()}) at {broker.bootstrap}{tls}", flush=True)
    print(f"use it with --bootstrap {broker.bootstrap}; Ctrl-C stops it", flush=True)
    if broker.tls:
        print(
            "clients need ONETHING_KAFKA_SECURITY_PROTOCOL=SSL and ONETHING_KAFKA_SSL_CAFILE="
            "<the CA that signed the certificate>",
            flush=True,
        )
    try:
        while broker.running:
            time.sleep(0.5)
        print(f"the broker exited; its log: {broker.log_path}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()


def cmd_service(args: argparse.Namespace) -> int:
    from onething.live import READY
    from onething.services.broker import wait_for_broker
    from onething.services.faust_adapter import (
        compact_app,
        department_app,
        platform_app,
        shared_data_app,
    )
    from onething.services.faust_runtime import run_worker
    from onething.topics.schemas import Clock

    scenario = load_scenario(args.bundle)
    wait_for_broker(args.bootstrap, timeout=5)
    clock = Clock(
        origin=time.time(), minutes_per_second=args.speedup, levers=sorted(scenario.after)
    )
    if args.kind == "department":
        if not args.department:
            raise UsageError("service department: --department is required")
        if args.department not in scenario.departments:
            known = ", ".join(scenario.departments)
            raise UsageError(f"--department {args.department}: not in {scenario.name} ({known})")
        app = department_app(scenario, args.department, args.bootstrap)
    elif args.kind == "platform":
        app = platform_app(scenario, args.bootstrap, clock)
    elif args.kind == "shared-data":
        app = shared_data_app(scenario, args.bootstrap)
    else:
        app = compact_app(scenario, args.bootstrap, clock)
    announced = []

    @app.on_rebalance_complete.connect
    async def ready(sender: object, **kwargs: object) -> None:
        if not announced:  # the harness waits for this line before it sends anything
            announced.append(True)
            print(READY, file=sys.__stdout__, flush=True)

    run_worker(app)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from onething.experiments.distributed import worker_app
    from onething.live import READY
    from onething.services.broker import create_topics, wait_for_broker
    from onething.services.faust_runtime import run_worker
    from onething.topics.names import JOB_PARTITIONS, JOB_RESULTS, JOBS

    wait_for_broker(args.bootstrap, timeout=5)
    create_topics(args.bootstrap, {JOBS: JOB_PARTITIONS, JOB_RESULTS: JOB_PARTITIONS})
    app = worker_app(args.bootstrap)
    announced = []

    @app.on_rebalance_complete.connect
    async def ready(sender: object, **kwargs: object) -> None:
        if not announced:
            announced.append(True)
            print(READY, file=sys.__stdout__, flush=True)

    run_worker(app)
    return 0


def _replicas(args: argparse.Namespace, scenario: Any) -> dict[str, int] | None:
    """Department replicas of a live run, within the topics' partitions (which the
    processes it starts read from the environment)."""
    from onething.compose import ComposeError, parse_replicas
    from onething.topics.names import partitions

    if not args.replicas:
        return None
    if args.external_services or args.topology == "compact":
        raise UsageError("--replicas needs the per-department services onething starts")
    try:
        replicas = parse_replicas(args.replicas, scenario)
    except ComposeError as exc:
        raise UsageError(str(exc)) from None
    available = args.partitions or partitions()
    if max(replicas.values()) > available:
        raise UsageError(
            f"--replicas: {max(replicas.values())} replicas share {available} partitions; "
            "raise --partitions"
        )
    return replicas


@contextmanager
def _partitions(count: int | None) -> Iterator[None]:
    """Topics' partitions for this run: the processes it starts read the environment."""
    from onething.topics.names import PARTITIONS_ENV

    before = os.environ.get(PARTITIONS_ENV)
    if count is not None:
        os.environ[PARTITIONS_ENV] = str(count)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PARTITIONS_ENV, None)
        else:
            os.environ[PARTITIONS_ENV] = before


def cmd_live(args: argparse.Namespace) -> int:
    if args.brokers > 1 and args.bootstrap:
        raise UsageError("--brokers starts an embedded cluster: drop --bootstrap")
    if args.chaos and (
        why := chaos_refusal(
            args.chaos,
            args.bootstrap is None,
            not args.external_services,
            args.mode != "before",
            args.brokers,
        )
    ):
        raise UsageError(why)
    # a SIGTERM stops what the run started, as Ctrl-C does: no broker or service left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scenario = load_scenario(args.bundle)
    modes = ["before", "after"] if args.mode == "both" else [args.mode]
    outcomes = _run_live(args, modes, _replicas(args, scenario))
    doc: dict[str, Any] = {"scenario": scenario.name, "infra": {}}
    for mode, outcome in outcomes.items():
        m = dict(outcome.measures)
        doc["infra"][mode] = m.pop("infra")
        doc.setdefault("reconciliation", {})[mode] = m.pop("reconciliation")
        if args.chaos:
            doc.setdefault("chaos", {})[mode] = [asdict(blow) for blow in outcome.result.blows]
        doc[mode] = m
        if outcome.des is not None:
            doc.setdefault("des", {})[mode] = outcome.des
            doc.setdefault("agreement", {})[mode] = outcome.agreement
    ledgers = {mode: outcome.result.reconcile() for mode, outcome in outcomes.items()}
    unsound = [
        f"{mode}: {issue}" for mode, ledger in ledgers.items() for issue in ledger.problems()
    ]
    if args.json:
        print(json.dumps(doc))
        return 1 if unsound else 0
    print(
        f"{scenario.name} — {scenario.title}: live run on {len(modes)} mode(s), "
        f"speed-up {args.speedup:g} simulated minutes per second"
    )
    _print_live(doc, modes, ledgers)
    for mode, infra in doc["infra"].items():
        if not infra["kept_up"]:
            print(
                f"onething: live {mode}: {behind_warning(infra['behind_schedule_s'])}",
                file=sys.stderr,
            )
    for problem in unsound:
        print(f"onething: live: reconciliation {problem}", file=sys.stderr)
    return 1 if unsound else 0


def _run_live(
    args: argparse.Namespace, modes: list[str], replicas: dict[str, int] | None
) -> dict[str, api.LiveOutcome]:
    """``api.live`` with the command's options, its start-up lines and progress on stderr
    (a bar per mode on a terminal, a plain line every few seconds in a log file)."""
    bars: dict[str, Any] = {}
    said: dict[str, float] = {}

    def say(line: str) -> None:
        print(f"onething: live: {line}", file=sys.stderr, flush=True)

    def progress(mode: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            now = time.monotonic()
            if done == total or now - said.get(mode, -math.inf) >= PROGRESS_EVERY:
                said[mode] = now
                say(f"{mode}: {done}/{total} applicants finished")
            return
        bar = bars.get(mode)
        if bar is None:
            bar = bars[mode] = tqdm(
                total=total, desc=f"live {mode}", unit="case", delay=2, disable=None, leave=False
            )
        bar.update(done - bar.n)

    try:
        with _partitions(args.partitions):
            return api.live(
                args.bundle,
                modes,
                levers_of(args),
                speedup=args.speedup,
                duration_days=args.duration,
                rate=args.rate,
                seed=args.seed,
                infra_only=args.infra_only,
                drain_seconds=args.drain,
                bootstrap=args.bootstrap,
                external_services=args.external_services,
                topology=args.topology,
                replicas=replicas,
                chaos=args.chaos,
                brokers=args.brokers,
                agreement_replications=AGREEMENT_REPLICATIONS if args.agreement else None,
                keep_files=args.keep,
                say=say,
                progress=progress,
            )
    finally:
        for bar in bars.values():
            bar.close()


def _print_live(doc: dict[str, Any], modes: list[str], ledgers: dict[str, Any]) -> None:
    """The measures, the infrastructure figures, the blows struck, the reconciliation and
    the agreement with the DES of a live run's document."""
    if len(modes) == 2:
        print_table(
            ["measure", "before", "after", CHANGE], compare_rows(doc["before"], doc["after"])
        )
    else:
        print_table(["measure", modes[0]], measure_rows(doc[modes[0]]))
    print()
    for mode, infra in doc["infra"].items():
        hop = infra["hop_ms"]
        print(
            f"infra {mode} on {infra['broker']}: hop latency p50 {num(hop['p50'])} ms, "
            f"p95 {num(hop['p95'])} ms, "
            f"p99 {num(hop['p99'])} ms; {num(infra['cases_per_s'])} cases/s; "
            f"max lag {infra['max_lag']} requests; longest broker stall "
            f"{num(infra['longest_stall_s'])} s"
        )
    for mode, blows in doc.get("chaos", {}).items():
        for blow in blows:
            recovery = (
                f"throughput back after {num(blow['recovery_s'])} s"
                if blow["recovery_s"] is not None
                else "throughput not back before the run ended"
            )
            print(
                f"chaos {mode}: {blow['what']} at {num(blow['struck_s'])} s, when "
                f"{blow['arrived']} applicants had arrived and {blow['finished']} finished; "
                f"back after {num(blow['seconds'])} s; {recovery}"
            )
    print()
    ledger_rows = [dict(ledger.rows()) for ledger in ledgers.values()]
    labels = dict.fromkeys(label for rows in ledger_rows for label in rows)
    print_table(
        ["reconciliation", *ledgers],
        [(label, *(rows.get(label, "0") for rows in ledger_rows)) for label in labels],
    )
    for mode, verdict in doc.get("agreement", {}).items():
        if "void" in verdict:
            print(f"agreement {mode}: void ({verdict['void']})")
            continue
        live_mean, des_mean = verdict["live"], verdict["des"]
        print(
            f"agreement {mode}: live {num(live_mean)} vs DES {num(des_mean)} working days "
            f"on the same arrivals ({change_text(des_mean, live_mean)})"
        )
        print(
            f"  the same run without a broker: {num(verdict['without_broker'])} "
            f"(draws {change_text(des_mean, verdict['without_broker'])}; transport "
            f"{change_text(verdict['without_broker'], live_mean)})"
        )


def add_compose(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compose", help="write a docker-compose file for a bundle's live twin")
    p.add_argument("bundle", help=BUNDLE_HELP)
    p.add_argument(
        "--replicas",
        help="N for every department, or NAME=N,... of departments and shared-data (default 1)",
    )
    p.add_argument("--bootstrap", help="HOST:PORT of an existing Kafka (default: start one)")
    p.add_argument(
        "--partitions", type=positive, default=4, help="partitions per topic (default 4)"
    )
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_compose)


def add_broker(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "broker", help="run the embedded broker (Apache Kafka; Tansu where Java is missing)"
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["install"],
        help="install: fetch Apache Kafka's jars with Maven (once, before any run)",
    )
    p.add_argument("--port", type=positive, help="default: a free port")
    p.add_argument("--tls-cert", type=Path, help="serve TLS only, with this PEM certificate")
    p.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    p.set_defaults(func=cmd_broker)


def add_service(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("service", help="run one live service (a Faust app) until stopped")
    p.add_argument(
        "kind",
        choices=["department", "platform", "shared-data", "all"],
        help="one service, or all of the bundle's in one worker (the compact topology)",
    )
    p.add_argument("--bundle", required=True, help=BUNDLE_HELP)
    p.add_argument("--department", help="which department (kind department)")
    p.add_argument("--bootstrap", required=True, help="HOST:PORT of any Kafka")
    p.add_argument(
        "--speedup",
        type=speedup_arg,
        default=500.0,
        help="simulated minutes per second for applications without a clock",
    )
    p.set_defaults(func=cmd_service)


def add_live(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("live", help="run a bundle live on Kafka and measure it")
    p.add_argument("bundle", help=BUNDLE_HELP)
    p.add_argument("--mode", choices=["before", "after", "both"], default="both")
    p.add_argument("--levers", help=LEVERS_HELP + "; default: the scenario's own")
    p.add_argument(
        "--rate", type=rate_arg, help="arrivals per working day (default: the scenario's)"
    )
    p.add_argument(
        "--duration",
        type=positive,
        default=5,
        help="calendar days during which applicants arrive (default 5)",
    )
    p.add_argument(
        "--speedup",
        type=speedup_arg,
        default=500.0,
        help="simulated minutes per real second (default 500)",
    )
    p.add_argument(
        "--bootstrap",
        help="HOST:PORT of a running Kafka (default: start Apache Kafka, or Tansu without Java)",
    )
    p.add_argument(
        "--external-services",
        action="store_true",
        help="the services already run (e.g. docker compose); start none",
    )
    p.add_argument(
        "--infra-only", action="store_true", help="service times zero: measure the pipeline alone"
    )
    p.add_argument(
        "--replicas",
        help="processes sharing a service's partitions: N per department, or NAME=N,... of "
        "departments and shared-data",
    )
    p.add_argument(
        "--partitions",
        type=positive,
        help="partitions per topic (default 4, or ONETHING_PARTITIONS); at least the replicas",
    )
    p.add_argument(
        "--drain",
        type=drain_arg,
        default=300.0,
        help="real seconds to wait for the last cases after the last arrival (default 300)",
    )
    p.add_argument(
        "--topology",
        choices=TOPOLOGIES,
        default="per-department",
        help="one process per service (default), or every service in one worker",
    )
    p.add_argument(
        "--agreement", action="store_true", help="also run the DES on the same arrivals and compare"
    )
    p.add_argument(
        "--brokers",
        type=int,
        choices=[1, 3],
        default=1,
        help="nodes of the embedded Apache Kafka (3: replication factor 3, min.insync.replicas "
        "2, producers acks=all)",
    )
    p.add_argument(
        "--chaos",
        nargs="?",
        const="kill",
        choices=CHAOS_KINDS,
        help="kill (default): SIGKILL the busiest department at 1/3 of the arrivals and the "
        "platform at 2/3, restarting each; pause: SIGSTOP the embedded broker for 15 s at 1/2; "
        "rebalance: replicas of the busiest department join and leave; with --brokers 3, "
        "broker-kill: SIGKILL the node leading the most partitions at 1/2 and restart it; "
        "broker-roll: restart every node in turn from 1/5",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's folder (broker log, service logs, Faust data) and print its path",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_live)


def add_worker(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run experiment replications sent through Kafka")
    p.add_argument("--bootstrap", required=True, help="HOST:PORT of any Kafka")
    p.set_defaults(func=cmd_worker)
