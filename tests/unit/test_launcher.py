from bot.launcher import child_env, rasa_server_cmd
from bot.settings import load_settings


def test_children_never_phone_home_and_get_every_setting():
    env = child_env(load_settings({"RASA_PORT": "5105", "ACTION_PORT": "5155"}))
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["RASA_PORT"] == "5105" and env["ACTION_SERVER_URL"] == "http://127.0.0.1:5155/webhook"


def test_http_api_is_off_without_a_jwt_secret_and_on_with_one(tmp_path):
    model = tmp_path / "m.tar.gz"
    assert "--enable-api" not in rasa_server_cmd(load_settings({}), model)
    cmd = rasa_server_cmd(load_settings({"RASA_JWT_SECRET": "a-long-random-secret"}), model)
    assert cmd[cmd.index("--jwt-secret") + 1] == "a-long-random-secret" and "--enable-api" in cmd
    assert cmd[cmd.index("--interface") + 1] == "127.0.0.1"


def test_every_child_gets_the_same_signing_key():
    settings = load_settings({"UNKNOT_ENV": "test"})
    first, second = child_env(settings), child_env(settings)
    assert first["SECRET_KEY"] and first["SECRET_KEY"] == second["SECRET_KEY"] == settings.signing_key()
    assert child_env(load_settings({"SECRET_KEY": "k" * 40}))["SECRET_KEY"] == "k" * 40


def test_the_stack_runs_the_web_app_on_its_port(tmp_path):
    from bot.launcher import Stack

    stack = Stack(load_settings({"WEB_PORT": "8123"}), tmp_path / "m.tar.gz")
    assert [p.name for p in stack.processes] == ["action server", "Rasa server", "web app"]
    assert stack.web.health_url == "http://127.0.0.1:8123/healthz"
    assert stack.web.cmd[-2:] == ["bot", "web"]
    assert [p.name for p in Stack(load_settings({}), tmp_path / "m", with_web=False).processes] == [
        "action server", "Rasa server"]
