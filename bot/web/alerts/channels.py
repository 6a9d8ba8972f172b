"""How an alert reaches the clinic: a JSON POST to ALERT_WEBHOOK_URL and/or an
e-mail over SMTP. What they carry is the same and never holds message text: the
alert's stable id, whether it is the alert or its reminder, the level, the
safety layer's reason codes, times, the conversation's pseudonym and a link to
it in the staff app.

Each sender raises `DeliveryError` with a short reason (no payload, no
credentials) that the staff app shows beside the alert.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Dict

import aiohttp

from bot.settings import Settings
from bot.web.alerts.store import SEND_TIMEOUT_SECONDS, Delivery

LEVEL_WORDS = {"high": "high risk", "acted": "acted: the person said they had already harmed themselves"}


class DeliveryError(Exception):
    """A delivery failed; str() is the short reason staff see."""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def link(settings: Settings, delivery: Delivery) -> str:
    if delivery.conversation_id is not None and not delivery.erased:
        return f"{settings.staff_base_url}/conversations/{delivery.conversation_id}"
    return f"{settings.staff_base_url}/alerts"


def payload(settings: Settings, delivery: Delivery) -> Dict[str, Any]:
    return {
        "alert_id": delivery.uid,
        "kind": delivery.kind,  # "alert", or "reminder" when nobody acknowledged it in time
        "level": delivery.level,
        "reasons": delivery.reasons,
        "flagged_at": _iso(delivery.flagged_at),
        "raised_at": _iso(delivery.created_at),
        "conversation": delivery.conversation,
        "conversation_erased": delivery.erased,
        "link": link(settings, delivery),
    }


def body_bytes(data: Dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def send_webhook(settings: Settings, delivery: Delivery, session: aiohttp.ClientSession) -> None:
    body = body_bytes(payload(settings, delivery))
    headers = {"content-type": "application/json", "x-unknot-alert-id": delivery.uid,
               "user-agent": "Unknot-alerts"}
    if settings.alert_webhook_secret:
        headers["x-unknot-signature"] = signature(settings.alert_webhook_secret, body)
    try:
        async with session.post(settings.alert_webhook_url, data=body, headers=headers, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook answered HTTP {response.status}")
    except asyncio.TimeoutError:
        raise DeliveryError(f"webhook did not answer within {SEND_TIMEOUT_SECONDS:g} s") from None
    except aiohttp.ClientError as error:
        raise DeliveryError(f"webhook unreachable ({type(error).__name__})") from None


def email_message(settings: Settings, delivery: Delivery) -> EmailMessage:
    data = payload(settings, delivery)
    message = EmailMessage()
    what = "Reminder: not yet acknowledged" if delivery.kind == "reminder" else "Alert"
    message["Subject"] = f"[Unknot] {what}: {delivery.level} risk in conversation {delivery.conversation}"
    message["From"] = settings.alert_email_from
    message["To"] = ", ".join(settings.alert_email_to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=f"{delivery.uid}.{delivery.kind}")
    message["X-Unknot-Alert-Id"] = delivery.uid
    lines = [
        f"{what} from Unknot.",
        "",
        f"Level: {LEVEL_WORDS.get(delivery.level, delivery.level)}",
        f"Raised by: {', '.join(delivery.reasons) or 'the crisis conversation'}",
        f"Flagged at: {data['flagged_at']}",
        f"Conversation: {delivery.conversation}" + (" (erased by retention)" if delivery.erased else ""),
        f"Open it: {data['link']}",
        "",
        "Acknowledge the alert in the staff app once someone has looked at it.",
        f"Alert id: {delivery.uid} (the same in a repeat of this message)",
    ]
    message.set_content("\n".join(lines))
    return message


def _smtp_send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.alert_smtp_host, settings.alert_smtp_port, timeout=SEND_TIMEOUT_SECONDS) as smtp:
        smtp.ehlo()
        if settings.alert_smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.alert_smtp_user:
            smtp.login(settings.alert_smtp_user, settings.alert_smtp_password)
        smtp.send_message(message)


async def send_email(settings: Settings, delivery: Delivery) -> None:
    try:
        await asyncio.to_thread(_smtp_send, settings, email_message(settings, delivery))
    except smtplib.SMTPException as error:
        raise DeliveryError(f"SMTP refused ({type(error).__name__})") from None
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(f"SMTP server unreachable ({type(error).__name__})") from None
