"""Rasa's own checks: the data validates cleanly and every test story passes."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.safety.crisis_domain import YOUTH_SUFFIX, write_training_domain
from bot.settings import ROOT
from tests.support.stack import TEST_DIR, rasa

pytestmark = pytest.mark.slow


def test_data_validates_without_warnings():
    result = rasa("data", "validate", "--domain", str(write_training_domain()), "--fail-on-warnings", check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    # Rasa also lists responses no story or rule mentions; ours are sent by
    # custom actions or forms. Each must really be used by code or a form.
    code = " ".join(p.read_text() for d in ("bot", "actions") for p in (ROOT / d).rglob("*.py"))
    unused = re.findall(r"The utterance '(\w+)' is not used", result.stdout + result.stderr)

    def sent_by_code(name: str) -> bool:
        if name.endswith(YOUTH_SUFFIX):  # a crisis reply's twin for young people: sent in its place
            return sent_by_code(name[: -len(YOUTH_SUFFIX)])
        parts = name.split("_")  # f"utter_pmr_{i}" sends utter_pmr_1 ...
        return name in code or any("_".join(parts[:k]) + "_{" in code for k in range(2, len(parts)))

    # utter_default is sent by Rasa's own action_default_fallback (last fallback stage);
    # utter_ask_<slot> by forms; utter_invalid_<slot> by the form validation action.
    dead = [u for u in unused if not sent_by_code(u) and u != "utter_default"
            and not u.startswith(("utter_ask_", "utter_invalid_"))]
    assert dead == [], f"responses nothing sends: {dead}"


def test_every_test_story_passes(test_model):
    out = TEST_DIR / "results"
    result = rasa("test", "core", "--model", str(test_model), "--stories", "tests/stories",
                  "--fail-on-prediction-errors", "--out", str(out), check=False)
    failed = out / "failed_test_stories.yml"
    failures = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0 and "story:" not in failures, (
        failures[-8000:] or result.stdout[-6000:] + result.stderr[-6000:])


def _flows_interrupted_by_risk(steps) -> set:
    """The flows a story is inside when a risk message comes, read from its steps:
    a form or fallback loop is active, a walkthrough or an exercise is running (and
    how far, from bot.flows.guide's own step lists), a safety plan is being made. A
    flow counts only when the risk message's first answer is a crisis reply."""
    from bot.flows.guide import EXERCISES, PMR

    flow, exercise, guide_turns, found = None, None, 0, set()
    for i, step in enumerate(steps):
        loop = step.get("active_loop", "")
        if loop == "coping_form":
            flow = "coping form"
        elif loop == "action_two_stage_fallback":
            flow = "two-stage fallback"
        elif "active_loop" in step and loop is None:
            flow = None
        for slots in step.get("slot_was_set") or []:
            if isinstance(slots, dict) and slots.get("exercise"):
                exercise, guide_turns = slots["exercise"], 0
        action = step.get("action", "")
        if action == "action_guide":
            guide_turns += 1
            if exercise is None:
                flow = "walkthrough"
            elif guide_turns > len(EXERCISES[exercise]):
                flow = "check-in"
            else:
                flow = "muscle relaxation" if exercise == PMR else "breathing exercise"
        elif action.startswith("utter_safety_plan_step") or action == "utter_safety_plan_start":
            flow = "safety plan"
        if step.get("intent") == "express_risk" and flow is not None:
            answer = next((s.get("action") for s in steps[i + 1:] if "action" in s), "")
            if answer.startswith("utter_crisis"):
                found.add(flow)
    return found


def test_every_flow_has_a_story_where_a_risk_message_interrupts_it():
    covered = set()
    for path in sorted((TEST_DIR.parent.parent / "tests" / "stories").rglob("*.yml")):
        for story in yaml.safe_load(path.read_text())["stories"]:
            covered |= _flows_interrupted_by_risk(story["steps"])
    flows = {"coping form", "walkthrough", "breathing exercise", "muscle relaxation", "check-in",
             "two-stage fallback", "safety plan"}
    assert flows <= covered, f"no story where a risk message interrupts: {sorted(flows - covered)}"


def test_the_interruption_check_reads_steps_not_names():
    named_only = [{"intent": "greet"}, {"action": "utter_greet"}, {"intent": "express_risk"},
                  {"action": "utter_crisis_first"}]
    assert _flows_interrupted_by_risk(named_only) == set()
    in_form = [{"intent": "ask_coping_tips"}, {"action": "coping_form"}, {"active_loop": "coping_form"},
               {"intent": "express_risk"}, {"action": "utter_crisis_first"}]
    assert _flows_interrupted_by_risk(in_form) == {"coping form"}
    answered_wrong = in_form[:-1] + [{"action": "utter_ask_location"}]
    assert _flows_interrupted_by_risk(answered_wrong) == set()