"""Apache Kafka itself as onething's embedded broker: a single-node KRaft broker on
loopback, run from Kafka's own jars.

``onething broker install`` has Maven copy the jars named by ``kafka/pom.xml`` into a
cache folder (``kafka_home()``), then starts a broker once so the JVM records the classes
it loads in a class-data-sharing archive (later starts map that archive instead of
loading and verifying several thousand classes again: about half the start-up time) and
formats an empty storage that every later broker copies (``STORAGE``).  Nothing is
downloaded at run time: without the installed jars (or without Java) onething falls
back to Tansu (``embedded_broker``, which chooses).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import xml.etree.ElementTree as ElementTree
from base64 import urlsafe_b64encode
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Self

from onething.services import lifeline
from onething.services.broker import (
    HOST,
    REPLICATION_ENV,
    BrokerProcess,
    BrokerUnavailable,
    TansuBroker,
    free_port,
)

POM = Path(__file__).with_name("kafka") / "pom.xml"
HOME_ENV = "ONETHING_KAFKA_HOME"
"""Where the installed jars go (default: ``~/.cache/onething/kafka-<version>``)."""

JVM_OPTIONS = [
    "-Xms64m",
    "-Xmx256m",
    "-XX:+UseSerialGC",  # one core's worth of collector for a heap this small
    "-XX:TieredStopAtLevel=1",  # C1 only: start-up in half the time on 2 cores
    "-Djava.awt.headless=true",
]
READY_FILE = "installed"
"""Written last by the install step: its presence means the folder is complete."""
ARCHIVE = "kafka.jsa"
"""The class-data-sharing archive the install step records (optional: without it the
broker starts more slowly)."""

STORAGE = "empty-storage"
"""The formatted, empty storage every broker copies into its own folder: formatting is a
JVM start of its own (about a second), so it is done once per install, not per broker.
The brokers of one install share a cluster id, which no client of separate runs sees."""

MIN_IN_SYNC = 2
"""Copies that must have a write before a replicated topic takes it (``acks=all``): a
cluster of three takes writes with one node down, never with a single copy."""

RECORDING_GRACE = 120.0
"""Seconds the recording broker may take to stop: it writes the archive as it exits."""

LOG4J = """\
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
"""


class KafkaUnavailable(BrokerUnavailable):
    """Apache Kafka cannot be installed or started here; the message is one line."""


def kafka_version(pom: Path = POM) -> str:
    """The Kafka version ``kafka/pom.xml`` names (its ``kafka.version`` property)."""
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    found = ElementTree.parse(pom).find("m:properties/m:kafka.version", namespace)
    if found is None or not found.text:
        raise KafkaUnavailable(f"{pom} names no kafka.version")
    return found.text.strip()


KAFKA_VERSION = kafka_version()


def kafka_home() -> Path:
    """The folder of the installed jars of ``KAFKA_VERSION``."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "onething" / f"kafka-{KAFKA_VERSION}"


