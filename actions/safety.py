"""action_regional_lines: "I'm in Australia" outside a crisis gets that country's lines.

Every crisis reply (the first one included) is a domain response that SafetyPolicy
predicts, so none of them needs this server (bot/flows/crisis_conversation.py).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.flows.crisis import regional_lines_text
from bot.safety.resources import region_from_text


class ActionRegionalLines(Action):
    """"I'm in Australia": the crisis lines for the place the person names.

    Works at any point of the conversation (and inside the coping form, which
    resumes afterwards); remembers the region for later crisis replies."""

    def name(self) -> Text:
        return "action_regional_lines"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        region = region_from_text(latest.get("text"))
        if region is None:
            dispatcher.utter_message(response="utter_ask_region")
            return []
        dispatcher.utter_message(text=regional_lines_text(region, youth=tracker.get_slot("youth") is True))
        return [SlotSet("region", region)]
