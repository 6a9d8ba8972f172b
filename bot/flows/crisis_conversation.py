"""The crisis conversation: what each message means once risk has come up, and what the bot says.

Pure Python (no Rasa import); `bot.dialogue.safety_policy.SafetyPolicy` is the thin adapter
that reads the inputs from the tracker and predicts the replies, which are plain domain
responses (bot/safety/crisis_replies.yml), so all of this works with the action server down.

The state is read from the conversation itself: the crisis replies the bot sent earlier in
the session (`state_from_actions`). It needs no slot to survive a restart of the Rasa server,
and a test story exercises it as it is. The `crisis` slot mirrors it, to carry it into the
next session ("coming back") and to show it to staff.

States: None (no crisis), "active", "immediate" (means, a plan, a time, "not safe"),
"acted" (took something, cut, any act, now or earlier; the most urgent), "safe" (the person
said they are safe, the lines stay one tap away, the next topic request is answered), and
"distress" (hopeless or exhausted without risk wording: one gentle check, not a crisis).

Every message in a crisis state gets a crisis reply: no fallback, no "did you mean", no menu.
The interpretations below are general rules over the words people use for an act, means at
hand, a plan, doubt, refusal to call; a learned model does the first detection (RiskGuard).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Collection, Dict, Mapping, Optional, Sequence, Tuple

from bot.flows import safety_plan

ACTIVE, IMMEDIATE, ACTED, SAFE, DISTRESS = "active", "immediate", "acted", "safe", "distress"
HELPER = "helper"  # the person is worried about someone else at risk (not their own crisis)
CRISIS_STATES = (ACTIVE, IMMEDIATE, ACTED)
LEVELS = ("possible", "high", "acted")  # lowest first

ASK_DIRECT, ASK_POSSIBLE = "utter_crisis_ask_direct", "utter_crisis_ask_possible"
FIRST = "utter_crisis_first"
# Questions whose answer is "am I thinking about ending my life?" ...
DIRECT_QUESTIONS = (ASK_DIRECT, ASK_POSSIBLE)
# ... and those whose answer is "am I safe right now?"
SAFETY_QUESTIONS = ("utter_crisis_confirmed", "utter_crisis_unsure", "utter_crisis_check_topic",
                    "utter_crisis_welcome_back", "utter_crisis_grounding_done", safety_plan.DONE,
                    safety_plan.PAUSED)
GROUNDING = ("utter_crisis_grounding_1", "utter_crisis_grounding_2", "utter_crisis_grounding_3",
             "utter_crisis_grounding_done")

# Replies after "before we switch: are you safe?" that leave the topic asked for still waiting
# for a safe answer (an unsure answer gets another safety question, then the topic).
KEEPS_PENDING_TOPIC = ("utter_crisis_unsure", "utter_crisis_listen", "utter_crisis_lines_again")

# What each crisis reply says about the state after it (a reply not listed keeps the state).
_ACTION_STATE: Dict[str, Optional[str]] = {
    "utter_crisis_acted": ACTED, "utter_crisis_acted_again": ACTED, "utter_crisis_acted_wont_call": ACTED,
    "utter_crisis_acted_talk": ACTED,
    "utter_crisis_immediate": IMMEDIATE, "utter_crisis_immediate_again": IMMEDIATE,
    "utter_crisis_immediate_wont_call": IMMEDIATE,
    "utter_crisis_safe": SAFE, "utter_crisis_safe_listen": SAFE,
    "utter_crisis_go_on": None, "utter_crisis_safe_go_on": None, "utter_crisis_safe_moving_on": None,
    "utter_distress_check": DISTRESS, "utter_distress_listen": DISTRESS, "utter_distress_ok": None,
    "utter_crisis_helper": HELPER, "utter_crisis_helper_listen": HELPER,
}
_ACTIVE_ACTIONS = (FIRST, ASK_DIRECT, ASK_POSSIBLE, "utter_crisis_confirmed", "utter_crisis_unsure", "utter_crisis_lines_again",
                   "utter_crisis_again", "utter_crisis_listen", "utter_crisis_talk", "utter_crisis_text_options",
                   "utter_crisis_check_topic", "utter_crisis_welcome_back", "utter_crisis_again_plan",
                   "utter_crisis_helped", safety_plan.DONE, safety_plan.PAUSED, safety_plan.RESUME) + GROUNDING
_RANK = {None: 0, DISTRESS: 0, HELPER: 0, SAFE: 1, ACTIVE: 2, IMMEDIATE: 3, ACTED: 4}

SERVICE_TALK_REPLY = "utter_crisis_services_talk"

# Intents that ask for another topic (a crisis reply asks once whether they are safe first).
NOT_TOPICS = frozenset({"affirm", "deny", "inform", "thank", "goodbye", "out_of_scope", "nlu_fallback",
                        "express_stress", "express_risk", "request_crisis_resources", "inform_region",
                        "report_red_flag", "bot_challenge", "request_human", "request_stop",
                        "request_next_step", "report_partial_help", "greet"})


def state_from_actions(actions: Sequence[str], carried: Optional[str] = None) -> Optional[str]:
    """The state after the bot actions of this session (in order), starting from `carried`.

    A crisis reply never lowers "acted" or "immediate" (the emergency ask stays), except a
    safe answer, which ends "immediate" and "active"; any other (non-crisis) reply ends
    "safe" and "distress": the person chose to go on."""
    state = carried if carried in (ACTIVE, IMMEDIATE, ACTED, SAFE) else None
    for name in actions:
        if name in _ACTION_STATE:
            new = _ACTION_STATE[name]
            if new in (SAFE, None) and state == ACTED:
                continue
            if new in (DISTRESS, HELPER) and state in CRISIS_STATES:
                continue
            if new in (ACTED, IMMEDIATE) and _RANK[state] > _RANK[new]:
                continue
            state = new
        elif name in safety_plan.NEUTRAL:
            continue  # building or reading the plan keeps whatever state there is
        elif name in _ACTIVE_ACTIONS:
            if _RANK[state] < _RANK[ACTIVE]:
                state = ACTIVE
        elif name.startswith(("utter_", "action_")) and name not in (
                "action_listen", "action_deactivate_loop", "action_session_start",
                "action_regional_lines", "utter_ask_region"):
            if state in (SAFE, DISTRESS, HELPER):
                state = None
    return state


# ------------------------------------------------------------------ reading a message
def normalise(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\b(i)\s*m\b", r"\1'm", text)       # "im" / "i m" -> "i'm"
    text = re.sub(r"\bive\b", "i've", text)
    text = re.sub(r"\b(dont|cant|wont|didnt|havent|isnt|doesnt)\b",
                  lambda m: m.group(1)[:-1] + "'t", text)
    return re.sub(r"\s+", " ", text).strip()


def _rx(pattern: str) -> "re.Pattern[str]":
    return re.compile(pattern, re.IGNORECASE)


_NEG = r"(?<!n't )(?<!not )(?<!never )(?<!didn't )"
_MEANS = (r"(?:pills?|tablets?|meds|medications?|medicine|painkillers|paracetamol|tylenol|ibuprofen|"
          r"sleeping pills|(?:muscle )?relax(?:ants?|ers?)|antidepressants|sleeping tablets|blades?|razors?|knife|knives|"
          r"rope|noose|gun|firearm|belt|cord|bottle|packets?|"
          r"boxes? of|lighter|poison|bleach|car exhaust|the stuff)")
# An act (self): a past act on oneself or with means, or its aftermath.
_ACT = _rx(
    r"\b(?:i|i've|i have|i just|i already|just|already|i've just|i've already|i did)\b[^.?!]{0,20}?" + _NEG +
    r"\b(?:took|taken|swallowed|downed|had|drank|necked)\b[^.?!]{0,25}?"
    r"\b(?:pills?|tablets?|meds|medications?|painkillers|paracetamol|them all|all of them|some of them|"
    r"a lot of them|too many|the (?:whole|entire) (?:bottle|packet|box|pack)|a (?:whole )?(?:bottle|packet|box|pack|strip)|"
    r"loads of|a bunch of|everything i had|an overdose|overdose|the lot|half the|them)\b"
    r"|\b(?:i|i've|i have|i just|i already|just|already)\b[^.?!]{0,12}?" + _NEG +
    r"\b(?:cut|slit|slashed|burn(?:ed|t)|hurt|harmed|stabbed|scratched|hit)\b (?:myself|my (?:wrists?|arms?|legs?|"
    r"thighs?|skin|stomach))"
    r"|\b(?:overdosed|od'?d|o\.d\.'?d)\b|\btook an? (?:overdose|od)\b"
    r"|\b(?:i|i've|i have|just|already)\b[^.?!]{0,10}?" + _NEG + r"\b(?:did it|done it|tried to (?:kill|end|hang|drown)|"
    r"attempted|tried again)\b")
# What follows an act, read only inside a crisis.
_AFTERMATH = _rx(
    r"\b(?:drowsy|so sleepy|getting sleepy|dizzy|woozy|bleeding|blood everywhere|lots of blood|"
    r"throwing up|vomiting|being sick|passing out|pass out|can't stay awake|heart is racing|"
    r"feel(?:ing)? (?:weird|strange|funny|sick|faint|numb|off|really bad)|vision is blurry|blurry)\b")
_MEANS_AT_HAND = _rx(
    r"\b(?:have|got|holding|hold|bought|buying|collected|saved|saving|stockpiled|hoarded|keeping|sharpened|"
    r"ready|found|counted|lined up|laid out|sorted out)\b[^.?!]{0,30}?\b" + _MEANS +
    r"|\b" + _MEANS + r"\b[^.?!]{0,30}?\b(?:here|next to me|in front of me|in my hand|beside me|with me|"
    r"on the (?:table|bed|desk|counter)|in my (?:pocket|bag|room)|ready|counted|lined up|laid out)\b")
_PLAN = _rx(
    r"\btonight\b|\bthis (?:evening|weekend|morning)\b[^.?!]{0,20}\b(?:do it|end it|go|it's happening)|"
    r"\btoday is the day\b|\bit's (?:time|happening)\b|\bwhen (?:everyone|they|he|she|my \w+) (?:is|are|goes|go)"
    r"(?: to)? (?:asleep|to sleep|out|gone|bed|away)\b|\b(?:i've|i have|i've got|got) (?:a|the|my) plan\b|"
    r"\bplanned (?:it|how|when|everything)\b|\bdecided (?:how|when)\b|\b(?:wrote|written|writing|left) "
    r"(?:a |my |the )?(?:note|notes|letters?|goodbye)|\bletters? (?:to|for) (?:my|the)\b|"
    r"\b(?:gave|giving|given) away (?:my )?(?:stuff|things|belongings|cat|dog|pets?)\b|"
    r"\bsaid (?:my )?goodbyes?\b|\b(?:on|at|up on) the (?:bridge|roof|rooftop|ledge|edge|tracks|cliff|platform)\b")
_NOT_SAFE = _rx(
    r"\b(?:i'm|i am|i feel) not (?:safe|ok(?:ay)? to be alone)\b|\bnot safe\b|\b(?:don't|do not) feel safe\b|"
    r"\bcan't keep myself safe\b|\bwon't make it (?:through )?(?:tonight|the night)\b|\bnot going to make it\b")
_THIRD = _rx(
    r"\b(?:my|our) (?:friend|mate|bestie|bff|bf|gf|boyfriend|girlfriend|partner|husband|wife|son|daughter|kid|child|"
    r"teen|mum|mom|mother|dad|father|brother|sister|sibling|cousin|aunt|uncle|nan|gran|grandma|grandad|"
    r"flatmate|roommate|housemate|colleague|coworker|co-worker|student|patient|client|neighbou?r|"
    r"best friend|ex)\b[^.?!]{0,40}?\b(?:took|says?|said|wants?|is|has|tried|cut|keeps?|texted|told|threatened|"
    r"overdosed|talks?|talking|posted|won't|doesn't|just|might)\b"
    r"|\b(?:a|my) (?:friend|mate) of mine\b|\bsomeone i know\b|\bsomebody i know\b")
_SELF_RISK = _rx(r"\b(?:i|i'm|i've|me|myself|my life)\b[^.?!]{0,25}\b(?:die|dead|kill|end|suicid|hurt|harm|cut|overdose)")
_GOT_HELP = _rx(
    r"\b(?:i've|i have|i|just) (?:called|rang|phoned|texted|messaged|told) (?:\d+|an ambulance|the ambulance|"
    r"emergency|them|someone|my \w+|the (?:line|helpline|lifeline|samaritans)|samaritans|lifeline|a friend)\b|"
    r"\bambulance is (?:coming|on (?:its|the) way|here)\b|\b(?:i'm|i am|we're) (?:at|in) (?:the )?(?:hospital|a&e|er|"
    r"emergency)\b|\b(?:my \w+|someone|a friend|my friend) is (?:here|with me|coming|on (?:their|the) way)\b|"
    r"\b(?:i've|i have) reached someone\b|\bi've called for help\b|\b(?:going|on my way|heading) to (?:the )?"
    r"(?:hospital|a&e|er|emergency)")
_WONT_CALL = _rx(
    r"\b(?:can't|cannot|won't|will not|don't want to|do not want to|not going to|not gonna|refuse to|scared to|"
    r"too scared to|afraid to|hate to|can't bring myself to)\b[^.?!]{0,15}?\b(?:call|ring|phone|talk to|speak to|"
    r"talk on the phone|go to (?:the )?(?:hospital|a&e|er))\b|\bno (?:phone|credit|signal)\b|"
    r"\b(?:phone|calling) (?:anxiety|scares me)\b|\bnot calling\b|\brather (?:text|not call|not talk|message)\b|"
    r"\btext instead\b|\bcan i (?:just )?text\b|"
    # calling is not possible where they are ("joint family, everyone will hear me")
    r"\b(?:calling|a call|phoning|ringing|talking on the phone)\b[^.?!]{0,10}\b(?:is not|isn't|not|is no) "
    r"(?:possible|an option|safe|allowed)\b|\b(?:everyone|they|someone|people|my \w+) (?:will|would|might|could|can) "
    r"(?:hear|overhear|listen)\b|"
    # asking how to text ("ok what do i text and to where", "whats the text thing")
    r"\bwhat (?:do|should|can) i (?:text|send)\b|\b(?:where|who) (?:do|can|should) i text\b|"
    r"\bhow (?:do|can) i text\b|\b(?:text|texting|sms|chat) (?:thing|one|line|number|option|service)\b|\bno ambulance\b|\bdon't want an ambulance\b|\bnot (?:going|gonna) "
    r"to (?:the )?(?:hospital|a&e|er)\b|\bthey'll (?:just )?(?:section|lock) me\b")
_TALK = _rx(
    r"\b(?:will|can|could|would) (?:you|u) (?:please )?(?:call|ring|phone|contact|text|message|send) "
    r"(?:someone|somebody|anyone|them|an ambulance|help|the police|emergency|\d{3,}|for me)\b|"
    r"\b(?:call|ring|send) (?:someone|somebody|help|an ambulance) for me\b|"
    r"\b(?:can|could|will|would) (?:you|u) (?:please |pls )?(?:call|ring|phone|contact|text|message)\b[^.?!]{0,30}\bfor me\b|"
    r"\b(?:send|get) (?:someone|somebody|help|an ambulance|the police|a doctor|people) (?:to|round|over|here)\b|"
    r"\b(?:just )?(?:talk|chat|stay) (?:to|with) me\b|\bkeep me company\b|\bdon't (?:leave|go)\b|"
    r"\bcan (?:you|u) (?:just )?(?:talk|listen|stay)\b|\bi just (?:want|need) (?:to talk|someone|to be heard)\b|"
    r"\bare (?:you|u) (?:still )?(?:there|here)\b|\b(?:you|u) there\b|\bcan we (?:just )?talk\b(?! about (?!it\b|this\b|what))|"
    r"\bare you (?:a )?(?:real|human|person|bot)\b|\bis (?:this|anyone) (?:real|there)\b|"
    # what the bot is ("ur a website", "you're just a program", "why do you even care"): the honest reply
    r"\b(?:you're|you are|your|ur|u r|u are|youre)\s+(?:just |only |literally |nothing but )?(?:an? )?"
    r"(?:bot|website|site|web page|program|programme|machine|robot|computer|app|ai|algorithm|chatbot|script)\b|"
    r"\b(?:are|r) (?:you|u) (?:even )?(?:an? )?(?:ai|robot|machine|chatbot|program|computer)\b|"
    r"\bwhy (?:do|would|should|does) (?:you|u|it|a \w+) (?:even )?care\b|\b(?:do|does|can) (?:you|u|it|a bot|a machine) (?:even|actually|really) care\b")
_GROUNDING = _rx(r"\bground(?:ing)?\b|\bcalm (?:me )?down\b|\bbreath(?:e|ing)\b|\bhelp me (?:calm|relax)\b|\bpanic")
_NEXT = _rx(r"^(?:next|ok(?:ay)?|done|ready|yes|yeah|yep|go on|and now|what now|got it|ok done)\W*$")
# Taking back a "no" or insisting ("i lied", "actually i am", "no i mean it", "i'm not ok")
_CORRECTIONS = (r"i lied|i was lying|i mean it|i meant it|no i mean it|i'm serious|i am serious|not joking|"
                r"i wasn't joking|actually (?:i am|i do|yes|yeah)|i'm not (?:ok|okay|fine|alright|safe)|"
                r"not really (?:ok|okay|fine|safe)|that's not true|that wasn't true")
_CORRECTION = _rx(r"\b(?:" + _CORRECTIONS + r")\b")
_CONFIRM = _rx(
    r"^(?:yes|yeah|yea|yep|yup|ya|y|yh|ye|aye|ja|si|sí|oui|mhm|uh huh|i am|i do|i have been|true|correct|sadly yes|"
    r"honestly yes|actually yes|yes i am|i think i am)\b|\b(?:" + _CORRECTIONS + r"|yes i am|i guess i am|every day|"
    r"all the time|constantly)\b")
# Saying yes to the thoughts inside a longer message (read only together with risk in the same message)
_AFFIRMS = _rx(r"\b(?:yes|yeah|yep|yup|yh|i do|i have been|" + _CORRECTIONS + r")\b")
_DOUBT = _rx(
    r"^(?:maybe|perhaps|possibly|probably|kind of|kinda|sort of|sorta|a bit|a little|sometimes|i guess|"
    r"i think so|i suppose|not really|not exactly|partly|on and off|some days|at times|now and then)\b|"
    r"\b(?:i don't know|idk|dunno|not sure|no idea|hard to say|can't say|i can't tell|who knows|don't know)\b|"
    r"^\W*$|^(?:hm+|um+|uh+|eh+|meh|\.+|\?+)\W*$")
_SAFE = _rx(
    r"^(?:no|nope|nah|na|nay|never|not at all|no way|definitely not|of course not)\b(?!.*\b(?:mean it|meant|"
    r"lied|serious|not (?:ok|okay|fine|safe)))|\b(?:i'm|i am|i feel|feeling) (?:ok(?:ay)?|fine|safe|alright|"
    r"all right|better|good)(?: now| for now| again)?\b(?!.*\bnot\b)|\bi'm not (?:thinking|going to|gonna|"
    r"planning)\b|\bnot thinking (?:about|of) (?:that|it|suicide|ending)\b|\bi was (?:just )?(?:joking|venting|"
    r"exaggerating|kidding)\b|\bjust venting\b|\bi'm safe\b|\bi am safe\b|\bput (?:them|it|the \w+) away\b")
_NOT_SAFE_ANSWER = _rx(
    r"^(?:no|nope|nah|not really|not exactly|not sure|i don't think so|i'm not|not at all|no i'm not)\b")
_DISTRESS = _rx(
    r"\b(?:exhausted|worn out|so tired of|tired of (?:everything|it all|this)|pointless|hopeless|can't cope|"
    r"can't take (?:it|this|much more)|too much|give up|giving up|no point|what(?:'s|s| is) (?:even )?the point|fed up|drained|"
    r"empty inside|numb|nothing (?:helps|works|matters|ever changes)|never (?:gets|get) better|at the end of my "
    r"(?:rope|tether)|falling apart|breaking down|can't do this|no energy|no hope)\b")
# Choosing to go on, said with or after "i'm safe" ("im ok now, can we move on"): the crisis
# state ends. Only read once the person is safe, so "i can't go on" never gets here.
_GO_ON = _rx(r"\b(?:can we|let's|lets|i want to|i'd like to|happy to|ready to|want to|we can|shall we)\b[^.?!]{0,15}"
             r"\b(?:move on|carry on|go on|continue|keep going|get back to|go back to|talk about something else|"
             r"change the subject)\b|^\W*(?:move on|moving on|carry on|next|continue|let's go on)\W*$")
_HEAVIER = _rx(r"\bheavier\b|\bworse than that\b|\bmore than (?:that|pain)\b|\bdark\b|\bnot just (?:the )?pain\b")
_MOSTLY_PAIN = _rx(r"\bmostly\b|\bjust (?:the )?(?:pain|stress|tired)\b|\bonly (?:the )?(?:pain|stress)\b|"
                   r"\bpain and stress\b")


@dataclass(frozen=True)
class Message:
    """One user message, as the dialogue layer sees it."""
    text: str
    intent: Optional[str] = None
    risk_level: Optional[str] = None      # RiskGuard: none / possible / high
    risk_cues: Tuple[str, ...] = ()
    context_risk: bool = False            # safety_context raised it (earlier hopelessness or risk)
    risk_reasons: Tuple[str, ...] = ()    # RiskGuard's reasons: detector categories, "encoder:0.93", "classifier:0.8"
    context_cues: Tuple[str, ...] = ()    # the cues that made safety_context raise it (a dose, a height, a time ...)
    risk_intents: Collection[str] = ("express_risk", "request_crisis_resources")
    service_talk: bool = False            # RiskGuard: a remark about crisis services, not a request

    @property
    def norm(self) -> str:
        return normalise(self.text)

    @property
    def is_button(self) -> bool:
        return self.text.lstrip().startswith("/")

    @property
    def own_risk(self) -> bool:
        return (self.risk_level in ("possible", "high") or self.intent == "express_risk" or self.context_risk)

    @property
    def pattern_risk(self) -> bool:
        """Risk the pattern detector itself found (not only the learned score or the intent
        model): what counts in a request about the safety plan, whose words ("my plan") the
        learned models have only ever seen in risk messages. No reasons recorded: the level is
        taken as it is."""
        if self.risk_level is None and not self.risk_reasons:
            return self.intent == "express_risk"  # no RiskGuard record (a test story): the intent decides
        if self.risk_level not in ("possible", "high"):
            return False
        return not self.risk_reasons or any(":" not in r for r in self.risk_reasons)


def third_party(norm: str) -> bool:
    """About someone else at risk, and not also about oneself."""
    if not _THIRD.search(norm):
        return False
    return not re.search(r"\b(?:i want|i'm going|i'll|i've been thinking|me too|i feel|i took|i cut)\b", norm)


# An amount no label allows, taken: an act even in a first message with no risk word ("took like 20
# paracetamol an hour ago", "swallowed a whole packet of my back meds"). "took 2 ibuprofen" is not;
# the bot never answers with a figure, it only reads one.
_OVERDOSE_AMOUNT = _rx(
    r"(?:^|[.!?,;]\s*|\b(?:i|i've|i have|just|already|i just|i already)\b)[^.?!]{0,12}?" + _NEG +
    r"\b(?:took|taken|swallowed|downed|had|necked|ate|popped|drank|drink|drunk)\b\s+(?:like |about |around |maybe |over |nearly |almost |"
    r"at least |roughly |probably )?(?:(?:[1-9]\d|\d{3,})(?:\s*-\s*\d+)?|twenty|thirty|forty|fifty|a dozen|dozens|"
    r"(?:a|the) (?:whole|entire|full) (?:packet|pack|box|bottle|strip|blister|tub)s?|a handful|handfuls|"
    r"a load|loads|a bunch|a ton|tons|heaps|the rest of (?:the|my) (?:packet|box|bottle|pills|tablets|meds)|"
    r"all (?:of )?(?:my|the|them))\b"
    r"[^.?!]{0,30}?\b(?:" + _MEANS[3:-1] + r"|tramadol|codeine|co-codamol|cocodamol|naproxen|aspirin|"
    r"diazepam|valium|xanax|benzos?|zopiclone|sertraline|amitriptyline|citalopram|fluoxetine|prozac|lithium|"
    r"gabapentin|pregabalin|oxy\w*|opioids|insulin)\b")
# A wish, an urge or a question about an act is not the act ("i wanna hurt myself so bad rn").
_WISH_NOT_ACT = _rx(
    r"\b(?:thinking (?:about|of)|wants? to|wanna|going to|gonna|might|if i|should i|would it|could i|"
    r"what if|urge to|urges to|tempted to|feel like|trying not to|try not to|scared i(?:'ll| will| might)|"
    r"afraid i(?:'ll| will| might)|don't want to|so close to|about to)\b[^.?!]{0,20}?"
    r"\b(?:take|cut|od|hurt|harm|burn|overdose|swallow)")


# The same in Hindi/Urdu word order, the verb last ("15-16 painkillers ek saath kha liye").
_OVERDOSE_AMOUNT_VERB_LAST = _rx(
    r"\b(?:[1-9]\d|\d{3,})(?:\s*-\s*\d+)?\s+(?:" + _MEANS[3:-1] + r")\b[^.?!]{0,30}?"
    r"\b(?:kha (?:li|liya|liye|lie|lii|gaya|gayi|gai)|le (?:li|liya|liye|lie)|nigal (?:li|liya|liye|gaya|gayi))\b")
# Standing at a height right now ("stood at the top of the multi-storey car park right now"): a
# first crisis reply (the lines, the emergency number, one gentle question) with no risk word.
_HEIGHT_NOW = _rx(
    r"\b(?:stood|standing|sat|sitting|i'm|i am|here|up)\b[^.?!]{0,12}?\b(?:at the top of|on top of|on the (?:edge|ledge|"
    r"railing|wrong side) of|at the edge of|on the (?:roof|ledge|railing|parapet))\b[^.?!]{0,30}?"
    r"\b(?:multi-?storey|multistory|multi-story|car park|carpark|parking (?:garage|structure|deck)|building|bridge|"
    r"cliffs?|tower|block of flats|flats|roof(?:top)?|overpass|flyover|ledge|quarry|dam|balcony)\b[^.?!]{0,40}?"
    r"\b(?:right now|now|rn|at the moment|atm|tonight)\b"
    r"|\b(?:right now|rn)\b[^.?!]{0,20}\b(?:stood|standing|sitting) (?:at the top of|on top of|on the edge of)\b")
# Wanting to jump, with a height in the same message ("standing on my balcony now and i want to jump")
_JUMP = _rx(
    r"\b(?:want to|wanna|going to|gonna|about to|ready to|could|might|will|i'll|thinking (?:of|about)|urge to)\s+"
    r"(?:just )?(?:jump(?:ing)?|throw(?:ing)? myself|step(?:ping)? off|let(?:ting)? (?:myself )?go|fall(?:ing)?)\b")
_WISH_NEGATED = _rx(r"\b(?:don't|do not|never|wouldn't|won't|not going to|not gonna) (?:want to |wanna )?(?:jump|throw myself)")
_HEIGHT = _rx(r"\b(?:balcony|bridge|roof(?:top)?|ledge|cliffs?|building|car park|carpark|multi-?storey|tower|window|"
              r"platform|tracks|overpass|flyover|block of flats|top floor|\d+(?:th|rd|nd|st) floor)\b")


def height_now(norm: str) -> bool:
    """At a height, right now, said as where the person is (not a view or a job: those rarely say 'right now')."""
    return bool(_HEIGHT_NOW.search(norm)) and not third_party(norm)


def wants_to_jump(norm: str) -> bool:
    """Wanting to jump, said with a height: immediate danger."""
    return bool(_JUMP.search(norm) and _HEIGHT.search(norm)) and not third_party(norm) \
        and not _WISH_NEGATED.search(norm)



def acted(norm: str, in_crisis: bool) -> bool:
    if _ACT.search(norm) and not _WISH_NOT_ACT.search(norm):
        return True
    return in_crisis and bool(_AFTERMATH.search(norm))


def overdose_amount(norm: str) -> bool:
    """Took an amount no label allows (a number of ten or more, a whole packet, a handful)."""
    if _OVERDOSE_AMOUNT_VERB_LAST.search(norm):
        return True
    m = _OVERDOSE_AMOUNT.search(norm)
    if not m:
        return False
    if re.search(r"\b(?:over|across|in|during) (?:the )?(?:last|past|next)\b|\b(?:a|per|each|every) day\b|"
                 r"\b\d+ days\b|\bthis week\b|\bsince (?:monday|tuesday|wednesday|thursday|friday|saturday|"
                 r"sunday|yesterday|last)\b", norm[m.start():]):
        return False  # spread over days: a label question (the ordinary answer: follow it, ask a pharmacist)
    if re.search(r"\b(?:with me|on holiday|to work|in my bag|out of the|back to|to the)\b", norm[m.end():]):
        return False  # took all my tablets *with me*: carrying, not taking
    if re.search(r"\ball (?:of )?(?:my|the|them)\b", m.group(0)) and not re.search(
            r"\b(?:at once|in one go|together|from the (?:box|packet|pack|bottle|strip)|in the (?:box|packet|pack|"
            r"bottle|drawer|cabinet|cupboard|house)|i had|i could find|i've got|i have got|i had left)\b", norm[m.start():]):
        return False  # "i took all my meds this morning": the day's medicines, as prescribed
    # "took 20 minutes", "had 12 hours sleep": the amount must be of something taken
    return not re.match(r"\s*(?:mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|seconds?|steps|"
                        r"goes|tries|attempts|photos|pics|calls|texts|messages|people|kids|%|percent|mg|ml)\b",
                        norm[m.end(): m.end() + 40])


def immediate(norm: str) -> bool:
    return bool(_MEANS_AT_HAND.search(norm) or _PLAN.search(norm) or _NOT_SAFE.search(norm) or wants_to_jump(norm))


@dataclass(frozen=True)
class Plan:
    """What the bot says this turn and what it means for the conversation."""
    kind: str
    actions: Tuple[str, ...]
    level: Optional[str] = None           # the level this turn raises the conversation to (flag)
    reason: str = ""                      # what raised it (never the text)
    handover: bool = False                # after `actions`, other policies go on (a topic the person chose)
    end_crisis: bool = False
    topic: Optional[str] = None
    keeps_loop: bool = False              # the topic's answer starts a form: do not end it
    safety_plan: Optional[Dict[str, str]] = None  # the person's safety plan after this turn (None: unchanged)


def _question_for(level: Optional[str]) -> str:
    return ASK_DIRECT if level == "high" else ASK_POSSIBLE


def decide(message: Message, state: Optional[str], last_bot_action: Optional[str] = None,
           first_of_session: bool = False, carried: Optional[str] = None,
           pending_topic: Optional[str] = None,
           topic_answers: Optional[Mapping[str, Tuple[Tuple[str, ...], bool]]] = None,
           stored_plan: Optional[Mapping[str, str]] = None) -> Optional[Plan]:
    """The crisis reply to `message` (see `_decide`), and a safety plan asked for in the same
    message as the risk ("i want to die. can we make a safety plan"): the crisis reply with the
    lines, then the plan's next step instead of the direct question, so the answers that follow
    are read as the plan's."""
    plan = _decide(message, state, last_bot_action, first_of_session, carried, pending_topic,
                   topic_answers, stored_plan)
    answering = safety_plan.step_of(last_bot_action) is not None
    if (plan is None or plan.kind not in ("first", "again") or answering or message.is_button
            or not safety_plan.is_request(message.norm)):
        return plan
    step = safety_plan.turn(message.norm, False, None, stored_plan or {}, True, message.text)
    if step is None:
        return plan
    return replace(plan, actions=(plan.actions[0], step.action), safety_plan=step.plan)


