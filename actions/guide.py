"""action_guide: runs the explanation walkthrough and the guided exercises."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.flows.guide import next_move


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action the bot ran before the latest user message (ignoring listen)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


class ActionGuide(Action):
    def name(self) -> Text:
        return "action_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        move = next_move(
            intent=(tracker.latest_message.get("intent") or {}).get("name"),
            guide=tracker.get_slot("guide"),
            step=tracker.get_slot("guide_step"),
            exercise=tracker.get_slot("exercise"),
            continuing=previous_bot_action(tracker) == self.name(),
        )
        for reply in move.replies:
            dispatcher.utter_message(response=reply.response, buttons=list(reply.buttons) or None)
        return [SlotSet(name, value) for name, value in move.slots.items()]
