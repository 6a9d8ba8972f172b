"""Text normalisation for the risk detector (pure Python, no spaCy needed).

People in distress type fast, misspell, and sometimes hide words on purpose. Before the
patterns run, text is brought to one plain form:

1. Unicode: NFKC (full-width and "fancy font" letters -> ASCII), lowercase (casefold),
   zero-width / format characters removed, control characters -> space, accents dropped,
   Cyrillic/Greek/small-capital look-alikes mapped to Latin letters.
2. Letters spelt out with spaces or dots ("k i l l", "s.u.i.c.i.d.e") are joined when the
   result is a word the patterns know.
3. Contractions and chat spellings are expanded ("can't" -> "can not", "im" -> "i am",
   "wanna" -> "want to", "u" -> "you").
4. Each remaining word that is not one of the pattern words is repaired when it can be:
   leetspeak ("k1ll", "$uicide", "d13"), censoring ("k*ll"), repeated letters ("diiiie",
   "killl"), known misspellings ("kil", "sucidal"), a small edit-distance tolerance for the
   longer key words ("suicidle", "mysef"), and run-together words ("killmyself",
   "wanttodie", "endmylife"). Common English words are never "repaired" into key words
   (see wordlist.py), so "pill" stays "pill".

``normalize(text)`` returns the normalised text as one space-separated string.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from .patterns import pattern_words
from .wordlist import english_words

# ---------------------------------------------------------------- unicode tables
_HOMOGLYPHS: Dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɩ": "i", "ү": "y", "һ": "h", "ո": "n", "ս": "u", "ց": "g",
    "ե": "e", "ѵ": "v", "ԍ": "g", "ь": "b", "з": "3", "ч": "4", "п": "n", "л": "n", "и": "u",
    "д": "d", "г": "r", "ш": "w", "щ": "w", "ы": "bi", "э": "e", "я": "r", "ж": "x",
    "ɡ": "g", "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƚ": "l",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "θ": "o", "ι": "i",
    "κ": "k", "λ": "l", "μ": "u", "ν": "v", "ξ": "e", "ο": "o", "π": "n", "ρ": "p", "σ": "o",
    "ς": "s", "τ": "t", "υ": "u", "φ": "o", "χ": "x", "ψ": "w", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Latin small capitals and other look-alikes
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ǝ": "e", "ɛ": "e",
    "ɔ": "c", "ʃ": "s", "ʋ": "u", "ŋ": "n",
    # quotes and dashes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u02bc": "'", "\u02b9": "'", "\uff07": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2026": "...",
}
# regional indicators and squared / circled letters are not folded by NFKC
for _offset in range(26):
    _letter = chr(ord("a") + _offset)
    for _base in (0x1F1E6, 0x1F130, 0x1F150, 0x1F170):
        _HOMOGLYPHS[chr(_base + _offset)] = _letter
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)

# ---------------------------------------------------------------- word tables
# contractions and chat spellings (checked before anything else)
WORD_MAP: Dict[str, str] = {
    "im": "i am", "i'm": "i am", "ima": "i am going to", "imma": "i am going to",
    "i've": "i have", "ive": "i have", "i'll": "i will", "i'd": "i would",
    "can't": "can not", "cant": "can not", "cannot": "can not", "cnt": "can not",
    "won't": "will not", "wont": "will not", "don't": "do not", "dont": "do not",
    "doesn't": "does not", "doesnt": "does not", "didn't": "did not", "didnt": "did not",
    "isn't": "is not", "isnt": "is not", "wasn't": "was not", "wasnt": "was not",
    "aren't": "are not", "arent": "are not", "weren't": "were not", "werent": "were not",
    "wouldn't": "would not", "wouldnt": "would not", "shouldn't": "should not",
    "shouldnt": "should not", "couldn't": "could not", "couldnt": "could not",
    "haven't": "have not", "havent": "have not", "hasn't": "has not", "hasnt": "has not",
    "hadn't": "had not", "hadnt": "had not", "ain't": "am not", "aint": "am not",
    "mustn't": "must not", "needn't": "need not", "shan't": "shall not",
    "it's": "it is", "that's": "that is", "thats": "that is", "there's": "there is",
    "theres": "there is", "what's": "what is", "whats": "what is", "who's": "who is",
    "he's": "he is", "she's": "she is", "here's": "here is", "where's": "where is",
    "how's": "how is", "let's": "let us", "lets": "let us",
    "you're": "you are", "youre": "you are", "they're": "they are", "we're": "we are",
    "you've": "you have", "they've": "they have", "we've": "we have", "you'll": "you will",
    "she'll": "she will", "he'll": "he will", "they'll": "they will", "we'll": "we will",
    "wanna": "want to", "wana": "want to", "wanaa": "want to", "wannna": "want to",
    "gonna": "going to", "gunna": "going to", "gona": "going to", "gotta": "got to",
    "kinda": "kind of", "sorta": "sort of", "outta": "out of", "lemme": "let me",
    "gimme": "give me", "dunno": "do not know", "idk": "i do not know", "idc": "i do not care",
    "u": "you", "ur": "your", "ya": "you", "yall": "you all", "pls": "please", "plz": "please",
    "bc": "because", "cuz": "because", "coz": "because", "cos": "because", "tho": "though",
    "rn": "right now", "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow",
    "2moro": "tomorrow", "ppl": "people", "abt": "about", "w/": "with", "w/o": "without",
    "bf": "boyfriend", "gf": "girlfriend", "frnd": "friend", "luv": "love", "cya": "see you",
    "nvm": "never mind", "anymore": "anymore", "nomore": "no more", "noone": "noone",
    "everyday": "every day", "s/h": "self harm", "sh'ing": "self harming",
    # misspellings of key words that are too short for edit-distance matching
    "kil": "kill", "kiil": "kill", "kll": "kill", "klil": "kill", "kilı": "kill",
    "kiled": "killed", "kilt": "killed", "kiling": "killing", "killin": "killing",
    "killng": "killing", "myslef": "myself", "mysefl": "myself", "meself": "myself",
    "mself": "myself", "myselfe": "myself", "slef": "self", "dye": "dye", "dieing": "dying",
    "dyin": "dying", "ded": "dead", "daed": "dead", "lyf": "life", "liffe": "life",
    "wnat": "want", "wnt": "want", "watn": "want", "wamt": "want", "hurtin": "hurting",
    "cuttin": "cutting", "cuting": "cutting", "burnin": "burning", "harmin": "harming",
    "selfharm": "self harm", "selfharming": "self harming", "selfharmed": "self harmed",
    "selfharms": "self harms", "sewerslide": "sewerslide", "sewersliding": "sewerslide",
    "suicid": "suicide", "suicde": "suicide", "sucide": "suicide", "suiside": "suicide",
    "sucidal": "suicidal", "suicidle": "suicidal", "sucicidal": "suicidal",
    "ovrdose": "overdose", "overdos": "overdose", "overdoze": "overdose", "goodbey": "goodbye",
    "gudbye": "goodbye", "goodby": "goodbye", "unalivee": "unalive",
}

# key words that are long enough for edit-distance matching, with the distance allowed
FUZZY_TARGETS: Dict[str, int] = {
    "suicide": 2, "suicidal": 2, "suicides": 2, "myself": 1, "unalive": 1, "unaliving": 2,
    "unalived": 1, "goodbye": 1, "goodbyes": 1, "lethal": 1, "sewerslide": 2,
    "painless": 1, "overdose": 1, "overdosing": 2, "yourself": 1, "herself": 1,
    "himself": 1, "themselves": 2,
}
# never treat these as misspellings of a key word (real words not in the word list)
FUZZY_EXCLUDE: FrozenSet[str] = frozenset({
    "overdoes", "overdo", "overdone", "overdid", "overdoing", "overdress", "overdraw",
    "overdue", "overdose", "suited", "mystery", "mycelf",
})
# words that anchor a run-together split ("killmyself" -> "kill myself")
SEG_ANCHORS: FrozenSet[str] = frozenset({
    "die", "dead", "kill", "kil", "killing", "myself", "self", "end", "life", "suicide",
    "suicidal", "unalive", "harm", "hurt", "cut", "alive", "live", "goodbye", "wake", "kms",
    "overdose", "death", "dying", "forever", "sleep", "exist", "burden",
})
# leetspeak: two readings of "1" and "|" are tried
_LEET_A = str.maketrans({"1": "i", "!": "i", "|": "l", "3": "e", "4": "a", "@": "a", "0": "o",
                         "$": "s", "5": "s", "7": "t", "\u20ac": "e", "\u00a1": "i"})
_LEET_B = str.maketrans({"1": "l", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "0": "o",
                         "$": "s", "5": "s", "7": "t", "\u20ac": "e", "\u00a1": "i"})
_LEET_CHARS = frozenset("13457!|@0$\u20ac\u00a1")
# censored key words ("k*ll", "s**cide") are matched against these
CENSOR_TARGETS: Tuple[str, ...] = (
    "kill", "killing", "killed", "suicide", "suicidal", "die", "dead", "dying", "death",
    "myself", "self", "harm", "cut", "cutting", "unalive", "overdose", "hurt", "life",
)
# after these words a "2" is "to" ("want 2 die")
_TWO_PREV = frozenset({"want", "wanted", "wants", "going", "how", "ways", "way", "wish",
                       "need", "ready", "deserve", "reason", "nothing", "like", "about",
                       "trying", "try", "tried", "plan", "planning", "decided", "have",
                       "used", "urge", "urges", "going"})
_TWO_NEXT = frozenset({"die", "kill", "end", "hurt", "cut", "live", "be", "unalive", "off",
                       "ctb", "kms", "go", "sleep", "disappear", "exist"})
# verbs after which "my self" / "me self" means "myself"
_SELF_JOIN_NOT = frozenset({"harm", "harming", "harmed", "harms", "care", "esteem", "worth",
                            "confidence", "image", "injury", "injuring", "control", "talk",
                            "doubt", "respect", "love", "help", "awareness", "belief",
                            "development", "defence", "defense", "employed"})
_NUMBER_WORDS = frozenset({"many", "few", "several", "of", "couple", "the", "two", "three",
                           "four", "five", "six", "seven", "eight", "nine", "ten", "twenty",
                           "more", "less", "some", "extra", "those", "these", "100", "k"})
_ID_NEXT = frozenset({"rather", "be", "never", "love", "like", "kill", "die", "end", "take",
                      "just", "probably", "want", "prefer", "sooner", "honestly", "really"})
_ILL_NEXT = frozenset({"kill", "end", "be", "die", "never", "do", "take", "just", "probably",
                       "hurt", "cut", "go", "finally", "definitely", "make", "off"})

_BOUNDARY_PUNCT = frozenset(".,;:!?")
_LEADING_STRIP = "\"'([{<#*_~"
_TRAILING_STRIP = "\"')]}>.,;:!?*_~"
_INNER_SPLIT = re.compile(r"[,;:?/\\()\[\]{}\"~^=<>.\-_+&#%]+")
_HAS_LETTER = re.compile(r"[a-z]")
_RUN3 = re.compile(r"(.)\1{2,}")
_SPACED = re.compile(r"(?<!\S)((?:[a-z0-9$@!|] ){2,}[a-z0-9$@!|])(?=[\s.,;:?!)\"']|$)")
_DOTTED = re.compile(r"(?<![\w$@|])((?:[a-z0-9$@!|][.\-_*\u00b7\u2022]){2,}[a-z0-9$@!|])(?![\w$@|])")
_MAX_WORD = 40
_JOINABLE = re.compile(r"[a-z0-9$@!|][.\-_\u00b7\u2022]+[a-z0-9$@!|]")
_JOIN_SEPARATORS = re.compile(r"[.\-_\u00b7\u2022]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Normalizer:
    """Holds the vocabulary; ``normalize`` is thread-safe (only reads shared state)."""

    def __init__(self, vocab: Optional[Iterable[str]] = None,
                 english: Optional[FrozenSet[str]] = None) -> None:
        base = set(pattern_words() if vocab is None else vocab)
        base.update(FUZZY_TARGETS)
        base.update(SEG_ANCHORS)
        base.update({"kms", "ctb", "sui", "sh", "od", "unalive", "sewerslide", "self",
                     "want", "to", "i", "my", "a", "it", "all", "me", "the", "of", "never",
                     "not", "up", "wake", "so", "just", "am", "be", "go", "do", "in", "off",
                     "on", "for", "is", "was", "were", "own", "take", "no", "one", "fr"})
        self.vocab: FrozenSet[str] = frozenset(base)
        self.english: FrozenSet[str] = english_words() if english is None else english
        self._seg_words: FrozenSet[str] = frozenset(
            w for w in set(self.vocab) | set(WORD_MAP) if w.isalpha() and (len(w) > 1 or w in "ia")
        )
        self._fuzzy_by_first: Dict[str, List[Tuple[str, int]]] = {}
        for target, dist in FUZZY_TARGETS.items():
            self._fuzzy_by_first.setdefault(target[0], []).append((target, dist))
        # per-instance caches (lru_cache on bound methods would keep self alive; fine here)
        self.resolve = lru_cache(maxsize=65536)(self._resolve)

    # ------------------------------------------------------------ public
    def normalize(self, text: str) -> str:
        return " ".join(self.tokens(text))

    def tokens(self, text: str) -> List[str]:
        text = clean_unicode(text)
        text = self._join_spelled_out(text)
        words: List[str] = []
        for chunk in text.split():
            words.extend(self._chunk(chunk))
        return _post_pass(words)

    # ------------------------------------------------------------ steps
    def _join_spelled_out(self, text: str) -> str:
        if " " in text:
            text = _SPACED.sub(lambda m: self._joined(m.group(1), " "), text)
        if any(c in text for c in ".-_*\u00b7\u2022"):
            text = _DOTTED.sub(lambda m: self._joined(m.group(1), None), text)
        return text

    def _joined(self, original: str, sep: Optional[str]) -> str:
        if sep is None:
            joined = re.sub(r"[.\-_*\u00b7\u2022]", "", original)
        else:
            joined = original.replace(sep, "")
        resolved = self._resolve_any(joined)
        if resolved is not None and _mentions_anchor(resolved):
            return resolved
        return original

    def _chunk(self, chunk: str) -> List[str]:
        out: List[str] = []
        if chunk in WORD_MAP:
            return WORD_MAP[chunk].split()
        # "$" and "@" are not stripped: they may be leetspeak ("$uicide")
        core = chunk.lstrip(_LEADING_STRIP)
        stripped = core.rstrip(_TRAILING_STRIP)
        trail = core[len(stripped):]
        core = stripped
        # a censored word keeps its inner "*" ("k*ll"); a trailing "!" may be leet ("d!e!")
        if core:
            whole = self._resolve_any(core) if _needs_repair(core) else None
            if whole is None and _JOINABLE.search(core):
                # "su-i-cide", "k.i.l.l", "s_h" -> try the word without separators
                joined = self._resolve_any(_JOIN_SEPARATORS.sub("", core))
                if joined is not None and _mentions_anchor(joined):
                    whole = joined
            if whole is not None:
                out.extend(whole.split())
            else:
                for piece in _split_inner(core):
                    if piece in _BOUNDARY_PUNCT or not piece.strip():
                        if piece in _BOUNDARY_PUNCT:
                            out.append(piece)
                        continue
                    out.extend(self._word(piece).split())
        if trail:
            boundary = next((c for c in trail if c in _BOUNDARY_PUNCT), None)
            if boundary:
                out.append(boundary)
        return out

    def _word(self, word: str) -> str:
        if not word:
            return word
        if "'" in word:
            return self._apostrophe(word)
        if word.isalpha() and word.isascii():
            return self.resolve(word) or word
        if _HAS_LETTER.search(word):
            resolved = self._resolve_any(word)
            return resolved if resolved is not None else word
        return word

    def _apostrophe(self, word: str) -> str:
        if word in WORD_MAP:
            return WORD_MAP[word]
        word = word.strip("'")
        if not word:
            return ""
        if "'" not in word:
            return self._word(word)
        base, _, suffix = word.rpartition("'")
        if suffix == "t" and base.endswith("n"):
            stem = base[:-1]
            stem = {"ca": "can", "wo": "will", "sha": "shall", "ai": "am"}.get(stem, stem)
            return f"{self._word(stem)} not"
        expansions = {"re": "are", "ve": "have", "ll": "will", "d": "would", "m": "am"}
        if suffix in expansions:
            return f"{self._word(base)} {expansions[suffix]}"
        if suffix == "s":
            return f"{self._word(base)} 's"
        # "cuttin'", "self'harm" and other stray apostrophes
        return " ".join(self._word(p) for p in word.split("'") if p)

    # ------------------------------------------------------------ word repair
    def _resolve_any(self, word: str) -> Optional[str]:
        """Repair a word with letters and symbols/digits; None when nothing fits."""
        if len(word) > _MAX_WORD:
            return None
        if word.isalpha() and word.isascii():
            return self.resolve(word)
        if not _HAS_LETTER.search(word):
            return None
        candidates = []
        if any(c in _LEET_CHARS for c in word):
            candidates.append(word.translate(_LEET_A))
            candidates.append(word.translate(_LEET_B))
        else:
            candidates.append(word)
        for cand in candidates:
            if "*" in cand:
                hit = _uncensor(cand)
                if hit:
                    return hit
                continue
            if cand.isalpha() and cand.isascii():
                direct = self._known(cand)
                if direct is not None:
                    return direct
                # indirect repairs of decoded symbols must land on a risk word
                hit = self.resolve(cand)
                if hit is not None and _mentions_anchor(hit):
                    return hit
        return None

    def _resolve(self, word: str) -> Optional[str]:
        """Repair an alphabetic word; None when it is not (a variant of) a key word."""
        if word in self.vocab:
            return word
        if word in WORD_MAP:
            return WORD_MAP[word]
        if len(word) > _MAX_WORD:
            return None
        if _RUN3.search(word):
            for squeezed in (_RUN3.sub(r"\1\1", word), _RUN3.sub(r"\1", word)):
                hit = self._known(squeezed)
                if hit is not None:
                    return hit
        if word in self.english:
            return None
        base = _RUN3.sub(r"\1\1", word)
        for variant in _double_variants(base):
            hit = self._known(variant)
            if hit is not None:
                return hit
        hit = self._fuzzy(base)
        if hit is not None:
            return hit
        return self._segment(base)

    def _known(self, word: str) -> Optional[str]:
        if word in self.vocab:
            return word
        if word in WORD_MAP:
            return WORD_MAP[word]
        return None

    def _fuzzy(self, word: str) -> Optional[str]:
        if len(word) < 5 or word in FUZZY_EXCLUDE:
            return None
        best: Optional[Tuple[int, str]] = None
        for target, max_dist in self._fuzzy_by_first.get(word[0], ()):
            if abs(len(target) - len(word)) > max_dist:
                continue
            dist = osa_distance(word, target, max_dist)
            if dist <= max_dist and (best is None or dist < best[0]):
                best = (dist, target)
        return best[1] if best else None

    def _segment(self, word: str) -> Optional[str]:
        n = len(word)
        if n < 5 or n > _MAX_WORD:
            return None
        seg = self._seg_words
        # best[i] = fewest pieces covering word[:i]
        best: List[Optional[List[str]]] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - 12), end):
                prev = best[start]
                if prev is None:
                    continue
                piece = word[start:end]
                if piece in seg:
                    cand = prev + [piece]
                    known = best[end]
                    if known is None or len(cand) < len(known):
                        best[end] = cand
        pieces = best[n]
        if not pieces or len(pieces) < 2:
            return None
        if sum(1 for p in pieces if len(p) == 1) > 1:
            return None
        if not any(p in SEG_ANCHORS for p in pieces):
            # a missing space before "to" ("wantto die") may still be split
            if len(pieces) != 2 or pieces[1] != "to" or len(pieces[0]) < 3:
                return None
        return " ".join(WORD_MAP.get(p, p) for p in pieces)


# ---------------------------------------------------------------- helpers
def clean_unicode(text: str) -> str:
    """Case, compatibility forms, invisible characters, accents and look-alikes."""
    text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text).translate(_HOMOGLYPH_TABLE)
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch if (ch.isprintable() or ch == " ") else " ")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cs", "Mn", "Me"):
            continue  # zero-width, bidi marks, lone surrogates, combining marks
        if cat in ("Cc", "Zl", "Zp", "Zs"):
            out.append(" ")
            continue
        out.append(ch)
    text = "".join(out).translate(_HOMOGLYPH_TABLE)
    # accents: decompose and drop the marks ("súicide" -> "suicide")
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me"))
        text = unicodedata.normalize("NFC", text).translate(_HOMOGLYPH_TABLE)
    return text


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits + adjacent swaps), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: List[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        row_min = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            val = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                val = min(val, prev2[j - 2] + 1)
            cur[j] = val
            row_min = min(row_min, val)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def _double_variants(word: str) -> List[str]:
    """Each double letter kept or reduced to one ("suiciidal" -> "suicidal")."""
    runs = [m.start() for m in re.finditer(r"(.)\1", word)]
    if not runs or len(runs) > 5:
        return []
    variants = []
    for mask in range(1, 1 << len(runs)):
        chars = list(word)
        for bit, pos in enumerate(runs):
            if mask & (1 << bit):
                chars[pos] = ""
        variants.append("".join(chars))
    return variants


def _uncensor(word: str) -> Optional[str]:
    """ "k*ll" -> "kill": each "*" stands for up to three letters of a key word."""
    if len(word) > 20 or sum(c.isalpha() for c in word) < 2:
        return None
    if word.count("*") > len(word) // 2 + 1:
        return None
    for target in CENSOR_TARGETS:
        if _wild_match(word, target):
            return target
    return None


def _wild_match(pattern: str, text: str) -> bool:
    # reachable[j]: pattern prefix so far can consume text[:j]
    reachable = [True] + [False] * len(text)
    for ch in pattern:
        nxt = [False] * (len(text) + 1)
        for j, ok in enumerate(reachable):
            if not ok:
                continue
            if ch == "*":
                for k in range(j, min(len(text), j + 3) + 1):
                    nxt[k] = True
            elif j < len(text) and text[j] == ch:
                nxt[j + 1] = True
        reachable = nxt
        if not any(reachable):
            return False
    return reachable[len(text)]


def _needs_repair(core: str) -> bool:
    """Symbols inside a word that may be leetspeak or censoring, e.g. "k1ll", "su!c!de"."""
    if not _HAS_LETTER.search(core):
        return False
    return any(c in _LEET_CHARS or c == "*" for c in core) and not core.isalpha()


def _split_inner(core: str) -> List[str]:
    """Split on inner punctuation; sentence punctuation is kept as its own token."""
    parts: List[str] = []
    pos = 0
    for m in _INNER_SPLIT.finditer(core):
        if m.start() > pos:
            parts.append(core[pos:m.start()])
        sep = m.group(0)
        boundary = next((c for c in sep if c in _BOUNDARY_PUNCT), None)
        if boundary:
            parts.append(boundary)
        pos = m.end()
    if pos < len(core):
        parts.append(core[pos:])
    return parts


def _mentions_anchor(resolved: str) -> bool:
    return any(p in SEG_ANCHORS or p in FUZZY_TARGETS or p in CENSOR_TARGETS
               for p in resolved.split())


def _post_pass(words: List[str]) -> List[str]:
    out: List[str] = []
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        nxt = words[i + 1] if i + 1 < n else ""
        prev = out[-1] if out else ""
        if w == "2" and (prev in _TWO_PREV or nxt in _TWO_NEXT):
            out.append("to")
        elif w in ("my", "me") and nxt == "self" and (i + 2 >= n or words[i + 2] not in _SELF_JOIN_NOT):
            out.append("myself")
            i += 1
        elif w == "sewer" and nxt in ("slide", "slides", "sliding"):
            out.append("sewerslide")
            i += 1
        elif w == "no" and nxt == "one":
            out.append("noone")
            i += 1
        elif w in ("kms", "km's") and (prev.isdigit() or prev in _NUMBER_WORDS or
                                       re.fullmatch(r"\d[\d.,]*k?", prev or "x") is not None):
            out.append("km")
        elif w == "id" and nxt in _ID_NEXT:
            out.extend(["i", "would"])
        elif w == "ill" and nxt in _ILL_NEXT:
            out.extend(["i", "will"])
        else:
            out.append(w)
        i += 1
    return out


_DEFAULT: Optional[Normalizer] = None


def default_normalizer() -> Normalizer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Normalizer()
    return _DEFAULT


def normalize(text: str) -> str:
    """Normalise text for matching (see module docstring)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return default_normalizer().normalize(text)
