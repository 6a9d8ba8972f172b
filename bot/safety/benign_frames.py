"""Frames that explain death words away: video-game mechanics, a goodbye because things got better,
and idioms of being overwhelmed.

The learned risk score reads "die", "kill yourself" and "goodbye, thanks for everything" as risk,
and in its "possible" band it cannot tell "the speedrun trick is to die on purpose so you respawn"
or "thanks for everything, goodbye, my back is finally better" from the real thing. On the spent
blind batches these were a steady share of its false alarms. Each function here recognises one
frame, in general terms (what the words *do* in the message, never a listed sentence); RiskGuard
then lets the learned score raise risk in that frame only from its "high" band. The pattern
detector's own findings always stand, so "i want to kill myself, this boss is impossible" is risk.

Both frames step aside for the person's own life: "irl", "for real", "real life", "not a game",
"life", "forever", "permanently", "for good", a negated respawn ("no respawn", "not respawn": the
game word used for not coming back), or, for a goodbye, the calm of a decision ("decided", "at
peace", "ready", "better off", "without me").
"""
from __future__ import annotations

import re

from .detector import normalize_text

# a game's mechanics said as such: respawning, checkpoints, speedruns, a boss fight, a raid
_GAME = re.compile(
    r"\b(?:respawn\w*|checkpoints?|speed ?run\w*|hitbox\w*|headshot\w*|raids?|dungeons?|"
    r"(?:the|that|this|final|same|last|a|each|every) boss(?: fight)?|boss fights?|"
    r"reset the (?:area|level|map)|save point|death warp|permadeath|npcs?|"
    r"in (?:the|this|that|a) game|in game|in-game|ingame)\b"
)
_LIFE = re.compile(
    r"\b(?:irl|for real|fr|real life|in real life|not a game|not the game|not a video game|not the video game|"
    r"life|lives|living|alive|forever|permanently|for good|for ever|myself for real|the real world|"
    r"no more|no new game|no continues|painless\w*|what would work|how would|how do|how can|quickest|fastest|"
    r"realistic|enough to)\b"
)
_NO_RESPAWN = re.compile(r"\b(?:no|not|never|without|stop|don't|do not|n't)\s+(?:\w+\s+){0,2}respawn\w*")

# a goodbye: leaving, cancelling, uninstalling, signing off
_GOODBYE = re.compile(
    r"\b(?:goodbye|bye|farewell|cancel\w*|unsubscrib\w*|uninstall\w*|deleting the app|delete the app|"
    r"signing off|logging off|won't need|will not need|wont need|don't need|do not need|no longer need)\b"
)
# ... because the body got better: the back or the pain, not "i feel better" or "everything will be
# better" (the calm of a decision can sound just like that)
_BETTER = re.compile(
    r"\b(?:back|pain|sciatica|neck|spine|disc|hip|hips|shoulder|knee|knees|posture)\b[\w\s']{0,25}?"
    r"\b(?:better|sorted|fixed|healed|recovered|gone|improved|good now|fine now|ok now|okay now|pain free)\b"
)
_DECIDED = re.compile(
    r"\b(?:decided|decision|chose|chosen|made up my mind|calm|peace|peaceful|ready|better off|this way|"
    r"without me|for everyone|for good|forever|permanently|soon|tonight|last|anymore|any more|"
    r"no more|not coming back|won't be back|wont be back|will not be back|where i'm going|where i am going|"
    r"end|over|gone for good|tired|can't|can not|cannot|around|be here|get better|getting better|be better)\b"
)


# words that carry risk in a sentence of their own; each such sentence must be inside the frame
_RISKISH = re.compile(
    r"\b(?:die|dies|died|dying|dead|death|kill\w*|suicid\w*|unalive\w*|end it|end things|wake up|"
    r"exist\w*|hurt\w*|cut\w*|bleed\w*|pills?|overdose\w*|point|anymore|any more|bye|goodbye|"
    r"farewell|tired|hopeless|burden|gone)\b"
)
_SENTENCE = re.compile(r"[.!?;\n]+")


def _every_risky_sentence_in(norm: str, *frames: "re.Pattern[str]") -> bool:
    """A long message may hold a game remark and, two sentences on, a real wish: the frame only
    explains the sentences it is in."""
    for sentence in _SENTENCE.split(norm):
        if _RISKISH.search(sentence) and not any(f.search(sentence) for f in frames):
            return False
    return True


