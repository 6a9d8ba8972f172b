"""The coping-steps form: validation and the tips it leads to."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.flows.coping import choose_tips, parse_duration, parse_location, parse_severity

FORM_SLOTS = ("pain_location", "pain_duration", "pain_severity", "red_flag_screen")


class ValidateCopingForm(FormValidationAction):
    """Validates coping_form. The domain must define the four FORM_SLOTS and an
    `utter_invalid_<slot>` response for each, used to re-ask kindly."""

    def name(self) -> Text:
        return "validate_coping_form"

    @staticmethod
    def _reject(dispatcher: CollectingDispatcher, slot: str) -> Dict[Text, Any]:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
        return {slot: None}

    def validate_pain_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        location = parse_location(value)
        return {"pain_location": location} if location else self._reject(dispatcher, "pain_location")

    def validate_pain_duration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        duration = parse_duration(value)
        return {"pain_duration": duration} if duration else self._reject(dispatcher, "pain_duration")

    def validate_pain_severity(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        severity = parse_severity(value)
        return {"pain_severity": severity} if severity is not None else self._reject(dispatcher, "pain_severity")

    def validate_red_flag_screen(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, bool):
            return {"red_flag_screen": value}
        return self._reject(dispatcher, "red_flag_screen")


class ActionCopingTips(Action):
    """Sends the tips that fit the form's answers, then clears the answers so the
    next "coping steps" asks afresh."""

    def name(self) -> Text:
        return "action_coping_tips"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        tips = choose_tips(
            location=tracker.get_slot("pain_location"),
            duration=tracker.get_slot("pain_duration"),
            severity=tracker.get_slot("pain_severity"),
            red_flag=tracker.get_slot("red_flag_screen"),
        )
        if tips[0] != "utter_red_flag_urgent":
            dispatcher.utter_message(response="utter_tips_header")
        for tip in tips:
            dispatcher.utter_message(response=tip)
        dispatcher.utter_message(response="utter_tips_offer_exercise")
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
