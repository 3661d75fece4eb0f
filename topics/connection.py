"""How every onething client reaches a Kafka: the security settings, from one place.

A real cluster needs TLS and/or SASL.  They are read from environment variables
(``ONETHING_KAFKA_SECURITY_PROTOCOL``, ``..._SASL_MECHANISM``, ``..._SASL_USERNAME``,
``..._SASL_PASSWORD``, ``..._SSL_CAFILE``, ``..._SSL_CERTFILE``, ``..._SSL_KEYFILE``,
``..._SSL_CHECK_HOSTNAME``), or from a YAML file named by ``ONETHING_KAFKA_CONFIG``
with the same fields in lower case (``security_protocol: SASL_SSL``); a variable set
in the environment wins over the file.  Services started by ``onething live`` inherit
the environment, so one setting reaches the harness, the admin client, the broker
probe and every Faust app.  The password is a secret: it is never printed, logged or
put in a ``repr``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, FilePath, SecretStr, ValidationError, model_validator

from onething.scenarios.errors import FileError, Problem, from_validation_error
from onething.scenarios.loader import read_yaml

ENV_PREFIX = "ONETHING_KAFKA_"
CONFIG_ENV = "ONETHING_KAFKA_CONFIG"
TANSU_ENV = "ONETHING_TANSU"
"""Set (to 1) where the broker is the Tansu stand-in; see ``on_tansu``."""

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class Security(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    security_protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: FilePath | None = None
    """The CA that signed the brokers' certificates (default: the system's)."""
    ssl_certfile: FilePath | None = None
    """A client certificate, for brokers that authenticate clients by TLS."""
    ssl_keyfile: FilePath | None = None
    ssl_check_hostname: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Security:
        sasl = self.security_protocol.startswith("SASL_")
        tls = self.security_protocol.endswith("SSL")
        if sasl and not (self.sasl_mechanism and self.sasl_username and self.sasl_password):
            raise ValueError(
                f"{self.security_protocol} needs sasl_mechanism, sasl_username and sasl_password"
            )
        if not sasl and (self.sasl_mechanism or self.sasl_username or self.sasl_password):
            raise ValueError(
                f"SASL settings given but security_protocol is {self.security_protocol}"
            )
        if not tls and (self.ssl_cafile or self.ssl_certfile or self.ssl_keyfile):
            raise ValueError(f"TLS files given but security_protocol is {self.security_protocol}")
        if bool(self.ssl_certfile) != bool(self.ssl_keyfile):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self

    @property
    def tls(self) -> bool:
        return self.security_protocol.endswith("SSL")

    def describe(self) -> str:
        """For logs and messages: what is used, never the password."""
        parts = [self.security_protocol]
        if self.sasl_mechanism:
            parts.append(f"{self.sasl_mechanism} as {self.sasl_username}")
        if self.ssl_cafile:
            parts.append(f"CA {self.ssl_cafile}")
        return ", ".join(parts)

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(
            cafile=str(self.ssl_cafile) if self.ssl_cafile else None
        )
        context.check_hostname = self.ssl_check_hostname
        if self.ssl_certfile:
            context.load_cert_chain(str(self.ssl_certfile), str(self.ssl_keyfile))
        return context

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's producer, consumer and admin client."""
        settings: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.tls:
            settings["ssl_context"] = self.ssl_context()
        if self.sasl_mechanism:
            settings.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self._password(),
            )
        return settings

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer and consumer."""
        return self.kafka_python()  # aiokafka takes the same names

    def faust_credentials(self) -> Any:
        """Faust's ``broker_credentials`` (None for plain connections)."""
        import faust  # imported here: only a Faust app needs it

        if self.sasl_mechanism:
            return faust.SASLCredentials(
                username=self.sasl_username,
                password=self._password(),
                mechanism=self.sasl_mechanism,
                ssl_context=self.ssl_context(),
            )
        if self.tls:
            return faust.SSLCredentials(self.ssl_context())
        return None

    def _password(self) -> str | None:
        return self.sasl_password.get_secret_value() if self.sasl_password else None


def on_tansu() -> bool:
    """Whether the broker is Tansu 0.6, so its workarounds apply: one record per producer
    batch (its ListOffsets is wrong for larger batches) and the hole guard
    (``topics.contiguity``).  The embedded Tansu broker sets ``ONETHING_TANSU=1`` while it
    runs, and the services a run starts inherit it; set it by hand for services pointed at
    a Tansu that ``onething broker`` runs.  Apache Kafka needs neither workaround."""
    return os.environ.get(TANSU_ENV) == "1"


def security(environ: Mapping[str, str] | None = None) -> Security:
    """The settings in force: the file named by ONETHING_KAFKA_CONFIG, then the
    ONETHING_KAFKA_* variables over it.  Raises ``FileError`` naming the file (or the
    environment), the field (or the variable) and the reason."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    from_env: set[str] = set()
    path = environ.get(CONFIG_ENV)
    if path:
        loaded = read_yaml(Path(path))
        if not isinstance(loaded, dict):
            raise FileError(path, [Problem("(file)", "must be a mapping of settings")])
        values.update(loaded)
    for field in Security.model_fields:
        if (value := environ.get(ENV_PREFIX + field.upper())) is not None:
            values[field] = value
            from_env.add(field)
    try:
        return Security.model_validate(values)
    except ValidationError as exc:
        error = from_validation_error(path or "environment", values, exc)
        problems = [
            Problem("(settings)", p.reason)
            if p.path == "(top)"
            else Problem(f"{ENV_PREFIX}{p.path.upper()}", p.reason, "environment")
            if p.path in from_env or not path
            else p
            for p in error.problems
        ]
        raise FileError(error.file, problems) from None
