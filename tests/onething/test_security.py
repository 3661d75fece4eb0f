"""Kafka security settings come from one place (environment or a file), reach every
client onething builds, are never printed, and work end to end over TLS on the real
embedded broker (behind its TLS front: Tansu 0.6 cannot serve TLS itself)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import trustme
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from kafka import KafkaProducer

from onething.cli import main
from onething.live import live_system
from onething.scenarios.errors import FileError
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.services.broker import _answers, free_port
from onething.services.faust_runtime import make_app
from onething.sim.harness import Harness, LiveSettings
from onething.topics.connection import CONFIG_ENV, security

SECRET = "pw-that-must-never-show"


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _sasl_ssl(ca_file) -> dict[str, str]:
    return {
        "ONETHING_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "ONETHING_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "ONETHING_KAFKA_SASL_USERNAME": "planner",
        "ONETHING_KAFKA_SASL_PASSWORD": SECRET,
        "ONETHING_KAFKA_SSL_CAFILE": str(ca_file),
    }


def test_no_settings_is_plaintext():
    settings = security({})
    assert settings.kafka_python() == {"security_protocol": "PLAINTEXT"}
    assert settings.faust_credentials() is None and settings.ssl_context() is None


def test_a_file_with_the_environment_over_it(tmp_path, ca_file):
    config = tmp_path / "kafka.yaml"
    config.write_text(
        "security_protocol: SASL_SSL\nsasl_mechanism: SCRAM-SHA-256\n"
        f"sasl_username: from-file\nsasl_password: {SECRET}\nssl_cafile: {ca_file}\n"
    )
    settings = security({CONFIG_ENV: str(config), "ONETHING_KAFKA_SASL_USERNAME": "from-env"})
    assert settings.sasl_username == "from-env" and settings.sasl_mechanism == "SCRAM-SHA-256"
    assert settings.ssl_cafile == ca_file


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        (
            {"ONETHING_KAFKA_SECURITY_PROTOCOL": "TLS"},
            "environment: ONETHING_KAFKA_SECURITY_PROTOCOL: Input should be",
        ),
        (
            {"ONETHING_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
            "environment: (settings): SASL_SSL needs sasl_mechanism",
        ),
        (
            {"ONETHING_KAFKA_SECURITY_PROTOCOL": "SSL", "ONETHING_KAFKA_SSL_CAFILE": "/no/ca.pem"},
            "environment: ONETHING_KAFKA_SSL_CAFILE: Path does not point to a file",
        ),
        (
            {"ONETHING_KAFKA_SASL_PASSWORD": SECRET},
            "SASL settings given but security_protocol is PLAINTEXT",
        ),
        ({CONFIG_ENV: "/no/kafka.yaml"}, "/no/kafka.yaml: (file): no such file"),
    ],
)
def test_mistakes_name_where_and_why_without_the_password(environ, said):
    with pytest.raises(FileError) as caught:
        security(environ)
    assert said in str(caught.value) and SECRET not in str(caught.value)


def test_a_mistake_in_a_file_names_the_file_and_field(tmp_path):
    config = tmp_path / "kafka.yaml"
    config.write_text("security_protocol: SSL\nssl_check_hostnme: false\n")
    with pytest.raises(FileError) as caught:
        security({CONFIG_ENV: str(config)})
    assert str(caught.value) == f"{config}: ssl_check_hostnme: unknown field (check the spelling)"


def test_the_command_line_refuses_bad_settings_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("ONETHING_KAFKA_SECURITY_PROTOCOL", "TLS")
    assert main(["live", "newborn", "--bootstrap", "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "ONETHING_KAFKA_SECURITY_PROTOCOL" in err


def test_every_client_kind_gets_the_same_sasl_and_tls_settings(ca_file, monkeypatch):
    for name, value in _sasl_ssl(ca_file).items():
        monkeypatch.setenv(name, value)
    # Faust: every service and the experiment worker are built by make_app
    app = make_app("onething-security-check", "127.0.0.1:9")
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials)
    assert auth["security_protocol"] == "SASL_SSL"
    assert (auth["sasl_mechanism"], auth["sasl_plain_username"]) == ("SCRAM-SHA-512", "planner")
    assert auth["sasl_plain_password"] == SECRET
    assert auth["ssl_context"].get_ca_certs()  # our CA is loaded
    # kafka-python: the harness, the admin client and the experiment runner
    producer = KafkaProducer(
        bootstrap_servers="127.0.0.1:9", api_version=(2, 5), **security().kafka_python()
    )
    try:
        config = producer.config
        assert (config["security_protocol"], config["sasl_mechanism"]) == (
            "SASL_SSL",
            "SCRAM-SHA-512",
        )
        assert config["sasl_plain_username"] == "planner"
        assert config["ssl_context"].get_ca_certs()
    finally:
        producer.close(timeout=1)
    # the password shows nowhere a person reads
    settings = security()
    for text in (
        repr(settings),
        str(settings),
        settings.describe(),
        repr(app.conf.broker_credentials),
    ):
        assert SECRET not in text


def test_the_password_stays_out_of_errors(ca_file, monkeypatch, capsys):
    for name, value in _sasl_ssl(ca_file).items():
        monkeypatch.setenv(name, value)
    assert main(["live", "newborn", "--bootstrap", "127.0.0.1:9"]) == 1
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out


def test_a_live_run_over_tls_end_to_end(ca, ca_file, tmp_path, monkeypatch):
    """`onething broker --tls-cert/--tls-key` in its own process, as a user runs it."""
    cert, key = tmp_path / "broker.pem", tmp_path / "broker.key"
    issued = ca.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    command = [sys.executable, "-m", "onething.cli", "broker", "--port", str(port)]
    broker = subprocess.Popen(
        [*command, "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert broker.stdout is not None
        assert "over TLS only" in broker.stdout.readline()
        assert not _answers(bootstrap, 2.0, None)  # no plain Kafka at that address
        monkeypatch.setenv("ONETHING_KAFKA_SECURITY_PROTOCOL", "SSL")
        monkeypatch.setenv("ONETHING_KAFKA_SSL_CAFILE", str(ca_file))  # services inherit it
        newborn = load_scenario("newborn")
        with live_system("newborn", newborn, ["after"], bootstrap, 2000.0, False):
            settings = LiveSettings(bootstrap, speedup=2000.0, duration_days=2, seed=4)
            result = Harness(Process.of(newborn, "after"), settings).run()
    finally:
        broker.terminate()
        broker.wait(10)
    ledger = result.reconcile()
    assert ledger.sent > 0 and ledger.completed == ledger.sent, ledger
    assert ledger.problems() == []
