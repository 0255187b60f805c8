"""E-mail over TLS, against a real aiosmtpd server on loopback whose certificate is signed by a
private certificate authority made in the test: implicit TLS and STARTTLS deliver when the
worker trusts that CA (``FOREWARN_SMTP_CA_FILE``), SMTP AUTH works over both, and a
certificate the worker does not trust defers the e-mail with a clear reason in the ledger,
never the password. Each round is a real ``forewarn worker --once`` process."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forewarn.config import Settings
from forewarn.store.tables import LedgerRow

from .conftest import Mailbox, add_user, free_port, insert_alerts, notifications, notify_env, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("forewarn-processes"),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    # aiosmtpd counts only STARTTLS as encryption, so with implicit TLS it must be told that
    # AUTH needs no further TLS, and warns; the connection is encrypted from the start
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

USER, PASSWORD = "forewarn", "correct horse battery staple 42"


# --- a private certificate authority ----------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    """The CA's certificate (what FOREWARN_SMTP_CA_FILE names)."""
    cert: Path
    key: Path
    """The SMTP server's certificate (127.0.0.1 and localhost) and key."""
    other_ca: Path
    """An unrelated CA's certificate."""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(common: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def _server_cert(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("smtp.test"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca = _ca("forewarn test CA")
    key, cert = _server_cert(ca_key, ca)
    _, other = _ca("some other CA")
    found = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key",
                folder / "other-ca.pem")  # fmt: skip
    found.ca.write_bytes(_pem(ca))
    found.cert.write_bytes(_pem(cert))
    found.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    found.other_ca.write_bytes(_pem(other))
    return found


# --- an SMTP server speaking TLS --------------------------------------------------------------


@dataclass
class Logins:
    """Log-in attempts the server saw: (user, whether the password was right)."""

    seen: list[tuple[str, bool]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 data: Any) -> AuthResult:  # fmt: skip
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        right = data.login == USER.encode() and data.password == PASSWORD.encode()
        self.seen.append((data.login.decode(), right))
        return AuthResult(success=right, handled=False)  # not handled: aiosmtpd answers 535


@dataclass
class TlsServer:
    box: Mailbox
    logins: Logins
    port: int


@pytest.fixture
def tls_server(pki: Pki, request: pytest.FixtureRequest) -> Iterator[TlsServer]:
    """``request.param``: (mode "tls" or "starttls", whether log-in is required)."""
    mode, auth = request.param
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert, pki.key)
    found = TlsServer(Mailbox(), Logins(), free_port())
    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": found.port}
    if mode == "tls":  # implicit TLS: aiosmtpd counts only STARTTLS as encryption for AUTH
        options |= {"ssl_context": context, "auth_require_tls": False}
    else:
        options |= {"tls_context": context, "require_starttls": True}
    if auth:
        options |= {"authenticator": found.logins, "auth_required": True}
    controller = Controller(found.box, **options)
    controller.start()
    yield found
    controller.stop()


# --- the worker -------------------------------------------------------------------------------


def _round(settings: Settings, engine: Engine, port: int, **env: str) -> tuple[str, str]:
    """Bao, an alert that opens actions he owns, one worker round; (stdout, stderr)."""
    add_user(engine, "bao", "head_of_unit")
    insert_alerts(engine, [{"iso3": "MMR", "level": "warning",
                            "created_at": dt.datetime.now(dt.UTC)}])  # fmt: skip
    out = run(settings, "worker", "--once", **notify_env(port, **env))
    assert out.returncode == 0, out.stderr
    return out.stdout, out.stderr


def _outcomes(engine: Engine) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(LedgerRow).where(LedgerRow.kind.like("notification.%")).order_by(LedgerRow.seq)
        )
        return [{"kind": r.kind, **json.loads(r.payload)} for r in rows]


DELIVERS = [("tls", False), ("starttls", False), ("tls", True), ("starttls", True)]


