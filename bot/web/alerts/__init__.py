"""Alerts to the clinic when a conversation reaches high risk (or the person
says they have acted): records and outbox in `store`, the webhook and e-mail
senders in `channels`, the loop every web app process runs in `worker`.

Alerts come from the risk records Rasa stores with each message (read through
the staff summary), never from the action server, so a risk turn answered with
the action server down raises one too.
"""