# death and madness idioms that say "this is a lot", and sleep that ends at a time
_IDIOM = re.compile(
    r"\b(?:finish(?:es|ed|ing)? me off|be the death of me|literally die|literally dying|sell my soul|"
    r"lose my mind|losing my mind|lost my mind|kill for|sleep like the dead|slept like the dead|"
    # a thing that "wants me dead": the detector still reads it when the one who wants it is a
    # person, the voices or "my brain" (detector.thing_wishes), and its finding stands
    r"wants? me dead|wanted me dead|"
    r"(?:not|never) wake up (?:until|till|til|before) (?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|morning|noon|midday|lunch\w*|tomorrow|the afternoon|the weekend|next week|\d+))"
)
# ... unless the person wants it, welcomes it, or it is about their life
_IDIOM_WANTED = re.compile(
    r"\b(?:wish|wishing|hope|hoping|want|wanted|welcome|let it|let this|let the|please|pray|praying|ready|"
    r"don't care|do not care|wouldn't mind|would not mind|anymore|any more|for good|forever|life|living|alive|"
    r"end it|end this|end things|relief|peace|better off|at last|finally)\b"
)


# "i'd rather die than <x>": hyperbole when x is a chore or an event, risk when x is going on living
_RATHER = re.compile(r"\brather (?:die|be dead|be six feet under|drop dead)(?: \w+)? than\b(?P<rest>[^.!?;\n]*)")
_GOING_ON = re.compile(
    r"\b(?:live|lives|living|alive|life|go on|going on|carry on|carrying on|keep|keeping|face|facing|feel|"
    r"feeling|spend|spending|be|being|exist|existing|deal|dealing|suffer|suffering|endure|wake|waking|"
    r"continue|continuing|another (?:day|year|week|month|night|morning|minute|hour)|pain|painful|hurt|hurting|"
    r"like this|this every|this for|rest of|forever|rot|stay|stuck|surgery|operation|hospital|treatment|"
    r"wheelchair|chronic|flare|flares|disabled|burden|alone|this anymore|through this|with this|put up with|"
    r"anymore|any more)\b"
)


def rather_die_than_a_chore(text: str) -> bool:
    """ "i'd rather die than do my tax return": the comparison is with a chore or an event, not
    with going on living ("i'd rather die than spend another year in this pain")."""
    norm = normalize_text(text or "")
    found = list(_RATHER.finditer(norm))
    if not found or _IDIOM_WANTED.search(norm):
        return False
    return all(m.group("rest").strip() and not _GOING_ON.search(m.group("rest")) for m in found)


def hyperbole(text: str) -> bool:
    """An idiom of being overwhelmed ("the wedding planning will finish me off", "i'd sell my soul for a
    back that works", "not wake up until monday"), not wanted and not about the person's life."""
    return _hyperbole(normalize_text(text or ""))


def _hyperbole(norm: str) -> bool:
    if not _IDIOM.search(norm) or _IDIOM_WANTED.search(norm):
        return False
    return _every_risky_sentence_in(norm, _IDIOM)


def game_talk(text: str) -> bool:
    """Death words as a game's mechanics ("die on purpose so you respawn at the checkpoint")."""
    return _game_talk(normalize_text(text or ""))


def _game_talk(norm: str) -> bool:
    if not _GAME.search(norm) or _LIFE.search(norm) or _NO_RESPAWN.search(norm):
        return False
    return _every_risky_sentence_in(norm, _GAME)


def recovery_signoff(text: str) -> bool:
    """A goodbye because things got better ("thanks for everything, goodbye, my back is finally better")."""
    return _recovery_signoff(normalize_text(text or ""))


def _recovery_signoff(norm: str) -> bool:
    if not _GOODBYE.search(norm) or not _BETTER.search(norm) or _DECIDED.search(norm):
        return False
    return _every_risky_sentence_in(norm, _GOODBYE, _BETTER)


def explaining_frame(text: str) -> str:
    """The frame that explains the message's death words away, or "" (RiskGuard records it)."""
    norm = normalize_text(text or "")  # once for the three frames
    if _game_talk(norm):
        return "game"
    if _recovery_signoff(norm):
        return "recovered"
    if _hyperbole(norm):
        return "hyperbole"
    return ""
