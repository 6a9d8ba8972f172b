"""Risk patterns for the spaCy Matcher, written in a small readable notation.

Patterns run over the *normalised* text (see ``normalize.py``): lowercase, contractions
expanded ("can't" -> "can not", "i'm" -> "i am", "wanna" -> "want to"), leetspeak and
misspellings repaired. So patterns only need the plain spelling.

Notation, one token per space-separated item:
  word          LOWER == word
  a|b|c         LOWER in {a, b, c}
  @a|b          LEMMA in {a, b} (spaCy lookup lemmatizer: "killing" -> "kill")
  $NAME         LOWER in the word list NAME below
  .             any word (not punctuation)
  item?         optional (Matcher OP "?")

Each Rule carries how its matches are judged (see detector.py):
  subject   look back for the grammatical subject: a third person ("my friend ...")
            makes it third_party (POSSIBLE) instead of the person's own risk.
  third     the phrase itself is about someone else ("kill himself").
  media     dropped when the sentence is about news/film/books/studies and not
            about the person themselves.
  negatable a negation just before ("i'm not ...", "i would never ...") lowers
            HIGH to POSSIBLE -- never to NONE.
  next_ok   the token after the match must be a clause end (END) or in this set.
  next_not  the token after the match must not be in this set.
  prev_not  the token before the match must not be in this set.
  harm      self-harm verb: intent cues ("want to", "again", "on purpose") make it
            HIGH, accident context ("... lifting a box", "... on the oven") drops it.
  past      past cues ("used to", "years ago") lower HIGH to POSSIBLE.
  weak_next / weak_prev   tokens that make a match hyperbole-ish: lowered to POSSIBLE.
  cue       a context cue (see CUES) recorded whenever the rule's finding stands.

Context cues (kind="context") never change the level: they are signals that are harmless
on their own ("how many ibuprofen can i take", "what time do you close", "bye everyone")
and that the dialogue weighs against the turns before (bot/dialogue/safety_policy.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

END = "<END>"  # marker inside next_ok: end of text, punctuation or a clause-ending word

HIGH = "high"
POSSIBLE = "possible"

# ---------------------------------------------------------------- word lists
LISTS: Dict[str, Tuple[str, ...]] = {
    # verbs that turn "... to die" into a wish / intent
    "WANT": ("want", "wants", "wanted", "wanting", "wish", "wishing", "wished", "need", "needs",
             "ready", "plan", "plans", "planned", "planning", "decided", "deciding", "like",
             "love", "trying", "try", "tried", "intend", "intending"),
    # like WANT but also modal verbs (for "i might just end it")
    "WILL": ("want", "wants", "wanted", "wanting", "ready", "going", "plan", "planning",
             "planned", "need", "decided", "will", "would", "should", "might", "could",
             "about", "gonna", "try", "trying", "tried", "attempted", "mean"),
    "ADV": ("just", "really", "honestly", "simply", "fucking", "freaking", "fricking", "effing",
            "literally", "actually", "truly", "seriously", "genuinely", "so", "badly", "kind",
            "of", "sort", "kinda", "all", "finally", "quietly", "peacefully", "already", "totally",
            "now", "soon", "also", "even", "sometimes", "still", "often", "ever", "fr", "go",
            "rather", "truthfully", "secretly", "lowkey", "highkey", "deadass"),
    "DEATHWORD": ("death", "dying", "being"),
    "BETTER": ("better", "happier", "easier", "fine", "okay", "ok", "lighter", "simpler",
               "best"),
    "NOBODY": ("nobody", "noone"),
    "MEDS": ("pills", "pill", "tablets", "tablet", "meds", "med", "medication", "medications",
             "medicine", "medicines", "painkillers", "painkiller", "capsules", "capsule",
             "drugs", "prescription", "prescriptions", "sleeping", "ibuprofen", "paracetamol",
             "acetaminophen", "tylenol", "naproxen", "codeine", "aspirin", "tramadol",
             "opioids", "gabapentin", "pregabalin", "diazepam", "antidepressants", "them",
             "these", "those", "it"),
    "FAMILY": ("family", "kids", "children", "mum", "mom", "mam", "dad", "wife", "husband",
               "partner", "parents", "friends", "sister", "brother", "son", "daughter",
               "girlfriend", "boyfriend", "loved", "mother", "father", "everyone", "everybody"),
    "HARMVERB_HIGH": ("cut", "burn", "harm", "injure", "mutilate", "slash", "cutting",
                      "burning", "harming", "injuring"),
    "HARMVERB_LOW": ("hurt", "punish", "starve", "scratch", "hit", "punch", "bruise", "beat",
                     "hurting", "punishing", "starving", "scratching", "hitting", "punching"),
    "BODY": ("arm", "arms", "leg", "legs", "thigh", "thighs", "skin", "wrist", "wrists",
             "stomach", "body", "hip", "hips", "chest", "face", "head", "hands", "hand",
             "fists", "knuckles"),
    "THIRD_REFL": ("himself", "herself", "themselves", "themself"),
    "HIS": ("his", "her", "their"),
    "QHOW": ("do", "can", "could", "would", "should", "might", "does", "did", "will"),
    "QWHO": ("i", "you", "u", "one", "someone", "somebody", "people", "they", "he", "she",
             "a", "person", "me", "anyone"),
    "WAYADJ": ("best", "easiest", "quickest", "fastest", "simplest", "surest", "quietest",
               "cleanest", "safest", "painless", "painlessly", "peaceful", "gentlest", "quick",
               "easy", "simple", "sure", "surefire", "effective", "reliable", "guaranteed",
               "least", "most", "less", "quiet", "good", "fast"),
    "WAYNOUN": ("way", "ways", "method", "methods", "means", "option", "options"),
    "LETHALADJ": ("lethal", "fatal", "deadly", "overdose"),
    "AMOUNT": ("dose", "doses", "dosage", "amount", "quantity", "combination", "combo",
               "number", "level", "mix", "amounts"),
    # medicines by name or kind, without the pronouns MEDS allows ("it", "them" ...)
    "DRUGS": ("pills", "pill", "tablets", "tablet", "meds", "med", "medication", "medications",
              "medicine", "medicines", "painkillers", "painkiller", "capsules", "capsule",
              "drugs", "prescription", "prescriptions", "ibuprofen", "paracetamol",
              "acetaminophen", "tylenol", "naproxen", "codeine", "aspirin", "tramadol",
              "opioids", "gabapentin", "pregabalin", "diazepam", "antidepressants", "insulin",
              "relaxants", "antiinflammatories", "inflammatories", "advil", "nurofen",
              "dose", "doses", "dosage"),
    # high places (a fall from them)
    "PLACE": ("roof", "roofs", "rooftop", "rooftops", "bridge", "bridges", "cliff", "cliffs",
              "balcony", "balconies", "ledge", "tower", "towers", "building", "buildings",
              "carpark", "multistorey", "overpass", "skyscraper", "window"),
    # falling / jumping and heights
    "FALLWORD": ("fall", "falls", "falling", "jump", "jumps", "jumping", "jumped", "leap",
                 "leaping", "leapt", "drop", "height", "heights", "floor", "floors", "storey",
                 "storeys"),
    # who a lethality question is about ("would it kill you / a person")
    "VICTIM": ("you", "u", "me", "someone", "somebody", "people", "him", "her", "them", "us",
               "anyone", "anybody", "myself", "yourself", "oneself", "themselves", "himself",
               "herself", "ya"),
}

# tokens that end a clause for next_ok checks (besides punctuation / end of text)
CLAUSE_END_WORDS: FrozenSet[str] = frozenset({
    "and", "but", "because", "cause", "cuz", "coz", "so", "lol", "lmao", "haha", "tbh",
    "honestly", "though", "tho", "or", "anyway", "please", "rn", "ngl", "fr", "idk", "smh",
    "x", "xx", "xxx", "ok", "okay", "then", "if", "when", "since", "as", "already", "soon",
    "now", "tonight", "today", "sometimes", "lately", "again", "anymore", "really", "man",
    "i", "like",
})

# first person / third person words used for the subject look-back
FIRST_PERSON: FrozenSet[str] = frozenset({
    "i", "me", "my", "myself", "mine", "we", "our", "ourselves", "us",
})
THIRD_PERSON: FrozenSet[str] = frozenset({
    "he", "she", "they", "him", "her", "them", "his", "their", "himself", "herself",
    "themselves", "themself", "you", "your", "yourself", "u", "ur",
    "friend", "friends", "mate", "mates", "buddy", "bestie", "bff", "boyfriend", "girlfriend",
    "bf", "gf", "partner", "husband", "wife", "fiance", "fiancee", "spouse", "son", "daughter",
    "kid", "kids", "child", "children", "teen", "teenager", "brother", "sister", "sibling",
    "mum", "mom", "mother", "mam", "dad", "father", "parent", "parents", "grandma", "grandpa",
    "grandmother", "grandfather", "nan", "gran", "uncle", "aunt", "auntie", "cousin", "niece",
    "nephew", "colleague", "coworker", "boss", "neighbour", "neighbor", "classmate",
    "roommate", "flatmate", "student", "patient", "client", "someone", "somebody", "anyone",
    "anybody", "people", "person", "guy", "girl", "boy", "man", "woman", "celebrity",
    "actor", "actress", "singer", "character", "player", "everyone", "everybody", "stepdad",
    "stepmom", "stepmum", "ex",
})
# person nouns right after "suicidal" make it about someone else ("a suicidal teenager")
PERSON_NOUNS: FrozenSet[str] = frozenset({
    "teen", "teens", "teenager", "teenagers", "person", "people", "man", "men", "woman",
    "women", "patient", "patients", "character", "characters", "friend", "friends", "kid",
    "kids", "child", "children", "student", "students", "girl", "girls", "boy", "boys",
    "guy", "son", "daughter", "brother", "sister", "mother", "father", "mum", "mom", "dad",
    "partner", "client", "clients", "veterans", "youth", "adolescents", "individuals",
})
# a sentence with one of these is about news / media / study (for rules with media=True)
MEDIA_WORDS: FrozenSet[str] = frozenset({
    "news", "article", "articles", "documentary", "documentaries", "film", "films", "movie",
    "movies", "show", "shows", "series", "tv", "book", "books", "novel", "novels", "podcast",
    "biography", "biographies", "memoir", "memoirs", "autobiography",
    "podcasts", "episode", "episodes", "character", "characters", "headline", "headlines",
    "report", "reports", "reporting", "statistic", "statistics", "stats", "rate", "rates",
    "study", "studies", "research", "essay", "essays", "paper", "thesis", "dissertation",
    "class", "lecture", "course", "project", "assignment", "homework", "awareness",
    "prevention", "history", "song", "songs", "lyrics", "poem", "celebrity", "celebrities",
    "famous", "wikipedia", "newspaper", "journalist", "campaign", "charity", "workshop",
    "play", "theatre", "theater", "soap", "anime", "manga", "game", "video", "youtube",
})
# negation cues for the negation look-back ("n't" is normalised to "not")
NEGATIONS: FrozenSet[str] = frozenset({"not", "never", "no", "nt", "neither", "nor"})
# a negation followed by one of these does not negate the risk ("can't stop thinking ...")
NEGATION_EXCEPTIONS: FrozenSet[str] = frozenset({"stop", "help", "wait", "bear", "stand",
                                                  "only", "resist", "shake", "escape"})
# self-harm: cues that make it intentional (HIGH) ...
HARM_INTENT_PREV: FrozenSet[str] = frozenset({
    "want", "wants", "wanted", "wanna", "need", "needed", "urge", "urges", "plan",
    "planning", "thinking", "deserve", "tempted", "ready", "deliberately",
    "intentionally", "purposely", "secretly", "fantasize", "fantasise", "fantasizing",
})
# weaker cues: intent unless the words after the phrase describe an accident
HARM_HABIT_PREV: FrozenSet[str] = frozenset({
    "keep", "kept", "keeps", "been", "started", "start", "stop", "stopped", "relapse",
    "relapsed", "considering", "like", "again", "still", "sometimes", "often", "always",
    "try", "trying", "tried", "will", "going", "gonna", "might", "could", "scared", "afraid",
    "worried",
})
HARM_INTENT_NEXT: FrozenSet[str] = frozenset({
    "again", "deliberately", "intentionally", "purposely", "whenever", "every", "until",
    "till", "til", "more", "badly", "regularly", "sometimes", "often", "daily",
})
# words after the phrase that make it deliberate
HARM_DELIBERATE: FrozenSet[str] = frozenset({
    "deliberately", "intentionally", "purposely", "purpose",
})
# ... accident words just before ("i fell and hurt myself")
ACCIDENT_PREV: FrozenSet[str] = frozenset({
    "fell", "fall", "falling", "slipped", "slip", "tripped", "trip", "accidentally",
    "nearly", "almost", "practically", "accident", "accidently", "twisted", "pulled",
    "strained", "sprained", "stumbled", "crashed", "bumped", "lifted", "lifting", "moved",
    "carried", "jumped", "landed", "collided",
    # lifting or carrying someone or something ("how do i lift him without hurting myself")
    "lift", "carry", "carrying", "move", "moving", "transfer", "push", "pushing",
})
# intent words before a hyperbole-prone phrase keep it HIGH ("i'm going to kill myself at ...")
INTENT_PREV: FrozenSet[str] = frozenset({
    "want", "wants", "wanted", "wanna", "going", "gonna", "will", "plan", "planning", "ready",
    "decided", "need", "try", "trying", "tried", "about", "might", "should", "to",
})
# ... and accident context after the phrase drops it ("i hurt myself lifting a box")
ACCIDENT_NEXT: FrozenSet[str] = frozenset({
    "shaving", "cooking", "chopping", "slicing", "while", "lifting", "carrying", "moving",
    "playing", "doing", "at", "in", "during", "falling", "gardening", "trying", "running",
    "working", "cleaning", "opening", "using", "getting", "picking", "bending", "reaching",
    "climbing", "dancing", "exercising", "training", "skiing", "cycling", "walking", "on",
    "by", "accidentally", "tripping", "slipping", "tying", "stretching", "squatting",
    "twisting", "pulling", "pushing", "shoveling", "shovelling", "painting", "diy",
    "ironing", "baking", "earlier", "yesterday", "lifting", "jumping", "sneezing",
    "coughing", "sleeping", "sitting", "standing", "driving", "hiking", "swimming",
    "surfing", "wrestling", "boxing", "sparring", "hoovering", "vacuuming", "kneeling",
    "rowing", "jogging", "overdoing", "straining", "exercise", "exercises", "workout",
    "workouts", "gym", "sport", "sports", "football", "yoga", "pilates", "physio", "stretch",
    "stretches", "lift", "lifts", "run", "runs", "train", "match",
})
# "on purpose" is intent, not accident
INTENT_PHRASES: Tuple[Tuple[str, ...], ...] = (
    ("on", "purpose"), ("to", "feel"), ("to", "cope"), ("to", "punish"), ("to", "stop"),
    ("to", "make"), ("to", "numb"), ("to", "get"), ("when", "it"), ("when", "i"),
    ("because", "i"),
)
PAST_CUES: FrozenSet[str] = frozenset({
    "used", "ago", "past", "history", "former", "formerly", "recovered", "recovery", "teen",
    "teenager", "younger", "kid", "child", "school", "university", "college", "clean",
    "anymore", "years", "once",
})
# third-person framing of oneself
THIRD_PERSON_SELF_CUES: Tuple[str, ...] = (
    "asking for a friend", "for a friend", "asking for someone", "for someone else",
    "on behalf of a friend", "hypothetically", "hypothetical", "just curious",
    "just wondering", "not for me", "purely curious", "out of curiosity",
    "my friend wants to know", "a friend wants to know", "friend of mine wants to know",
    "theoretically", "in theory",
)

WAKE_OK = frozenset({END, "again", "anymore", "ever", "tomorrow", "tmrw", "today", "forever"})
GO_ON_OK = frozenset({END, "like", "living", "anymore", "any", "much", "no", "alone",
                      "without", "another"})
HERE_OK = frozenset({END, "anymore", "any", "no", "tomorrow"})
LIVE_OK = frozenset({END, "anymore", "any", "no", "like", "this", "another"})
DIE_NOT = frozenset({"my", "her", "his", "your", "their", "our", "the", "hair", "it", "them",
                     "blue", "red", "black", "pink", "green", "purple", "brown", "blonde",
                     "blond", "grey", "gray", "white", "on", "for", "laughing", "of", "old",
                     "a", "this", "that", "these", "those",
                     # "dead" compounds: dead tired, dead serious, dead end ...
                     "tired", "beat", "serious", "set", "end", "wrong", "last", "center",
                     "centre", "weight", "ahead", "ringer", "heat", "quiet", "easy", "simple",
                     "good", "funny", "lift", "lifts", "hang", "bug", "battery", "inside",
                     "certain", "sure", "straight", "asleep", "boring", "slow", "cute"})
# "be gone from this job", "die down", "be over with"
GONE_NOT = frozenset({"from", "for", "by", "in", "at", "until", "till", "before", "after",
                      "over", "out", "down", "off", "away", "with", "soon", "yet", "quickly",
                      "already"})
# self-harm verbs followed by these are idioms ("cut myself some slack", "burnt myself out")
HARM_NEXT_NOT = frozenset({"some", "slack", "off", "loose", "free", "short", "out", "a", "an",
                           "up", "down", "into", "back", "through", "open"})
# ordinary absence ("i won't be around next week, i'm on holiday")
AWAY_WORDS = frozenset({"week", "weekend", "monday", "tuesday", "wednesday", "thursday",
                        "friday", "saturday", "sunday", "holiday", "holidays", "vacation",
                        "trip", "away", "appointment", "session", "meeting", "work", "office",
                        "month", "travelling", "traveling", "abroad", "busy", "tomorrow",
                        "later", "hospital", "surgery", "offline", "class", "school"})
END_IT_OK = frozenset({END, "all", "now", "tonight", "today", "soon", "already", "forever",
                       "tomorrow", "once", "for", "right", "this", "quietly", "properly",
                       "last", "twice", "again", "yesterday", "a", "years", "permanently"})


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    level: str
    patterns: Tuple[str, ...]
    subject: bool = False
    third: bool = False
    media: bool = False
    negatable: bool = True
    next_ok: Optional[FrozenSet[str]] = None
    next_not: FrozenSet[str] = frozenset()
    prev_not: FrozenSet[str] = frozenset()
    harm: bool = False
    past: bool = False
    weak_next: FrozenSet[str] = frozenset()
    weak_prev: FrozenSet[str] = frozenset()
    blockers: FrozenSet[str] = frozenset()  # any of these in the sentence drops the match
    kind: str = "risk"  # risk | guard | cue | means_q | means_target | lethal_* | context
    cue: str = ""  # a context cue recorded when this rule's finding stands (see CUES)
    tag: str = ""  # lethal_means / lethal_outcome: which kinds pair (see detector.lethality)
    question: bool = False  # context cue only counts in a question sentence
    self_only: bool = False  # context cue only counts when the subject is not someone else


def _r(name: str, category: str, level: str, *patterns: str, **options) -> Rule:
    for key in ("next_ok", "next_not", "prev_not", "weak_next", "weak_prev", "blockers"):
        if key in options and options[key] is not None:
            options[key] = frozenset(options[key])
    return Rule(name=name, category=category, level=level, patterns=tuple(patterns), **options)


EXPLICIT = "explicit_intent"
PASSIVE = "passive_ideation"
SELF_HARM = "self_harm"
MEANS = "means_seeking"
SLANG = "coded_slang"
GOODBYE = "goodbye_message"
MENTION = "mention"
HELP = "help_seeking"

# context cues (RiskAssessment.cues): not risk on their own, see bot/dialogue/safety_policy.py
DOSE_Q = "dose_or_quantity_question"
HEIGHT_Q = "height_or_place_question"
TIME_Q = "time_question"
GOODBYE_CUE = "goodbye"
HOPELESS = "hopelessness"
BURDEN = "burden"
CUES: Tuple[str, ...] = (DOSE_Q, HEIGHT_Q, TIME_Q, GOODBYE_CUE, HOPELESS, BURDEN)

RULES: List[Rule] = [
    # ------------------------------------------------------------ explicit intent (HIGH)
    _r("want_to_die", EXPLICIT, HIGH,
       "$WANT to $ADV? $ADV? die", "$WANT $ADV? $ADV? to die", "$WANT to $ADV? be dead",
       "$WANT $ADV? to be dead", "$WANT to $ADV? not be alive", "$WANT to $ADV? be gone forever",
       subject=True, media=True, next_not=DIE_NOT),
    _r("kill_myself", EXPLICIT, HIGH,
       "@kill myself", "kill|kills|killed|killing myself",
       weak_next={"at", "with", "over", "working", "trying", "for", "on", "doing",
                  "studying", "training", "revising", "running", "getting", "making"},
       weak_prev={"could", "nearly", "almost", "practically", "basically"}),
    _r("end_my_life", EXPLICIT, HIGH,
       "@end my own? life", "end|ends|ended|ending my own? life",
       next_not={"insurance", "story", "savings"}),
    _r("end_it_all", EXPLICIT, HIGH, "@end it all", "@end everything now|tonight|today|forever",
       subject=True, media=True),
    _r("will_end_it", EXPLICIT, HIGH,
       "$WILL to? $ADV? $ADV? @end it", "$WILL to? $ADV? $ADV? @end everything",
       "$WILL to? $ADV? $ADV? @end things", "i $ADV? end it", "close|near to ending|end it",
       "close|near to ending|end everything|things",
       subject=True, media=True, next_ok=END_IT_OK),
    _r("take_my_life", EXPLICIT, HIGH,
       "@take my own life", "take|takes|took|taking|taken my own life",
       "@take my life", "take|takes|took|taking|taken my life",
       next_not={"back", "over", "into", "in", "seriously", "one", "and", "apart",
                 "away", "for"}),
    _r("ending_it", EXPLICIT, POSSIBLE,
       "ending it", "ending it all", "end it all", "end my|the|this suffering",
       "ending my|the|this suffering",
       subject=True, media=True, next_ok=END_IT_OK | {"permanently"}),
    _r("think_end_it", EXPLICIT, HIGH,
       "@think|consider|contemplate|plan|fantasize|fantasise about|of? ending|end it|things|everything",
       "thinking|thought|thoughts|considering|contemplating|planning about|of? ending it|things|everything",
       "feel|feeling|felt like ending|end it|things|everything",
       subject=True, media=True, next_ok=END_IT_OK),
    _r("overdose_self", EXPLICIT, HIGH,
       "$WILL to? $ADV? overdose|od", "overdosed|oded", "took|take|taken|taking an overdose",
       "@think|consider|plan about|of? overdosing|overdose",
       subject=True, media=True),
    # a way of dying done to oneself, wanted, tried or done ("tried to hang myself", "hanged
    # myself"): no everyday reading. "shoot/poison/gas myself" only with an intent or attempt
    # verb ("i poisoned myself with that chicken" is food).
    _r("attempt_self", EXPLICIT, HIGH,
       "$WILL to? $ADV? @hang|drown|strangle|suffocate|poison|shoot|gas|electrocute|hanged myself",
       "hanged|drowned|strangled|suffocated myself",
       subject=True, media=True,
       weak_next={"for", "over", "if"}, weak_prev={"nearly", "almost", "practically"},
       next_not={"a", "an", "some", "up"}),
    # saying one is not safe, about oneself ("im not safe rn", "i don't feel safe with myself")
    _r("not_safe_self", EXPLICIT, POSSIBLE,
       "i am not safe", "i do not feel safe", "i am not feeling safe", "i no longer feel safe",
       "not safe from|with|around myself",
       next_ok={END, "right", "now", "rn", "tonight", "anymore", "any", "on", "alone", "by", "myself",
                "from", "with", "around", "at", "today"},
       next_not={"to", "at", "in", "here", "there", "driving", "walking", "home"}),
    # on the edge of a high place, now ("im stood on the edge of the car park roof", "sitting on
    # the ledge right now"): said to this bot, a question worth asking. Not "on the edge of my
    # bed / seat", not walking along a cliff path (a posture verb is needed), not "on edge".
    _r("at_the_edge", EXPLICIT, POSSIBLE,
       "stood|standing|sitting|sat|perched|stand|sit|climbed|climbing on|onto|over|at the edge|ledge|railing|railings "
       "of the|my|a? .? .? .? .? $PLACE",
       "stood|standing|sitting|sat|perched|stand|sit on|at the edge|ledge",
       subject=True, media=True,
       next_ok={END, "right", "now", "rn", "again", "tonight", "looking", "and", "up", "here", "roof"},
       next_not={"bed", "seat", "sofa", "couch", "chair", "bath", "pool", "desk", "table", "stage"}),
    # a car's engine running in a closed garage with someone in it: no everyday reading
    # ("sat in the car with the engine running waiting for my daughter" has no garage)
    _r("engine_in_garage", EXPLICIT, HIGH,
       "in the|a|my garage .? .? .? .? with the engine|motor running|on",
       "engine|motor|car running|on .? .? in the|a|my closed? garage",
       "car|engine is? running in the|a|my closed? garage",
       subject=True, media=True, next_not={"to", "for", "while"}),
    # a sharp thing or a flame used, or wanted, on oneself ("thinking about using the knife in
    # the drawer on myself"): self-harm with no harm verb. Not "a knife on my steak".
    _r("tool_on_self", SELF_HARM, HIGH,
       "@use|take|put|hold|press knife|knives|blade|blades|razor|razors|scissors|lighter|glass .? .? .? .? .? on myself",
       "@use|take|put|hold|press a|the|my knife|knives|blade|blades|razor|razors|scissors|lighter|glass .? .? .? .? .? on myself",
       subject=True, media=True),
    _r("want_death", EXPLICIT, HIGH,
       "want|wish|crave|welcome|long for death", "want to be with the dead",
       subject=True, next_ok={END}),
    _r("think_suicide", EXPLICIT, HIGH,
       "@think|consider|contemplate|plan|attempt|ponder|fantasize|fantasise|research "
       "about|of|on? committing? suicide",
       "thinking|thought|thoughts|considering|contemplating|planning|attempted|attempting "
       "about|of|on? committing? suicide",
       "@commit suicide", "committing|commit|committed suicide",
       "my suicide", "suicide plan|plans|attempt|attempts|note|letter|pact|thoughts|urges",
       subject=True, media=True),
    _r("suicidal", EXPLICIT, HIGH,
       "suicidal", "suicidally",
       subject=True, media=True),
    # ------------------------------------------------------------ passive ideation (POSSIBLE)
    _r("wish_dead", PASSIVE, POSSIBLE,
       "wish|wished|wishing i was|were|could|would $ADV? be? dead",
       "wish|wished|wishing i was|were not alive|here|around",
       "wish|wished|wishing i was|were never born",
       "wish|wished|wishing i had|would never been born",
       "wish|wished|wishing i did not exist", "wish|wished|wishing i had died",
       "wish|wished|wishing i could|would $ADV? die|disappear|vanish",

       "wish|wished|wishing i was|were gone",
       "wish|wished|wishing i never existed",
       "@hope|pray i die", "@hope|pray i just die",
       "let me die", "should $ADV? die", "deserve to die", "deserve to be dead",
       "rather be dead", "rather die", "rather not be alive", "rather not exist",
       next_not=DIE_NOT),
    # a wish that a vehicle would hit or take out the person: "i hope a car just hits me",
    # "wouldnt mind if a bus took me out" (not "i wish the bus would take me to work")
    _r("vehicle_wish", PASSIVE, POSSIBLE,
       "wish|wished|wishing|hope|hoping|pray|praying a|the bus|car|train|truck|lorry|van|tram would|will|could|might? "
       "$ADV? hit|hits|take|takes|run|runs me",
       "mind|care if a|the bus|car|train|truck|lorry|van|tram $ADV? hit|hits|took|takes|ran|runs me",
       next_ok={END, "out", "over", "down", "on", "tbh", "honestly", "lol", "and", "already", "one", "some"}),
    _r("wish_no_wake", PASSIVE, POSSIBLE,
       "wish|wished|wishing i would|could|did $ADV? not|never wake up",
       "wish|wished|wishing i $ADV? did not|would not|could not wake up",
       "@hope|pray i $ADV? do|will|would not wake up", "@hope|pray i $ADV? never wake up",
       "@hope|pray i $ADV? won't wake up", "@hope|pray i $ADV? never woke up",
       "wish|wished i $ADV? never woke up",
       next_ok=WAKE_OK),
    _r("better_off", PASSIVE, POSSIBLE,
       "better off without me", "better off dead",
       "$BETTER off? without me", "$BETTER off? if|when i was|were|am $ADV? gone|dead",
       "$BETTER off? if|when i was|were|am not here|around|alive",
       "$BETTER off? if|when i did not exist", "$BETTER off? if|when i died|disappeared",
       "$BETTER off? if|when i was|were never born",
       "$BETTER to $ADV? not be here|alive|around", "$BETTER to $ADV? not exist",
       "$BETTER to $ADV? die|disappear", "$BETTER to $ADV? be dead|gone",
       "if i was|were dead", "if i was|were not alive", "if i did not wake up",
       "if i just died", "if i never woke up",
       "better off if|when i was|were|am $ADV? gone|dead",
       "better off if|when i was|were|am not here|around|alive",
       "better off if|when i did not exist", "better off if|when i died|disappeared|left",
       "better off if|when i was|were never born",
       "better off if|when i was|were not here|around"),
    _r("nobody_miss", PASSIVE, POSSIBLE,
       "$NOBODY would|will even? miss me",
       "$NOBODY would|will even? notice|care|mind if|when i died|disappeared|vanished",
       "$NOBODY would|will even? notice|care|mind if|when i was|were gone|dead",
       "$NOBODY would|will even? notice|care|mind if|when i was|were not here|around|alive",
       "$NOBODY would|will even? notice|care|mind if|when i killed myself",
       "$NOBODY cares if i live|die", "$NOBODY would|will even? notice i was|were gone"),
    _r("nobody_notice", PASSIVE, POSSIBLE,
       "$NOBODY would|will even? notice|care", "$NOBODY would|will even? miss me",
       next_ok={END}, next_not={"if", "when", "about", "that"}),
    _r("not_be_here", PASSIVE, POSSIBLE,
       "not want to be here|alive|around", "not wanna be here|alive|around",
       "never want to be here|alive|around", "rather not be here|alive|around",
       "not want to exist", "rather not exist",
       subject=True, next_ok=HERE_OK),
    _r("not_be_here_world", PASSIVE, POSSIBLE,
       "not want to be here|alive|around in|on this world|earth|planet",
       "not want to be in this world", "not want to be on this earth|planet",
       subject=True),
    _r("not_live", PASSIVE, POSSIBLE,
       "not want to live", "not want to go on living?", "not want to keep living|going",
       "not want to carry on", "not want to exist", "want to stop existing|living",
       "want to not exist", "not wish to live",
       subject=True, next_ok=LIVE_OK),
    _r("not_exist", PASSIVE, POSSIBLE, "not want to exist", "want to stop existing",
       "not want to be alive", subject=True),
    _r("no_wake", PASSIVE, POSSIBLE,
       "not want to wake up", "never want to wake up", "never wake up",
       "not wake up ever again", "want to sleep forever", "want to go to sleep forever",
       "$WANT to $ADV? sleep forever", "$WANT to $ADV? go to sleep forever",
       "$WANT to $ADV? go to sleep and not|never wake up",
       "$WANT to $ADV? fall asleep and not|never wake up",
       "sleep and never wake up", "sleep and not wake up",
       subject=True, next_ok=WAKE_OK),
    _r("no_wake_morning", PASSIVE, POSSIBLE,
       "not want to wake up in the morning", "not wake up in the morning",
       subject=True, next_ok={END}),
    _r("why_alive", PASSIVE, POSSIBLE,
       "bother living|existing", "bother being alive", "bother staying alive",
       "why am i still|even alive|here", "why should i live|exist", "why should i go|carry on",
       "why should i keep living|going",
       "why do i even? exist", "why keep living|going on",
       "keep living like this", "go on living like this", "keep going like this",
       "keep living with this", "not deserve to live|exist", "not deserve to be alive|here",
       "life is|feels $ADV? meaningless|pointless", "life has no meaning|point|purpose",
       "my life is $ADV? meaningless|pointless|worthless", "want out",
       "only way out is|would be? death|dying|suicide", "only way out is|would be? to die",
       "only escape|option|answer|solution is|would be? death|dying|suicide",
       "only escape|option|answer|solution is|would be? to die",
       "death|dying|suicide is the only way|escape|option|answer|solution",
       "death|dying would be a relief|release|mercy|blessing",
       "death|dying would be $ADV? better|easier",
       "had enough of life|living|existing", "had enough of being alive",
       "not want to do this|life anymore", "do not want to do life",
       "this is the end for me", "it is the end for me",
       "my own funeral",
       subject=True, media=True, next_ok={END, "anymore", "now", "for", "of", "like", "this"}),
    _r("no_reason", PASSIVE, POSSIBLE,
       "no reason|reasons to live|living|exist", "no reason|reasons to go|carry on",
       "no reason|reasons to keep going|living", "no reason|reasons to stay|be alive",
       "no reason|reasons for living", "nothing left? to live for", "nothing left? worth living for",
       "not worth living", "life is not worth it", "life is not worth living",
       "no point in|to? living|existing|life", "no point in|to? being alive",
       "no point in|to? going|carrying on", "point of|in living|existing",
       "point of|in being alive", "point of|in going|carrying on", "point of life",
       "what is the point of it all", "what is the point anymore",
       "what is even the point anymore", cue=HOPELESS),
    _r("let_go", PASSIVE, POSSIBLE,
       "$WANT to $ADV? let go", "ready to $ADV? let go", "time for me to go",
       subject=True, next_ok={END, "now", "forever"}),
    _r("if_i_died", PASSIVE, POSSIBLE,
       "if|when i $ADV? died|disappeared|vanished",
       "if|when i $ADV? was|were dead|gone", "if|when i $ADV? was|were not alive|here|around",
       "if|when i $ADV? did not exist", "if|when i $ADV? did not wake up",
       "if|when i $ADV? never woke up",
       "if|when i $ADV? killed myself", "if|when i $ADV? was|were never born",
       "if|when i $ADV? stopped existing|living", "if|when i $ADV? ended it",
       "if|when i $ADV? did not exist anymore",
       subject=True, media=True, next_not=GONE_NOT - {"soon"}),
    _r("still_alive", PASSIVE, POSSIBLE,
       "disappointed|upset|annoyed|angry|sad|gutted|unfortunately|sadly|hate that? i am still alive|here|breathing",
       "i am still alive|here|breathing unfortunately|sadly",
       "disappointed|upset|annoyed|angry|sad|gutted that? i woke up again",
       "disappointed|upset|annoyed|angry|sad|gutted to wake up",
       subject=True),
    _r("death_appeal", PASSIVE, POSSIBLE,
       "death|dying|dead sounds|seems|feels|looks peaceful|nice|good|better|appealing|tempting|easier|inviting|comforting|like",
       "my own death|funeral", "imagine|imagining|picture|picturing|fantasize|fantasizing|dream|dreaming about|of? my death|funeral|dying",
       "should $ADV? be dead", "ought to be dead",
       subject=True, media=True),
    _r("tired_living", PASSIVE, POSSIBLE,
       "tired|sick|done of|with existing|life", "tired|sick|done of|with living",
       "given|giving|give up on life|living", "enough of life|living",
       next_not={"in", "at", "near", "on", "here", "there", "with", "next", "under", "above",
                 "out", "off", "by", "alone", "together", "abroad"}),
    _r("tired_living2", PASSIVE, POSSIBLE,
       "tired|sick of it all", "tired|sick|done of|with being alive", "enough of being alive",
       "hate being alive", "hate existing", "hate my existence"),
    _r("burden", PASSIVE, POSSIBLE,
       "a burden to|on everyone|everybody|others|them|people|all|my",
       "am $ADV? a burden", "am $ADV? such a burden", "feel $ADV? like a burden",
       "feel $ADV? like such a burden", "am $ADV? nothing but a burden",
       "feel like i am $ADV? a burden",
       subject=True, cue=BURDEN),
    _r("disappear", PASSIVE, POSSIBLE,
       "$WANT to $ADV? disappear", "$WANT to $ADV? vanish", "disappear forever",
       "$WANT to $ADV? stop existing", "$WANT to $ADV? not exist",
       subject=True, next_ok={END, "forever", "completely", "permanently", "entirely",
                              "from"}),
    _r("make_it_stop", PASSIVE, POSSIBLE,
       "make it all|everything stop|end", "make it all|everything be over",
       "make everything go away", "make it all go away",
       subject=True, next_ok={END, "forever", "permanently", "for", "once"}),
    _r("everything_end", PASSIVE, POSSIBLE,
       "$WANT everything to $ADV? end|stop", "$WANT it all to $ADV? end|stop",
       "$WANT everything to $ADV? be over", "$WANT it all to $ADV? be over",
       "$WANT all of this to end|stop",
       subject=True, next_ok={END, "forever", "permanently"}),
    _r("think_death", PASSIVE, POSSIBLE,
       "@think about|of death|dying", "thinking|thought|thoughts about|of death|dying",
       "@think about|of being dead", "thinking about|of not being here|alive|around",
       "thoughts of death|dying", "obsessed with death|dying",
       subject=True, media=True, next_not=DIE_NOT - {"the", "a", "this"}),
    _r("kill_me_wish", PASSIVE, POSSIBLE,
       "$WANT someone|somebody|something to kill me", "wish someone|somebody|something would kill me",
       "@hope|pray someone|somebody|something kills me", "hope something kills me",
       "@hope|pray i get killed"),
    _r("cant_go_on", PASSIVE, POSSIBLE,
       "can not go on", "can not keep going", "can not carry on", "can not continue",
       "can not keep living", "can not go on living",
       next_ok=GO_ON_OK),
    _r("cant_anymore", PASSIVE, POSSIBLE,
       "can not do this|it anymore", "can not do this|it any longer",
       "can not take it|this anymore", "can not take it|this any longer",
       "can not live like this", "can not live with myself", "can not live anymore",
       "can not do life anymore", "can not cope anymore"),
    # batch 6 (blind) generalisations: hopelessness and "stop fighting" phrasings
    _r("no_way_forward", PASSIVE, POSSIBLE,
       "can|do not see a|any way forward|out", "no longer see a|any way forward|out",
       "see no way forward|out",
       "there is no way forward", "no future for me", "can not see a future",
       "do not see a future",
       subject=True, next_ok={END, "anymore", "any", "for", "now", "at", "from", "of"},
       cue=HOPELESS),
    _r("stop_fighting", PASSIVE, POSSIBLE,
       "can not keep fighting", "can not fight anymore", "can not fight any longer",
       "can not fight this anymore", "stop|quit fighting for good", "stop|quit fighting forever",
       "give up fighting", "done fighting", "tired of fighting", "not want to fight anymore",
       subject=True, next_ok={END, "anymore", "any", "tonight", "now", "for", "forever"}),
    _r("not_alive_future", PASSIVE, POSSIBLE,
       "can|do not see|imagine|picture myself being? alive|here|around",
       "not going to make it to|until|till", "will not make it to|until|till",
       subject=True, next_not={"the", "work", "class", "appointment", "physio", "gym",
                               "session", "meeting"}),
    _r("burden_weight", PASSIVE, POSSIBLE,
       "weight|millstone around|round .? .? .? neck", "drag|drain on everyone|everybody|my",
       subject=True, cue=BURDEN),
    _r("cannot_stop_me", EXPLICIT, POSSIBLE,
       "noone|nobody can|could|will stop me", "no one can|could|will stop me",
       "it all|everything planned", "got it planned",
       negatable=False, next_ok={END}),
    # ------------------------------------------------------------ self-harm
    _r("harm_myself_high", SELF_HARM, HIGH,
       "$HARMVERB_HIGH myself", "@cut|burn|harm|injure|mutilate myself",
       harm=True, past=True, next_not=HARM_NEXT_NOT),
    _r("harm_myself_low", SELF_HARM, POSSIBLE,
       "$HARMVERB_LOW myself", "@hurt|punish|starve|scratch|hit|punch|bruise myself",
       harm=True, past=True, next_not=HARM_NEXT_NOT),
    _r("harm_body", SELF_HARM, HIGH,
       "@cut|burn my $BODY", "cutting|burning|cut|cuts|burnt|burned my $BODY",
       harm=True, past=True),
    _r("harm_body_low", SELF_HARM, POSSIBLE,
       "@scratch|hit|punch|bruise|bite|bang|bash my $BODY",
       "scratching|hitting|punching|scratched|hit|punched|biting|bang|banging|banged|bashing my $BODY",
       harm=True, past=True),
    _r("bleed", SELF_HARM, HIGH,
       "make|made myself bleed", "making myself bleed",
       subject=True, past=True),
    _r("bleed_until", SELF_HARM, POSSIBLE,
       "until|till|til|untill .? .? bleed|bleeds|bled", "until|till|til|untill bleeding",
       subject=True, past=True),
    _r("cut_time", SELF_HARM, HIGH,
       "i|and|been cut|cutting last|tonight|today|yesterday",
       "relapsed|relapse|relapsing and|on? cut|cutting|burned|burnt|burning|self",
       subject=True, past=True),
    _r("self_harm_word", SELF_HARM, HIGH,
       "self harm|harming|harmed|harms|injury|injuries|injure|injuring|injured",
       "self mutilation|mutilate|mutilating", "selfharm|selfharming",
       subject=True, media=True, past=True),
    _r("cutting_again", SELF_HARM, HIGH,
       "@cut again", "cutting|cut|cuts again",
       "relapse|relapsed|relapsing on|with|into? sh", "sh urges|scars|relapse",
       subject=True, past=True),
    _r("cutting_start", SELF_HARM, HIGH,
       "started|start|been|keep|keeps|kept|relapsed|relapse|stop|stopped|quit cutting",
       "urge|urges to cut|burn|hurt|harm", "urge|urges to self harm",
       subject=True, past=True,
       next_ok={END, "myself", "again", "when", "because"}),
    _r("third_harm", SELF_HARM, POSSIBLE,
       "$HARMVERB_HIGH $THIRD_REFL", "@cut|burn|harm|hurt $THIRD_REFL",
       "hurting|hurts $THIRD_REFL", third=True, media=True, harm=True),
    # ------------------------------------------------------------ coded slang (HIGH)
    _r("kms", SLANG, HIGH, "kms", "kmss", subject=False, media=True),
    _r("unalive", SLANG, HIGH, "unalive|unalived|unaliving|unalives|unaliven",
       subject=True, media=True),
    _r("off_myself", SLANG, HIGH,
       "off|offing|offed myself", "@top myself", "top|topping|topped myself",
       "do|doing|did myself in", "@delete|erase|end myself", "self delete|deleting|deleted",
       "selfdelete", "ending|end|erase|erasing|delete|deleting myself"),
    _r("ctb", SLANG, HIGH, "ctb", subject=True, media=True),
    _r("sewer_slide", SLANG, HIGH, "sewerslide", "commit|kermit sudoku|sewerslide|toaster",
       subject=True, media=True),
    _r("sui", SLANG, HIGH, "feel|feeling|felt|am|been|getting|so|very|bit sui",
       next_ok={END, "again", "tonight"}),
    # ------------------------------------------------------------ goodbye messages (HIGH)
    _r("last_message", GOODBYE, HIGH,
       "this is my|the? last|final message|text|post|words|goodbye|note",
       "this will be my last|final message|text|post",
       "this is goodbye", "my final goodbye", "my last goodbye",
       negatable=False,
       next_not={"for", "before", "of", "until", "till", "today", "tonight", "then",
                 "on", "in", "from", "here", "this", "about", "with"}),
    _r("goodbye_forever", GOODBYE, HIGH,
       "goodbye|bye|farewell forever", "goodbye|bye|farewell for good",
       "goodbye|bye|farewell cruel? world", "goodbye|bye|farewell everyone forever",
       "goodbye|farewell everyone|everybody",
       "said|saying|say my goodbyes|goodbye", "say|saying|said goodbye to the|this world",
       "say|saying|said goodbye to everyone|everybody before",
       negatable=False, next_not={"cup"}),
    _r("letters_just_in_case", GOODBYE, POSSIBLE,
       "letter|letters|note|notes|message|messages|video|videos to .? .? just in case",
       "wrote|writing|written|write letters|notes to everyone|everybody",
       negatable=False),
    _r("give_things_away", GOODBYE, HIGH,
       "@give|giving|gave|given my|all .? things|stuff|belongings|possessions|pets|cat|dog away",
       negatable=False, blockers={"charity", "shop", "moving", "declutter", "decluttering",
                                  "clearout", "sale", "selling", "move"}),
    _r("goodbye_letters", GOODBYE, POSSIBLE,
       "goodbye|farewell letter|letters|note|notes|video|videos",
       negatable=False, blockers=AWAY_WORDS),
    _r("deal_with_me", GOODBYE, HIGH,
       "not have to .? .? .? me much|for longer|long",
       "not have to .? .? .? me anymore|again|soon",
       "not have to .? .? .? me for much longer",
       "not need to .? .? .? me much|for longer|long",
       "not need to .? .? .? me anymore",
       negatable=False),
    _r("say_goodbye", GOODBYE, POSSIBLE,
       "say|saying|said goodbye to everyone|everybody|all|the|this|my",
       "say|saying|said my final|last goodbyes|goodbye",
       negatable=False, next_not={"work", "office", "team", "colleagues", "job", "old",
                                  "back", "pain", "stress", "physio", "summer", "house"}),
    _r("wont_be_here", GOODBYE, POSSIBLE,
       "will not be here|around|alive", "not going to be here|around|alive",
       negatable=False, next_ok={END}, blockers=AWAY_WORDS),
    _r("give_away", GOODBYE, HIGH,
       "@give away my|all things|stuff|belongings|possessions|pets|cat|dog",
       "giving|gave|given away my|all things|stuff|belongings|possessions|pets|cat|dog",
       "giving|gave|given away all my things|stuff|belongings|possessions",
       "@give away all my things|stuff|belongings|possessions",
       negatable=False),
    _r("not_around", GOODBYE, HIGH,
       "will not be around|here|alive much? longer", "will not be around|here|alive for long",
       "will not be around|here|alive anymore", "will not be around|here|alive any longer",
       "will not be around|here|alive after tonight|today",
       "will not be around|here|alive by tomorrow", "not be around|here|alive much longer",
       "not be around|here|alive for much longer",
       "will not be a burden|problem much|for|anymore|any",
       "will be gone forever", "be gone for good",
       "by the time anyone|you|someone|they|somebody|people reads|read|sees|see|finds|find this",
       "you will not hear|see from|of me again|anymore",
       "you will never hear|see from|of me again",
       "last time you will hear from me", "last time you hear from me",
       "my last day on earth|alive", "my last night on earth|alive", "last day on this earth",
       "put|putting my affairs in order", "getting my affairs in order",
       negatable=False, next_not={"until", "till", "til", "unless", "on", "at"}),
    _r("tell_family", GOODBYE, HIGH,
       "tell my $FAMILY that? i love|loved them|her|him|you",
       "tell my $FAMILY that? i am sorry",
       "tell my $FAMILY that? i was sorry",
       negatable=False),
    # farewell words + finality words in the same message (see detector)
    _r("farewell_word", GOODBYE, POSSIBLE,
       "goodbye|farewell|goodbyes", kind="farewell"),
    _r("finality_word", GOODBYE, POSSIBLE,
       "thank|thanks you? for trying", "sorry for everything", "love you all",
       "not your fault", "will not need it|this|them|anything|help anymore|again",
       "take care of my $FAMILY|cat|dog|pets", "forgive me", "i am sorry for everything",
       kind="finality"),
    # ------------------------------------------------------------ asking for crisis lines
    _r("help_line", HELP, POSSIBLE,
       "suicide|crisis hotline|helpline|line|lines|number|text|chat",
       "crisis team|support", "samaritans", "988", "lifeline number",
       negatable=False),
    # ------------------------------------------------------------ mentions (POSSIBLE)
    _r("suicide_word", MENTION, POSSIBLE, "suicide|suicides",
       subject=True, media=True),
    _r("third_kill", MENTION, POSSIBLE,
       "@kill $THIRD_REFL", "kill|kills|killed|killing $THIRD_REFL",
       "@take $HIS own life", "took|take|taking|takes $HIS own life",
       "@end $HIS own? life", "ended|end|ending|ends $HIS own? life",
       "@unalive $THIRD_REFL", third=True, media=True),
    # ------------------------------------------------------------ means seeking (HIGH)
    _r("lethal_dose", MEANS, HIGH,
       "$LETHALADJ $AMOUNT", "$LETHALADJ amount|amounts|dose|doses of",
       "would|will|could|does|do it|that|this be lethal|fatal|deadly",
       negatable=False),
    _r("pills_take", MEANS, HIGH,
       "how many|much of? my|these|the|those? $MEDS would|does|will|could|did|should it take",
       "how many|much $MEDS $MEDS? would|does|will|could|did|should it take",
       negatable=False, next_ok={END}),
    _r("will_take_all", MEANS, HIGH,
       "$WILL to? $ADV? take|swallow all|every of? my|the|these? $MEDS",
       negatable=False, next_not={"with", "on", "to", "in", "before", "after", "as", "every",
                                  "each", "at", "for", "correctly", "properly", "regularly"}),
    _r("took_many", EXPLICIT, POSSIBLE,
       "took|taken|swallowed too many|much $MEDS?",
       "took|taken|swallowed a bunch|handful of $MEDS",
       "took|taken|swallowed all|every of? my|the|these? $MEDS",
       harm=True, negatable=False),
    _r("meds_on_purpose", SELF_HARM, HIGH,
       "than i should .? .? on purpose|deliberately|intentionally",
       "too many|much $MEDS? on purpose|deliberately|intentionally",
       "took|taken|swallowed $MEDS on purpose|deliberately|intentionally",
       negatable=False),
    _r("way_to_go", MEANS, HIGH,
       "$WAYADJ $WAYNOUN to go", negatable=False,
       next_ok={END, "without", "peacefully", "quietly", "quickly", "painlessly"}),
    _r("overdose_word", MENTION, POSSIBLE,
       "overdose|overdoses|overdosing|overdosed",
       subject=True, media=True, prev_not={"risk", "of"}),
    _r("dying_hurt", MEANS, HIGH,
       "does|would|will|is dying|death|an overdose hurt|painful|quick|slow",
       "would|will|does it hurt to die", "is it painful to die",
       negatable=False),
    _r("take_all", MEANS, HIGH,
       "happen|happens|happened if i take|took|swallow|swallowed all|every of? my|the|these? $MEDS",
       "take|took|swallow|swallowed all|every of? my|the|these? $MEDS at once",
       "take|took|swallow|swallowed all|every of? my|the|these? $MEDS in one go",
       "take|took|swallow|swallowed|drink|drank|taking the|a whole bottle|packet|box|pack|tub",
       "stockpile|stockpiling|stockpiled|hoard|hoarding|hoarded|stash|stashing|collecting "
       "my|the? $MEDS",
       "saving|saved|save up my|the? $MEDS",
       negatable=False),
    _r("high_place", MEANS, HIGH,
       "highest|tallest bridge|building|cliff|cliffs|roof|rooftop|tower|carpark|bridges|buildings "
       "near|nearby|around|close|closest|locally",
       "highest|tallest bridge|building|cliff|cliffs|roof|rooftop|tower|bridges|buildings "
       "to|in me|my",
       negatable=False),
    _r("painless_go", MEANS, HIGH,
       "painless|peaceful|peacefully|painlessly|gentlest|quietest $WAYNOUN to|of go|going",
       "most|least|less painless|painful|peaceful $WAYNOUN to|of go|going",
       "$WAYADJ painless|painful? way|ways out", "most|least|less painless|painful $WAYNOUN",
       "painless|peaceful $WAYNOUN",
       negatable=False, next_ok={END}),
    # ------------------------------------------------------------ means seeking parts
    # a question / way cue ...
    _r("q_way", MEANS, HIGH,
       "how to", "how $QHOW $QWHO", "how $QHOW a person", "how would|could|can|do someone",
       "$WAYADJ $WAYNOUN", "$WAYADJ painless|painful $WAYNOUN", "$WAYNOUN to|of",
       "where can|could|do|should i", "where to", "what can|could|should|would i take to",
       "where can|could|do|does|should|would $QWHO", "where $QWHO can|could",
       "what is the $WAYADJ? $WAYNOUN",
       kind="means_q"),
    _r("q_amount", MEANS, HIGH,
       "how many|much|long", "what amount|dose|quantity", "what is the amount|dose",
       "enough to", "be enough", "is enough",
       kind="means_q"),
    # ... followed (within a few words) by a lethal target
    _r("t_kill", MEANS, HIGH,
       "@kill myself|someone|somebody|themselves|himself|herself|yourself|oneself|people",
       "kill|killed myself|me|you|us|someone|somebody|themselves|himself|herself|yourself|oneself",
       "@kill a person|human", kind="means_target"),
    _r("t_lethal", MEANS, HIGH,
       "be lethal|fatal|deadly", "lethal|fatal|deadly", "overdose|overdosing|od|overdosed",
       kind="means_target"),
    _r("t_die", MEANS, HIGH,
       "to $ADV? die", "i die", "die painlessly|quickly|peacefully|fast|quietly|instantly",
       kind="means_target", next_not=DIE_NOT),
    _r("t_end", MEANS, HIGH,
       "end it", "end it all", "end things", "end everything", "ending it",
       kind="means_target", next_ok=END_IT_OK),
    _r("t_end_life", MEANS, HIGH,
       "end my|one|your|their|a own? life", "ending my|one|your|their|a own? life",
       "take my|your|their own life", "commit suicide", "suicide",
       "not|never wake up", "stop breathing", "unalive", "unalive myself", "ctb", "kms",
       "off myself", "bleed|bled|bleeding out", kind="means_target"),
    # ------------------------------------------------------------ heights, in a lethal sense
    # "how high would i need to jump from", "what floor would you have to jump off"
    _r("height_jump", MEANS, HIGH,
       "how high|far|tall .? .? .? .? .? .? jump|leap|jumping|leaping from|off",
       "what|which height|floor|storey .? .? .? .? .? .? jump|leap|jumping|leaping from|off",
       negatable=False),
    # "is the roof of my building high enough", "is a fourth floor window high enough"
    _r("place_high_enough", MEANS, POSSIBLE,
       "$PLACE .? .? high|tall enough",
       negatable=False, next_not={"for", "that", "so", "now"}),
    _r("high_enough_to", MEANS, HIGH,
       "high|tall|far enough to $ADV? jump|leap|fall|die|kill", negatable=False),
    # "which bridge is the highest around here"
    _r("which_place_highest", MEANS, HIGH,
       "which|what|where $PLACE is|are the? highest|tallest near|nearby|around|here|locally|close",
       "highest|tallest $PLACE around|near|here",
       negatable=False),
    # ------------------------------------------------------------ lethality questions (see
    # detector.lethality): a means word and a lethal outcome in one question sentence,
    # "is a fall from the fourth floor survivable", "would jumping off a bridge kill you"
    _r("lm_fall", MEANS, POSSIBLE, "$FALLWORD", "$PLACE", kind="lethal_means", tag="fall"),
    _r("lm_drug", MEANS, POSSIBLE, "$DRUGS", kind="lethal_means", tag="drug"),
    _r("lm_breath", MEANS, POSSIBLE, "without breathing|air|oxygen", kind="lethal_means",
       tag="fall"),
    _r("lm_height", MEANS, POSSIBLE, "how high|tall|deep", "how far down|up",
       kind="lethal_means", tag="height"),
    _r("lm_od", MEANS, POSSIBLE, "overdose|overdoses|overdosing|od|oding",
       kind="lethal_means", tag="od"),
    # all of a medicine at once is an overdose by another name: "is it survivable if you mix all
    # your prescriptions together" (one tablet with a survive word stays a health question)
    _r("lm_all_drugs", MEANS, POSSIBLE,
       "all|whole|entire packet|packets|box|boxes|bottle|pack|strip|lot|load? of? my|your|his|her|their|the|these|those? $DRUGS",
       "mix|mixing|mixed|combine|combining all? my|your|the|these|those? $DRUGS", "$DRUGS all at once",
       kind="lethal_means", tag="od"),
    # "would it kill you to ..." is an idiom, hence next_not "to"
    _r("lo_kill", MEANS, POSSIBLE, "kill|kills $VICTIM",
       "kill|kills a|an|any person|human|adult|man|woman", "be? lethal|fatal|deadly",
       kind="lethal_outcome", tag="kill",
       next_not={"to", "inside", "when", "that", "if", "with", "off"}),
    _r("lo_kill_end", MEANS, POSSIBLE, "kill|kills", kind="lethal_outcome", tag="kill",
       next_ok={END}),
    _r("lo_die", MEANS, POSSIBLE, "die|dies|dying|death",
       kind="lethal_outcome", tag="kill", next_not=DIE_NOT | {"to", "down", "out", "off"}),
    # "... would i have to be to die": a purpose, not a health worry ("before it's deadly")
    _r("lo_purpose", MEANS, POSSIBLE, "to $ADV? die", "to kill", "to be lethal|fatal|deadly",
       "to not survive", kind="lethal_outcome", tag="purpose", next_not=DIE_NOT),
    _r("lo_survive", MEANS, POSSIBLE, "survive|survivable|unsurvivable|survivability",
       kind="lethal_outcome", tag="survive"),
    # certainty as the goal, closing a fall or height question: "how high does a fall need
    # to be to be sure". Only at the end of the sentence: "... to be sure i reach the gutter"
    # is a ladder.
    _r("lo_certain", MEANS, POSSIBLE, "to be sure|certain", "to make sure|certain",
       "to be 100 percent|%? sure", kind="lethal_outcome", tag="certain", next_ok={END},
       next_not={"i", "you", "we", "it", "its", "that", "the", "my", "he", "she", "they", "of", "about",
                 "and", "but", "so", "everything", "nothing", "there"}),
    # ------------------------------------------------------------ general net (see detector)
    # a wish / intent word, then within a few words a death word, same clause
    _r("desire_word", PASSIVE, POSSIBLE,
       "want|wants|wanted|wanna|wish|wishes|wished|wishing|hope|hoping|hoped|pray|praying",
       "ready|rather|deserve|deserves|longing|long|crave|craving|welcome|prefer",
       kind="desire"),
    _r("death_word", PASSIVE, POSSIBLE,
       "die|dead|death|suicide|unalive",
       "be gone", "not exist|existing", "not be alive|here|around",
       "it all to end|stop", "it all to be over", "everything to end|stop",
       "everything to be over", "this|my life to end|stop", "this|my life to be over",
       "life to be over", "to be over",
       kind="deathword", next_not=DIE_NOT | GONE_NOT),
    # "kill(s) me" counts whatever does the killing ("i hope this pain kills me")
    _r("kill_me_word", PASSIVE, POSSIBLE, "kill|kills me", kind="killme", next_not=DIE_NOT),
    # "out" only as a noun ("the only out", "an easy out"): "finds out", "a night out", "turned
    # out" and "look out for" are not ways out
    _r("way_out", PASSIVE, POSSIBLE,
       "way|ways out|escape", "escape|exit|option|answer|solution", "only|an|easy|my|one out",
       "run|ran|running out of reasons|hope|options|fight",
       kind="wayout"),
    # ------------------------------------------------------------ hyperbole / harmless guards
    _r("g_laughing", "guard", POSSIBLE,
       "@kill myself laughing", "killing|killed myself laughing",
       "nearly|almost|practically killed myself on|at|falling|tripping|slipping|lifting|when|"
       "while|doing|trying|running|driving|cycling|skiing|laughing|moving|carrying|playing",
       kind="guard"),
    _r("g_brick_wall", "guard", POSSIBLE,
       "like banging|bashing|hitting my head against|on", "bang|banging my head against a brick",
       kind="guard"),
    _r("g_dye", "guard", POSSIBLE,
       "die|dye|dying|dyeing my|her|his|the|your hair",
       kind="guard"),
    _r("g_end_with", "guard", POSSIBLE,
       "end|ending|ended it with|between|there|early|off",
       kind="guard"),
    # ------------------------------------------------------------ context cues (not risk)
    _r("c_dose", DOSE_Q, POSSIBLE,
       "how many|much of? my|the|these|those|your|a? $DRUGS",
       "how many|much .? .? .? can|could|should|may|do|would|will i|you|one|we take|swallow",
       "how many|much is|are too many|much", "how many|much .? .? is|are too many|much|safe",
       "most|max|maximum|limit i|you|one .? can|could|should|may take|swallow|have",
       "max|maximum|highest|safe|daily|right|correct|usual|normal dose|doses|dosage|amount|limit",
       "max|maximum $DRUGS", "what|which dose|dosage|amount",
       "how often can|could|should|do i|you take",
       "how many|much .? .? .? be|is|are enough", "this|that|these|those many|much .? .? enough",
       kind="context"),
    _r("c_height", HEIGHT_Q, POSSIBLE,
       "how high|tall|deep", "how far down|up", "how many floors|storeys|stories",
       "what|which floor|height|storey", "high|tall enough",
       kind="context"),
    _r("c_place", HEIGHT_Q, POSSIBLE, "$PLACE", kind="context", question=True),
    _r("c_time", TIME_Q, POSSIBLE,
       "what time", "at what time", "how long until|till|til|before|left",
       "how soon", "what day|date",
       "when does|do|will|is .? .? .? close|closes|closing|open|opens|shut|shuts",
       kind="context"),
    _r("c_goodbye", GOODBYE_CUE, POSSIBLE,
       "bye|goodbye|farewell everyone|everybody|all|guys|world|forever",
       "thank|thanks you? for everything", "thank|thanks you? so much for everything",
       "last time i will|am|would|shall message|talk|write|text|speak|chat|be",
       "this is the last time", "this will be the last time",
       "will not be messaging|talking|writing|chatting|back again", "will not be back",
       "take care everyone|everybody|all", "so long everyone|everybody|all",
       kind="context"),
    _r("c_hopeless", HOPELESS, POSSIBLE,
       "nothing will ever get|be better|different", "nothing will ever change|improve",
       "nothing is ever going to get|be better|change",
       "things|it|life|everything will never get|be better|change|improve",
       "things|it|life|everything is|are never going to get|be better|change|improve",
       "i will never get|be better|happy|okay|ok", "i am never going to get|be better|okay|ok",
       "hopeless|hopelessness", "no hope", "lost all? hope", "nothing matters",
       "nothing to look forward to", "why even? bother", "no way out",
       "give|giving|gave up on everything|life|myself|living",
       kind="context"),
    _r("c_give_up", HOPELESS, POSSIBLE, "i give up", "i am giving up", "i have given up",
       "i am so done",
       kind="context", next_ok={END, "anymore", "now", "completely", "totally", "honestly"}),
    _r("c_point", HOPELESS, POSSIBLE,
       "what is even? the point", "there is no point", "no point anymore",
       "what is the use", "no use trying",
       "what is the point of it|anything|trying|this|that|me",
       "what is the point in it|anything|trying|this",
       kind="context", next_ok={END, "anymore", "even", "now", "really", "any", "all"}),
    _r("c_thanks_all", GOODBYE_CUE, POSSIBLE, "thank|thanks you? for all", kind="context",
       next_ok={END, "you", "your", "that", "of"}),
    _r("c_burden", BURDEN, POSSIBLE, "burden|burdens|burdensome", kind="context",
       self_only=True),
    # ------------------------------------------------------------ third person framing cue
    _r("third_person_cue", "third_person_self", HIGH,
       *THIRD_PERSON_SELF_CUES, kind="cue"),
]


def _expand(alternatives: str) -> List[str]:
    words: List[str] = []
    for alt in alternatives.split("|"):
        if alt.startswith("$"):
            words.extend(LISTS[alt[1:]])
        else:
            words.append(alt)
    return words


def _item_to_spec(item: str) -> Dict:
    optional = item.endswith("?") and len(item) > 1
    if optional:
        item = item[:-1]
    if item == ".":
        spec: Dict = {"IS_PUNCT": False}
    elif item.startswith("@"):
        spec = {"LEMMA": {"IN": _expand(item[1:])}}
    else:
        words = _expand(item)
        spec = {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": words}}
    if optional:
        spec["OP"] = "?"
    return spec


def compile_pattern(pattern: str) -> List[Dict]:
    """Turn one notation string into a spaCy Matcher token pattern."""
    return [_item_to_spec(item) for item in pattern.split()]


def pattern_words() -> FrozenSet[str]:
    """Every literal word used by the rules (the normaliser's target vocabulary)."""
    words = set()
    for rule in RULES:
        for pattern in rule.patterns:
            for item in pattern.split():
                item = item.rstrip("?").lstrip("@")
                if item == "." or not item:
                    continue
                words.update(_expand(item))
        for attr in (rule.next_ok, rule.next_not, rule.prev_not):
            if attr:
                words.update(w for w in attr if w != END)
    words.update(FIRST_PERSON)
    words.update(w for cue in THIRD_PERSON_SELF_CUES for w in cue.split())
    return frozenset(w for w in words if w.isalpha())


# ---------------------------------------------------------------- long-text prefilter
# Words too common to say anything on their own; a pattern is "triggered" by its rarest
# required item instead.
COMMON_WORDS: FrozenSet[str] = frozenset("""
i me my to a an the it is am are be was were been of in on at for with and or not no do
does did can could would should will how what where when why this that so just you your
he she they we us our his her their them if all up out one have has had going go get got
want wants wanted like need really very more much many some any now then there here about
as by from who which its than too also even still ever never off over back down into only
well time day way make made know think feel felt say said see let take took come came
""".split())
_IRREGULAR = {
    "take": ("took", "taken", "taking", "takes"), "think": ("thought", "thinking", "thinks"),
    "give": ("gave", "given", "giving", "gives"), "hurt": ("hurts", "hurting"),
    "cut": ("cuts", "cutting"), "burn": ("burnt", "burned", "burning", "burns"),
    "die": ("died", "dies", "dying"), "bite": ("bit", "bitten", "biting", "bites"),
    "hit": ("hits", "hitting"), "top": ("topped", "topping", "tops"),
    "plan": ("planned", "planning", "plans"), "commit": ("committed", "committing", "commits"),
}


def _inflections(lemma: str) -> Tuple[str, ...]:
    if lemma in _IRREGULAR:
        return (lemma,) + _IRREGULAR[lemma]
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    return (lemma, lemma + "s", lemma + "es", stem + "ed", stem + "ing", lemma + "d",
            lemma[:-1] + "ies" if lemma.endswith("y") else lemma + "s")


def pattern_triggers(pattern: str) -> FrozenSet[str]:
    """Words of which one must occur (as LOWER or LEMMA) for the pattern to match.

    The required item with the fewest common words is taken, with all its spellings.
    """
    best: Optional[Tuple[int, int, int, List[str]]] = None
    for item in pattern.split():
        if item.endswith("?") or item in (".", ".?"):
            continue
        lemma = item.startswith("@")
        words = _expand(item.lstrip("@"))
        if lemma:
            words = [form for w in words for form in _inflections(w)]
        common = sum(1 for w in words if w in COMMON_WORDS)
        # fewest common words, then the longest shortest spelling, then fewest
        key = (common, -min(len(w) for w in words), len(words), words)
        if best is None or key[:3] < best[:3]:
            best = key
    return frozenset(best[3]) if best is not None else frozenset()


def rule_triggers(rule: Rule) -> FrozenSet[str]:
    """A rule can only match a text containing one of these words (LOWER or LEMMA)."""
    out: Set[str] = set()
    for pattern in rule.patterns:
        out |= pattern_triggers(pattern)
    return frozenset(out)


def trigger_words() -> FrozenSet[str]:
    """Words that can start a risk finding; sentences without any can be skipped in very
    long messages (guards, cues and question words only matter next to these)."""
    triggers: Set[str] = set()
    for rule in RULES:
        if rule.kind in ("guard", "cue", "means_q", "desire", "context", "lethal_means"):
            continue
        triggers |= rule_triggers(rule)
    return frozenset(triggers)