def _decide(message: Message, state: Optional[str], last_bot_action: Optional[str] = None,
           first_of_session: bool = False, carried: Optional[str] = None,
           pending_topic: Optional[str] = None,
           topic_answers: Optional[Mapping[str, Tuple[Tuple[str, ...], bool]]] = None,
           stored_plan: Optional[Mapping[str, str]] = None) -> Optional[Plan]:
    """The crisis reply to `message`, or None when the crisis conversation has nothing to say.

    state: the state before this message (state_from_actions). last_bot_action: the bot's last
    reply before it (which question it answers). first_of_session + carried: a new session
    after one that ended in a crisis state. pending_topic: the topic asked for just before a
    "before we switch, are you safe?" check. topic_answers: intent -> (actions, starts a loop),
    the plain answers the rules give (SafetyPolicy learns them from the rules at training time).
    stored_plan: the person's safety plan so far (the `safety_plan` slot; bot/flows/safety_plan.py).
    """
    norm = message.norm
    in_crisis = state in CRISIS_STATES
    # Answering a safety-plan step, people and feelings are what the step asks for ("my
    # flatmate keeps my tablets", "feeling numb"): only the detector's risk, an act in so many
    # words or means at hand leave the plan.
    # The same for asking to make, see or go on with the plan right after a risk turn: the
    # earlier turns (safety_context) do not make "go on with my safety plan" a risk turn.
    answering = safety_plan.step_of(last_bot_action) is not None and not message.is_button
    detected = message.risk_level in ("possible", "high") or message.intent == "express_risk"
    plan_request = safety_plan.is_request(norm)
    if plan_request:
        own_risk = message.pattern_risk
    elif answering:
        # the steps ask for warning signs and hard moments ("when i hide in my room"): the
        # learned score reads those as risk, so only the pattern detector's finding counts
        own_risk = message.pattern_risk
    elif in_crisis or state == SAFE:
        # Inside the crisis every reply carries the lines already: the earlier turns
        # (safety_context) count only for what they are for (a dose, a height, a time, a
        # goodbye); otherwise they would make "ok whats the texting one again" a new risk turn
        # instead of the answer asked for. After "i'm safe" they count as before.
        own_risk = detected or (message.context_risk and (state == SAFE or bool(message.context_cues)))
        if own_risk and _SAFE.search(norm) and (not message.pattern_risk or "negation" in message.risk_reasons):
            # "im safe. not gonna do it": a clear answer, respected (the lines stay one tap
            # away); the learned score alone, or a negated hit, does not overrule it
            own_risk = False
    else:
        own_risk = message.own_risk
    overdose = overdose_amount(norm)
    if third_party(norm) and (own_risk or (in_crisis and not answering) or acted(norm, False) or overdose):
        return Plan("helper", ("utter_crisis_helper",), level="possible", reason="third_party")
    if overdose or (acted(norm, in_crisis and not answering) and (in_crisis or message.own_risk or state == SAFE)):
        if state == ACTED:
            return _acted_followup(message, norm)
        return Plan("acted", ("utter_crisis_acted",), level="acted", reason="acted")
    if state == ACTED:
        return _acted_followup(message, norm)
    plan_now = stored_plan or {}
    # An answer to a plan step is read as an answer unless the detector itself finds risk in
    # it: the earlier turns alone (safety_context) do not make "when i'm alone at night" a
    # risk turn here, it is the warning sign the step asked for.
    if not own_risk and not (immediate(norm) and not _SAFE.search(norm)):
        other = bool(_TALK.search(norm) or _SAFE.search(norm) or _WONT_CALL.search(norm) or _GROUNDING.search(norm)
                     or _GOT_HELP.search(norm) or message.intent in ("bot_challenge", "request_human"))
        plan_turn = safety_plan.turn(norm, message.is_button, last_bot_action, plan_now, in_crisis, message.text,
                                     other_request=other)
        if plan_turn is not None:
            return Plan(plan_turn.kind, (plan_turn.action,), safety_plan=plan_turn.plan)

    if state == HELPER and not (message.own_risk and _SELF_RISK.search(norm)):
        # still about the other person (risk words included: "her razors are in there")
        return _helper_followup(message, norm)
    if not in_crisis and state != SAFE:
        return _outside_crisis(message, norm, state, last_bot_action, first_of_session, carried)

    # ---- in a crisis (or just said safe)
    if state == IMMEDIATE and _GOT_HELP.search(norm):
        return Plan("helped", ("utter_crisis_helped",))
    if immediate(norm) and not _SAFE.search(norm):
        if state == IMMEDIATE:
            return Plan("immediate_again", ("utter_crisis_immediate_again",), level="high", reason="immediate")
        return Plan("immediate", ("utter_crisis_immediate",), level="high", reason="immediate")
    if _WONT_CALL.search(norm):
        return Plan("wont_call", ("utter_crisis_immediate_wont_call" if state == IMMEDIATE
                                  else "utter_crisis_text_options",))
    if _TALK.search(norm) or message.intent in ("bot_challenge", "request_human"):
        return Plan("talk", ("utter_crisis_talk",))
    if last_bot_action in GROUNDING[:-1] and (_NEXT.search(norm) or message.intent in ("affirm", "request_next_step")):
        return Plan("grounding", (GROUNDING[GROUNDING.index(last_bot_action) + 1],))
    if _GROUNDING.search(norm) and not own_risk:
        return Plan("grounding", (GROUNDING[0],))

    if not message.is_button and state in (ACTIVE, SAFE) and (
            (own_risk and detected and message.pattern_risk and _AFFIRMS.search(norm) and not _SAFE.search(norm)
             and (state == SAFE or last_bot_action in DIRECT_QUESTIONS + SAFETY_QUESTIONS))
            or (state == SAFE and last_bot_action == "utter_crisis_safe" and not _is_topic(message)
                and (_CORRECTION.search(norm) or (_DOUBT.search(norm) and _AFFIRMS.search(norm))))):
        # "ok fine. yes i think about killing myself" (to "are you safe right now?" that "yes" is
        # not "i'm safe"); "not really no... idk. yes. sometimes yes" right after a "no": the direct
        # question answered again, now with a yes. No need to ask it a third time.
        return Plan("confirmed", ("utter_crisis_confirmed",), level="high", reason="confirmed")
    if last_bot_action in DIRECT_QUESTIONS and not message.is_button:
        answer = _direct_answer(message, norm)
        if answer == "confirm":
            return Plan("confirmed", ("utter_crisis_confirmed",), level="high", reason="confirmed")
        if answer == "doubt":
            return Plan("unsure", ("utter_crisis_unsure",))
        if answer == "safe" and not own_risk:
            return _safe_or_topic(message, topic_answers)
    if last_bot_action in SAFETY_QUESTIONS and not message.is_button:
        answer = _safety_answer(message, norm)
        if answer == "safe" and not own_risk:  # risk that survived the safe-answer check above wins
            if pending_topic and topic_answers and pending_topic in topic_answers:
                actions, loop = topic_answers[pending_topic]
                return Plan("go_on", ("utter_crisis_go_on",) + tuple(actions), end_crisis=True,
                            topic=pending_topic, keeps_loop=loop)
            return _safe_or_topic(message, topic_answers)
        if answer == "not_safe":
            return Plan("immediate", ("utter_crisis_immediate",), level="high", reason="not_safe")
        if answer == "doubt":
            return Plan("unsure", ("utter_crisis_unsure",))
    if (message.intent in ("request_crisis_resources", "inform_region") or message.service_talk) and not own_risk:
        # asked for the lines again ("crisis", the button) or said where they are ("i'm in australia",
        # SafetyPolicy sets the region): that place's lines, no question pressed on them
        return Plan("lines_again", ("utter_crisis_lines_again",))
    if own_risk:
        if state == IMMEDIATE:
            return Plan("immediate_again", ("utter_crisis_immediate_again",), level="high",
                        reason=_reason_of(message))
        if state == SAFE:
            again = "utter_crisis_again_plan" if safety_plan.has_answers(plan_now) else "utter_crisis_again"
            return Plan("again", (again, _question_for(message.risk_level)),
                        level=_level_of(message), reason=_reason_of(message))
        if safety_plan.step_of(last_bot_action) is not None:
            # typed as the answer to a plan step: the lines first, the plan waits
            return Plan("again", ("utter_crisis_again", safety_plan.RESUME), level=_level_of(message),
                        reason=_reason_of(message))
        again = "utter_crisis_again_plan" if safety_plan.has_answers(plan_now) else "utter_crisis_again"
        return Plan("again", (again,), level=_level_of(message), reason=_reason_of(message))
    if _SAFE.search(norm) and state != SAFE:
        return _safe_or_topic(message, topic_answers)
    if _is_topic(message):
        if state == SAFE:
            return Plan("go_on", (), end_crisis=True, handover=True, topic=message.intent)
        if state == IMMEDIATE:
            # in immediate danger the emergency ask stays in every reply, also before a topic
            return Plan("check_topic", ("utter_crisis_immediate_again", "utter_crisis_check_topic"),
                        topic=message.intent)
        return Plan("check_topic", ("utter_crisis_check_topic",), topic=message.intent)
    if state == SAFE:
        if _GO_ON.search(norm) and not message.is_button:
            return Plan("go_on", ("utter_crisis_go_on",), end_crisis=True)
        if message.intent in ("goodbye", "thank"):
            return Plan("go_on", (), end_crisis=True, handover=True)
        return Plan("safe_listen", ("utter_crisis_safe_listen",))
    if state == IMMEDIATE:
        return Plan("immediate_again", ("utter_crisis_immediate_again",))
    return Plan("listen", ("utter_crisis_listen",))


