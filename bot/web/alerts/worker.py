"""The alert worker: runs inside every web app process, every ALERT_POLL_SECONDS.

One round: bring the staff summary up to date with Rasa's `events` (the risk
records), raise the alerts it calls for, plan their deliveries and reminders,
then claim the due deliveries and send them. Database work runs in a thread;
sending is async. Any replica may run it: claims make each delivery go out from
one of them. A failed send is retried with backoff (ALERT_POLL_SECONDS doubling,
at most ALERT_RETRY_MAX_SECONDS) and its reason is shown in the staff app.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import List, Optional

import aiohttp

from bot.settings import Settings
from bot.storage import staff_tables as db
from bot.web.alerts import channels, store
from bot.web.staff import queries, summary

log = logging.getLogger(__name__)

# Batches one round may send back to back before it yields to the next poll
# (a bound, so a round always ends: failed sends are rescheduled, never re-claimed at once).
MAX_BATCHES_PER_ROUND = 50


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class AlertWorker:
    def __init__(self, settings: Settings, name: Optional[str] = None) -> None:
        self.settings = settings
        self.name = name or worker_name()
        self.threshold = summary.fallback_threshold()
        self._engine = None
        self._key: Optional[str] = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = db.get_engine(self.settings.database_url)
        return self._engine

    def _pseudonym(self, sender_id: str) -> str:
        if self._key is None:
            self._key = self.settings.signing_key()
        return queries.pseudonym(self._key, sender_id)

    def prepare(self, now: Optional[float] = None) -> List[store.Delivery]:
        """The database half of a round (blocking): returns the deliveries this worker claimed."""
        now = time.time() if now is None else now
        summary.refresh(self.engine, self.threshold)
        with self.engine.begin() as conn:
            raised = store.raise_alerts(conn, self._pseudonym, now)
            store.plan_deliveries(conn, self.settings.alert_channels, self.settings.alert_remind_minutes * 60, now)
        if raised:
            log.warning("staff alert: %d new high-risk conversation(s) need review%s", raised,
                        "" if self.settings.alert_channels else " (no alert channel configured: nobody is told)")
        with self.engine.begin() as conn:
            return store.claim_due(conn, self.name, self.settings.alert_channels, now=now)

    def _record(self, delivery: store.Delivery, error: Optional[str]) -> None:
        with self.engine.begin() as conn:
            if error is None:
                store.record_sent(conn, delivery.id, self.name)
            else:
                store.record_failure(conn, delivery.id, self.name, error, self.settings.alert_poll_seconds,
                                     self.settings.alert_retry_max_seconds)

    async def _send(self, delivery: store.Delivery, session: aiohttp.ClientSession) -> Optional[str]:
        try:
            if delivery.channel == "webhook" and self.settings.alert_webhook_url:
                await channels.send_webhook(self.settings, delivery, session)
            elif delivery.channel == "email" and self.settings.alert_smtp_host:
                await channels.send_email(self.settings, delivery)
            else:
                return f"the {delivery.channel} channel is no longer configured"
        except channels.DeliveryError as error:
            return str(error)
        return None

    async def run_once(self) -> int:
        """One round; returns how many deliveries were sent."""
        due = await asyncio.to_thread(self.prepare)
        sent = 0
        if not due:
            return 0
        # A session per round with something to send: alerts are rare, and a
        # round never outlives its event loop.
        async with aiohttp.ClientSession() as session:
            for _ in range(MAX_BATCHES_PER_ROUND):
                claimed_at = time.monotonic()
                for index, delivery in enumerate(due):
                    if time.monotonic() - claimed_at > store.CLAIM_SECONDS - store.SEND_TIMEOUT_SECONDS - 5:
                        # Slow sends (a channel timing out): our lease on the
                        # rest would run out mid-send and another replica could
                        # send them too. Hand them back instead.
                        await asyncio.to_thread(self._release, due[index:])
                        return sent
                    error = await self._send(delivery, session)
                    if error is None:
                        sent += 1
                    else:
                        log.warning("staff alert %s (%s, %s) not delivered: %s", delivery.uid, delivery.kind,
                                    delivery.channel, error)
                    await asyncio.to_thread(self._record, delivery, error)
                if len(due) < store.CLAIM_BATCH:
                    break
                # A full batch: more may be due (a burst, or alerts switched on
                # over a busy day). Drain it now rather than one batch per poll
                # interval, so the last conversation is not told minutes late.
                due = await asyncio.to_thread(self._claim)
        return sent

    def _release(self, deliveries: List[store.Delivery]) -> None:
        with self.engine.begin() as conn:
            store.release(conn, [d.id for d in deliveries], self.name)

    def _claim(self) -> List[store.Delivery]:
        with self.engine.begin() as conn:
            return store.claim_due(conn, self.name, self.settings.alert_channels)

    async def run(self, stop: asyncio.Event) -> None:
        if not self.settings.alert_channels:
            log.warning("staff alerts: no ALERT_WEBHOOK_URL or ALERT_SMTP_HOST set; high-risk conversations are "
                        "recorded and shown in the staff app, but nobody is told")
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as error:  # noqa: BLE001 - keep the loop alive; log the type, never data
                log.error("staff alert round failed: %s", type(error).__name__)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.alert_poll_seconds)
