"""Shared builders: small scenario files written to a temporary folder; the brokers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from onething.services.kafka_broker import BROKER_ENV, KafkaBroker


@pytest.fixture
def write_scenario(tmp_path: Path):
    def write(data: dict[str, Any], name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session", autouse=True)
def apache_kafka_by_default():
    """Every embedded broker the suite starts is Apache Kafka: a test run where Kafka
    cannot start fails with the line naming the install step, instead of testing Tansu
    unnoticed.  The Tansu smoke tests are marked ``tansu``; ``ONETHING_EMBEDDED_BROKER=tansu
    pytest`` runs the whole suite on Tansu (to compare)."""
    forced = BROKER_ENV not in os.environ
    os.environ.setdefault(BROKER_ENV, "kafka")
    yield
    if forced:
        os.environ.pop(BROKER_ENV, None)


@pytest.fixture(autouse=True)
def tansu_when_marked(request, monkeypatch):
    """A test marked ``tansu`` (the smoke set: ``pytest -m tansu``) starts Tansu, the
    no-Java fallback, as its embedded broker."""
    if request.node.get_closest_marker("tansu"):
        monkeypatch.setenv(BROKER_ENV, "tansu")


@pytest.fixture(scope="session")
def kafka():
    """One Apache Kafka broker for the session's client and broker tests."""
    with KafkaBroker() as broker:
        yield broker
