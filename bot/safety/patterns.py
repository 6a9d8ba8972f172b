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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

END = "<END>"  # marker inside next_ok: end of text, punctuation or a clause-ending word

HIGH = "high"
POSSIBLE = "possible"

# ---------------------------------------------------------------- word lists
LISTS: Dict[str, Tuple[str, ...]] = {
    # verbs that turn "... to die" into a wish / intent
    "WANT": ("want", "wants", "wanted", "wanting", "wish", "wishing", "wished", "need", "needs",
             "ready", "plan", "plans", "planned", "planning", "decided", "deciding", "like",
             "love", "trying", "try", "tried", "intend", "intending", "going", "mean", "meant"),
    # like WANT but also modal verbs (for "i might just end it")
    "WILL": ("want", "wants", "wanted", "wanting", "ready", "going", "plan", "planning",
             "planned", "need", "decided", "will", "would", "should", "might", "could",
             "about", "gonna", "try", "trying", "mean"),
    "ADV": ("just", "really", "honestly", "simply", "fucking", "freaking", "fricking", "effing",
            "literally", "actually", "truly", "seriously", "genuinely", "so", "badly", "kind",
            "of", "sort", "kinda", "all", "finally", "quietly", "peacefully", "already", "totally",
            "now", "soon", "also", "even", "sometimes", "still", "often", "ever", "fr"),
    "DEATHWORD": ("death", "dying", "being"),
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
             "stomach", "body", "hip", "hips", "chest", "face"),
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
    "LETHALADJ": ("lethal", "fatal", "deadly", "toxic", "overdose"),
    "AMOUNT": ("dose", "doses", "dosage", "amount", "quantity", "combination", "combo",
               "number", "level", "mix", "amounts"),
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
    "want", "wants", "wanted", "wanna", "need", "needed", "urge", "urges", "going", "gonna",
    "will", "plan", "planning", "think", "thinking", "thought", "keep", "kept", "been",
    "started", "start", "stop", "stopped", "relapse", "relapsed", "deserve", "tempted",
    "considering", "like", "again", "still", "sometimes", "often", "always", "secretly",
    "deliberately", "intentionally", "purposely", "ready", "try", "trying", "tried",
})
HARM_INTENT_NEXT: FrozenSet[str] = frozenset({
    "again", "on", "deliberately", "intentionally", "purposely", "to", "because", "when",
    "whenever", "every", "so", "until", "till", "til", "more", "badly", "regularly",
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
    "rowing", "jogging", "overdoing", "straining",
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

WAKE_OK = frozenset({END, "again", "anymore", "ever", "tomorrow", "tmrw", "today", "forever",
                     "in", "at"})
GO_ON_OK = frozenset({END, "like", "living", "anymore", "any", "much", "no", "alone", "this",
                      "without", "another"})
HERE_OK = frozenset({END, "anymore", "any", "no", "on", "now", "tomorrow"})
LIVE_OK = frozenset({END, "anymore", "any", "no", "like", "this", "my", "another", "with",
                     "in"})
DIE_NOT = frozenset({"my", "her", "his", "your", "their", "our", "the", "hair", "it", "them",
                     "blue", "red", "black", "pink", "green", "purple", "brown", "blonde",
                     "blond", "grey", "gray", "white", "on", "for", "laughing", "of", "old",
                     "a", "this", "that", "these", "those"})
END_IT_OK = frozenset({END, "all", "now", "tonight", "today", "soon", "already", "forever",
                       "tomorrow", "once", "for", "right", "this", "quietly", "properly"})


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
    kind: str = "risk"  # risk | guard | cue | means_q | means_target


def _r(name: str, category: str, level: str, *patterns: str, **options) -> Rule:
    for key in ("next_ok", "next_not", "prev_not", "weak_next", "weak_prev"):
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

RULES: List[Rule] = [
    # ------------------------------------------------------------ explicit intent (HIGH)
    _r("want_to_die", EXPLICIT, HIGH,
       "$WANT to $ADV? $ADV? die", "$WANT $ADV? $ADV? to die", "$WANT to $ADV? be dead",
       "$WANT $ADV? to be dead", "$WANT to $ADV? not be alive", "$WANT to $ADV? be gone forever",
       subject=True, media=True, next_not=DIE_NOT),
    _r("kill_myself", EXPLICIT, HIGH,
       "@kill myself", "kill|kills|killed|killing myself",
       weak_next={"at", "with", "over", "working", "trying", "for", "to", "on", "doing",
                  "studying", "training", "revising", "running", "this", "every", "in"},
       weak_prev={"could", "nearly", "almost", "practically", "basically"}),
    _r("end_my_life", EXPLICIT, HIGH,
       "@end my own? life", "end|ends|ended|ending my own? life",
       next_not={"insurance", "story", "savings"}),
    _r("end_it_all", EXPLICIT, HIGH, "@end it all", "@end everything now|tonight|today|forever",
       subject=True, media=True),
    _r("will_end_it", EXPLICIT, HIGH,
       "$WILL to? $ADV? $ADV? @end it", "$WILL to? $ADV? $ADV? @end everything",
       "$WILL to? $ADV? $ADV? @end things",
       subject=True, media=True, next_ok=END_IT_OK),
    _r("take_my_life", EXPLICIT, HIGH,
       "@take my own life", "take|takes|took|taking|taken my own life",
       "@take my life", "take|takes|took|taking|taken my life",
       next_not={"back", "over", "into", "in", "seriously", "one", "and", "apart",
                 "away", "for"}),
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
       subject=True, media=True, next_not=PERSON_NOUNS),
    # ------------------------------------------------------------ passive ideation (POSSIBLE)
    _r("wish_dead", PASSIVE, POSSIBLE,
       "wish|wished|wishing i was|were|could|would $ADV? be? dead",
       "wish|wished|wishing i was|were not alive|here|around",
       "wish|wished|wishing i was|were never born",
       "wish|wished|wishing i had|would never been born",
       "wish|wished|wishing i did not exist", "wish|wished|wishing i had died",
       "wish|wished|wishing i could|would $ADV? die|disappear|vanish",
       "wish|wished|wishing i would|could not wake up",
       "wish|wished|wishing i was|were gone",
       "wish|wished|wishing i never existed",
       "@hope|pray i die", "@hope|pray i just die", "@hope|pray i do not wake up",
       "@hope|pray i never wake up", "@hope|pray i will not wake up",
       "let me die", "should $ADV? die", "deserve to die", "deserve to be dead",
       "rather be dead", "rather die", "rather not be alive", "rather not exist",
       next_not=DIE_NOT | {"tomorrow", "today", "in", "at", "early", "late", "with",
                           "stiff", "sore", "feeling", "hurting", "than"}),
    _r("better_off", PASSIVE, POSSIBLE,
       "better off without me", "better off dead",
       "better off if|when i was|were|am $ADV? gone|dead",
       "better off if|when i was|were|am not here|around|alive",
       "better off if|when i did not exist|died|disappeared|left|never",
       "better off if|when i was|were never born",
       "better off if|when i was|were not here|around"),
    _r("nobody_miss", PASSIVE, POSSIBLE,
       "$NOBODY would|will even? miss me", "$NOBODY would|will even? notice if i",
       "$NOBODY would|will even? care if|when i died|disappeared|was|were|left|vanished",
       "$NOBODY cares if i live|die", "$NOBODY would|will even? notice i was|were gone"),
    _r("not_be_here", PASSIVE, POSSIBLE,
       "not want to be here|alive|around", "not wanna be here|alive|around",
       "never want to be here|alive|around",
       subject=True, next_ok=HERE_OK),
    _r("not_be_here_world", PASSIVE, POSSIBLE,
       "not want to be here|alive|around in|on this world|earth|planet",
       "not want to be in this world", "not want to be on this earth|planet",
       subject=True),
    _r("not_live", PASSIVE, POSSIBLE,
       "not want to live", "not want to go on|on living", "not want to keep living|going",
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
    _r("no_reason", PASSIVE, POSSIBLE,
       "no reason|reasons to live|living|go|keep|carry|stay|be|wake",
       "no reason|reasons for living", "nothing left? to live for", "nothing left? worth living for",
       "not worth living", "life is not worth it", "life is not worth living",
       "no point in|to? living|existing|life", "no point in|to? being alive",
       "no point in|to? going|carrying on", "point of|in living|existing",
       "point of|in being alive", "point of|in going|carrying on", "point of life",
       "what is the point of it all", "what is the point anymore",
       "what is even the point anymore"),
    _r("tired_living", PASSIVE, POSSIBLE,
       "tired|sick|done of|with living|existing|life",
       "tired|sick|done of|with being alive",
       "tired|sick of it all", "given|giving|give up on life|living",
       "hate being alive", "hate existing", "hate my existence"),
    _r("burden", PASSIVE, POSSIBLE,
       "a burden to|on everyone|everybody|others|them|people|all|my|the",
       "am $ADV? a burden", "am $ADV? such a burden", "feel $ADV? like a burden",
       "feel $ADV? like such a burden", "am $ADV? nothing but a burden",
       "feel like i am $ADV? a burden",
       subject=True),
    _r("disappear", PASSIVE, POSSIBLE,
       "$WANT to $ADV? disappear", "$WANT to $ADV? vanish", "disappear forever",
       "$WANT to $ADV? stop existing", "$WANT to $ADV? not exist",
       subject=True),
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
    # ------------------------------------------------------------ self-harm
    _r("harm_myself_high", SELF_HARM, HIGH,
       "$HARMVERB_HIGH myself", "@cut|burn|harm|injure|mutilate myself",
       harm=True, past=True),
    _r("harm_myself_low", SELF_HARM, POSSIBLE,
       "$HARMVERB_LOW myself", "@hurt|punish|starve|scratch|hit|punch|bruise myself",
       harm=True, past=True),
    _r("harm_body", SELF_HARM, HIGH,
       "@cut|burn my $BODY", "cutting|burning|cut|cuts|burnt|burned my $BODY",
       harm=True, past=True, prev_not={"i", "accidentally"}),
    _r("self_harm_word", SELF_HARM, HIGH,
       "self harm|harming|harmed|harms|injury|injuries|injure|injuring|injured",
       "self mutilation|mutilate|mutilating", "selfharm|selfharming",
       subject=True, media=True, past=True),
    _r("cutting_again", SELF_HARM, HIGH,
       "@cut again", "cutting|cut|cuts again",
       "started|start|been|keep|relapsed|relapse cutting", "urge|urges to cut|burn|hurt",
       "relapse|relapsed|relapsing on|with|into? sh", "sh urges|scars|relapse",
       subject=True, past=True,
       next_ok={END, "myself", "again", "my", "when", "because", "to"}),
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
       next_not={"for", "before", "of", "until", "till", "today", "tonight", "then", "to",
                 "on", "in", "from", "here"}),
    _r("goodbye_forever", GOODBYE, HIGH,
       "goodbye|bye|farewell forever", "goodbye|bye|farewell for good",
       "goodbye|bye|farewell cruel? world", "goodbye|bye|farewell everyone forever",
       "said|saying|say my goodbyes|goodbye", "say|saying|said goodbye to the|this world",
       "say|saying|said goodbye to everyone|everybody before",
       negatable=False, next_not={"cup"}),
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
       "will not be around|here|alive by tomorrow", "not be around much longer",
       "will not be a burden|problem much|for|anymore|any",
       "will be gone soon|by|tonight|tomorrow|before",
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
       "how many|much would|does|will|could it take",
       negatable=False, next_ok={END, "to"}),
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
       "$WAYADJ painless|painful? $WAYNOUN to|of go|going",
       "$WAYADJ $WAYNOUN to|of go|going",
       negatable=False, next_ok={END}),
    # ------------------------------------------------------------ means seeking parts
    # a question / way cue ...
    _r("q_way", MEANS, HIGH,
       "how to", "how $QHOW $QWHO", "how $QHOW a person", "how would|could|can|do someone",
       "$WAYADJ $WAYNOUN", "$WAYADJ painless|painful $WAYNOUN", "$WAYNOUN to|of",
       "where can|could|do|should i", "where to", "what can|could|should|would i take to",
       "what is the $WAYADJ? $WAYNOUN",
       kind="means_q"),
    _r("q_amount", MEANS, HIGH,
       "how many|much|long", "what amount|dose|quantity", "what is the amount|dose",
       kind="means_q"),
    # ... followed by a lethal target
    _r("t_kill", MEANS, HIGH,
       "@kill myself|me|someone|somebody|themselves|himself|herself|yourself|oneself|you|people|us",
       "kill|kills|killing|killed myself|me|someone|somebody|themselves|himself|herself|yourself|oneself|you",
       "@kill a person|human", "be lethal|fatal|deadly", "lethal|fatal|deadly",
       "overdose|overdosing|od|overdosed", "die", "dying", "end it", "end it all",
       "end my|one|your|their|a life", "end my own life", "commit suicide", "suicide",
       "not|never wake up", "stop breathing", "unalive", "ctb", "kms", "off myself",
       kind="means_target", next_not=DIE_NOT - {"it", "them", "a", "this", "that"}),
    # ------------------------------------------------------------ hyperbole / harmless guards
    _r("g_laughing", "guard", POSSIBLE,
       "@kill myself laughing", "killing|killed myself laughing",
       "nearly|almost|practically killed myself on|at|falling|tripping|slipping|lifting|when|"
       "while|doing|trying|running|driving|cycling|skiing|laughing|moving|carrying|playing",
       kind="guard"),
    _r("g_dye", "guard", POSSIBLE,
       "die|dye|dying|dyeing my|her|his|the|your hair",
       kind="guard"),
    _r("g_end_with", "guard", POSSIBLE,
       "end|ending|ended it with|between|there|early|off",
       kind="guard"),
    # ------------------------------------------------------------ third person framing cue
    _r("third_person_cue", "third_person_self", HIGH,
       *THIRD_PERSON_SELF_CUES, kind="cue"),
]


def _item_to_spec(item: str) -> Dict:
    optional = item.endswith("?") and len(item) > 1
    if optional:
        item = item[:-1]
    if item == ".":
        spec: Dict = {"IS_PUNCT": False}
    elif item.startswith("@"):
        words = item[1:].split("|")
        spec = {"LEMMA": {"IN": words}}
    elif item.startswith("$"):
        spec = {"LOWER": {"IN": list(LISTS[item[1:]])}}
    elif "|" in item:
        spec = {"LOWER": {"IN": item.split("|")}}
    else:
        spec = {"LOWER": item}
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
                if item.startswith("$"):
                    words.update(LISTS[item[1:]])
                else:
                    words.update(item.split("|"))
        for attr in (rule.next_ok, rule.next_not, rule.prev_not):
            if attr:
                words.update(w for w in attr if w != END)
    words.update(FIRST_PERSON)
    words.update(w for cue in THIRD_PERSON_SELF_CUES for w in cue.split())
    return frozenset(w for w in words if w.isalpha())