@pytest.mark.parametrize(
    "tls_server", DELIVERS, indirect=True, ids=["tls", "starttls", "tls-auth", "starttls-auth"]
)
def test_tls_delivers_when_the_private_ca_is_trusted(
    db_settings: Settings, engine: Engine, pki: Pki, tls_server: TlsServer,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    mode, auth = request.node.callspec.params["tls_server"]
    env = {"FOREWARN_SMTP_TLS": mode, "FOREWARN_SMTP_CA_FILE": str(pki.ca)}
    if auth:
        env |= {"FOREWARN_SMTP_USER": USER, "FOREWARN_SMTP_PASSWORD": PASSWORD}
    stdout, stderr = _round(db_settings, engine, tls_server.port, **env)
    rows = notifications(engine)
    assert rows and {r.channel for r in rows} == {"email"}
    assert {r.state for r in rows} == {"delivered"}, [r.last_error for r in rows]
    received = tls_server.box.received()
    assert sorted(str(m["X-Forewarn-Notification"]) for m in received) == sorted(
        r.uid for r in rows
    )
    assert {str(m["To"]) for m in received} == {"bao@example.org"}
    assert tls_server.logins.seen == ([(USER, True)] if auth else [])
    assert PASSWORD not in stdout + stderr


@pytest.mark.parametrize(
    ("tls_server", "ca"),
    [(("tls", True), None), (("starttls", True), None), (("starttls", True), "other")],
    indirect=["tls_server"],
    ids=["tls-no-ca", "starttls-no-ca", "starttls-other-ca"],
)
def test_an_untrusted_certificate_defers_the_mail_and_says_why(
    db_settings: Settings, engine: Engine, pki: Pki, tls_server: TlsServer, ca: str | None,
    request: pytest.FixtureRequest, cli: Any,
) -> None:  # fmt: skip
    mode, _ = request.node.callspec.params["tls_server"]
    env = {"FOREWARN_SMTP_TLS": mode, "FOREWARN_SMTP_USER": USER,
           "FOREWARN_SMTP_PASSWORD": PASSWORD}  # fmt: skip
    if ca == "other":
        env["FOREWARN_SMTP_CA_FILE"] = str(pki.other_ca)
    stdout, stderr = _round(db_settings, engine, tls_server.port, **env)
    assert tls_server.box.received() == [] and tls_server.logins.seen == []  # never logged in
    rows = notifications(engine)
    assert rows and {r.state for r in rows} == {"pending"}  # deferred: tried again later
    outcomes = _outcomes(engine)
    assert {o["kind"] for o in outcomes} == {"notification.deferred"}
    for error in [o["error"] for o in outcomes] + [r.last_error for r in rows]:
        assert f"cannot send through 127.0.0.1:{tls_server.port}" in error
        assert "TLS certificate is not trusted" in error and "FOREWARN_SMTP_CA_FILE" in error
        assert "certificate verify failed" in error or "self-signed" in error or "issuer" in error
    listed = cli("notifications", "list", "--json", **notify_env(tls_server.port, **env))
    shown = json.loads(listed.stdout)
    assert all("not trusted" in n["last_error"] for n in shown)
    (said,) = [line for line in stderr.splitlines() if line.startswith("e-mail deferred: ")]
    assert f"cannot send through 127.0.0.1:{tls_server.port}" in said
    assert said.endswith("name its certificate in FOREWARN_SMTP_CA_FILE")  # one whole line
    everything = stdout + stderr + listed.stdout + listed.stderr + json.dumps(outcomes)
    assert PASSWORD not in everything


@pytest.mark.parametrize("tls_server", [("starttls", True)], indirect=True)
def test_a_wrong_password_over_tls_defers_without_printing_it(
    db_settings: Settings, engine: Engine, pki: Pki, tls_server: TlsServer
) -> None:
    wrong = "not the password at all 99"
    env = {"FOREWARN_SMTP_TLS": "starttls", "FOREWARN_SMTP_CA_FILE": str(pki.ca),
           "FOREWARN_SMTP_USER": USER, "FOREWARN_SMTP_PASSWORD": wrong}  # fmt: skip
    stdout, stderr = _round(db_settings, engine, tls_server.port, **env)
    seen = tls_server.logins.seen  # smtplib tries each mechanism offered (PLAIN, LOGIN)
    assert seen and set(seen) == {(USER, False)} and tls_server.box.received() == []
    outcomes = _outcomes(engine)
    assert {o["kind"] for o in outcomes} == {"notification.deferred"}
    assert all("SMTP 535" in o["error"] for o in outcomes), outcomes
    assert wrong not in stdout + stderr + json.dumps(outcomes)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("missing", "cannot be used: No such file or directory"),
        ("not-pem", "cannot be used:"),
        ("tls-none", "FOREWARN_SMTP_CA_FILE is set but FOREWARN_SMTP_TLS=none"),
    ],
)
def test_a_bad_ca_file_stops_the_worker_at_start_up(
    db_settings: Settings, engine: Engine, pki: Pki, tmp_path: Path, setting: str, expected: str
) -> None:
    bad = {"missing": tmp_path / "nowhere.pem", "not-pem": Path(__file__), "tls-none": pki.ca}
    mode = "none" if setting == "tls-none" else "starttls"
    env = notify_env(free_port(), FOREWARN_SMTP_TLS=mode, FOREWARN_SMTP_CA_FILE=str(bad[setting]))
    out = run(db_settings, "worker", "--once", **env)
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert "FOREWARN_SMTP_CA_FILE" in lines[0]
    assert notifications(engine) == []
