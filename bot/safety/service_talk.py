"""Talk *about* crisis services, as opposed to a person asking for one.

People mention crisis lines the way they mention anything in the news: "saw an ad for the crisis
line on the bus", "my charity run is raising money for a helpline", "i volunteer on a crisis line
at weekends, the shifts hurt my back", "listened to a podcast about how crisis lines started".
The intent classifier reads the service's name and says `request_crisis_resources`, and the
pattern detector's `help_line` rule says `help_seeking`; the bot then opened the crisis
conversation ("are you thinking about ending your life?") for a remark about the radio. On the
spent blind batches 09-24 this was the largest single kind of false alarm (19 of 72).

`talks_about_services(text)` is true only when all three hold:
1. a crisis service is named (crisis / suicide / mental-health line, helpline, hotline,
   lifeline, Samaritans, 988, suicide prevention), or suicide or self-harm as a subject;
2. the message frames it as a subject: news and media, study, a campaign, a charity or fundraiser,
   volunteering or staffing it, a poster or an advert (`FRAME_WORDS`);
3. the person is not in it: every "i" in the message is the reader, viewer, listener, writer,
   volunteer or fundraiser of that frame ("i read", "i'm writing an essay"), and there is no "me",
   "myself", no need or request ("i need", "should i call", "for me", "give me the number"), and no
   feeling said in the first person, and no word of the moment itself ("tonight", "right now",
   "struggling", "alone", "help"). Anything else and it stays a request: when in doubt the person
   gets the lines.
It never overrides the detector's own risk findings or the learned risk score (RiskGuard checks
those first); it only stops a service's *name* from being read as a request for it.
"""
from __future__ import annotations

import re
from typing import FrozenSet, List

from .detector import normalize_text
from .patterns import MEDIA_WORDS

_SERVICE = re.compile(
    r"\b(?:crisis|suicide|suicide prevention|mental health|support|text|emergency)\s+"
    r"(?:hot\s?line|help\s?line|line|lines|text line|phone line|number|numbers|service|services|team)s?\b"
    r"|\bhelp\s?lines?\b|\bhot\s?lines?\b|\blifelines?\b|\bsamaritans?\b|\b988\b"
    r"|\bsuicide prevention\b|\bprevention (?:line|charity|campaign|week|day|month)\b"
    # suicide itself as a subject: "read that suicide is the biggest killer of men under 45"
    r"|\bsuicides?\b|\bsuicide rates?\b|\bself harm\b"
)

# "i'm a developer, curious how apps handle crisis lines": the person's job is the frame
ROLES: FrozenSet[str] = frozenset({
    "developer", "designer", "researcher", "journalist", "student", "nurse", "doctor", "gp", "teacher",
    "counsellor", "counselor", "therapist", "psychologist", "psychiatrist", "paramedic", "pharmacist",
    "volunteer", "lecturer", "writer", "reporter", "editor", "manager", "worker", "trainer", "coach",
})


# what makes a service the subject of talk rather than something wanted now: the detector's
# news / media / study words, and the frames of campaigns, posters and helping out
FRAME_WORDS: FrozenSet[str] = MEDIA_WORDS | frozenset({
    # more media and study
    "radio", "paper", "interview", "phone-in", "segment", "programme", "program", "dissertation",
    "module", "figures", "data", "survey", "science", "scientific",
    # campaigns, charity, money
    "fundraiser", "fundraising", "raising", "raise", "raised", "raises", "donate", "donated",
    "donating", "donation", "donations", "funding", "funded", "sponsor", "sponsored", "walk",
    "marathon", "bake", "launch", "launched", "launching", "opening", "money", "budget", "announced",
    "government", "council",
    # posters, adverts, workplaces
    "poster", "posters", "advert", "adverts", "ad", "ads", "advertisement", "billboard", "leaflet",
    "leaflets", "flyer", "flyers", "sign", "signs", "cards", "noticeboard", "kitchen", "staff", "office",
    "blog", "signposting", "signposts", "signpost", "signature", "guide", "wellbeing", "champion",
    # working or volunteering for one
    "volunteer", "volunteers", "volunteering", "volunteered", "shift", "shifts", "training",
    "trained", "callers", "operators", "counsellors", "counselors", "job",
})