def _safe_or_topic(message: Message, topic_answers: Optional[Mapping[str, Tuple[Tuple[str, ...], bool]]]) -> Plan:
    """A clear "no, I'm ok" that also asks for something ("im ok, can you help me sleep"): both
    are respected, the safe answer first (the lines one tap away), then the topic itself."""
    if _is_topic(message) and topic_answers and message.intent is not None and message.intent in topic_answers:
        actions, loop = topic_answers[message.intent]
        return Plan("go_on", ("utter_crisis_safe_go_on",) + tuple(actions), end_crisis=True,
                    topic=message.intent, keeps_loop=loop)
    if _GO_ON.search(message.norm):
        return Plan("go_on", ("utter_crisis_safe_moving_on",), end_crisis=True)
    return Plan("safe", ("utter_crisis_safe",))


def _reason_of(message: Message) -> str:
    """"context" when only the turns before made it a risk turn (safety_context), else "risk"."""
    own = message.risk_level in ("possible", "high") or message.intent == "express_risk"
    return "context" if message.context_risk and not own else "risk"


def _level_of(message: Message) -> str:
    """RiskGuard's level when it has one; a risk intent without a detector or score finding
    (the classifier alone, or a test story without parse data) counts as high."""
    if message.risk_level in ("possible", "high"):
        return message.risk_level
    return "high" if message.intent == "express_risk" else "possible"


