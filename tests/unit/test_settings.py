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


def _endpoints(monkeypatch, env):
    """endpoints.yml as the Rasa server reads it, with the launcher's environment."""
    from rasa.utils.endpoints import read_endpoint_config

    for key, value in load_settings(env).as_env().items():
        monkeypatch.setenv(key, value)
    path = str(ROOT / "endpoints.yml")
    return read_endpoint_config(path, "tracker_store"), read_endpoint_config(path, "lock_store")


def test_one_machine_by_default_sqlite_and_in_memory_locks(monkeypatch):
    from rasa.core.lock_store import InMemoryLockStore, LockStore

    tracker, lock = _endpoints(monkeypatch, {})
    assert tracker.kwargs["db_url"].startswith("sqlite:///")
    assert type(LockStore.create(lock)) is InMemoryLockStore


def test_several_replicas_postgresql_and_redis_from_the_environment(monkeypatch):
    from rasa.core.lock_store import LockStore, RedisLockStore

    from bot.storage.tracker_store import url_to_kwargs

    tracker, lock = _endpoints(monkeypatch, {
        "DATABASE_URL": "postgresql://unknot:pw@10.0.0.5:5432/unknot",
        "LOCK_STORE_URL": "redis://:s3cret@10.0.0.6:6380/2", "LOCK_STORE_KEY_PREFIX": "clinic1"})
    assert url_to_kwargs(tracker.kwargs["db_url"])["dialect"] == "postgresql"
    store = LockStore.create(lock)  # redis-py connects lazily: nothing is contacted here
    assert type(store) is RedisLockStore
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("10.0.0.6", 6380, 2, "s3cret")
    assert store.key_prefix.startswith("clinic1:")


def test_lock_store_settings_round_trip_and_refuse_bad_values():
    s = load_settings({"LOCK_STORE_URL": "rediss://10.0.0.6", "TICKET_LOCK_LIFETIME": "20"})
    assert s.as_env()["LOCK_STORE_URL"] == "rediss://10.0.0.6" and s.as_env()["TICKET_LOCK_LIFETIME"] == "20"
    assert load_settings(s.as_env()) == s
    assert load_settings({}).as_env()["LOCK_STORE_URL"] == ""
    for bad in ({"LOCK_STORE_URL": "http://10.0.0.6"}, {"LOCK_STORE_URL": "10.0.0.6:6379"},
                {"LOCK_STORE_KEY_PREFIX": "not-alnum"}, {"TICKET_LOCK_LIFETIME": "0"}):
        with pytest.raises(SettingsError):
            load_settings(bad)


def test_tracker_window_setting_reaches_the_tracker_store(monkeypatch):
    from bot.storage.tracker_store import UrlSQLTrackerStore

    assert load_settings({}).tracker_window_turns == 10
    s = load_settings({"TRACKER_WINDOW_TURNS": "0"})
    assert s.as_env()["TRACKER_WINDOW_TURNS"] == "0" and load_settings(s.as_env()) == s
    for bad in ("ten", "-1", "4", "1001"):
        with pytest.raises(SettingsError):
            load_settings({"TRACKER_WINDOW_TURNS": bad})
    tracker, _ = _endpoints(monkeypatch, {"TRACKER_WINDOW_TURNS": "25", "DATABASE_URL": "sqlite:///:memory:"})
    assert tracker.kwargs["window_turns"] == "25"
    store = UrlSQLTrackerStore(db_url=tracker.kwargs["db_url"], window_turns=tracker.kwargs["window_turns"])
    assert store.window_turns == 25


def test_redis_url_parts():
    from bot.storage.lock_store import redis_kwargs

    assert redis_kwargs("redis://127.0.0.1") == {"host": "127.0.0.1", "port": 6379, "db": 1, "use_ssl": False}
    assert redis_kwargs("rediss://user:p%40ss@h:7000/3", "x")["password"] == "p@ss"
    with pytest.raises(ValueError):
        redis_kwargs("redis://h/abc")
