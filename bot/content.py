"""What the bot says outside the domain, in one place.

The domain (domain/*.yml) holds every response Rasa sends; the crisis replies
and their numbers live in bot/safety/crisis_replies.yml and crisis_lines.yml.
What is left is said by code paths that do not go through a domain response: the
Telegram channel's own notices (media it cannot read, groups, an error), the
input boundary's answer to a message too long to read, the fallback's "did you
mean ...?" and the hand-over to a person. Edit the words here; no number a
person could call may be typed in (tests/unit/flows/test_crisis.py scans this file too).
"""
from __future__ import annotations

from typing import Dict

# --- Telegram (bot/channels/telegram/) -------------------------------------------
CRISIS_HINT = 'If you are struggling or thinking of hurting yourself, type "crisis" (or /crisis) and I will show you crisis lines straight away.'

MEDIA_REPLIES = {
    "voice": ("I can't listen to voice messages, sorry: I can only read text. Could you type what you "
              "wanted to say? " + CRISIS_HINT + " In an emergency, call your local emergency number."),
    "video_note": ("I can't watch or listen to video messages, sorry: I can only read text. Could you "
                   "type what you wanted to say? " + CRISIS_HINT),
    "location": ("Thank you, but I can't use locations: I can only read text. If you'd like crisis "
                 "lines for your country, just tell me where you are, for example \"I'm in the UK\"."),
}
MEDIA_REPLIES["audio"] = MEDIA_REPLIES["voice"]
MEDIA_REPLIES["venue"] = MEDIA_REPLIES["location"]
DEFAULT_MEDIA_REPLY = ("Thanks for sending that. I can only read text, so I can't see photos, stickers "
                       "or files. Could you tell me in words? " + CRISIS_HINT)
CAPTION_NOTE = "(I can't see what you attached, so I read only the words you wrote with it.)"
GROUP_REPLY = ("Hi! I'm Unknot, a support assistant for stress and back pain. I only work in private chats, "
               "so I don't read or keep messages in groups. Please message me directly. If someone is in "
               "danger, call the local emergency number.")
ERROR_REPLY = ("Sorry, something went wrong on my side and I couldn't answer that. Please try again in a "
               "moment. " + CRISIS_HINT)

# --- the input boundary (bot/channels/input_boundary.py) --------------------------
MESSAGE_TOO_LONG = "That message is too long for me to read. Could you send it in a few parts (up to {limit} characters each)?"

# --- the two-stage fallback (bot/flows/fallback.py) --------------------------------
# What each intent means, in the user's words, for "Did you mean: ...?"
INTENT_LABELS: Dict[str, str] = {
    "greet": "saying hello",
    "goodbye": "saying goodbye",
    "thank": "saying thanks",
    "bot_challenge": "whether I'm a bot",
    "show_menu": "what I can help with",
    "ask_stress_back_pain": "whether stress can cause back pain",
    "ask_muscle_tension": "how stress tightens your muscles",
    "ask_posture": "posture and back pain",
    "ask_inactivity": "how moving less affects your back",
    "ask_hypersensitivity": "why pain can feel worse when you're anxious",
    "ask_pain_anxiety_cycle": "the pain–anxiety cycle",
    "ask_coping_tips": "coping steps for back pain",
    "request_relaxation_exercise": "doing a relaxation exercise",
    "ask_stretches": "stretches for your back",
    "ask_exercise": "exercise and staying active",
    "ask_sleep": "sleep and back pain",
    "ask_pain_medication": "pain relief medicines",
    "ask_massage_physio": "massage or physiotherapy",
    "ask_therapy": "therapy or CBT for stress",
    "ask_when_see_doctor": "when to see a doctor",
    "report_red_flag": "a warning sign that needs a doctor",
    "ask_relaxation_resources": "where to learn relaxation techniques",
    "express_stress": "feeling stressed",
    "request_crisis_resources": "crisis helplines",
    "request_human": "talking to a person at the clinic",
    "ask_privacy": "what happens to your data",
}


# Messages the bot does not understand are where a risk phrasing it has never seen
# ends up, so the crisis lines are one tap away there.
CRISIS_BUTTON = {"title": "Crisis lines", "payload": "/request_crisis_resources"}
FALLBACK_REPHRASE = "Sorry, I'm not sure I understood. Could you say that another way?"
FALLBACK_DID_YOU_MEAN = "Sorry, I'm not sure I understood. Did you mean: {label}?"

# --- a person to talk to (actions/support.py) -------------------------------------
HUMAN_CONTACT = ("I can't hand this chat over to a person myself, but you can reach {clinic} directly: {contact}. "
                 "If you're in crisis right now, type \"crisis\" for helplines.")

# --- regional lines on request (bot/flows/crisis.py) ------------------------------
REGIONAL_LINES_HEADING = "Lines for {region}:"
