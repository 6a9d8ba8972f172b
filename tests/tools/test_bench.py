"""The bench's arithmetic and its table: no servers needed."""
import asyncio
import json
import math

import pytest

from bot.settings import ROOT
from tests.support import conversations
from tools.perf import bench, load, processes, report
from tools.perf.report import check_target, compare, format_table
from tools.perf.stats import Batch, percentile, ratio, summarize_repetitions


def test_percentile_interpolates_linearly_like_numpy():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile(values, 0) == 1 and percentile(values, 100) == 10
    assert percentile(list(reversed(values)), 50) == pytest.approx(5.5)  # order does not matter
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_ratio_is_nan_when_a_side_is_missing_or_zero():
    assert ratio(3, 2) == 1.5
    assert math.isnan(ratio(1, 0)) and math.isnan(ratio(None, 2)) and math.isnan(ratio(math.nan, 2))


def test_batch_summary_and_medians_over_repetitions():
    fast = Batch(latencies=[0.1] * 10, errors=0, wall_s=1.0)
    slow = Batch(latencies=[0.3] * 10, errors=2, wall_s=4.0)
    middle = Batch(latencies=[0.2] * 10, errors=1, wall_s=2.0, empty_replies=1)
    assert fast.summary()["throughput"] == 10 and fast.summary()["p95_ms"] == pytest.approx(100)
    merged = summarize_repetitions([fast, slow, middle])
    assert merged["throughput"] == 5  # median of 10, 2.5, 5
    assert merged["p50_ms"] == pytest.approx(200)
    assert merged["errors"] == 3 and merged["empty_replies"] == 1 and merged["messages"] == 30
    assert len(merged["repetitions"]) == 3


def test_targets_are_checked_on_the_ratio_except_growth():
    assert check_target("throughput_c10", 30, 12) is True       # 2.5x >= 2
    assert check_target("throughput_c50", 20, 12) is False      # 1.67x
    assert check_target("p95_c10", 100, 250) is True            # 0.4x <= 0.5
    assert check_target("rasa_rss_mb", 900, 1100) is False      # 0.82x > 0.8
    assert check_target("growth", 1.2, 5.0) is True             # Unknot's own turn-100 / turn-5
    assert check_target("growth", 1.4, 1.0) is False
    assert check_target("p50_c10", 1, 2) is None                # no target
    assert check_target("cold_start_s", math.nan, 100) is None  # not measured


def _result(throughput, p95, cold, rss, early, late):
    load = {str(level): {"throughput": float(throughput), "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.2,
                         "errors": 0} for level in (1, 10, 50)}
    return {"cold_start_s": float(cold), "rasa_rss_mb": float(rss), "actions_rss_mb": 60, "load": load,
            "growth": {"early_ms": early, "late_ms": late}, "training": {"seconds": 100}}


def test_table_has_both_bots_ratio_target_and_verdict():
    unknot = report.flat_figures(_result(30, 100, 40, 700, 50, 55))
    starter = report.flat_figures(_result(12, 400, 120, 1100, 80, 200))
    rows = compare(unknot, starter)
    by_name = {r["figure"]: r for r in rows}
    assert by_name["throughput_c10"]["ratio"] == pytest.approx(2.5) and by_name["throughput_c10"]["met"] is True
    assert by_name["growth"]["unknot"] == pytest.approx(1.1) and by_name["growth"]["met"] is True
    assert by_name["train_s"]["met"] is None
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].startswith("| figure") and "Unknot / starter" in lines[0]
    assert set(lines[1]) <= set("|-:")
    assert len({len(line) for line in lines}) == 1  # columns line up
    row = next(line for line in lines if "throughput @10 conv (msg/s)" in line)
    assert "30.0" in row and "12.0" in row and "2.50x" in row and "yes" in row
    assert "NO" not in next(line for line in lines if "cold start" in line)
    assert "turn 100 / turn 5" in table


def test_report_is_json_without_nans():
    report = bench.build_report({"unknot": _result(30, 100, 40, 700, 50, 55)}, bench.Plan.quick(), {})
    text = json.dumps(bench._json_safe(report), allow_nan=False)
    assert json.loads(text)["figures"]["starter"]["cold_start_s"] is None


def test_messages_come_from_the_test_sets_without_entity_markup(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - try [box breathing](exercise)\n'
                   '- lookup: exercise\n  examples: |\n    - not a message\n')
    assert conversations.nlu_examples(nlu) == ["hi", "try box breathing"]
    stories = tmp_path / "stories.yml"
    stories.write_text('stories:\n- story: s\n  steps:\n  - user: |\n      hello there\n    intent: greet\n'
                       '  - action: utter_greet\n  - user: /affirm\n')
    assert conversations.story_messages(stories) == ["hello there"]
    heldout = conversations.nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml")
    assert len(heldout) > 300 and not any("](" in m for m in heldout)


def test_conversations_are_repeatable():
    pool = [f"m{i}" for i in range(50)]
    assert conversations.conversation(pool, 10, "a") == conversations.conversation(pool, 10, "a")
    assert conversations.conversation(pool, 10, "a") != conversations.conversation(pool, 10, "b")


def test_client_counts_errors_and_times_answers():
    """The load client against a tiny aiohttp server: one sender always fails."""
    from aiohttp import web

    from tests.fakes.local_http import serving

    async def scenario():
        async def webhook(request):
            body = await request.json()
            if body["sender"] == "broken":
                return web.Response(status=500, text="boom")
            return web.json_response([{"recipient_id": body["sender"], "text": "echo " + body["message"]}])

        async with serving({"/webhooks/rest/webhook": webhook}) as port:
            return await load.run_conversations(f"http://127.0.0.1:{port}",
                                                 [("a", ["1", "2"]), ("b", ["3"]), ("broken", ["4", "5"])])

    batch = asyncio.run(scenario())
    assert len(batch.latencies) == 3 and batch.errors == 2 and batch.wall_s > 0
    assert all(latency > 0 for latency in batch.latencies)


def test_rss_of_this_process_is_positive():
    import os
    assert processes.rss_mb(os.getpid()) > 1


def test_the_starter_runs_untuned():
    import os
    os.environ["MALLOC_ARENA_MAX"] = "2"
    try:
        env = processes.stock_env()
    finally:
        del os.environ["MALLOC_ARENA_MAX"]
    assert "MALLOC_ARENA_MAX" not in env and env["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_long_conversation_sends_the_same_message_at_both_measured_turns():
    pool = [f"message {i}" for i in range(50)]
    messages = conversations.long_messages(pool, 100, 5, "long-0")
    assert len(messages) == 100 and messages[99] == messages[4]
    assert messages[:99] == conversations.conversation(pool, 100, "long-0")[:99]
    assert conversations.long_messages(pool, 100, 5, "long-1") != messages
