"""E-mail alerts against a local SMTP server (aiosmtpd): STARTTLS (the default), implicit TLS,
a login, and the reasons given when the server says no."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from assetsync.alerts.dispatch import Alerter
from assetsync.alerts.events import TEST, Alert
from assetsync.check import CheckResult
from assetsync.config import load_settings
from tests.alert_receivers import login, smtp_server

USER, PASSWORD = "alerts", "smtp-pass-secret-55e1"
BASE = {
    "DATABASE_URL": "postgresql://assetsync@127.0.0.1:1/reporting",
    "SNIPEIT_API_URL": "https://assets.example.com",
    "SNIPEIT_TOKEN": "token-" + "z" * 30,
    "ASSETSYNC_EVENTLOG": "false",
    "ASSETSYNC_SMTP_HOST": "127.0.0.1",
    "ASSETSYNC_ALERT_EMAIL_FROM": "assetsync@example.com",
    "ASSETSYNC_ALERT_EMAIL_TO": "it-ops@example.com",
}


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """A server context for 127.0.0.1 from a private CA that this process trusts (SSL_CERT_FILE is
    what ssl.create_default_context reads, as on a machine whose admin installed the CA)."""
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    yield context


def send(**settings: str) -> CheckResult:
    alerter = Alerter(load_settings({**BASE, **settings}), channel_timeout=5)
    [outcome] = alerter.deliver([Alert(TEST, "SRV01")])
    return outcome


def test_starttls_with_a_login(tls: ssl.SSLContext) -> None:
    # The server takes a login only after STARTTLS: a message proves the connection was encrypted.
    with smtp_server(
        tls_context=tls, require_starttls=True, authenticator=login(USER, PASSWORD), auth_require_tls=True
    ) as (
        port,
        mails,
    ):
        outcome = send(
            ASSETSYNC_SMTP_PORT=str(port), ASSETSYNC_SMTP_USER=USER, ASSETSYNC_SMTP_PASSWORD=PASSWORD
        )
    assert outcome.passed, outcome.detail
    [mail] = mails
    assert (
        mail["Subject"] == "assetsync on SRV01: TEST alert (nothing happened; sent by `assetsync alert test`)"
    )
    assert PASSWORD not in mail.as_string()


def test_implicit_tls(tls: ssl.SSLContext) -> None:
    with smtp_server(ssl_context=tls) as (port, mails):
        outcome = send(ASSETSYNC_SMTP_PORT=str(port), ASSETSYNC_SMTP_SECURITY="ssl")
    assert outcome.passed, outcome.detail
    assert len(mails) == 1


def test_a_wrong_password_and_a_server_without_starttls_say_what_to_fix(tls: ssl.SSLContext) -> None:
    with smtp_server(tls_context=tls, authenticator=login(USER, PASSWORD), auth_require_tls=True) as (
        port,
        mails,
    ):
        refused = send(
            ASSETSYNC_SMTP_PORT=str(port), ASSETSYNC_SMTP_USER=USER, ASSETSYNC_SMTP_PASSWORD="wrong-pass-1"
        )
    assert not refused.passed and refused.detail.endswith(f"127.0.0.1:{port} refused the login")
    assert refused.fix == "check ASSETSYNC_SMTP_USER and ASSETSYNC_SMTP_PASSWORD"
    with smtp_server() as (port, mails):
        plain = send(ASSETSYNC_SMTP_PORT=str(port))
    assert not plain.passed and plain.detail.endswith("offers no STARTTLS")
    assert "ASSETSYNC_SMTP_SECURITY=ssl" in plain.fix
    assert mails == []
