"""action_crisis_support: the part of the safety path that needs code.

By the time this runs, the domain response `utter_crisis_lines` has already put
the default crisis lines in front of the person (that part needs no action
server). This action adds the lines for their region, a grounding exercise, a
safety-plan prompt and a gentle question, and flags the conversation for staff.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.crisis import crisis_messages, detect_region, regional_lines_text, risk_flag
from bot.safety.resources import region_from_text

# intents that are on the crisis path by themselves (SafetyPolicy's risk_intents)
CRISIS_INTENTS = ("express_risk", "request_crisis_resources")


class ActionCrisisSupport(Action):
    def name(self) -> Text:
        return "action_crisis_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        region: Optional[str] = detect_region(
            text=latest.get("text"),
            metadata=latest.get("metadata") or {},
            known=tracker.get_slot("region"),
        )
        flag = risk_flag(latest, now=datetime.now(timezone.utc))
        if (latest.get("risk") or {}).get("level") == "none" and flag["intent"] not in CRISIS_INTENTS:
            # SafetyPolicy sent this turn down the risk path because of the turns before it
            flag["reasons"] = ["context"]
        for message in crisis_messages(region, flag["level"], tracker.get_latest_input_channel()):
            dispatcher.utter_message(**message)
        flags = list(tracker.get_slot("risk_flags") or [])
        flags.append(flag)
        return [
            SlotSet("region", region),
            SlotSet("risk_flagged", True),
            SlotSet("risk_level", flag["level"]),
            SlotSet("risk_flags", flags),
        ]


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
        dispatcher.utter_message(text=regional_lines_text(region, tracker.get_latest_input_channel()))
        return [SlotSet("region", region)]
