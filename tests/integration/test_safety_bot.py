"""The whole bot on the labelled safety set, through the REST channel: every risk
message must get crisis lines in its first reply.

The whole-bot false-positive rate is printed here and measured with the shipped
model by `make eval-safety`; it is not yet within the 3% target (DIET labels
some hyperbole as express_risk), which is open work for the safety issue.
"""
from __future__ import annotations

import pytest

from bot.eval_safety import evaluate_bot, rest_sender
from bot.safety.evaluate import DEFAULT_SET, load_set

pytestmark = pytest.mark.slow


def test_every_risk_message_gets_crisis_lines_in_the_first_reply(stack):
    items = [i for i in load_set(DEFAULT_SET)]
    report = evaluate_bot(rest_sender(stack.settings.rasa_url), items)
    print(report.format())
    assert report.risk_total >= 150 and report.none_total >= 250
    assert report.missed == [], report.format()
