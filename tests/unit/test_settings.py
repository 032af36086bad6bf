"""KafkaSettings from the environment: NAV/Aiven and generic names, TLS, SASL, errors naming the variable."""

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from sykmeldingsflyt.messaging.settings import KafkaSettings, SecurityProtocol, SettingsError

PASSWORD_CANARY = "pw-CANARY-9f3b2e"
CA_NAME = "sykmeldingsflyt test CA"
CLIENT_NAME = "sykmeldingsflyt-test-client"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("KAFKA_", "SYKMELDINGSFLYT_")):
            monkeypatch.delenv(name)


@dataclass(frozen=True)
class Pki:
    ca: Path
    client_cert: Path
    client_key: Path
    other_key: Path
    server_cert: Path
    server_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def _issue(
    path: Path,
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    is_ca: bool = False,
    san: x509.SubjectAlternativeName | None = None,
) -> Path:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    path.write_bytes(builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A real CA, a client certificate it signed (as Aiven hands out), and a server certificate."""
    directory = tmp_path_factory.mktemp("pki")
    ca_key, client_key, server_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    server_san = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    return Pki(
        ca=_issue(directory / "ca.pem", CA_NAME, ca_key, CA_NAME, ca_key, is_ca=True),
        client_cert=_issue(directory / "client.pem", CLIENT_NAME, client_key, CA_NAME, ca_key),
        client_key=_write_key(directory / "client.key", client_key),
        other_key=_write_key(directory / "other.key", ec.generate_private_key(ec.SECP256R1())),
        server_cert=_issue(directory / "server.pem", "localhost", server_key, CA_NAME, ca_key, san=server_san),
        server_key=_write_key(directory / "server.key", server_key),
    )


@pytest.fixture
def aiven_tls_env(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    """What NAV's platform sets for an app on Aiven: brokers and the three file paths, no protocol."""
    monkeypatch.setenv("KAFKA_BROKERS", "broker-1.aiven.example:26484,broker-2.aiven.example:26484")
    monkeypatch.setenv("KAFKA_CERTIFICATE_PATH", str(pki.client_cert))
    monkeypatch.setenv("KAFKA_PRIVATE_KEY_PATH", str(pki.client_key))
    monkeypatch.setenv("KAFKA_CA_PATH", str(pki.ca))


def _sasl_env(monkeypatch: pytest.MonkeyPatch, protocol: str, mechanism: str) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9096")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", protocol)
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", mechanism)
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "sykmeldingsflyt")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD_CANARY)


