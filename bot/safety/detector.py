"""Crisis-risk detector: normalised text -> spaCy Matcher -> context rules -> RiskAssessment.

Pure Python plus spaCy (a blank English pipeline with the lookup lemmatizer; no model
download). Nothing here imports Rasa, so actions, the NLU guard and the staff app can all
use it.

Conservative by design: a message that touches suicide or self-harm in relation to the
person, even to deny it, is at least POSSIBLE ("when in doubt, ask gently"). NONE is kept
for hyperbole ("my back is killing me"), accidents, medication and dosing questions,
health worries, and news/media talk with no personal link.

    >>> assess("this pain is killing me").level
    <RiskLevel.NONE: 'none'>
    >>> assess("i want to k1ll myself").level
    <RiskLevel.HIGH: 'high'>
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from . import multilingual
from . import patterns as P
from .normalize import Normalizer

log = logging.getLogger(__name__)

__all__ = ["RiskLevel", "RiskAssessment", "assess", "explain", "warm_up", "normalize_text"]


class RiskLevel(str, Enum):
    NONE = "none"
    POSSIBLE = "possible"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {RiskLevel.NONE: 0, RiskLevel.POSSIBLE: 1, RiskLevel.HIGH: 2}
_LEVEL_OF = {P.HIGH: RiskLevel.HIGH, P.POSSIBLE: RiskLevel.POSSIBLE}


@dataclass(frozen=True)
class RiskAssessment:
    """level and reasons say whether the message is risk; cues are context signals
    (patterns.CUES: dose_or_quantity_question, height_or_place_question, time_question,
    goodbye, hopelessness, burden) that are not risk on their own but are after a risk
    turn (bot/dialogue/safety_policy.py weighs them). A cue never changes the level."""
    level: RiskLevel
    reasons: Tuple[str, ...] = ()
    cues: Tuple[str, ...] = ()

    @property
    def is_risk(self) -> bool:
        return self.level != RiskLevel.NONE

    def to_dict(self) -> Dict[str, object]:
        return {"level": self.level.value, "reasons": list(self.reasons),
                "is_risk": self.is_risk, "cues": list(self.cues)}


NO_RISK = RiskAssessment(RiskLevel.NONE, ())

# reasons added to the category when context changed the level
NEGATION = "negation"
HYPERBOLE = "hyperbole_possible"
PAST = "past"
THIRD_PARTY = "third_party"
THIRD_PERSON_SELF = "third_person_self"
DETECTOR_ERROR = "detector_error"

SELF, THIRD, UNKNOWN = "self", "third", "unknown"

_SENTENCE_END = frozenset({".", "!", "?", "\n"})
_CLAUSE_STOP = frozenset({".", "!", "?", ";", ":", "\n"})
_NEG_STOP = frozenset({".", "!", "?", ";", ":", ",", "\n", "but", "and", "because", "so",
                       "though", "although", "yet", "or", "cause", "i", "me"})
_PREPOSITIONS = frozenset({"about", "on", "of", "regarding", "with", "in", "by", "from",
                           "over", "after", "into", "around", "re", "for", "at", "during",
                           "against", "towards", "through", "under"})
_SKIP_IN_SUBJECT = frozenset({"who", "that", "whose", "which"})
_MEANS_GAP = 8
_LETHAL_GAP = 12
# a sentence is a question when it has "?" or one of these opens it (or a clause in it,
# after a comma), possibly after a few filler words
_QUESTION_OPENERS = frozenset({"how", "what", "which", "where", "whether", "would", "could",
                               "can", "is", "are", "does", "do", "will", "might", "should",
                               "did", "was", "were", "if"})
_WH_OPENERS = frozenset({"how", "what", "which", "where", "whether", "if"})
_QUESTION_FILLERS = frozenset({"so", "but", "and", "ok", "okay", "hey", "hi", "um", "umm",
                               "hypothetically", "theoretically", "just", "like", "also",
                               "seriously", "honestly", "then", "well", "quick", "question",
                               "random", "curious", "wondering", "but", "in", "theory",
                               "out", "of", "curiosity", "for", "a", "friend", "story",
                               "asking", "purely", "i", "am", "was", "just"})
_WONDER = frozenset({"wonder", "wondering", "wondered", "curious", "know", "tell", "ask",
                     "asking"})
# which means words pair with which outcome words (lethality questions)
_LETHAL_PAIRS = {"kill": frozenset({"fall", "drug", "od"}), "survive": frozenset({"fall", "od"}),
                 "purpose": frozenset({"fall", "drug", "od", "height"}),
                 "certain": frozenset({"fall", "height"})}
_SELF_WORDS = frozenset({"i", "me", "myself"})
# "my back wants me dead lol", "this job wants me dead": a wish the speaker gives a body part,
# the pain or a thing is hyperbole. Not "brain", "head" or "body": "my brain wants me dead" can
# be how intrusive thoughts are put.
_WISHES_OF_ANOTHER = frozenset({"wants", "wishes", "hopes", "wanted", "wished"})
_HYPERBOLE_WISHERS = frozenset({"back", "spine", "neck", "pain", "sciatica", "disc", "discs", "knee",
                                "knees", "hip", "hips", "shoulder", "shoulders", "legs", "job", "work",
                                "boss", "manager", "chair", "desk", "mattress", "commute", "gym",
                                "workout", "physio", "weather", "heat", "week", "this", "it", "that"})
# words of an injury's onset that make a denied "hurt myself" an injury question, not self-harm
# denied. Not body parts or "pain": nearly every message here names the back ("i didn't hurt
# myself on purpose, i promise" and "i won't hurt myself, i just need to vent about my back"
# stay "when unsure, ask").
# between a wisher and its "wants": "my inbox genuinely wants me dead"
_WISHER_SKIP = frozenset({"genuinely", "literally", "actually", "really", "just", "definitely", "clearly",
                          "honestly", "totally", "seriously", "basically", "probably", "lowkey", "legit",
                          "still", "all", "both", "so", "def", "truly", "officially", "absolutely"})
# wishers that are not things: pronouns, the person's own mind, the world and its powers
_NOT_THINGS = frozenset({"i", "we", "it", "everything", "everyone", "everybody", "nobody", "noone", "world",
                         "god", "universe", "fate", "devil", "family", "life", "brain", "mind", "head",
                         "thoughts", "voices", "voice", "body", "heart", "soul", "demons", "self", "depression",
                         "anxiety", "illness", "who", "which", "what", "part", "side", "nobody", "one",
                         "doctors", "doctor", "team", "group", "staff", "police", "government", "society"})
_THING_DETERMINERS = frozenset({"my", "the", "this", "that", "these", "those", "our", "your", "his", "her",
                                "their", "stupid", "damn", "bloody", "fucking", "new", "old"})
_INJURY_CONTEXT = frozenset({"ache", "aches", "aching", "achy", "sore", "twinge", "twinged", "nowhere",
                             "injury", "injured", "strain", "strained", "pulled", "spasm", "stiff",
                             "sneezed", "woke", "crick"})
_FUTURE_WORDS = frozenset({"wont", "will", "going", "gonna", "would", "promise"})
_THING_SUBJECTS = frozenset({"it", "this", "that", "which", "these", "those"})
_AUXILIARIES = frozenset({"will", "would", "could", "can", "might", "may", "does", "did", "do",
                          "should", "must", "wont", "cant"})
_DESIRE_GAP = 5
_DESIRE_BLOCKERS = frozenset({"know", "knew", "learn", "read", "understand", "about", "if",
                              "whether", "not", "never", "afraid", "scared", "worried", "sure",
                              "why", "how", "what", "when", "before", "after", "until", "till",
                              "stop", "without", "no", "nobody", "noone", "nothing", "see",
                              "watch", "avoid", "prevent", "fear", "feared", "tell", "told",
                              "say", "said", "ask", "asked", "help", "than", "nt"})
_DESIRE_GAP_OK = frozenset(P.LISTS["ADV"]) | frozenset({
    "to", "be", "i", "me", "myself", "could", "would", "should", "can", "will", "was", "were",
    "am", "is", "for", "a", "quick", "painless", "peaceful", "nothing", "more", "than",
    "just", "it", "all", "everything", "this", "my", "life", "we", "of", "the", "sweet",
    "release", "eternal", "sleep", "someone", "somebody", "something", "did", "had",
})
_WAYOUT_DEATH = frozenset({"die", "dying", "death", "dead", "suicide", "unalive", "kill",
                           "killing"})
_MEANS_BLOCKERS = frozenset({"help", "helping", "support", "supporting", "stop", "stopping",
                             "prevent", "preventing", "talk", "talking", "tell", "recognize",
                             "recognise", "know", "spot", "notice", "cope", "deal", "handle",
                             "avoid", "survive", "reach", "comfort", "save"})
# very long messages are split into windows this long (characters of normalised text)
_WINDOW = 20_000
_OVERLAP = 400
_CACHE_MAX_LEN = 2_000
_PREFILTER_MIN = 3_000


@dataclass
class Finding:
    rule: str
    category: str
    level: RiskLevel
    start: int
    end: int
    extra: Tuple[str, ...] = ()


@dataclass
class Explanation:
    """What the detector saw; for the evaluation report and debugging."""
    text: str
    normalized: str
    assessment: RiskAssessment
    findings: List[Finding] = field(default_factory=list)
    cues: Tuple[str, ...] = ()


class _Engine:
    """spaCy pipeline + one Matcher per rule, built once per process.

    spaCy 3.4 evaluates "IN" token predicates in Python for every token and pattern, so
    one big Matcher is slow on long texts. Each rule gets its own Matcher and runs only
    when one of its trigger words (see patterns.rule_triggers) is in the message.
    """

    def __init__(self) -> None:
        import spacy
        from spacy.matcher import Matcher

        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        nlp.max_length = max(nlp.max_length, 2 * _WINDOW + 10)
        self.nlp = nlp
        self.rules: List[Tuple[P.Rule, FrozenSet[str], "Matcher"]] = []
        for rule in P.RULES:
            matcher = Matcher(nlp.vocab, validate=True)
            matcher.add(rule.name, [P.compile_pattern(p) for p in rule.patterns])
            self.rules.append((rule, P.rule_triggers(rule), matcher))
        self.normalizer = Normalizer()
        self.triggers = P.trigger_words()
        self._lock = threading.Lock()

    def parse(self, normalized: str) -> Tuple[List[str], List[Tuple[P.Rule, int, int]]]:
        # spaCy objects are not documented as thread-safe: one call at a time.
        with self._lock:
            doc = self.nlp(normalized)
            lowers = [t.lower_ for t in doc]
            present = set(lowers)
            present.update(t.lemma_ for t in doc)
            found: List[Tuple[P.Rule, int, int]] = []
            for rule, triggers, matcher in self.rules:
                if triggers.isdisjoint(present):
                    continue
                found.extend((rule, start, end) for _key, start, end in matcher(doc))
        found.sort(key=lambda m: (m[1], m[2]))
        return lowers, found


_ENGINE: Optional[_Engine] = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _Engine()
    return _ENGINE


def warm_up() -> None:
    """Build the pipeline now (it is otherwise built on the first message)."""
    _engine()
    assess("warm up")


def normalize_text(text: str) -> str:
    """The normalised form the patterns see (same as bot.safety.normalize.normalize)."""
    return _engine().normalizer.normalize(_as_text(text))


# ---------------------------------------------------------------- public API
def assess(text: str) -> RiskAssessment:
    """Assess one message. Thread-safe; never raises; unsure -> POSSIBLE."""
    try:
        text = _as_text(text)
        if not text.strip():
            return NO_RISK
        if len(text) <= _CACHE_MAX_LEN:
            return _assess_cached(text)
        return _explain(text).assessment
    except Exception:  # pragma: no cover - defensive: a detector bug must not hide risk
        log.exception("risk detector failed; treating the message as possible risk")
        return RiskAssessment(RiskLevel.POSSIBLE, (DETECTOR_ERROR,))


def explain(text: str) -> Explanation:
    """Like assess, with the normalised text and every finding (for reports/debugging)."""
    text = _as_text(text)
    if not text.strip():
        return Explanation(text, "", NO_RISK)
    return _explain(text)


@lru_cache(maxsize=4096)
def _assess_cached(text: str) -> RiskAssessment:
    return _explain(text).assessment


def _as_text(text: object) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:
            return ""
    return text


# ---------------------------------------------------------------- analysis
def _explain(text: str) -> Explanation:
    engine = _engine()
    normalized = engine.normalizer.normalize(text)
    findings: List[Finding] = []
    cues: set = set()
    matched = normalized
    if len(normalized) > _PREFILTER_MIN:
        matched = _prefilter(normalized, engine.triggers)
    for window in _windows(matched):
        lowers, matches = engine.parse(window)
        analysis = _Analysis(lowers, matches)
        findings.extend(analysis.run())
        cues |= analysis.cues
    findings.extend(_other_language_findings(text))
    assessment = _combine(findings, cues)
    return Explanation(text, normalized, assessment, findings, assessment.cues)


def _other_language_findings(text: str) -> List[Finding]:
    """First-person risk in other languages and learner English (multilingual.py): the
    English patterns above cannot see "me quiero morir", and the encoder is English-only.
    Read from the raw text (the English normaliser would "repair" foreign words); a
    negation just before lowers HIGH to POSSIBLE, as for the English rules."""
    out: List[Finding] = []
    for hit in multilingual.hits(text[:_WINDOW * 4]):
        level = _LEVEL_OF[hit.level]
        extra: Tuple[str, ...] = () if hit.language.startswith("en") else (multilingual.NON_ENGLISH,)
        if hit.negated and level == RiskLevel.HIGH:
            level, extra = RiskLevel.POSSIBLE, extra + (NEGATION,)
        out.append(Finding(f"{hit.language}:{hit.category}", hit.category, level, -1, -1, extra))
    return out


def _prefilter(normalized: str, triggers) -> str:
    """Keep only sentences (with their neighbours) that contain a trigger word."""
    sentences: List[List[str]] = [[]]
    for tok in normalized.split(" "):
        sentences[-1].append(tok)
        if tok in _SENTENCE_END or (tok[:1] in ".!?" and tok):
            sentences.append([])
    hot = [any(t in triggers for t in sent) for sent in sentences]
    keep = [hot[i] or (i > 0 and hot[i - 1]) or (i + 1 < len(hot) and hot[i + 1])
            for i in range(len(sentences))]
    out: List[str] = []
    for i, sent in enumerate(sentences):
        if keep[i]:
            out.extend(sent)
        elif out and out[-1] != ".":
            out.append(".")
    return " ".join(t for t in out if t)


def _windows(normalized: str) -> List[str]:
    if len(normalized) <= _WINDOW:
        return [normalized]
    out = []
    pos = 0
    while pos < len(normalized):
        end = min(len(normalized), pos + _WINDOW)
        if end < len(normalized):
            space = normalized.rfind(" ", pos + _WINDOW // 2, end)
            end = space if space > pos else end
        out.append(normalized[pos:end])
        if end >= len(normalized):
            break
        back = normalized.rfind(" ", end - _OVERLAP, end)
        pos = back + 1 if back > pos else end
    return out


def _combine(findings: Sequence[Finding], cues=frozenset()) -> RiskAssessment:
    cues = set(cues)
    for f in findings:
        if f.category == P.GOODBYE:
            cues.add(P.GOODBYE_CUE)
    ordered = tuple(c for c in P.CUES if c in cues)
    if not findings:
        return RiskAssessment(RiskLevel.NONE, (), ordered) if ordered else NO_RISK
    level = max((f.level for f in findings), key=lambda lv: _RANK[lv])
    reasons: List[str] = []
    extras: List[str] = []
    for f in sorted(findings, key=lambda f: (-_RANK[f.level], f.start)):
        if f.category not in reasons:
            reasons.append(f.category)
        for e in f.extra:
            if e not in extras:
                extras.append(e)
    reasons.extend(e for e in extras if e not in reasons)
    return RiskAssessment(level, tuple(reasons), ordered)


class _Analysis:
    def __init__(self, lowers: List[str], matches: List[Tuple[P.Rule, int, int]]) -> None:
        self.t = lowers
        self.n = len(lowers)
        self.matches = matches
        self.sent: List[int] = []
        sid = 0
        for tok in lowers:
            self.sent.append(sid)
            if tok in _SENTENCE_END or (tok and tok[0] in ".!?" and not tok[0].isalnum()):
                sid += 1
        self._media_cache: Dict[int, bool] = {}
        self._question_cache: Dict[int, bool] = {}
        self.cues: set = set()

    # ------------------------------------------------------------ helpers
    def tok(self, i: int) -> Optional[str]:
        return self.t[i] if 0 <= i < self.n else None

    def is_end(self, i: int) -> bool:
        tok = self.tok(i)
        if tok is None:
            return True
        if not tok[0].isalnum():
            return True
        return tok in P.CLAUSE_END_WORDS

    def thing_wishes(self, ds: int) -> bool:
        """Is the one who "wants" at `ds` a thing: a body part, the pain, a job (the list), or any
        noun that is not a person, a pronoun or the person's own mind, when the wish is "me"
        ("my inbox genuinely wants me dead", "mondays want me dead")? "my brain wants me dead",
        "everyone wants me dead" and "my kids want me dead" are not things."""
        j = ds - 1
        while j >= 0 and self.t[j] in _WISHER_SKIP:
            j -= 1
        if j < 0:
            return False
        wisher = self.t[j]
        if wisher in _HYPERBOLE_WISHERS:
            return True
        if self.tok(ds + 1) != "me" or not wisher.isalpha() or wisher in _NOT_THINGS:
            return False
        if wisher in P.THIRD_PERSON or wisher in P.PERSON_NOUNS or wisher.rstrip("s") in P.THIRD_PERSON:
            return False
        before = self.tok(j - 1)
        return before is None or before in _THING_DETERMINERS or not before[0].isalnum()

    def media_sentence(self, i: int) -> bool:
        sid = self.sent[i] if 0 <= i < self.n else -1
        if sid not in self._media_cache:
            self._media_cache[sid] = any(
                self.t[j] in P.MEDIA_WORDS for j in range(self.n) if self.sent[j] == sid)
        return self._media_cache[sid]

    def is_question(self, i: int) -> bool:
        """Is the sentence of token i a question ("?", or a question word opening it or a
        clause in it, after at most a few filler words; "i wonder if ...")."""
        sid = self.sent[i]
        if sid in self._question_cache:
            return self._question_cache[sid]
        idx = [j for j in range(self.n) if self.sent[j] == sid]
        toks = [self.t[j] for j in idx]
        found = "?" in toks or any(t.startswith("?") for t in toks)
        starts = [0] + [k + 1 for k, t in enumerate(toks) if t == ","]
        for k in starts:
            if found:
                break
            skipped = 0
            while k < len(toks) and toks[k] in _QUESTION_FILLERS and skipped < 4:
                k += 1
                skipped += 1
            found = k < len(toks) and toks[k] in _QUESTION_OPENERS
            if found and k > 0 and toks[k - 1] in ("i", "am", "was") and toks[k] not in _WH_OPENERS:
                found = False  # "i would rather die than ...", "i can ...": a statement, not a question
        if not found:
            found = any(t in _WONDER and k + 1 < len(toks)
                        and toks[k + 1] in ("if", "whether", "how", "what")
                        for k, t in enumerate(toks))
        self._question_cache[sid] = found
        return found

    def sentence_has(self, i: int, words) -> bool:
        sid = self.sent[i]
        return any(self.t[j] in words for j in range(self.n) if self.sent[j] == sid)

    def subject(self, start: int) -> Tuple[str, bool]:
        """Nearest person word before start (same clause): self, third or unknown."""
        via_prep = False
        for j in range(start - 1, max(-1, start - 10), -1):
            tok = self.t[j]
            if tok in _CLAUSE_STOP:
                break
            if tok in _PREPOSITIONS:
                via_prep = True
                continue
            if tok in _SKIP_IN_SUBJECT:
                continue
            if tok in P.FIRST_PERSON:
                return SELF, via_prep
            if tok in P.THIRD_PERSON:
                return THIRD, via_prep
        return UNKNOWN, via_prep

    def past_denial(self, start: int) -> bool:
        """"i didn't / haven't / never ..." right before start: what did not happen. Not "won't":
        "i won't hurt myself" is about intent, and stays "when unsure, ask"."""
        # the text is normalised ("didn't" -> "did not"), so the negation is the ordinary check;
        # "i did hurt myself" is no denial at all
        return self.negated(start) and not any(w in _FUTURE_WORDS for w in self.prev_words(start, 4))

    def thing_does_it(self, start: int) -> bool:
        """The verb at start has a thing for its subject: "will it burn my skin", "this
        could cut my hand", "does that hurt my back" ("it", "this", "that" ... right before
        the verb, or before the auxiliary that is right before it)."""
        prev = self.tok(start - 1)
        if prev in _THING_SUBJECTS:
            return True
        return prev in _AUXILIARIES and self.tok(start - 2) in _THING_SUBJECTS

    def negated(self, start: int) -> bool:
        for j in range(start - 1, max(-1, start - 5), -1):
            tok = self.t[j]
            if tok in _NEG_STOP:
                return False
            if tok in P.NEGATIONS:
                after = self.tok(j + 1)
                return after not in P.NEGATION_EXCEPTIONS
        return False

    def prev_words(self, start: int, k: int) -> List[str]:
        return [self.t[j] for j in range(max(0, start - k), start)]

    def next_words(self, end: int, k: int) -> List[str]:
        """Up to k words after end, stopping at punctuation."""
        out = []
        for j in range(end, min(self.n, end + k)):
            if not self.t[j][:1].isalnum():
                break
            out.append(self.t[j])
        return out

    def next_ok(self, rule: P.Rule, end: int) -> bool:
        nxt = self.tok(end)
        if rule.next_ok is not None:
            if not ((P.END in rule.next_ok and self.is_end(end)) or nxt in rule.next_ok):
                return False
        if nxt is not None and nxt in rule.next_not:
            return False
        return True

    # ------------------------------------------------------------ judging
    def run(self) -> List[Finding]:
        guards: List[Tuple[int, int]] = []
        cue = False
        farewell: List[Tuple[int, int]] = []
        finality: List[Tuple[int, int]] = []
        desires: List[Tuple[int, int]] = []
        deaths: List[Tuple[int, int]] = []
        killmes: List[Tuple[int, int]] = []
        wayouts: List[Tuple[int, int]] = []
        questions: List[Tuple[int, int]] = []
        targets: List[Tuple[int, int]] = []
        lethal_means: List[Tuple[int, int, str]] = []
        lethal_outcomes: List[Tuple[int, int, str]] = []
        findings: List[Finding] = []
        for rule, start, end in self.matches:
            if rule.kind == "context":
                if self.context_cue(rule, start, end):
                    self.cues.add(rule.category)
            elif rule.kind == "lethal_means":
                lethal_means.append((start, end, rule.tag))
            elif rule.kind == "lethal_outcome":
                if self.next_ok(rule, end):
                    lethal_outcomes.append((start, end, rule.tag))
            elif rule.kind == "guard":
                guards.append((start, end))
            elif rule.kind == "cue":
                cue = True
            elif rule.kind == "farewell":
                farewell.append((start, end))
            elif rule.kind == "finality":
                finality.append((start, end))
            elif rule.kind == "desire":
                desires.append((start, end))
            elif rule.kind == "deathword":
                if self.next_ok(rule, end):
                    deaths.append((start, end))
            elif rule.kind == "killme":
                if self.next_ok(rule, end):
                    killmes.append((start, end))
            elif rule.kind == "wayout":
                wayouts.append((start, end))
            elif rule.kind == "means_q":
                questions.append((start, end))
            elif rule.kind == "means_target":
                if self.next_ok(rule, end):
                    targets.append((start, end))
            else:
                found = self.judge(rule, start, end)
                if found is not None:
                    findings.append(found)
        findings.extend(self.means(questions, targets))
        findings.extend(self.lethality(lethal_means, lethal_outcomes))
        findings.extend(self.desire_death(desires, deaths, strict=True))
        findings.extend(self.desire_death(desires, killmes, strict=False))
        findings.extend(self.way_out(wayouts, deaths))
        if farewell and finality:
            # "goodbye" alone ends a chat; with "thank you for trying" / "sorry for
            # everything" / "i won't need it anymore" it may be a final goodbye.
            s, e = min(farewell + finality)
            findings.append(Finding("farewell_finality", P.GOODBYE, RiskLevel.POSSIBLE, s, e))
        findings = [f for f in findings
                    if not any(s < f.end and f.start < e for s, e in guards)]
        findings = self.drop_covered_mentions(findings)
        findings = _dedupe(findings)
        for f in findings:
            rule_cue = _RULE_CUES.get(f.rule)
            if rule_cue:
                self.cues.add(rule_cue)
        if cue and any(f.category != P.HELP for f in findings):
            for f in findings:
                if f.category == THIRD_PARTY:
                    f.category = THIRD_PERSON_SELF
                    f.level = RiskLevel.HIGH
            findings.append(Finding("third_person_cue", THIRD_PERSON_SELF, RiskLevel.HIGH,
                                    self.n, self.n))
        return findings

    def judge(self, rule: P.Rule, start: int, end: int) -> Optional[Finding]:
        if not self.next_ok(rule, end):
            return None
        prev = self.tok(start - 1)
        if prev is not None and prev in rule.prev_not:
            return None
        if rule.blockers and self.sentence_has(start, rule.blockers):
            return None
        level = _LEVEL_OF[rule.level]
        category = rule.category
        extra: List[str] = []
        nxt = self.tok(end)

        if rule.third:
            if self.media_sentence(start):
                return None
            category, level = THIRD_PARTY, RiskLevel.POSSIBLE
        elif rule.subject or rule.media:
            if any(self.t[j] in P.FIRST_PERSON for j in range(start, end)):
                kind, via_prep = SELF, False  # the phrase names the person ("if i died")
            else:
                kind, via_prep = self.subject(start)
            if nxt in P.PERSON_NOUNS and rule.name == "suicidal":
                kind = THIRD
            if rule.media and self.media_sentence(start) and (kind != SELF or via_prep):
                return None
            if rule.subject and kind == THIRD:
                category, level = THIRD_PARTY, RiskLevel.POSSIBLE

        if rule.harm:
            if self.thing_does_it(start):
                return None  # "will it burn my skin": a product or a treatment, not the person
            if (rule.level == P.POSSIBLE and self.past_denial(start)
                    and self.sentence_has(start, _INJURY_CONTEXT)):
                return None  # "no i didn't hurt myself, it just started aching": an injury denied
            before = self.prev_words(start, 3)
            after = self.next_words(end, 3)
            strong = (any(w in P.HARM_INTENT_PREV for w in before)
                      or any(w in P.HARM_DELIBERATE for w in after))
            accident = (any(w in P.ACCIDENT_NEXT for w in after)
                        or any(w in P.ACCIDENT_PREV for w in self.prev_words(start, 4)))
            habit = (any(w in P.HARM_HABIT_PREV for w in before)
                     or any(w in P.HARM_INTENT_NEXT for w in after)
                     or any(pair in P.INTENT_PHRASES for pair in zip(after, after[1:])))
            intent = strong
            if intent or (habit and not accident):
                if category != THIRD_PARTY:
                    level = RiskLevel.HIGH
            elif accident:
                return None

        if (rule.weak_next or rule.weak_prev) and level == RiskLevel.HIGH:
            before = self.prev_words(start, 3)
            if not any(w in P.INTENT_PREV for w in before) and (
                    nxt in rule.weak_next or any(w in rule.weak_prev for w in before[-2:])):
                level = RiskLevel.POSSIBLE
                extra.append(HYPERBOLE)

        if rule.past and level == RiskLevel.HIGH and self.sentence_has(start, P.PAST_CUES):
            level = RiskLevel.POSSIBLE
            extra.append(PAST)

        if rule.negatable and level == RiskLevel.HIGH and self.negated(start):
            level = RiskLevel.POSSIBLE
            extra.append(NEGATION)
        elif rule.negatable and self.negated(start):
            extra.append(NEGATION)

        return Finding(rule.name, category, level, start, end, tuple(extra))

    def means(self, questions: List[Tuple[int, int]],
              targets: List[Tuple[int, int]]) -> List[Finding]:
        out = []
        for qs, qe in questions:
            for ts, te in targets:
                if ts <= qs or ts - qe > _MEANS_GAP or self.sent[qs] != self.sent[ts]:
                    continue
                gap = self.t[qe:ts]
                if any(w in _MEANS_BLOCKERS for w in gap):
                    continue
                out.append(Finding("means_question", P.MEANS, RiskLevel.HIGH, qs, te))
        return out

    def lethality(self, means: List[Tuple[int, int, str]],
                  outcomes: List[Tuple[int, int, str]]) -> List[Finding]:
        """Whether something would kill or be survivable, asked about a means: "is a fall
        from the fourth floor survivable", "would jumping off a bridge kill you", "can
        these pills kill you". Whoever it is "for", it is risk: POSSIBLE, HIGH when the
        person is in it ("would i survive if i jumped"). Health worries without a means
        word ("can a slipped disc kill you") are left alone."""
        out = []
        for os_, oe, otag in outcomes:
            pairs = _LETHAL_PAIRS.get(otag, frozenset())
            for ms, me, mtag in means:
                if mtag not in pairs or self.sent[ms] != self.sent[os_]:
                    continue
                lo, hi = (me, os_) if ms < os_ else (oe, ms)
                if hi - lo > _LETHAL_GAP:
                    continue
                if any(w in _MEANS_BLOCKERS for w in self.t[lo:hi]):
                    continue
                if not self.is_question(os_):
                    continue
                personal = self.sentence_has(os_, _SELF_WORDS)
                if self.media_sentence(os_) and not personal:
                    continue
                level = RiskLevel.HIGH if personal else RiskLevel.POSSIBLE
                out.append(Finding("lethality_question", P.MEANS, level,
                                   min(ms, os_), max(me, oe)))
                break
        return out

    def context_cue(self, rule: P.Rule, start: int, end: int) -> bool:
        if not self.next_ok(rule, end):
            return False
        if rule.question and not self.is_question(start):
            return False
        if rule.self_only and self.subject(start)[0] == THIRD:
            return False
        return True

    def desire_death(self, desires: List[Tuple[int, int]], deaths: List[Tuple[int, int]],
                     strict: bool) -> List[Finding]:
        """General net: "all i want is to be dead", "i hope this pain kills me" ...

        strict: only words that keep the person as the one who dies may stand between
        the wish and the death word ("i want the pain to die down" is not risk).
        """
        out = []
        for ds, de in desires:
            for ts, te in deaths:
                if ts < de or ts - de > _DESIRE_GAP or self.sent[ds] != self.sent[ts]:
                    continue
                gap = self.t[de:ts]
                if any(w in _CLAUSE_STOP or w == "," for w in gap):
                    continue
                if strict and not all(w in _DESIRE_GAP_OK for w in gap):
                    continue
                if not strict and any(w in _DESIRE_BLOCKERS for w in gap):
                    continue
                if any(w in _DESIRE_BLOCKERS for w in self.prev_words(ds, 2)):
                    continue
                if self.t[ds] in _WISHES_OF_ANOTHER | {"want"} and self.thing_wishes(ds):
                    continue  # "my lower back wants me dead", "mondays want me dead": a thing's wish, hyperbole
                kind, via_prep = self.subject(ds)
                if self.media_sentence(ds) and (kind != SELF or via_prep):
                    continue
                if kind == THIRD:
                    out.append(Finding("desire_death", THIRD_PARTY, RiskLevel.POSSIBLE, ds, te))
                else:
                    out.append(Finding("desire_death", P.PASSIVE, RiskLevel.POSSIBLE, ds, te))
        return out

    def way_out(self, wayouts: List[Tuple[int, int]],
                deaths: List[Tuple[int, int]]) -> List[Finding]:
        """"the only way out is death", "no way out except dying"."""
        out = []
        for ws, we in wayouts:
            sid = self.sent[ws]
            death_words = [i for i in range(self.n) if self.sent[i] == sid
                           and self.t[i] in _WAYOUT_DEATH and abs(i - ws) <= 8]
            if death_words and not self.media_sentence(ws):
                out.append(Finding("way_out", P.PASSIVE, RiskLevel.POSSIBLE, ws, we))
        return out

    def drop_covered_mentions(self, findings: List[Finding]) -> List[Finding]:
        strong = [f for f in findings if f.category != P.MENTION]
        return [f for f in findings if f.category != P.MENTION or not any(
            s.start < f.end and f.start < s.end for s in strong)]


_RULE_CUES: Dict[str, str] = {rule.name: rule.cue for rule in P.RULES if rule.cue}


def _dedupe(findings: List[Finding]) -> List[Finding]:
    seen = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        key = (f.rule, f.category, f.level, f.start)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
