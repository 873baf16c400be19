"""The channels an alert goes out through: Event Log, webhook (Teams, Slack, JSON), heartbeat, e-mail.

Each channel's `send` raises ChannelError with the reason and the fix; nothing here decides
whether to alert or waits longer than the timeout it is given. Addresses are shown by host only:
the path of a webhook or heartbeat URL is its secret.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import requests

from assetsync.alerts import eventlog
from assetsync.alerts.events import Alert
from assetsync.alerts.validate import DEFAULT_SMTP_PORT
from assetsync.config import Settings

EVENTLOG, WEBHOOK, HEARTBEAT, EMAIL = "Event Log", "Webhook", "Heartbeat", "E-mail"
START, SUCCESS, FAIL, LOG = "start", "success", "fail", "log"


class ChannelError(Exception):
    """A channel could not deliver; `fix` says what the admin can do about it."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason, self.fix = reason, fix


@dataclass(frozen=True)
class Channel:
    """One configured channel: its name, where it goes (no secret), and how it sends an alert."""

    name: str
    target: str
    send: Callable[[Alert, float], None]


def shown(url: str) -> str:
    """A secret URL as it may be shown: scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/..."


def webhook_format(settings: Settings) -> str:
    """The configured format, else the one the URL's host expects."""
    if settings.alert_webhook_format:
        return settings.alert_webhook_format
    host = (urlsplit(settings.alert_webhook_url).hostname or "").lower()
    if host == "hooks.slack.com":
        return "slack"
    # Teams Workflows (Power Automate) URLs; webhook.office.com is the retired connector's host.
    if host.endswith((".logic.azure.com", ".powerplatform.com", "webhook.office.com")):
        return "teams"
    return "json"


def configured(settings: Settings) -> list[Channel]:
    """The alert channels these settings turn on (the heartbeat is separate: see Heartbeat)."""
    channels: list[Channel] = []
    if settings.eventlog:
        channels.append(Channel(EVENTLOG, f"Application log, source {eventlog.SOURCE}", _send_eventlog))
    if settings.alert_webhook_url:
        fmt = webhook_format(settings)
        url = settings.alert_webhook_url
        channels.append(
            Channel(WEBHOOK, f"{shown(url)} ({fmt})", lambda alert, timeout: _post(url, fmt, alert, timeout))
        )
    if settings.smtp_host:
        port = settings.smtp_port or DEFAULT_SMTP_PORT[settings.smtp_security]
        channels.append(
            Channel(
                EMAIL,
                f"{settings.smtp_host}:{port} ({settings.smtp_security}) "
                f"to {', '.join(settings.alert_email_to)}",
                lambda alert, timeout: _mail(settings, port, alert, timeout),
            )
        )
    return channels


def any_configured(settings: Settings) -> bool:
    return bool(settings.heartbeat_url) or bool(configured(settings))


# -- Event Log ----------------------------------------------------------------------------------
def _send_eventlog(alert: Alert, timeout: float) -> None:
    try:
        eventlog.write_event(alert.event_id, alert.level, alert.text())
    except OSError as exc:
        raise ChannelError(
            f"could not write to the Event Log: {exc}",
            "run setup_sync_schedule.ps1 once as administrator (it registers the source), "
            "or set ASSETSYNC_EVENTLOG=false",
        ) from None


# -- webhook ------------------------------------------------------------------------------------
def webhook_body(fmt: str, alert: Alert) -> dict[str, Any]:
    """The JSON the webhook receives in `fmt` (teams, slack or json)."""
    if fmt == "slack":
        return {"text": alert.text()}
    if fmt == "teams":
        return _adaptive_card(alert)
    return alert.to_json()


def _adaptive_card(alert: Alert) -> dict[str, Any]:
    """A message with one Adaptive Card, the shape the Teams Workflows webhook trigger posts."""
    color = {"Error": "Attention", "Warning": "Warning"}.get(alert.level, "Good")
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": alert.subject, "weight": "Bolder", "size": "Medium",
             "color": color, "wrap": True},
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in alert.facts()]},
        ],
    }  # fmt: skip
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _post(url: str, fmt: str, alert: Alert, timeout: float) -> None:
    http(url, timeout, json=webhook_body(fmt, alert), fix_for_refusal="copy the webhook address again")


