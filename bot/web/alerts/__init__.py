"""Alerts to the clinic when a conversation reaches high risk (or the person
says they have acted): records and outbox in `store`, the webhook and e-mail
senders in `channels`, the loop every web app process runs in `worker`.

Alerts come from the risk records Rasa stores with each message (read through
the staff summary), never from the action server, so a risk turn answered with
the action server down raises one too.
"""

from bot.settings import Settings


def alert_status_line(settings: Settings) -> str:
    """What `make run` prints about alerts: who is told, or plainly that nobody is."""
    if not settings.alert_channels:
        return ("Staff alerts: NOT CONFIGURED. High-risk conversations are listed first in the staff app "
                f"({settings.staff_base_url}/alerts), but nobody is told when one arrives. "
                "Set ALERT_WEBHOOK_URL and/or ALERT_SMTP_HOST in .env (see .env.example).")
    where = []
    if "webhook" in settings.alert_channels:
        where.append("a webhook")
    if "email" in settings.alert_channels:
        where.append(f"e-mail to {len(settings.alert_email_to)} address(es)")
    return (f"Staff alerts: on, by {' and '.join(where)}, within about {settings.alert_poll_seconds:g} s of a "
            f"high-risk message; a reminder after {settings.alert_remind_minutes} min without acknowledgement.")