def _is_topic(message: Message) -> bool:
    return bool(message.intent) and message.intent not in NOT_TOPICS


def _direct_answer(message: Message, norm: str) -> Optional[str]:
    """Answer to "are you thinking about ending your life?": confirm, doubt or safe."""
    if not norm and message.intent in ("affirm", "deny"):  # no words, only the intent (a test story)
        return "confirm" if message.intent == "affirm" else "safe"
    if _CONFIRM.search(norm):
        return "confirm"
    if _DOUBT.search(norm):
        return "doubt"
    if _SAFE.search(norm) or message.intent == "deny":
        return "safe"
    if message.intent == "affirm":
        return "confirm"
    return None


def _safety_answer(message: Message, norm: str) -> Optional[str]:
    """Answer to "are you safe right now?": safe, not_safe or doubt."""
    if _NOT_SAFE.search(norm) or _NOT_SAFE_ANSWER.search(norm):
        return "not_safe"
    if re.search(r"\b(?:i don't know|idk|dunno|not sure|no idea|maybe|kind of|sort of)\b", norm):
        return "doubt"
    if _SAFE.search(norm) or re.search(r"^(?:yes|yeah|yep|yup|ya|y|ok|okay|i think so|for now|i am|sure)\b", norm) \
            or message.intent == "affirm":
        return "safe"
    if message.intent == "deny":
        return "not_safe"
    return None


