"""bot/runtime/rasa_patches: installed on purpose, refused on another Rasa, and
every patch put back by suspended()."""
import subprocess
import sys
import textwrap

import pytest

from bot.runtime import rasa_patches
from bot.settings import ROOT, load_settings


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_importing_unknots_modules_patches_nothing():
    done = _python("""
        import jsonschema
        from rasa.core.agent import Agent
        from rasa.core.processor import MessageProcessor
        from rasa.shared.core.domain import Domain
        import bot.storage.tracker_store, bot.storage.lock_store, bot.channels.rest, bot.nlu.risk_guard
        from bot.runtime import rasa_patches
        assert rasa_patches.installed() == [], rasa_patches.installed()
        assert rasa_patches.replacements() == []
        assert not getattr(jsonschema.validate, "_unknot_cached", False)
        assert not hasattr(MessageProcessor.handle_message, "_unknot_gate")
        assert not getattr(Domain.states_for_tracker_history, "_unknot_incremental", False)
        print("clean")
    """)
    assert done.returncode == 0 and "clean" in done.stdout, done.stderr[-2000:]


def test_building_the_tracker_store_installs_them():
    done = _python("""
        from bot.runtime import rasa_patches
        from bot.storage.tracker_store import UrlSQLTrackerStore
        UrlSQLTrackerStore(db_url="sqlite://")
        print(sorted(rasa_patches.installed()))
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(sorted(p.name for p in rasa_patches.PATCHES))


def test_another_rasa_gets_none_of_them_and_one_clear_log_line():
    done = _python("""
        import logging, jsonschema
        logging.basicConfig(level=logging.INFO)
        from bot.runtime import rasa_patches
        from bot.settings import load_settings
        got = rasa_patches.install(load_settings({}), versions={"rasa": "3.6.20", "sanic": "21.12.2",
                                                                "jsonschema": "4.17.3"})
        assert got == [] and rasa_patches.replacements() == []
        assert not getattr(jsonschema.validate, "_unknot_cached", False)
        print("refused")
    """)
    assert done.returncode == 0 and "refused" in done.stdout, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if "Rasa patches NOT installed" in line]
    assert len(errors) == 1, done.stderr[-2000:]
    assert "rasa 3.6.20 is installed, the patches are written for 3.6.21" in errors[0]
    assert "risk messages no longer go ahead" in errors[0] and "typed payloads skip the risk check" in errors[0]


def test_the_switches_come_from_the_settings():
    everything = ["speedups", "admission_gate", "hardening", "warm_up"]
    assert rasa_patches.enabled_groups(load_settings({})) == everything
    assert rasa_patches.enabled_groups(load_settings({"UNKNOT_SPEEDUPS": "off"})) == ["hardening", "warm_up"]
    assert rasa_patches.enabled_groups(load_settings({"MAX_CONCURRENT_MESSAGES": "0"})) == \
        ["speedups", "hardening", "warm_up"]
    assert rasa_patches.enabled_groups(load_settings({"UNKNOT_HARDENING": "off", "RASA_WARM_UP": "off"})) == \
        ["speedups", "admission_gate"]
    from bot.settings import SettingsError

    with pytest.raises(SettingsError):
        load_settings({"UNKNOT_SPEEDUPS": "fast"})


def test_every_patch_replaces_something_and_suspended_puts_every_one_back():
    rasa_patches.install(load_settings({}))
    for patch in rasa_patches.PATCHES:
        assert rasa_patches.replacements(patch.name), f"{patch.name} replaced nothing"
    done = rasa_patches.replacements()
    assert {r.patch for r in done} == {p.name for p in rasa_patches.PATCHES}
    # jsonschema's validate, Event.resolve_by_type, EndpointConfig.session and the gate included
    replaced = {(getattr(r.owner, "__name__", ""), r.name) for r in done}
    assert {("jsonschema", "validate"), ("Event", "resolve_by_type"), ("EndpointConfig", "session"),
            ("MessageProcessor", "handle_message"), ("MessageProcessor", "save_tracker")} <= replaced
    with rasa_patches.suspended():
        for r in done:
            assert r.owner.__dict__[r.name] is r.original, (r.patch, r.name)
    for r in done:
        assert r.owner.__dict__[r.name] is r.new, (r.patch, r.name)
    assert rasa_patches.install(load_settings({})) == rasa_patches.installed()  # a second install adds nothing
    assert len(rasa_patches.replacements()) == len(done)
