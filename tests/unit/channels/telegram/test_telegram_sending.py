"""The sending side against the fake Bot API over real HTTP: retries, 429s, pacing."""
import asyncio

import pytest

from bot.channels.telegram.api import BotApi, TelegramApiError
from bot.channels.telegram.sender import TelegramBot
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, parse_html


@pytest.fixture
def fake():
    with FakeTelegramApi() as api:
        yield api


def run(coro):
    return asyncio.run(coro)


def test_a_call_returns_the_result_and_a_wrong_token_is_an_error(fake):
    async def go():
        api = BotApi(TOKEN, fake.base_url)
        me = await api.call("getMe")
        bad = BotApi("1:wrong", fake.base_url)
        with pytest.raises(TelegramApiError) as error:
            await bad.call("getMe")
        await api.close()
        await bad.close()
        return me, error.value

    me, error = run(go())
    assert me["username"] == "unknot_test_bot"
    assert error.status == 401 and "1:wrong" not in str(error)


def test_429_is_waited_out_and_retried_never_dropped(fake):
    fake.rate_limit_next(2, retry_after=1)

    async def go():
        api = BotApi(TOKEN, fake.base_url)
        try:
            return await api.call_reliably("sendMessage", chat_id=5, text="hello")
        finally:
            await api.close()

    result = run(go())
    assert result["text"] == "hello"
    calls = fake.recorded("sendMessage", chat_id=5)
    assert [c.status for c in calls] == [429, 429, 200]
    assert calls[1].at - calls[0].at >= 0.95 and calls[2].at - calls[1].at >= 0.95


def test_network_errors_are_retried_then_given_up(fake):
    async def go():
        api = BotApi(TOKEN, "http://127.0.0.1:9")  # nothing listens on the discard port
        try:
            with pytest.raises(TelegramApiError) as error:
                await api.call_reliably("getMe", max_failures=2)
            return error.value
        finally:
            await api.close()

    assert run(go()).status == 0


def test_replies_to_one_chat_are_paced_in_order_and_other_chats_are_not_held_up(fake):
    async def go():
        bot = TelegramBot(BotApi(TOKEN, fake.base_url), min_interval=0.5)
        for i in range(3):
            bot.enqueue_text(1, f"bubble {i}")
        bot.enqueue_text(2, "other chat")
        await bot.close(timeout=10)

    run(go())
    ones = fake.sent(1)
    assert [parse_html(c.params["text"]) for c in ones] == ["bubble 0", "bubble 1", "bubble 2"]
    assert all(b.at - a.at >= 0.45 for a, b in zip(ones, ones[1:]))
    assert fake.sent(2)[0].at - ones[0].at < 0.4


def test_a_429_in_the_middle_keeps_the_order(fake):
    async def go():
        bot = TelegramBot(BotApi(TOKEN, fake.base_url), min_interval=0.1)
        bot.enqueue_text(3, "first")
        await asyncio.sleep(0.3)
        fake.rate_limit_next(1, retry_after=1)
        bot.enqueue_text(3, "second")
        bot.enqueue_text(3, "third")
        await bot.close(timeout=10)

    run(go())
    assert [parse_html(c.params["text"]) for c in fake.sent(3)] == ["first", "second", "third"]
    assert [c.status for c in fake.recorded("sendMessage", chat_id=3)] == [200, 429, 200, 200]


def test_html_telegram_refuses_is_resent_as_plain_text(fake):
    async def go():
        bot = TelegramBot(BotApi(TOKEN, fake.base_url), min_interval=0)
        bot.enqueue_send(4, {"text": "<blink>call 988</blink>", "parse_mode": "HTML"})
        await bot.close(timeout=10)

    run(go())
    calls = fake.recorded("sendMessage", chat_id=4)
    assert [c.status for c in calls] == [400, 200]
    assert calls[1].params["text"] == "call 988" and "parse_mode" not in calls[1].params