def _helper_followup(message: Message, norm: str) -> Optional[Plan]:
    """Someone is worried about another person: stay with them until they ask for something else."""
    if _is_topic(message) or message.intent in ("goodbye", "thank"):
        return None  # they chose to go on; the normal answer ends the helper state
    if message.intent == "request_crisis_resources" or message.service_talk:
        return Plan("lines_again", ("utter_crisis_lines_again",))
    return Plan("helper_listen", ("utter_crisis_helper_listen",))


def _acted_followup(message: Message, norm: str) -> Plan:
    if _GOT_HELP.search(norm):
        return Plan("helped", ("utter_crisis_helped",))
    if _WONT_CALL.search(norm):
        return Plan("acted_wont_call", ("utter_crisis_acted_wont_call",))
    if _TALK.search(norm) or message.intent in ("bot_challenge", "request_human"):
        # "can you call 911 for me": honest that it can't, and the emergency ask stays
        return Plan("acted_talk", ("utter_crisis_acted_talk",))
    return Plan("acted_again", ("utter_crisis_acted_again",), level="acted", reason="acted")


def _outside_crisis(message: Message, norm: str, state: Optional[str], last_bot_action: Optional[str],
                    first_of_session: bool, carried: Optional[str]) -> Optional[Plan]:
    if first_of_session and carried in CRISIS_STATES and not message.own_risk and not immediate(norm):
        return Plan("welcome_back", ("utter_crisis_welcome_back",))
    if message.service_talk and not message.own_risk and state is None:
        # "saw an ad for the crisis line on the bus": a remark, answered as one; the lines a tap
        # away, no crisis conversation started, an open form left open. After distress or for
        # someone helping another person it is read as the rest of that conversation.
        return Plan("service_talk", (SERVICE_TALK_REPLY,), keeps_loop=True)
    if wants_to_jump(norm) and not message.is_button:
        return Plan("immediate", ("utter_crisis_immediate",), level="high", reason="immediate")
    if height_now(norm) and not message.is_button:
        return Plan("first", (FIRST, ASK_POSSIBLE), level="possible", reason="height_now")
    if message.own_risk or message.intent == "request_crisis_resources":
        if immediate(norm):
            return Plan("immediate", ("utter_crisis_immediate",), level="high", reason="immediate")
        level = _level_of(message) if message.intent != "request_crisis_resources" or message.own_risk \
            else "possible"
        reason = _reason_of(message) if message.own_risk else "asked_for_lines"
        return Plan("first", (FIRST, _question_for(level)), level=level, reason=reason)
    if state == DISTRESS and last_bot_action == "utter_distress_check" and not message.is_button:
        if _HEAVIER.search(norm) or _CONFIRM.search(norm) or message.intent == "affirm":
            return Plan("first", (FIRST, ASK_POSSIBLE), level="possible", reason="distress_heavier")
        if _MOSTLY_PAIN.search(norm) or message.intent == "deny":
            return Plan("distress_ok", ("utter_distress_ok",))
    distressed = _DISTRESS.search(norm) or any(c in ("hopelessness", "burden") for c in message.risk_cues)
    if distressed and not message.is_button and message.intent in (None, "nlu_fallback", "express_stress", "inform",
                                                                     "deny", "out_of_scope", "affirm"):
        return Plan("distress", ("utter_distress_check",))
    if state == DISTRESS and message.intent in ("nlu_fallback", None) and not message.is_button:
        return Plan("distress_listen", ("utter_distress_listen",))
    return None


def raise_level(current: Optional[str], new: Optional[str]) -> Optional[str]:
    """The higher of two levels (possible < high < acted)."""
    if new not in LEVELS:
        return current
    if current not in LEVELS or LEVELS.index(new) > LEVELS.index(current):
        return new
    return current
