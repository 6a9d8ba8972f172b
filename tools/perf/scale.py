"""`make scale-test`: Unknot on several "machines", on loopback.

    python -m tools.perf.scale [--quick] [--model models/unknot.tar.gz]

Starts PostgreSQL (tracker store), Redis (lock store), one action server, two
Rasa replicas (ports 5710, 5711) sharing both, and nginx (5780) routing each
conversation to one replica on its X-Conversation-Id header. Then:

  1. throughput with one replica (a second nginx, 5781, with replica A only)
     and with two (5780), 50 concurrent conversations each;
  2. 50 concurrent conversations through 5780; replica B is killed (SIGKILL)
     while they run. A client whose request fails retries the same message
     (up to 5 times, 1 s apart): nginx then routes it to replica A;
  3. checks, in PostgreSQL, that every conversation holds exactly the user
     messages its client sent and got an answer for, in order (one per message_id:
     Rasa's own copies of a message keep its id): none lost, none duplicated; that every conversation got all its answers; that conversations
     served by B before the kill continued on A; and that no replica logged a
     lock error.

Prints the figures and writes them to var/scale/scale.json. Exit code 1 when a
check fails.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bot.settings import ROOT, load_settings
from tests.support.conversations import conversation, nlu_examples
from tools.perf.processes import load_average

SCALE_DIR = ROOT / "var" / "scale"
REPLICA_PORTS = (5710, 5711)
ACTION_PORT = 5765
NGINX_PORT = 5780
NGINX_ONE_PORT = 5781
LOCK_ERROR = re.compile(r"LockError|Error while acquiring lock|lock.*(expired|timed out)", re.IGNORECASE)


# ------------------------------------------------------------ the client side
@dataclass
class ConversationLog:
    """What one client sent and what came back."""
    sender: str
    planned: List[str]
    acknowledged: List[str] = field(default_factory=list)  # messages answered with 200, in order
    replicas: List[str] = field(default_factory=list)      # replica that answered each of them
    failed_attempts: int = 0
    gave_up: List[str] = field(default_factory=list)       # messages never answered
    empty_replies: int = 0
    failures: List[Dict[str, Any]] = field(default_factory=list)  # each failed attempt: what came back


async def drive(url: str, conversations: Sequence[Tuple[str, List[str]]], retries: int = 5,
                retry_wait: float = 1.0, timeout: float = 180.0,
                answered: Optional[List[int]] = None) -> Tuple[List[ConversationLog], float, List[float]]:
    """Run the conversations concurrently through the load balancer; each message is
    retried on failure. Returns the logs, the wall time and every answered latency.
    answered[0], when given, counts answered messages as they come."""
    import aiohttp

    logs = [ConversationLog(sender, list(messages)) for sender, messages in conversations]
    latencies: List[float] = []

    async def one(session, log: ConversationLog) -> None:
        for text in log.planned:
            for attempt in range(retries + 1):
                reply = await _post(session, url, log.sender, text, timeout)
                if reply[0]:
                    log.acknowledged.append(text)
                    log.replicas.append(reply[1])
                    latencies.append(reply[2])
                    log.empty_replies += not reply[3]
                    if answered is not None:
                        answered[0] += 1
                    break
                log.failed_attempts += 1
                log.failures.append({"text": text, "status": reply[4], "replica": reply[1], "error": reply[5],
                                     "after_s": round(reply[2], 2)})
                await asyncio.sleep(retry_wait)
            else:
                log.gave_up.append(text)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one(session, log) for log in logs))
        wall = time.perf_counter() - start
    return logs, wall, latencies


async def _post(session, url: str, sender: str, text: str, timeout: float):
    """(ok, replica, latency, replies, status, error) for one message, routed on X-Conversation-Id."""
    import aiohttp

    start = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                headers={"X-Conversation-Id": sender},
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.read()
            replica = response.headers.get("X-Unknot-Replica", "")
            if response.status != 200:
                return False, replica, time.perf_counter() - start, [], response.status, body[:120].decode(errors="replace")
            return True, replica.split(",")[-1].strip(), time.perf_counter() - start, json.loads(body), 200, ""
    except Exception as error:  # noqa: BLE001 (a failed attempt; the caller retries)
        return False, "", time.perf_counter() - start, [], 0, f"{type(error).__name__}: {error}"[:120]


# ------------------------------------------------------------- the verdict
def check_conversations(logs: Sequence[ConversationLog], stored: Dict[str, List[str]],
                        killed: str) -> Dict[str, Any]:
    """Compare what each client had answered with the user messages stored for it.

    stored: sender -> user message texts in the tracker store, in order.
    killed: "host:port" of the replica that was killed.
    """
    lost, duplicated, unexpected, incomplete, moved, finished = [], [], [], [], [], []
    for log in logs:
        rows = stored.get(log.sender, [])
        if log.gave_up or len(log.acknowledged) < len(log.planned):
            incomplete.append(log.sender)
        if rows == log.acknowledged:
            pass
        else:
            missing = _multiset_minus(log.acknowledged, rows)
            extra = _multiset_minus(rows, log.acknowledged)
            if missing:
                lost.append({"sender": log.sender, "missing": missing})
            repeated = [t for t in extra if t in log.planned]
            if repeated:
                duplicated.append({"sender": log.sender, "repeated": repeated, "stored": rows,
                                   "acknowledged": log.acknowledged, "replicas": log.replicas,
                                   "failures": log.failures})
            others = [t for t in extra if t not in log.planned]
            if others or (not missing and not extra):
                unexpected.append({"sender": log.sender, "stored": rows, "acknowledged": log.acknowledged})
        if killed in log.replicas:
            last_on_killed = max(i for i, r in enumerate(log.replicas) if r == killed)
            after = log.replicas[last_on_killed + 1:]
            if after and all(r and r != killed for r in after):
                moved.append(log.sender)
            elif not after and not log.gave_up and len(log.acknowledged) == len(log.planned):
                finished.append(log.sender)  # its last answer came from the killed replica, before the kill
    served_by_killed = [log.sender for log in logs if killed in log.replicas]
    return {
        "conversations": len(logs),
        "messages_planned": sum(len(log.planned) for log in logs),
        "messages_answered": sum(len(log.acknowledged) for log in logs),
        "failed_attempts_retried": sum(log.failed_attempts for log in logs),
        "lost": lost, "duplicated": duplicated, "out_of_order_or_unexpected": unexpected,
        "incomplete": incomplete,
        "served_by_killed_replica": len(served_by_killed),
        "continued_on_other_replica": len(moved),
        "finished_before_the_kill": len(finished),
        "stuck_on_killed_replica": [s for s in served_by_killed if s not in moved and s not in finished],
    }


def _multiset_minus(a: Sequence[str], b: Sequence[str]) -> List[str]:
    remaining = list(b)
    out = []
    for item in a:
        if item in remaining:
            remaining.remove(item)
        else:
            out.append(item)
    return out


def passed(verdict: Dict[str, Any], lock_errors: int) -> bool:
    return (not verdict["lost"] and not verdict["duplicated"] and not verdict["out_of_order_or_unexpected"]
            and not verdict["incomplete"] and not verdict["stuck_on_killed_replica"] and lock_errors == 0
            and verdict["served_by_killed_replica"] > 0)


def stored_user_messages(db_url: str, senders: Sequence[str]) -> Dict[str, List[str]]:
    """sender -> the user messages in the tracker store, one per message received, in order.

    Rasa can log one message more than once: the two-stage fallback re-adds the message
    the person confirmed ("Did you mean ...?" - yes) as a copy with confidence 1.0. A copy
    keeps the message_id of the message it copies; a message sent twice gets two ids.
    So messages are counted by message_id (events without one count on their own)."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    out: Dict[str, List[str]] = {s: [] for s in senders}
    seen = set()
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, sender_id, data FROM events WHERE type_name = 'user' ORDER BY id"))
        for row_id, sender, data in rows:
            if sender in out:
                event = json.loads(data)
                key = (sender, event.get("message_id") or f"row-{row_id}")
                if key not in seen:
                    seen.add(key)
                    out[sender].append(event.get("text"))
    engine.dispose()
    return out


