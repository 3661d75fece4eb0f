"""Apache Kafka as the embedded broker: chosen wherever Java is present and Kafka
installed (else Tansu, which says its figures are its own), installed by `onething broker
install`, started on loopback, stopped cleanly; and every client the README names works
against it (the session's broker, nothing mocked)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer

from onething.cli import main
from onething.services import kafka_broker
from onething.services.broker import BrokerUnavailable, TansuBroker, _answers, create_topics
from onething.services.kafka_broker import (
    BROKER_ENV,
    HOME_ENV,
    KAFKA_VERSION,
    POM,
    KafkaBroker,
    embedded_broker,
    install,
    kafka_home,
    kafka_version,
)


def test_apache_kafka_is_the_default_where_java_is_present_and_kafka_installed(monkeypatch):
    monkeypatch.delenv(BROKER_ENV)
    broker = embedded_broker()
    assert isinstance(broker, KafkaBroker)
    assert broker.describe() == f"Apache Kafka {KAFKA_VERSION}"


def test_without_java_the_fallback_is_tansu_and_says_its_figures_are_its_own(tmp_path, monkeypatch):
    monkeypatch.delenv(BROKER_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    broker = embedded_broker()
    assert isinstance(broker, TansuBroker)
    assert broker.describe().endswith("figures are Tansu's, not Kafka's: no Java 17 here")


def test_without_the_install_step_the_fallback_names_it(tmp_path, monkeypatch):
    monkeypatch.delenv(BROKER_ENV)
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert embedded_broker().describe().endswith("run `onething broker install`")


def test_a_forced_kafka_that_is_not_installed_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert main(["live", "newborn", "--duration", "1"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"onething: Apache Kafka {KAFKA_VERSION} is not installed: run `onething broker install`"
    )


def test_the_pom_names_the_version_onething_runs():
    assert kafka_version(POM) == KAFKA_VERSION
    assert KAFKA_VERSION.split(".")[0] == "4"


def test_install_is_a_no_op_once_done(capsys):
    assert install() == kafka_home()
    assert main(["broker", "install"]) == 0
    assert (
        capsys.readouterr().out == f"Apache Kafka {KAFKA_VERSION} is installed in {kafka_home()}\n"
    )


def test_install_without_java_or_maven_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "kafka"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn, no java
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert main(["broker", "install"]) == 1
    err = capsys.readouterr().err
    assert err == "onething: Apache Kafka needs Java 17 or newer: no `java` on PATH\n"
    (tmp_path / "java").symlink_to(shutil.which("java", path=os.defpath))
    assert main(["broker", "install"]) == 1
    err = capsys.readouterr().err
    assert err == "onething: installing Apache Kafka needs Maven: no `mvn` on PATH\n"


def test_maven_that_cannot_reach_central_is_one_line_naming_its_error(
    tmp_path, monkeypatch, capsys
):
    """A stand-in `mvn` answers as Maven does offline; nothing is left half installed."""
    mvn = tmp_path / "bin" / "mvn"
    mvn.parent.mkdir()
    mvn.write_text(
        "#!/bin/sh\necho '[ERROR] Failed to execute goal: Could not transfer artifact"
        " org.apache.kafka:kafka_2.13:pom: Unknown host: Temporary failure in name resolution'\n"
        "exit 1\n"
    )
    mvn.chmod(0o755)
    monkeypatch.setenv("PATH", f"{mvn.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "kafka"))
    assert main(["broker", "install"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Maven could not fetch Kafka's jars" in err
    assert "Unknown host" in err and "[ERROR]" not in err
    assert list(tmp_path.iterdir()) == [mvn.parent]


def test_a_broker_formats_its_storage_in_the_run_folder_and_leaves_it_to_the_run(
    tmp_path, monkeypatch
):
    """The storage is formatted once per install, then copied; its cluster id is random
    base64, so one in 64 begins with "-", as this one does.  At stop the storage stays in
    the run's folder (``--keep`` keeps it to be read); a broker with no run folder removes
    it."""
    monkeypatch.setattr(kafka_broker, "cluster_id", lambda: "-wABAgMEBQYHCAkKCwwNDg")
    monkeypatch.setattr(kafka_broker, "STORAGE", f"storage-test-{uuid.uuid4().hex[:8]}")
    broker = KafkaBroker(log_dir=tmp_path)
    try:
        broker.start()
        assert (kafka_home() / kafka_broker.STORAGE / "meta.properties").is_file()
        assert _answers(broker.bootstrap, 5, None)
        meta = (broker.folder / "data" / "meta.properties").read_text()
        assert "cluster.id=-wABAgMEBQYHCAkKCwwNDg" in meta
        assert broker.folder.parent == tmp_path
        broker.pause()
        assert not _answers(broker.bootstrap, 0.5, None)
        broker.resume()
        assert _answers(broker.bootstrap, 5, None)
    finally:
        broker.stop()
        shutil.rmtree(kafka_home() / kafka_broker.STORAGE, ignore_errors=True)
    assert not broker.running
    assert sorted(p.name for p in broker.folder.iterdir()) == [
        "data",
        "kafka.log",
        "log4j2.properties",
        "server.properties",
    ]
    assert "Kafka Server started" in broker.log_path.read_text()
    temporary = KafkaBroker().start()
    temporary.stop()
    assert not (temporary.folder / "data").exists() and temporary.log_path.is_file()
    shutil.rmtree(temporary.folder)


def test_a_broker_that_does_not_answer_in_time_is_one_line_and_left_stopped(tmp_path):
    """A busy machine can keep the JVM from answering: the run says so in one line (the
    CLI prints BrokerUnavailable without a traceback) and no broker is left running."""
    broker = KafkaBroker(log_dir=tmp_path)
    with pytest.raises(BrokerUnavailable, match=r"did not answer in 0 s .*; see .*kafka.log"):
        broker.start(timeout=0.01)
    assert not broker.running


@pytest.fixture
def topic(kafka):
    name = f"clients-{uuid.uuid4().hex[:8]}"
    create_topics(kafka.bootstrap, {name: 2})
    return name


def test_kafka_python_produces_and_reads_in_a_consumer_group(kafka, topic):
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=5)
    for n in range(3):
        producer.send(topic, key=b"case-1", value=b"%d" % n)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap,
        group_id="kafka-python",
        auto_offset_reset="earliest",
        consumer_timeout_ms=10_000,
    )
    values = []
    for record in consumer:
        values.append(record.value)
        if len(values) == 3:
            break
    consumer.close()
    assert values == [b"0", b"1", b"2"]


def test_aiokafka_as_faust_uses_it_produces_and_reads_in_a_consumer_group(kafka, topic):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    async def round_trip() -> list[bytes]:
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=5)
        await producer.start()
        try:
            for n in range(3):
                await producer.send(topic, key=b"case-1", value=b"%d" % n)
            await producer.flush()
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka.bootstrap,
            group_id="aiokafka",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        values: list[bytes] = []
        try:
            async with asyncio.timeout(20):
                while len(values) < 3:
                    for records in (await consumer.getmany(timeout_ms=200)).values():
                        values += [record.value for record in records]
        finally:
            await consumer.stop()
        return values

    assert asyncio.run(round_trip()) == [b"0", b"1", b"2"]


def test_confluent_kafka_produces_and_reads(kafka, topic):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer
    from confluent_kafka import TopicPartition as Partition

    producer = Producer({"bootstrap.servers": kafka.bootstrap})
    producer.produce(topic, key="case-1", value="filed")
    assert producer.flush(10) == 0
    consumer = Consumer({"bootstrap.servers": kafka.bootstrap, "group.id": "confluent"})
    partitions = consumer.list_topics(topic).topics[topic].partitions
    consumer.assign([Partition(topic, p, OFFSET_BEGINNING) for p in partitions])
    record = None
    for _ in range(20):
        if (record := consumer.poll(1.0)) is not None and record.error() is None:
            break
    consumer.close()
    assert (record.key(), record.value()) == (b"case-1", b"filed")


def test_debians_kcat_produces_and_reads(kafka, topic):
    """The README's kcat line; Debian 12's kcat (librdkafka 2.0.2) could not talk to Tansu."""
    kcat = ["kcat", "-b", kafka.bootstrap, "-t", topic]
    produced = subprocess.run(
        [*kcat, "-P", "-K:"], input="case-1:filed\n", text=True, capture_output=True, timeout=30
    )
    assert produced.returncode == 0, produced.stderr
    consumed = subprocess.run(
        [*kcat, "-C", "-e", "-q", "-f", "%k:%s\n"], text=True, capture_output=True, timeout=30
    )
    assert consumed.returncode == 0, consumed.stderr
    assert consumed.stdout == "case-1:filed\n"
