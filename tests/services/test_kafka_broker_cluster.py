"""Three Apache Kafka nodes on loopback (``onething live --brokers 3``): every topic onething
creates has a copy on each node and takes a write once two have it, a write with acks=all
goes through with the busiest node killed, a killed node comes back on its own storage,
and nothing is left running when the cluster stops or a run is interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer

from onething.services.broker import REPLICATION_ENV, _answers, create_topics
from onething.services.kafka_broker import KAFKA_VERSION, KafkaCluster, embedded_broker


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited and not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_cluster_of_three_keeps_taking_writes_with_its_busiest_node_killed(tmp_path):
    cluster = embedded_broker(log_dir=tmp_path, nodes=3)
    assert isinstance(cluster, KafkaCluster)
    assert cluster.describe() == f"Apache Kafka {KAFKA_VERSION}, 3 nodes"
    with cluster:
        assert os.environ[REPLICATION_ENV] == "3"
        assert all(_answers(address, 5, None) for address in cluster.bootstrap.split(","))
        topic = f"replicated-{uuid.uuid4().hex[:8]}"
        create_topics(cluster.bootstrap, {topic: 3})
        admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
        try:
            (described,) = admin.describe_topics([topic])
        finally:
            admin.close()
        assert [len(p["replica_nodes"]) for p in described["partitions"]] == [3, 3, 3]
        for node in cluster.nodes:
            settings = (node.folder / "server.properties").read_text().splitlines()
            assert "min.insync.replicas=2" in settings
            assert "offsets.topic.replication.factor=3" in settings
        busiest, led = cluster.leaders().most_common(1)[0]
        assert led > 0
        producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all")
        try:
            cluster.kill(busiest)
            assert not cluster.node(busiest).running
            sent = [producer.send(topic, key=b"%d" % n, value=b"x") for n in range(30)]
            producer.flush(60)
            assert all(future.succeeded() for future in sent)
        finally:
            producer.close()
        assert cluster.leaders()[busiest] == 0  # its partitions are led elsewhere
        cluster.restart(busiest)  # on its own storage: it catches up, no new format
        assert cluster.running and cluster.under_replicated() == 0
        pids = [node.pid for node in cluster.nodes]
    assert not any(_alive(pid) for pid in pids)
    assert REPLICATION_ENV not in os.environ
    assert all("Kafka Server started" in node.log_path.read_text() for node in cluster.nodes)


def test_ctrl_c_in_a_run_on_three_brokers_leaves_no_process_behind():
    """The JVMs are in their own process group: the run stops them, in order, itself."""
    run = subprocess.Popen(
        [sys.executable, "-m", "onething.cli", "live", "newborn", "--mode", "after"]
        + ["--brokers", "3", "--topology", "compact", "--duration", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # a hang shows its stacks (below)
        # as at a terminal: a shell without job control starts a background command (a CI
        # runner's `… &`) with Ctrl-C ignored, and the run would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    said: list[str] = []
    ready = threading.Event()

    def read() -> None:  # all of it: a full pipe would stop the run's next write
        for line in run.stderr:
            said.append(line)
            if "applicants start arriving" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    started: list[int] = []
    try:
        assert ready.wait(300), "".join(said[-20:])
        started = _children(run.pid)
        assert len(started) == 5  # three brokers, the services and the lifeline's watchdog
        run.send_signal(signal.SIGINT)
        try:
            code = run.wait(120)  # services' shutdown, then the nodes' 15 s grace
        except subprocess.TimeoutExpired:
            run.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack
            run.wait(10)
            raise AssertionError("no stop 120 s after Ctrl-C:\n" + "".join(said[-80:])) from None
        assert code != 0
    finally:
        if run.poll() is None:
            run.kill()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in started if _alive(pid)]
    for pid in left:  # so that a failure here does not slow every test after it
        os.killpg(pid, signal.SIGKILL)
    assert left == []
