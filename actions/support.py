"""Small support actions: talking to a person, the fallback's affirmation question."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.content import HUMAN_CONTACT
from bot.flows.fallback import affirmation_question
from bot.settings import load_settings


class ActionRequestHuman(Action):
    """Gives the clinic contact from CLINIC_CONTACT, or says honestly there is none."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        settings = load_settings()
        if not settings.clinic_contact:
            dispatcher.utter_message(response="utter_no_human_contact")
            return []
        dispatcher.utter_message(
            text=HUMAN_CONTACT.format(clinic=settings.clinic_name, contact=settings.clinic_contact)
        )
        return []


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback: "did you mean ...?" in plain words."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        # the top of the ranking is nlu_fallback itself; the guess is the next one
        guess = next((r.get("name") for r in ranking if r.get("name") != "nlu_fallback"), None)
        text, buttons = affirmation_question(guess)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
