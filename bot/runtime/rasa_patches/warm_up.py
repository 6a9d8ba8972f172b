"""Warm a model up as it is loaded (bot/runtime/warm_up.py), before the server answers."""
from __future__ import annotations

import logging
from typing import Any

from bot.runtime.rasa_patches.registry import RASA, Patch, replace
from bot.runtime.warm_up import warm_up

logger = logging.getLogger(__name__)

NAME = "warm_up"


def apply(settings: Any = None) -> None:
    from rasa.core.agent import Agent

    original = Agent.__dict__["load_model"]

    def load_model(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            took = warm_up(self.processor)
        except Exception:  # noqa: BLE001 - a failed warm-up only costs the first reply its speed
            logger.warning("Warm-up of the loaded model failed; the first message will be slower",
                           exc_info=True)
        else:
            logger.info(f"Model warmed up in {took:.1f} s")

    load_model.__doc__ = original.__doc__
    replace(Agent, "load_model", load_model, NAME)


PATCH = Patch(NAME, "warm_up", (RASA,), apply)