# first-person verbs of the frame: the person is the one reading, watching, writing, helping
_FRAME_VERBS: FrozenSet[str] = frozenset({
    "read", "reading", "saw", "seen", "see", "heard", "hear", "watched", "watching", "watch",
    "listened", "listening", "listen", "writing", "write", "wrote", "doing", "did", "volunteer",
    "volunteering", "volunteered", "work", "working", "worked", "donate", "donated", "donating",
    "raising", "raised", "run", "running", "ran", "organise", "organised", "organising", "organize",
    "organized", "organizing", "found", "noticed", "put", "putting", "stuck", "made", "making",
    "printed", "printing", "sponsored", "answer", "answering", "answered", "train", "trained",
    "training", "learned", "learnt", "studying", "study", "researching", "like", "love", "think",
    "thought", "designing", "designed", "reviewing", "reviewed", "creating", "created", "preparing",
    "prepared", "went", "attended", "attending", "handed", "got", "get",
})
# words that may sit between "i" and its verb ("i have just read", "i am writing")
_BETWEEN: FrozenSet[str] = frozenset({"am", "was", "have", "had", "just", "also", "really", "recently",
                                      "actually", "only", "ve", "do", "did", "literally", "kind", "of"})
# "think" and "thought" only as an opinion about the frame ("i think it's good")
_OPINION_NEXT: FrozenSet[str] = frozenset({"it", "its", "that", "thats", "this", "they", "the"})

_PERSONAL = re.compile(
    r"\b(?:me|myself|mine)\b"
    r"|\bi (?:need|needed|should|might|may|must|want|wanted|wish|feel|felt|can not|could not|"
    r"will|would|am going|am not|am so|am scared|am struggling|keep|have been thinking|have been feeling)\b"
    r"|\b(?:should|can|could|do|would|shall) i\b"
    r"|\bhow (?:do|can|would) (?:i|you|one) (?:call|text|ring|reach|contact|get)\b"
    r"|\b(?:what|whats|what is|where|wheres|where is|give|send|got|have you got|do you have|is there)\b[^.?!]{0,30}"
    r"\b(?:number|numbers|line|lines|contact|details)\b"
    # the moment itself: "read about crisis lines, does anyone answer? tonight is bad"
    r"|\b(?:tonight|right now|rn|asap|urgent|urgently|desperate|struggling|alone|scared|afraid|help|"
    r"anyone there|someone to talk|talk to someone|bad night|bad day|can not cope|cope)\b"
)


def _says_their_job(words: List[str]) -> bool:
    """ "i am a developer", "i'm a nurse": the person's job frames what they ask."""
    return any(words[k:k + 3] in (["i", "am", "a"], ["i", "am", "an"]) and any(w in ROLES for w in words[k + 3:k + 6])
               for k in range(len(words)))


def _first_person_ok(words: List[str]) -> bool:
    """Every "i" is the reader / writer / volunteer of the frame, or says their job."""
    for k, word in enumerate(words):
        if word != "i":
            continue
        if _says_their_job(words[k:]):
            continue
        j = k + 1
        while j < len(words) and words[j] in _BETWEEN:
            j += 1
        verb = words[j] if j < len(words) else ""
        if verb not in _FRAME_VERBS:
            return False
        if verb in ("think", "thought") and (words[j + 1] if j + 1 < len(words) else "") not in _OPINION_NEXT:
            return False
    return True


def talks_about_services(text: str) -> bool:
    """Is this a remark about crisis services (news, study, a campaign, volunteering), not a request?"""
    norm = normalize_text(text or "")
    if not _SERVICE.search(norm):
        return False
    words = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)?", norm)
    if not any(w in FRAME_WORDS for w in words) and not _says_their_job(words):
        return False
    if _PERSONAL.search(norm):
        return False
    return _first_person_ok(words)