def _settings_error(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        KafkaSettings.from_env()
    return str(raised.value)


def _handshake(client: ssl.SSLContext, pki: Pki) -> dict[str, object]:
    """A TLS handshake in memory against a server that demands a client certificate from our CA."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(pki.server_cert, pki.server_key)
    server_context.load_verify_locations(pki.ca)
    server_context.verify_mode = ssl.CERT_REQUIRED
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_end = client.wrap_bio(to_client, to_server, server_hostname="localhost")
    server_end = server_context.wrap_bio(to_server, to_client, server_side=True)
    done = {client_end: False, server_end: False}
    for _ in range(20):
        for end, finished in done.items():
            if not finished:
                try:
                    end.do_handshake()
                    done[end] = True
                except ssl.SSLWantReadError:
                    pass
        if all(done.values()):
            peer = server_end.getpeercert()
            assert peer is not None
            return dict(peer)
    raise AssertionError("the TLS handshake did not complete")


def _common_name(certificate: dict[str, object]) -> str:
    subject = certificate["subject"]
    assert isinstance(subject, tuple)
    return str(dict(attribute for rdn in subject for attribute in rdn)["commonName"])


def test_generic_bootstrap_servers_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")

    settings = KafkaSettings.from_env()

    assert settings.require_bootstrap() == "localhost:9092"
    assert settings.effective_protocol is SecurityProtocol.PLAINTEXT


def test_aiven_brokers_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BROKERS", "broker-1.aiven.example:26484")

    assert KafkaSettings.from_env().require_bootstrap() == "broker-1.aiven.example:26484"


def test_bootstrap_servers_wins_when_both_names_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "chosen:9092")
    monkeypatch.setenv("KAFKA_BROKERS", "ignored:9092")

    assert KafkaSettings.from_env().require_bootstrap() == "chosen:9092"


def test_no_cluster_given_fails_when_connecting_naming_both_variables() -> None:
    settings = KafkaSettings.from_env()

    with pytest.raises(SettingsError, match=r"KAFKA_BOOTSTRAP_SERVERS \(or KAFKA_BROKERS\)"):
        settings.aiokafka_kwargs()


def test_plaintext_has_neither_ssl_context_nor_security(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")

    settings = KafkaSettings.from_env()

    assert settings.ssl_context() is None
    assert settings.faststream_security() is None
    assert settings.aiokafka_kwargs() == {
        "bootstrap_servers": "localhost:9092",
        "security_protocol": "PLAINTEXT",
    }


@pytest.mark.usefixtures("aiven_tls_env")
def test_aiven_certificates_without_a_protocol_mean_ssl() -> None:
    assert KafkaSettings.from_env().effective_protocol is SecurityProtocol.SSL


@pytest.mark.usefixtures("aiven_tls_env")
def test_ssl_context_trusts_the_ca_and_presents_the_client_certificate(pki: Pki) -> None:
    context = KafkaSettings.from_env().ssl_context()

    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert _common_name(_handshake(context, pki)) == CLIENT_NAME


@pytest.mark.usefixtures("aiven_tls_env")
def test_ssl_context_loads_the_private_key_given(monkeypatch: pytest.MonkeyPatch, pki: Pki) -> None:
    monkeypatch.setenv("KAFKA_PRIVATE_KEY_PATH", str(pki.other_key))

    with pytest.raises(SettingsError, match="KAFKA_PRIVATE_KEY_PATH"):
        KafkaSettings.from_env()


@pytest.mark.usefixtures("aiven_tls_env")
def test_aiokafka_kwargs_carry_the_ssl_context() -> None:
    kwargs = KafkaSettings.from_env().aiokafka_kwargs()

    assert kwargs["bootstrap_servers"] == "broker-1.aiven.example:26484,broker-2.aiven.example:26484"
    assert kwargs["security_protocol"] == "SSL"
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert CA_NAME in [_common_name(dict(ca)) for ca in context.get_ca_certs()]
    assert "sasl_plain_password" not in kwargs


@pytest.mark.usefixtures("aiven_tls_env")
async def test_aiokafka_accepts_the_ssl_kwargs() -> None:
    producer = AIOKafkaProducer(**KafkaSettings.from_env().aiokafka_kwargs())

    await producer.stop()


@pytest.mark.usefixtures("aiven_tls_env")
def test_faststream_security_for_ssl_carries_the_context() -> None:
    security = KafkaSettings.from_env().faststream_security()

    assert type(security) is BaseSecurity
    assert isinstance(security.ssl_context, ssl.SSLContext)
    assert parse_security(security)["security_protocol"] == "SSL"


@pytest.mark.parametrize("variable", ["KAFKA_CERTIFICATE_PATH", "KAFKA_PRIVATE_KEY_PATH", "KAFKA_CA_PATH"])
@pytest.mark.usefixtures("aiven_tls_env")
def test_missing_file_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str) -> None:
    message = _settings_error(monkeypatch, **{variable: str(tmp_path / "absent.pem")})

    assert variable in message


@pytest.mark.usefixtures("aiven_tls_env")
def test_a_directory_is_not_accepted_as_a_certificate_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert "KAFKA_CA_PATH" in _settings_error(monkeypatch, KAFKA_CA_PATH=str(tmp_path))


@pytest.mark.usefixtures("aiven_tls_env")
def test_unreadable_certificate_contents_fail_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_pem = tmp_path / "client.pem"
    not_pem.write_text("this is not a certificate\n")
    monkeypatch.setenv("KAFKA_CERTIFICATE_PATH", str(not_pem))

    with pytest.raises(SettingsError, match="KAFKA_CERTIFICATE_PATH"):
        KafkaSettings.from_env().ssl_context()


@pytest.mark.usefixtures("aiven_tls_env")
def test_certificate_without_key_fails_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_PRIVATE_KEY_PATH")

    message = _settings_error(monkeypatch)

    assert "KAFKA_CERTIFICATE_PATH" in message
    assert "KAFKA_PRIVATE_KEY_PATH" in message


@pytest.mark.usefixtures("aiven_tls_env")
def test_key_without_certificate_fails_naming_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_CERTIFICATE_PATH")

    message = _settings_error(monkeypatch)

    assert "KAFKA_CERTIFICATE_PATH" in message
    assert "KAFKA_PRIVATE_KEY_PATH" in message


@pytest.mark.usefixtures("aiven_tls_env")
def test_plaintext_chosen_with_certificates_fails_naming_the_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "KAFKA_SECURITY_PROTOCOL" in _settings_error(monkeypatch, KAFKA_SECURITY_PROTOCOL="PLAINTEXT")


@pytest.mark.parametrize("missing", ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"])
@pytest.mark.parametrize("protocol", ["SASL_SSL", "SASL_PLAINTEXT"])
def test_sasl_without_credentials_fails_naming_the_username_variable(
    monkeypatch: pytest.MonkeyPatch, protocol: str, missing: str
) -> None:
    _sasl_env(monkeypatch, protocol, "PLAIN")
    monkeypatch.delenv(missing)

    message = _settings_error(monkeypatch)

    assert "KAFKA_SASL_USERNAME" in message
    assert "KAFKA_SASL_PASSWORD" in message
    assert PASSWORD_CANARY not in message


@pytest.mark.parametrize(
    ("mechanism", "security_class"),
    [("PLAIN", SASLPlaintext), ("SCRAM-SHA-256", SASLScram256), ("SCRAM-SHA-512", SASLScram512)],
)
def test_sasl_ssl_mechanism_maps_to_the_faststream_security_class(
    monkeypatch: pytest.MonkeyPatch, mechanism: str, security_class: type[BaseSecurity]
) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", mechanism)

    security = KafkaSettings.from_env().faststream_security()

    assert type(security) is security_class
    assert isinstance(security.ssl_context, ssl.SSLContext)
    assert parse_security(security) | {"ssl_context": None} == {
        "security_protocol": "SASL_SSL",
        "ssl_context": None,
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "sykmeldingsflyt",
        "sasl_plain_password": PASSWORD_CANARY,
    }


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
@pytest.mark.parametrize("protocol", ["SASL_SSL", "SASL_PLAINTEXT"])
def test_faststream_and_aiokafka_get_the_same_connection(
    monkeypatch: pytest.MonkeyPatch, protocol: str, mechanism: str
) -> None:
    _sasl_env(monkeypatch, protocol, mechanism)
    settings = KafkaSettings.from_env()

    faststream = parse_security(settings.faststream_security())
    aiokafka = settings.aiokafka_kwargs()

    for name in ("security_protocol", "sasl_mechanism", "sasl_plain_username", "sasl_plain_password"):
        assert faststream[name] == aiokafka[name], name
    assert aiokafka["security_protocol"] == protocol
    assert (aiokafka.get("ssl_context") is None) == (protocol == "SASL_PLAINTEXT")


async def test_aiokafka_accepts_the_sasl_kwargs(monkeypatch: pytest.MonkeyPatch) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", "SCRAM-SHA-512")

    producer = AIOKafkaProducer(**KafkaSettings.from_env().aiokafka_kwargs())

    await producer.stop()


def test_sasl_ssl_without_ca_path_uses_a_verifying_context(monkeypatch: pytest.MonkeyPatch) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", "PLAIN")

    context = KafkaSettings.from_env().ssl_context()

    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED


@pytest.mark.parametrize("value", ["TLS", "ssl", "SASL-SSL", ""])
def test_invalid_security_protocol_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")

    assert "KAFKA_SECURITY_PROTOCOL" in _settings_error(monkeypatch, KAFKA_SECURITY_PROTOCOL=value)


def test_invalid_sasl_mechanism_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", "GSSAPI")

    assert "KAFKA_SASL_MECHANISM" in _settings_error(monkeypatch)


def test_invalid_security_protocol_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")

    assert "PLAINTEXT" in _settings_error(monkeypatch, KAFKA_SECURITY_PROTOCOL="TLS")


@pytest.mark.parametrize("url", ["schema-registry.example:8081", "ftp://registry.example", "localhost"])
def test_schema_registry_must_be_an_http_url(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert "KAFKA_SCHEMA_REGISTRY" in _settings_error(monkeypatch, KAFKA_SCHEMA_REGISTRY=url)


@pytest.mark.parametrize("url", ["http://localhost:8081", "https://registry.aiven.example:26487"])
def test_schema_registry_http_urls_are_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("KAFKA_SCHEMA_REGISTRY", url)

    assert KafkaSettings.from_env().schema_registry_url == url


@pytest.mark.parametrize("prefix", ["tenant a.", "team/x.", "t:", "a*"])
def test_bad_topic_prefix_names_the_variable(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    assert "SYKMELDINGSFLYT_TOPIC_PREFIX" in _settings_error(monkeypatch, SYKMELDINGSFLYT_TOPIC_PREFIX=prefix)


@pytest.mark.parametrize("prefix", ["ø.", "sykmeldingsflyt-æ-", "t\u0663."])
def test_non_ascii_topic_prefix_names_the_variable(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    assert "SYKMELDINGSFLYT_TOPIC_PREFIX" in _settings_error(monkeypatch, SYKMELDINGSFLYT_TOPIC_PREFIX=prefix)


@pytest.mark.parametrize("prefix", ["", "teamsykmelding.", "t0a1b2c3d4_", "dev-"])
def test_good_topic_prefix_is_kept(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    monkeypatch.setenv("SYKMELDINGSFLYT_TOPIC_PREFIX", prefix)

    assert KafkaSettings.from_env().topic_prefix == prefix


def test_password_never_appears_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SCHEMA_REGISTRY", "https://registry.example")
    monkeypatch.setenv("KAFKA_SCHEMA_REGISTRY_PASSWORD", PASSWORD_CANARY + "-registry")

    settings = KafkaSettings.from_env()

    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == PASSWORD_CANARY
    assert PASSWORD_CANARY not in repr(settings)
    assert PASSWORD_CANARY not in str(settings)


@pytest.mark.parametrize(
    "broken",
    [
        {"KAFKA_SECURITY_PROTOCOL": "SASL"},
        {"KAFKA_SASL_MECHANISM": "GSSAPI"},
        {"KAFKA_SASL_USERNAME": ""},
        {"KAFKA_SCHEMA_REGISTRY": "registry.example"},
        {"SYKMELDINGSFLYT_TOPIC_PREFIX": "bad prefix"},
    ],
)
def test_password_never_appears_in_a_settings_error(monkeypatch: pytest.MonkeyPatch, broken: dict[str, str]) -> None:
    _sasl_env(monkeypatch, "SASL_SSL", "PLAIN")

    assert PASSWORD_CANARY not in _settings_error(monkeypatch, **broken)


def test_settings_error_does_not_chain_the_pydantic_error_that_quotes_inputs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _sasl_env(monkeypatch, "SASL", "PLAIN")

    with pytest.raises(SettingsError) as raised:
        KafkaSettings.from_env()

    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