def count_lock_errors(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += sum(1 for line in path.read_text(errors="replace").splitlines() if LOCK_ERROR.search(line))
        except OSError:
            continue
    return total


# ----------------------------------------------------------------- the run
def make_conversations(pool: Sequence[str], count: int, turns: int, tag: str) -> List[Tuple[str, List[str]]]:
    return [(f"scale-{tag}-{i}-{uuid.uuid4().hex[:8]}", conversation(pool, turns, f"{tag}-{i}")) for i in range(count)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    from bot.runtime.launcher import (
        Process,
        action_server_cmd,
        child_env,
        rasa_server_cmd,
        tail,
    )
    from tests.support.services import (
        ServiceUnavailable,
        nginx_server,
        postgres_server,
        redis_server,
    )

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "unknot.tar.gz"))
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--kill-after", type=float, default=0.4,
                        help="kill replica B when this share of the failover run's messages is answered")
    parser.add_argument("--quick", action="store_true", help="10 conversations of 4 turns")
    parser.add_argument("--out", default=str(SCALE_DIR / "scale.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.conversations, args.turns = 10, 4
    model = Path(args.model)
    if not model.exists():
        print(f"No trained model at {model}: run `make train` first.", file=sys.stderr)
        return 1
    pool = nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml")
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    log_dir = SCALE_DIR / "log"
    for old in log_dir.glob("*.log"):
        old.unlink()
    report: Dict[str, Any] = {"load_before": load_average(), "conversations": args.conversations,
                              "turns": args.turns, "model": str(model)}
    try:
        with postgres_server() as db_url, redis_server() as redis_url:
            print(f"PostgreSQL {db_url}\nRedis      {redis_url}", flush=True)
            base = {"UNKNOT_ENV": "test", "DATABASE_URL": db_url, "LOCK_STORE_URL": redis_url,
                    "ACTION_PORT": str(ACTION_PORT), "LOG_LEVEL": "INFO", "TICKET_LOCK_LIFETIME": "30"}
            replicas, processes = [], []
            actions_settings = load_settings({**base, "RASA_PORT": str(REPLICA_PORTS[0])})
            actions = Process("action server", action_server_cmd(actions_settings),
                              f"http://127.0.0.1:{ACTION_PORT}/health", log_dir / "actions.log")
            actions.start(child_env(actions_settings))
            processes.append(actions)
            for name, port in zip("AB", REPLICA_PORTS):
                settings = load_settings({**base, "RASA_PORT": str(port)})
                replica = Process(f"Rasa replica {name}", rasa_server_cmd(settings, model),
                                  f"http://127.0.0.1:{port}/", log_dir / f"rasa-{name}.log")
                replica.start(child_env(settings))
                replicas.append(replica)
                processes.append(replica)
            try:
                started = time.monotonic()
                for process in processes:
                    process.wait_healthy(900)
                print(f"action server + 2 replicas up in {time.monotonic() - started:.0f}s", flush=True)
                addresses = [f"127.0.0.1:{p}" for p in REPLICA_PORTS]
                with nginx_server(addresses, NGINX_PORT), nginx_server(addresses[:1], NGINX_ONE_PORT):
                    report.update(_run(args, pool, db_url, replicas, log_dir))
            finally:
                for process in reversed(processes):
                    process.stop()
                for process in processes:
                    if process.popen and process.popen.returncode not in (0, None, -9, -15):
                        print(f"{process.name} exited with {process.popen.returncode}:\n{tail(process.log_path, 10)}")
    except ServiceUnavailable as error:
        print(f"Cannot run the scale test here: {error}", file=sys.stderr)
        return 2
    report["load_after"] = load_average()
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")
    return 0 if report.get("passed") else 1


def _run(args, pool, db_url: str, replicas, log_dir: Path) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    two = f"http://127.0.0.1:{NGINX_PORT}"
    one = f"http://127.0.0.1:{NGINX_ONE_PORT}"
    # Warm both replicas up (the first messages trace TF graphs).
    asyncio.run(drive(two, make_conversations(pool, 6, 3, "warm")))

    for label, url in (("one_replica", one), ("two_replicas", two)):
        logs, wall, latencies = asyncio.run(drive(url, make_conversations(pool, args.conversations, args.turns, label)))
        answered = sum(len(log.acknowledged) for log in logs)
        out[label] = {"throughput": answered / wall, "messages": answered, "wall_s": wall,
                      "failed_attempts": sum(log.failed_attempts for log in logs),
                      "replicas_used": sorted({r for log in logs for r in log.replicas})}
        print(f"throughput, {label.replace('_', ' ')}: {answered / wall:.1f} msg/s "
              f"({answered} messages in {wall:.0f}s)", flush=True)

    convs = make_conversations(pool, args.conversations, args.turns, "failover")
    total = sum(len(m) for _, m in convs)
    killed = f"127.0.0.1:{REPLICA_PORTS[1]}"

    async def failover():
        answered = [0]
        task = asyncio.ensure_future(drive(two, convs, answered=answered))
        while not task.done():
            if answered[0] >= args.kill_after * total:
                at = answered[0]
                replicas[1].kill()
                return await task, at
            await asyncio.sleep(0.1)
        return await task, None

    (logs, wall, _), killed_at = asyncio.run(failover())
    if killed_at is None:
        print("the run finished before replica B was killed; use more conversations or turns", file=sys.stderr)
    stored = stored_user_messages(db_url, [s for s, _ in convs])
    verdict = check_conversations(logs, stored, killed)
    lock_errors = count_lock_errors([log_dir / "rasa-A.log", log_dir / "rasa-B.log"])
    ok = passed(verdict, lock_errors) and killed_at is not None
    out["failover"] = {**verdict, "killed_replica": killed, "killed_after_messages": killed_at,
                       "of_messages": total, "wall_s": wall, "lock_errors_in_logs": lock_errors}
    out["passed"] = ok
    print(f"failover: replica B killed (SIGKILL) after {killed_at} of {total} messages were answered;")
    print(f"  {verdict['served_by_killed_replica']} conversations had been served by B, "
          f"{verdict['continued_on_other_replica']} continued on A, "
          f"{verdict['finished_before_the_kill']} had finished on B before the kill, "
          f"{len(verdict['stuck_on_killed_replica'])} did not")
    print(f"  {verdict['messages_answered']}/{verdict['messages_planned']} messages answered, "
          f"{verdict['failed_attempts_retried']} failed attempts retried")
    print(f"  lost: {len(verdict['lost'])}, duplicated: {len(verdict['duplicated'])}, "
          f"other mismatches: {len(verdict['out_of_order_or_unexpected'])}, incomplete: {len(verdict['incomplete'])}, "
          f"lock errors in the replicas' logs: {lock_errors}")
    print("PASSED" if ok else "FAILED", flush=True)
    return out


if __name__ == "__main__":
    sys.exit(main())
