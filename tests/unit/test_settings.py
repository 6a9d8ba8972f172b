"""Settings: defaults, the environment, .env, and refusing bad values."""
import pytest

from bot.settings import ROOT, SettingsError, load_settings


def test_defaults_are_loopback_and_the_documented_ports():
    s = load_settings({})
    assert (s.host, s.rasa_port, s.action_port) == ("127.0.0.1", 5005, 5055)
    assert s.database_url == f"sqlite:///{ROOT / 'var' / 'unknot.db'}"
    assert s.clinic_contact == ""
    assert s.action_endpoint_url == "http://127.0.0.1:5055/webhook"


def test_environment_overrides_defaults():
    s = load_settings({"RASA_PORT": "6005", "ACTION_PORT": "6055", "CLINIC_CONTACT": "call 555 0100",
                       "DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/unknot"})
    assert (s.rasa_port, s.action_port) == (6005, 6055)
    assert s.clinic_contact == "call 555 0100"
    assert s.as_env()["DATABASE_URL"] == "postgresql://u:p@127.0.0.1:5432/unknot"
    assert s.as_env()["ACTION_SERVER_URL"] == "http://127.0.0.1:6055/webhook"


def test_relative_sqlite_path_is_anchored_at_the_repo():
    s = load_settings({"DATABASE_URL": "sqlite:///var/other.db"})
    assert s.database_url == f"sqlite:///{ROOT / 'var' / 'other.db'}"


def test_dotenv_file_is_read_but_the_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_PORT=7005\nCLINIC_NAME=Back Clinic\n")
    monkeypatch.setenv("RASA_PORT", "8005")
    s = load_settings(dotenv_path=env_file)
    assert s.rasa_port == 8005
    assert s.clinic_name == "Back Clinic"


@pytest.mark.parametrize("env", [
    {"RASA_PORT": "abc"}, {"RASA_PORT": "0"}, {"ACTION_PORT": "70000"},
    {"RASA_PORT": "5005", "ACTION_PORT": "5005"}, {"UNKNOT_ENV": "staging"},
    {"UNKNOT_ENV": "production", "RASA_JWT_SECRET": "changeme"},
])
def test_bad_values_are_refused_with_a_clear_error(env):
    with pytest.raises(SettingsError):
        load_settings(env)


def test_settings_round_trip_through_the_environment_of_a_child_process():
    # the launcher hands settings to the action server as environment variables
    original = load_settings({"RASA_PORT": "5105", "ACTION_PORT": "5155", "CLINIC_CONTACT": "x",
                              "UNKNOT_ENV": "test", "LOG_LEVEL": "debug"})
    assert load_settings(original.as_env()) == original


def test_web_and_telegram_defaults():
    s = load_settings({})
    assert s.web_port == 8000 and s.web_url == "http://127.0.0.1:8000"
    assert s.allowed_origins == ("http://127.0.0.1:8000", "http://localhost:8000")
    assert not s.telegram_enabled
    assert s.telegram_api_base_url == "https://api.telegram.org"


def test_allowed_origins_are_checked():
    s = load_settings({"WEB_ALLOWED_ORIGINS": "https://clinic.example/, https://www.clinic.example"})
    assert s.allowed_origins == ("https://clinic.example", "https://www.clinic.example")
    with pytest.raises(SettingsError):
        load_settings({"WEB_ALLOWED_ORIGINS": "*"})


def test_ports_must_all_differ():
    with pytest.raises(SettingsError):
        load_settings({"WEB_PORT": "5005"})


def test_telegram_token_needs_a_webhook_secret():
    with pytest.raises(SettingsError):
        load_settings({"TELEGRAM_BOT_TOKEN": "123:abc"})
    s = load_settings({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "s" * 20})
    assert s.telegram_enabled


def test_production_needs_a_real_secret_key():
    with pytest.raises(SettingsError):
        load_settings({"UNKNOT_ENV": "production", "SECRET_KEY": "changeme"})
    s = load_settings({"UNKNOT_ENV": "production", "SECRET_KEY": "k" * 40})
    assert s.signing_key() == "k" * 40


def test_development_signing_key_is_generated_once_and_private():
    s = load_settings({})
    key = s.signing_key()
    assert len(key) >= 32 and s.signing_key() == key
    assert (ROOT / "var" / "secret_key").stat().st_mode & 0o077 == 0
