"""RiskGuard: the NLU step that makes sure a risk message is treated as one.

Runs after the intent classifier and the FallbackClassifier. Three judges, any of
which may raise risk:
1. the pattern detector in `bot.safety` (with its hyperbole guards);
2. the learned risk score: the mean log-odds of a linear classifier
   (`bot.safety.classifier`: the sentence embedding the SentenceEncoderFeaturizer
   computed for this message, plus character n-grams) and a copy of the encoder
   fine-tuned on risk (`bot.nlu.risk_encoder`). RiskGuard trains both with the model
   (`rasa train`) on the NLU examples and the labelled sets in data/safety/. Bands:
   score >= high_threshold -> high, >= possible_threshold -> possible. The thresholds
   are set in config.yml from the out-of-fold table `make eval-safety` prints (they
   need five fine-tunings, too slow for every training); without the fine-tuned copy
   (`fine_tune: false`) the linear model's own out-of-fold bands apply;
3. the intent classifier itself (bot.nlu.encoder_intents), when it ranks `express_risk`
   at or above `intent_threshold`.
When any fires, the intent becomes `express_risk` with confidence 1.0 (so no fallback or
low confidence can swallow it) and the reasons are recorded under `risk` in the
parse data, where actions and the staff review can read them.

The other direction matters too: an intent classifier can put `express_risk`
on top for harmless messages that share its words ("i want to live closer to
work", "my cat died"; the bag-of-words DIET before issue 13 often did). When no
judge says risk, a top `express_risk` is *demoted* to the next intent (or to
`nlu_fallback` when that one is below `fallback_threshold`, as the
FallbackClassifier would have done). The threshold is tuned by
`make eval-safety`, which prints recall and false alarms for a range of them.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentence_features import sentence_embedding
from bot.safety import assess
from bot.safety.benign_frames import explaining_frame, rather_die_than_a_chore
from bot.safety.classifier import (
    RiskClassifier,
    combined_scores,
    dedupe,
    labelled_files,
    load_labelled,
    nlu_examples,
    train_classifier,
)
from bot.safety.service_talk import talks_about_services

RISK = "risk"
INTENT_RANKING = "intent_ranking"


FALLBACK_INTENT = "nlu_fallback"

# The encoders read the first 256 word pieces of a text (about 1,000 characters of English), and
# the input boundary lets messages of up to 20,000 characters through; even inside that window one
# risk sentence among ordinary ones is diluted (a passive wish scored 0.9991 alone, 0.96 in 350
# characters of back-pain talk, 0.10 in 500), and the detector's weak hit on it was then vetoed.
# So past LONG_TEXT_CHARS the message is cut into windows of about two sentences, and the windows
# the pattern detector finds risk in are scored too: the score is the highest of the whole text's
# and theirs. Only those windows, because scoring every window costs ~40 ms each on two cores
# (1.5 s for 6,000 characters, measured), in the Rasa server's event loop. So the learned judges
# still read only a long message's opening; deeper in, risk is found by the detector's patterns.
# No labelled or blind item is that long, so no measured figure moves.
LONG_TEXT_CHARS = 400
WINDOW_CHARS = 250
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")


def text_windows(text: str, size: int = WINDOW_CHARS) -> List[str]:
    """`text` in windows of at most `size` characters, cut between sentences where it can
    (a sentence longer than a window is cut with an overlap), each window starting with the
    previous one's last sentence, so a risk sentence is whole in at least one window."""
    pieces: List[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        step = size - size // 4
        pieces.extend(sentence[i:i + size] for i in range(0, max(len(sentence) - size // 4, 1), step))
    windows: List[str] = []
    current: List[str] = []
    for piece in (p for p in pieces if p):
        if current and sum(len(p) + 1 for p in current) + len(piece) > size:
            windows.append(" ".join(current))
            current = [current[-1]] if len(current[-1]) + len(piece) < size else []
        current.append(piece)
    if current:
        windows.append(" ".join(current))
    return windows


def classifier_confidence(intent: Optional[Dict[str, Any]], ranking: List[Dict[str, Any]], risk_intent: str) -> float:
    for entry in ranking or ([intent] if intent else []):
        if entry and entry.get(INTENT_NAME_KEY) == risk_intent:
            return float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return 0.0


_LEVEL_RANK = {"none": 0, "possible": 1, "high": 2}
# detector reasons a remark about crisis services may carry and still be only that: the service's
# name (help_seeking), a bare mention, and the modifiers
_SERVICE_TALK_REASONS = frozenset({"help_seeking", "mention", "negation", "past", "hyperbole_possible"})
# intents a remark about crisis services is answered as such in place of: the service's name read
# as a request, or not understood. Any other ("posture tips?" after it) keeps its own answer.
SERVICE_TALK_INTENTS = frozenset({"request_crisis_resources", "express_risk", "out_of_scope", FALLBACK_INTENT})
SERVICE_TALK_INTENT = "out_of_scope"
# the learned score under which "i'd rather die than <a chore>" is hyperbole: well below the
# possible band (0.84), so the learned models must also read it as ordinary talk
CHORE_VETO = 0.5


def detector_vetoed(detector_level: str, score: Optional[float], detector_veto: Optional[float]) -> bool:
    """A weak ("possible") detector hit the learned score all but rules out; a "high" hit never is."""
    return (detector_level == "possible" and detector_veto is not None and score is not None
            and score < detector_veto)


def guard_decision(text: Optional[str], intent: Optional[Dict[str, Any]], ranking: List[Dict[str, Any]],
                   risk_intent: str, intent_threshold: float, score: Optional[float] = None,
                   score_level: str = "none", detector_veto: Optional[float] = None,
                   service_talk: bool = False, frame: str = "") -> Dict[str, Any]:
    """Combine the detector, the learned risk score and the intent classifier into one decision (pure, unit-tested).

    `score` is the learned classifier's risk probability and `score_level` the band it
    falls in ("none" / "possible" / "high"); None when no classifier is loaded.
    `detector_veto`: a detector hit of level "possible" (the weak patterns: "i can't do
    this anymore", "i want it all to stop") stands unless the learned score is below
    this, i.e. the learned models are all but sure it is ordinary talk ("can't do this
    anymore, my team lead micromanages everything"). A "high" hit always stands.
    `service_talk`: the message talks about crisis services (`bot.safety.service_talk`); a
    detector finding that is only the service's name ("help_seeking") or a bare mention is
    then no finding. Any other finding, the learned score and the intent model still count.
    `frame`: a frame that explains the death words away (`bot.safety.benign_frames`: a game's
    mechanics, a goodbye because the back got better, an overwhelmed idiom); the learned score
    then raises risk only from its "high" band. The detector's findings and the intent model are not touched.
    """
    assessment = assess(text or "")
    reasons = list(assessment.reasons)
    level = assessment.level.value
    if detector_vetoed(level, score, detector_veto):
        reasons, level = [], "none"
    if service_talk and reasons and set(reasons) <= _SERVICE_TALK_REASONS:
        reasons, level = [], "none"
    if (level == "possible" and set(reasons) <= {"passive_ideation", "hyperbole_possible"} and score is not None
            and score < CHORE_VETO and rather_die_than_a_chore(text or "")):
        # "i'd rather die than do my tax return": the detector reads the wish, the comparison says
        # hyperbole, and the learned score is far from its band
        reasons, level = ["frame:chore"], "none"
    if frame and score_level == "possible":
        score_level = "none"
        reasons.append(f"frame:{frame}")
    if score is not None and _LEVEL_RANK[score_level] > 0:
        reasons.append(f"encoder:{score:.2f}")
        if _LEVEL_RANK[score_level] > _LEVEL_RANK[level]:
            level = score_level
    intent_confidence = classifier_confidence(intent, ranking, risk_intent)
    intent_fired = intent_confidence >= intent_threshold
    if intent_fired:
        reasons.append(f"classifier:{intent_confidence:.2f}")
        if level == "none":
            level = "possible"
    return {"level": level, "reasons": reasons, "forced": level != "none",
            "classifier_confidence": round(intent_confidence, 4),
            "score": round(float(score), 4) if score is not None else 0.0,
            "cues": list(getattr(assessment, "cues", ()) or ())}


def demoted_intent(ranking: List[Dict[str, Any]], risk_intent: str, fallback_threshold: float) -> Dict[str, Any]:
    """The intent to use when the classifier's top `risk_intent` was not trusted."""
    for entry in ranking:
        name = entry.get(INTENT_NAME_KEY)
        if name and name not in (risk_intent, FALLBACK_INTENT):
            if float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= fallback_threshold:
                return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: entry.get(PREDICTED_CONFIDENCE_KEY)}
            break
    return {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: fallback_threshold}


def labelled_fingerprint() -> str:
    """Changes whenever a labelled risk file changes, so `rasa train` retrains RiskGuard."""
    digest = hashlib.sha256()
    for path in labelled_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


CLASSIFIER_DIR = "risk_classifier"
RISK_ENCODER_DIR = "risk_encoder"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RiskGuard(GraphComponent):
    """Forces the risk intent when the detector, the learned risk score or the intent classifier says so."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"risk_intent": "express_risk", "intent_threshold": 0.98, "fallback_threshold": 0.45,
                "classifier": True, "possible_fp": 0.01, "high_fp": 0.002, "cv_folds": 5,
                "fine_tune": True, "fine_tune_epochs": 3, "possible_threshold": None, "high_threshold": None,
                "detector_veto": None}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[RiskClassifier] = None, risk_encoder: Optional[Any] = None) -> None:
        self.config = config
        self.risk_intent = config["risk_intent"]
        self.intent_threshold = float(config["intent_threshold"])
        self.fallback_threshold = float(config["fallback_threshold"])
        veto = config.get("detector_veto")
        self.detector_veto = float(veto) if veto is not None else None
        self._model_storage = model_storage
        self._resource = resource
        self._use(classifier, risk_encoder)

    def _use(self, classifier: Optional[RiskClassifier], risk_encoder: Optional[Any]) -> None:
        self.classifier = classifier
        self.risk_encoder = risk_encoder
        if classifier is not None and risk_encoder is not None:
            # The bands of the combined score (config.yml, from `make eval-safety`).
            classifier.possible_threshold = float(self.config["possible_threshold"])
            classifier.high_threshold = max(float(self.config["high_threshold"]), classifier.possible_threshold)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RiskGuard":
        assess("warm up")  # build the detector's spaCy pipeline at load, not on a person's first message
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "RiskGuard":
        assess("warm up")
        classifier, risk_encoder = None, None
        if config.get("classifier", True):
            try:
                with model_storage.read_from(resource) as directory:
                    classifier = RiskClassifier.load(directory / CLASSIFIER_DIR)
                    if cls._fine_tuning(config) and (directory / RISK_ENCODER_DIR).is_dir():
                        from bot.nlu.risk_encoder import RiskEncoder
                        from bot.nlu.sentence_encoder import default_model_dir

                        risk_encoder = RiskEncoder.load(directory / RISK_ENCODER_DIR, default_model_dir())
            except (ValueError, FileNotFoundError, OSError):
                # A model trained before the classifier existed: detector and intent classifier only.
                classifier, risk_encoder = None, None
        return cls(config, model_storage, resource, classifier, risk_encoder)

    @staticmethod
    def _fine_tuning(config: Dict[Text, Any]) -> bool:
        return bool(config.get("fine_tune", True)) and config.get("possible_threshold") is not None

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return labelled_fingerprint()

    def train(self, training_data: TrainingData) -> Resource:
        if not self.config.get("classifier", True):
            return self._resource
        from bot.nlu.sentence_encoder import cached_encode

        pairs = [(m.get(TEXT), (m.get(INTENT) or "")) for m in training_data.intent_examples]
        examples = dedupe(load_labelled() + nlu_examples(pairs))
        texts = [e.text for e in examples]
        held = np.array([e.source.startswith("labelled:") for e in examples])
        classifier = train_classifier(cached_encode(texts), texts, [e.risk for e in examples], held,
                                      possible_fp=float(self.config["possible_fp"]),
                                      high_fp=float(self.config["high_fp"]), k=int(self.config["cv_folds"]))
        risk_encoder = None
        if self._fine_tuning(self.config):
            from bot.nlu.risk_encoder import FineTuneSettings, fine_tuned

            risk_encoder = fine_tuned(texts, [e.risk for e in examples],
                                      FineTuneSettings(epochs=int(self.config["fine_tune_epochs"])))
        with self._model_storage.write_to(self._resource) as directory:
            classifier.save(directory / CLASSIFIER_DIR)
            if risk_encoder is not None:
                risk_encoder.save(directory / RISK_ENCODER_DIR, risk_encoder.info)
        self._use(classifier, risk_encoder)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def score(self, message: Message) -> Optional[float]:
        if self.classifier is None:
            return None
        whole = self._whole_text_score(message)
        if len(message.get(TEXT) or "") > LONG_TEXT_CHARS:
            return max(whole, self._windows_score(message.get(TEXT)))
        return whole

    def _whole_text_score(self, message: Message) -> float:
        assert self.classifier is not None
        embedding = sentence_embedding(message)
        if embedding is None:
            from bot.nlu.sentence_encoder import get_encoder

            embedding = get_encoder().encode([message.get(TEXT)])[0]
        text = message.get(TEXT)
        if self.risk_encoder is None:
            return self.classifier.score(np.asarray(embedding), text)
        linear = self.classifier.logits(np.asarray(embedding).reshape(1, -1), [text])
        return float(combined_scores(linear, self.risk_encoder.logits([text]))[0])

    def _windows_score(self, text: str) -> float:
        """The highest score of the windows the detector finds risk in (see LONG_TEXT_CHARS)."""
        from bot.nlu.sentence_encoder import get_encoder

        assert self.classifier is not None
        windows = [w for w in text_windows(text) if assess(w).level.value != "none"]
        if not windows:
            return 0.0
        embeddings = np.asarray(get_encoder().encode(windows))
        if self.risk_encoder is None:
            return float(np.max(self.classifier.scores(embeddings, windows)))
        linear = self.classifier.logits(embeddings, windows)
        return float(np.max(combined_scores(linear, self.risk_encoder.logits(windows))))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            score = self.score(message)
            band = self.classifier.level(score) if score is not None and self.classifier else "none"
            service_talk = talks_about_services(text)
            decision = guard_decision(text, message.get(INTENT), message.get(INTENT_RANKING) or [],
                                      self.risk_intent, self.intent_threshold, score, band,
                                      self.detector_veto if self.risk_encoder is not None else None,
                                      service_talk=service_talk, frame=explaining_frame(text))
            record = {k: decision[k] for k in ("level", "reasons", "classifier_confidence", "score", "cues")}
            top = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            answer_as_talk = service_talk and not decision["forced"] and top in SERVICE_TALK_INTENTS
            if answer_as_talk:
                record["service_talk"] = True  # SafetyPolicy answers it as a remark about the services
            message.set(RISK, record, add_to_output=True)
            others = [r for r in message.get(INTENT_RANKING) or [] if r.get(INTENT_NAME_KEY) != self.risk_intent]
            if decision["forced"]:
                forced = {INTENT_NAME_KEY: self.risk_intent, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, forced, add_to_output=True)
                message.set(INTENT_RANKING, [forced] + others, add_to_output=True)
            elif answer_as_talk:
                message.set(INTENT, {INTENT_NAME_KEY: SERVICE_TALK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0},
                            add_to_output=True)
            elif top == self.risk_intent:
                message.set(INTENT, demoted_intent(others, self.risk_intent, self.fallback_threshold),
                            add_to_output=True)
        return messages