def java() -> str | None:
    """The ``java`` to run: ``$JAVA_HOME/bin/java``, else the one on PATH, else None."""
    if home := os.environ.get("JAVA_HOME"):
        candidate = Path(home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def installed(home: Path | None = None) -> bool:
    """Whether the install step completed for ``KAFKA_VERSION``."""
    return ((home or kafka_home()) / READY_FILE).is_file()


def available() -> bool:
    """Whether Apache Kafka can be started here: Java present and the jars installed."""
    return java() is not None and installed()


def _classpath(home: Path) -> str:
    """The jars in a fixed order: the class-data-sharing archive is valid only for the
    very classpath it was recorded with."""
    return os.pathsep.join(str(jar) for jar in sorted((home / "lib").glob("*.jar")))


def install(say: Callable[[str], None] | None = None) -> Path:
    """Obtain Kafka's jars through Maven into ``kafka_home()``; a no-op when done already.

    Raises ``KafkaUnavailable`` (one line) when Java or Maven is missing or Maven cannot
    fetch the jars."""
    say = say or (lambda line: None)
    home = kafka_home()
    if installed(home):
        say(f"Apache Kafka {KAFKA_VERSION} is installed in {home}")
        return home
    if java() is None:
        raise KafkaUnavailable("Apache Kafka needs Java 17 or newer: no `java` on PATH")
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaUnavailable("installing Apache Kafka needs Maven: no `mvn` on PATH")
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{home.name}-", dir=home.parent))
    try:
        say(f"fetching Apache Kafka {KAFKA_VERSION}'s jars with Maven into {home}")
        command = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies"]
        options = [f"-DoutputDirectory={staging / 'lib'}", "-DincludeScope=runtime"]
        done = subprocess.run([*command, *options], capture_output=True, text=True)
        if done.returncode != 0:
            raise KafkaUnavailable(f"Maven could not fetch Kafka's jars: {_maven_error(done)}")
        shutil.rmtree(home, ignore_errors=True)  # an install cut short
        staging.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # the archive is valid for the jars' final paths only, so it is recorded in place
    say("recording the broker's classes for a faster start (one start and stop)")
    recording = KafkaBroker(home=home, record_archive=True).start()
    recording.stop(grace=RECORDING_GRACE)
    (home / READY_FILE).write_text(f"Apache Kafka {KAFKA_VERSION}\n", encoding="utf-8")
    say(f"Apache Kafka {KAFKA_VERSION} installed in {home}")
    return home


def _maven_error(done: subprocess.CompletedProcess[str]) -> str:
    """Maven's first ERROR line (it names the artifact or host), shortened."""
    lines = (done.stdout + done.stderr).splitlines()
    errors = [line.removeprefix("[ERROR]").strip() for line in lines if "ERROR" in line]
    reason = next((e for e in errors if e), lines[-1] if lines else f"exit {done.returncode}")
    return reason[:300]


def cluster_id() -> str:
    """A new KRaft cluster id (a UUID in Kafka's URL-safe base64, 22 characters)."""
    return urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def server_properties(
    node_id: int,
    port: int,
    controller_port: int,
    data: Path,
    voters: str | None = None,
    replication: int = 1,
) -> str:
    """A combined broker-and-controller node, plaintext on loopback.

    ``voters``: the controller quorum (``id@host:port,...``; default this node alone);
    ``replication``: copies of every topic and of the internal ones (a cluster of three
    keeps three, and takes a write once two have it: ``min.insync.replicas``).  Rebalances
    start at once (no initial delay) and short consumer sessions are allowed (the services
    time out a member in 2 s, where Kafka's default floor is 6 s), as a test or a short run
    needs."""
    in_sync = min(MIN_IN_SYNC, replication)
    return "\n".join(
        [
            "process.roles=broker,controller",
            f"node.id={node_id}",
            f"controller.quorum.voters={voters or f'{node_id}@{HOST}:{controller_port}'}",
            f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=4",
            f"default.replication.factor={replication}",
            f"min.insync.replicas={in_sync}",
            f"offsets.topic.replication.factor={replication}",
            "offsets.topic.num.partitions=4",
            f"transaction.state.log.replication.factor={replication}",
            f"transaction.state.log.min.isr={in_sync}",
            "transaction.state.log.num.partitions=4",
            "group.initial.rebalance.delay.ms=0",
            "group.min.session.timeout.ms=500",  # the services' 2 s sessions are allowed
            "num.network.threads=2",
            "num.io.threads=2",
            "",
        ]
    )


class KafkaBroker(BrokerProcess):
    """A single-node Apache Kafka (KRaft) subprocess on loopback ports, or one node of a
    ``KafkaCluster``.  Its storage, settings and log live in one folder under ``log_dir``
    (the run's folder), which the run removes or keeps (``--keep``, to read what the broker
    stored); without a ``log_dir`` the folder is a temporary one whose storage goes at
    stop and whose log stays."""

    name = f"Apache Kafka {KAFKA_VERSION}"

    def __init__(
        self,
        log_dir: Path | None = None,
        home: Path | None = None,
        record_archive: bool = False,
        node_id: int = 1,
    ) -> None:
        """``home``: the installed jars (default ``kafka_home()``); ``record_archive``:
        record the class-data-sharing archive at exit (the install step does);
        ``node_id``: its id in a cluster."""
        super().__init__(log_dir)
        self.home = home or kafka_home()
        self.record_archive = record_archive
        self.node_id = node_id
        self.controller_port = 0
        self.voters: str | None = None
        """The cluster's controller quorum (``KafkaCluster`` sets it); None: this node alone."""
        self.replication = 1
        self.folder: Path | None = None
        self.started_in: float | None = None
        """Seconds from launch until it answered (the storage format not included)."""

    def _java(self, main_class: str, *args: str, record: bool = False) -> list[str]:
        runtime = java()
        if runtime is None:
            raise KafkaUnavailable("Apache Kafka needs Java 17 or newer: no `java` on PATH")
        archive = self.home / ARCHIVE
        sharing = (
            [f"-XX:ArchiveClassesAtExit={archive}", "-Xlog:cds=error"]
            if record
            else [f"-XX:SharedArchiveFile={archive}"]
            if archive.is_file()
            else []
        )
        logging = f"-Dlog4j2.configurationFile={self.folder / 'log4j2.properties'}"
        classpath = ["-cp", _classpath(self.home)]
        return [runtime, *JVM_OPTIONS, *sharing, logging, *classpath, main_class, *args]

    def _empty_storage(self, log: IO[bytes]) -> Path:
        """The formatted, empty storage of a one-node cluster that every broker of this
        install copies (``STORAGE``); formatted by the first broker to need it."""
        storage = self.home / STORAGE
        if storage.is_dir():
            return storage
        staging = Path(tempfile.mkdtemp(prefix=f".{STORAGE}-", dir=self.home))
        try:
            settings = staging / "server.properties"
            settings.write_text(
                server_properties(1, free_port(), free_port(), staging / "data"), encoding="utf-8"
            )
            # "=" joins each value to its option: a cluster id may begin with "-"
            format_storage = ["format", f"--cluster-id={cluster_id()}", f"--config={settings}"]
            formatted = subprocess.run(
                self._java("kafka.tools.StorageTool", *format_storage),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            if formatted.returncode != 0:
                raise KafkaUnavailable(f"formatting Kafka's storage failed; see {self.log_path}")
            with contextlib.suppress(OSError):  # another broker formatted it meanwhile
                (staging / "data").rename(storage)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return storage

    def _own_storage(self, log: IO[bytes]) -> None:
        """Copy the formatted storage into this node's folder as node ``node_id``: the copy
        says which node it belongs to, and its directory gets an id of its own (the
        cluster id, shared by every copy, is the install's)."""
        data = self.folder / "data"
        shutil.copytree(self._empty_storage(log), data)
        meta = data / "meta.properties"
        own = {"node.id": str(self.node_id), "directory.id": cluster_id()}
        lines = []
        for line in meta.read_text(encoding="utf-8").splitlines():
            key = line.partition("=")[0]
            lines.append(f"{key}={own[key]}" if key in own else line)
        meta.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start(self, port: int | None = None, timeout: float = 60.0) -> Self:
        """Launch the broker (with the storage it had, if it ran before) and return once
        it answers Kafka requests (not just TCP)."""
        self.launch(port)
        self.await_answer(timeout)
        return self

    def launch(self, port: int | None = None) -> None:
        """Launch the broker without waiting for it: a cluster's nodes answer only once
        a majority of its controllers runs.  A node that ran before keeps its storage,
        ports and settings."""
        if not (self.home / "lib").is_dir():
            raise KafkaUnavailable(
                f"Apache Kafka {KAFKA_VERSION} is not installed: run `onething broker install`"
            )
        if self.folder is None:
            self._claim_port(port)
            self.controller_port = self.controller_port or free_port()
            self.folder = Path(tempfile.mkdtemp(prefix="onething-kafka-", dir=self.log_dir))
            (self.folder / "server.properties").write_text(
                server_properties(
                    self.node_id,
                    self.port,
                    self.controller_port,
                    self.folder / "data",
                    self.voters,
                    self.replication,
                ),
                encoding="utf-8",
            )
            (self.folder / "log4j2.properties").write_text(LOG4J, encoding="utf-8")
            self.log_path = self.folder / "kafka.log"
        elif self._proc is not None:
            raise RuntimeError(f"broker already running at {self.bootstrap}")
        with self.log_path.open("ab") as log:
            if not (self.folder / "data").is_dir():
                self._own_storage(log)
            self._launched = time.monotonic()
            self._proc = subprocess.Popen(
                self._java(
                    "kafka.Kafka",
                    str(self.folder / "server.properties"),
                    record=self.record_archive,
                ),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,  # onething stops it, in order: a Ctrl-C is not for the JVM
            )
            lifeline.guard(self._proc.pid)  # … nor may it outlive a run killed outright

    def await_answer(self, timeout: float = 60.0) -> None:
        """Return once the launched broker answers; stop it and raise if it does not."""
        self._await_answer(self.bootstrap, timeout)
        self.started_in = time.monotonic() - self._launched

    def kill(self) -> None:
        """SIGKILL the broker: no controlled shutdown, no flush; its storage stays, so
        ``start`` brings the same node back."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            lifeline.forget(self._proc.pid)
            self._proc = None

    def stop(self, grace: float = 10.0, keep_storage: bool = False) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL after ``grace`` s; a broker in a
        temporary folder (no ``log_dir``) removes its storage unless ``keep_storage``
        (a restart)."""
        super().stop(grace)
        if self.folder is not None and self.log_dir is None and not keep_storage:
            shutil.rmtree(self.folder / "data", ignore_errors=True)


class KafkaCluster(BrokerProcess):
    """Apache Kafka nodes (three by default) on loopback, each a broker and a controller
    (the controller quorum is all of them): every topic has a copy on each node and takes a
    write once ``MIN_IN_SYNC`` copies have it, so the cluster goes on with one node down.

    While it runs, ``REPLICATION_ENV`` is set in this process's environment, so the topics
    onething creates, and those of the services a run starts, get one copy per node."""

    def __init__(self, nodes: int = 3, log_dir: Path | None = None, home: Path | None = None):
        super().__init__(log_dir)
        self.nodes = [KafkaBroker(log_dir, home, node_id=n + 1) for n in range(nodes)]
        self.name = f"Apache Kafka {KAFKA_VERSION}, {nodes} nodes"
        self.log_path = Path(log_dir or tempfile.gettempdir())

    @property
    def bootstrap(self) -> str:
        """Every node's ``host:port``, comma-separated (any one lets a client in)."""
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def running(self) -> bool:
        return all(node.running for node in self.nodes)

    @property
    def pid(self) -> int | None:
        return None  # one process per node: see ``nodes``

    def node(self, node_id: int) -> KafkaBroker:
        return self.nodes[node_id - 1]

    def start(self, port: int | None = None, timeout: float = 90.0) -> Self:
        """Launch every node at once (a node answers only once a majority of controllers
        runs) and return once all answer; ``port``: the first node's."""
        for node in self.nodes:
            node.controller_port = free_port()
        voters = ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in self.nodes)
        try:
            for node in self.nodes:
                node.voters, node.replication = voters, len(self.nodes)
                node.launch(port if node is self.nodes[0] else None)
            for node in self.nodes:
                node.await_answer(timeout)
        except BaseException:
            self.stop()
            raise
        os.environ[REPLICATION_ENV] = str(len(self.nodes))
        return self

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM every node at once (each shuts down while the others still form a
        quorum), SIGKILL those still up after ``grace`` s; each node's storage goes as
        ``KafkaBroker.stop`` says (kept in a run's folder)."""
        for node in self.nodes:
            if node.running:
                node._proc.send_signal(signal.SIGCONT)  # a paused node cannot act on SIGTERM
                node._proc.terminate()
        deadline = time.monotonic() + grace
        for node in self.nodes:
            node.stop(max(0.1, deadline - time.monotonic()))
        os.environ.pop(REPLICATION_ENV, None)

    def pause(self) -> None:
        for node in self.nodes:
            node.pause()

    def resume(self) -> None:
        for node in self.nodes:
            node.resume()

    def leaders(self) -> Counter[int]:
        """Partitions each node leads, every topic's (the internal ones included)."""
        counts: Counter[int] = Counter({node.node_id: 0 for node in self.nodes})
        for partition in self._partitions():
            if partition["leader_id"] in counts:
                counts[partition["leader_id"]] += 1
        return counts

    def under_replicated(self) -> int:
        """Partitions with a copy not in sync with its leader."""
        return sum(len(p["isr_nodes"]) < len(p["replica_nodes"]) for p in self._partitions())

    def _partitions(self) -> list[dict]:
        from kafka import KafkaAdminClient  # imported here: the command line starts without it

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="onething-admin")
        try:
            return [p for topic in admin.describe_topics() for p in topic["partitions"]]
        finally:
            admin.close()

    def kill(self, node_id: int) -> None:
        """SIGKILL one node (its storage stays)."""
        self.node(node_id).kill()

    def restart(self, node_id: int, timeout: float = 90.0) -> None:
        """Stop one node gracefully (SIGTERM: it hands its leadership over first) unless it
        is down already, start it again on its storage, and return once every partition
        has all its copies in sync again: only then may the next node go down."""
        node = self.node(node_id)
        if node.running:
            node.stop(grace=timeout, keep_storage=True)
        node.start(timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.under_replicated():
            if time.monotonic() > deadline:
                raise RuntimeError(f"node {node_id} not back in sync after {timeout:.0f} s")
            time.sleep(0.5)


BROKER_ENV = "ONETHING_EMBEDDED_BROKER"
"""``kafka`` or ``tansu`` forces the embedded broker (default: Kafka where it can run)."""


def embedded_broker(log_dir: Path | None = None, nodes: int = 1) -> BrokerProcess:
    """The broker onething starts itself: Apache Kafka whenever Java is present and
    ``onething broker install`` has run, else Tansu (whose figures are Tansu's).
    ``ONETHING_EMBEDDED_BROKER`` forces one: ``kafka`` fails if Kafka cannot run.
    ``nodes`` > 1: a ``KafkaCluster``, which only Apache Kafka can be."""
    choice = os.environ.get(BROKER_ENV, "")
    if choice not in ("", "kafka", "tansu"):
        raise KafkaUnavailable(f"{BROKER_ENV}={choice!r}: choose kafka or tansu")
    if nodes > 1:
        if choice == "tansu" or not available():
            raise KafkaUnavailable(
                f"a cluster of {nodes} brokers needs Apache Kafka: {fallback_reason()}"
            )
        return KafkaCluster(nodes, log_dir=log_dir)
    if choice == "kafka" or (choice == "" and available()):
        return KafkaBroker(log_dir=log_dir)
    return TansuBroker(log_dir=log_dir, why=fallback_reason())


def fallback_reason() -> str:
    """Why the embedded broker is Tansu: what to do to get Apache Kafka."""
    if os.environ.get(BROKER_ENV) == "tansu":
        return f"{BROKER_ENV}=tansu"
    if java() is None:
        return "no Java 17 here"
    return "Apache Kafka is not installed: run `onething broker install`"