def http(url: str, timeout: float, *, fix_for_refusal: str, method: str = "POST", **kwargs: Any) -> None:
    """POST (or `method`) to a secret URL; ChannelError (naming only the host) unless it answers 2xx."""
    host = urlsplit(url).netloc.rpartition("@")[2]
    reach = f"check that this machine can reach {host} (proxy, firewall, DNS)"
    try:
        # No redirects: a redirect would carry the body somewhere nobody configured.
        response = requests.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.exceptions.SSLError:
        raise ChannelError(f"the TLS certificate of {host} was not accepted", reach) from None
    except requests.exceptions.Timeout:
        raise ChannelError(f"{host} gave no answer within {timeout:g} s", reach) from None
    except requests.exceptions.RequestException:
        raise ChannelError(f"could not connect to {host}", reach) from None
    with response:
        if not 200 <= response.status_code < 300:
            raise ChannelError(
                f"{host} answered HTTP {response.status_code}",
                fix_for_refusal
                if response.status_code in (401, 403, 404, 410)
                else "retry later; if it goes on, check the receiving service",
            )


# -- heartbeat ----------------------------------------------------------------------------------
def heartbeat_url(url: str, kind: str, message: str) -> tuple[str, dict[str, str] | None]:
    """The address to ping for `kind` (start, success, fail, log), and query parameters if any.

    healthchecks.io style: <url>/start, <url>, <url>/fail, <url>/log. Uptime Kuma's push URLs
    (/api/push/<token>) take status=up|down instead and have no start ping (None for it).
    """
    parts = urlsplit(url)
    if "/api/push/" in parts.path:
        if kind == START:
            return "", None
        base = parts._replace(query="").geturl()
        status = "down" if kind == FAIL else "up"
        return base, {"status": status, "msg": message[:200], "ping": ""}
    base = url.rstrip("/")
    suffix = {START: "/start", SUCCESS: "", FAIL: "/fail", LOG: "/log"}[kind]
    return base + suffix, None


def ping(url: str, kind: str, message: str, timeout: float) -> None:
    """One heartbeat ping; the message is the request body (healthchecks shows it) or Kuma's msg."""
    target, params = heartbeat_url(url, kind, message)
    if not target:
        return
    fix = "copy the ping address of the check again (was the check deleted?)"
    if params is not None:  # Uptime Kuma: older versions route only GET to the push URL
        http(target, timeout, fix_for_refusal=fix, method="GET", params=params)
    else:
        http(target, timeout, fix_for_refusal=fix, data=message.encode("utf-8"))


# -- e-mail -------------------------------------------------------------------------------------
def _mail(settings: Settings, port: int, alert: Alert, timeout: float) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.alert_email_from
    message["To"] = ", ".join(settings.alert_email_to)
    message.set_content(alert.text() + "\n")
    where = f"{settings.smtp_host}:{port}"
    try:
        _send_mail(settings, port, message, timeout)
    except smtplib.SMTPAuthenticationError:
        raise ChannelError(
            f"{where} refused the login", "check ASSETSYNC_SMTP_USER and ASSETSYNC_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise ChannelError(f"{where} refused the recipients", "check ASSETSYNC_ALERT_EMAIL_TO") from None
    except smtplib.SMTPSenderRefused:
        raise ChannelError(f"{where} refused the sender", "check ASSETSYNC_ALERT_EMAIL_FROM") from None
    except smtplib.SMTPResponseException as exc:
        raise ChannelError(f"{where} answered {exc.smtp_code}", "ask the mail server's admin") from None
    except ssl.SSLError:
        raise ChannelError(
            f"TLS with {where} failed",
            "check ASSETSYNC_SMTP_SECURITY and ASSETSYNC_SMTP_PORT (ssl is 465, starttls 587)",
        ) from None
    except TimeoutError:
        raise ChannelError(
            f"{where} gave no answer within {timeout:g} s", "check the host, port and firewall"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ChannelError(
            f"could not send through {where}: {reason}", "check ASSETSYNC_SMTP_HOST and ASSETSYNC_SMTP_PORT"
        ) from None


def _send_mail(settings: Settings, port: int, message: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, port, timeout=timeout)
    where = f"{settings.smtp_host}:{port}"
    with smtp:
        if settings.smtp_security == "starttls":
            try:
                smtp.starttls(context=context)
            except smtplib.SMTPNotSupportedError:
                raise ChannelError(
                    f"{where} offers no STARTTLS",
                    "use ASSETSYNC_SMTP_SECURITY=ssl (port 465) or the server's submission port (587)",
                ) from None
        if settings.smtp_user:
            try:
                smtp.login(settings.smtp_user, settings.smtp_password)
            except smtplib.SMTPNotSupportedError:
                raise ChannelError(
                    f"{where} offers no login (AUTH)",
                    "remove ASSETSYNC_SMTP_USER and ASSETSYNC_SMTP_PASSWORD, or use a port that takes logins",
                ) from None
        smtp.send_message(message)
