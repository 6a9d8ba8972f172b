"""The widget's socket.io channel (bot/channels/socketio.py) on the running Rasa
server, with a real socket.io client: conversations are bound to the token the
server issued, never to an id a client claims."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import pytest
import socketio

pytestmark = pytest.mark.slow

REPLY_SECONDS = 90


class Client:
    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.bot: List[Dict[str, Any]] = []
        self.confirm: "asyncio.Future[Dict[str, Any]]" = asyncio.get_event_loop().create_future()
        self.sio.on("bot_uttered", self.bot.append)
        self.sio.on("session_confirm", lambda data: self.confirm.done() or self.confirm.set_result(data))

    async def connect(self, request: Any = None) -> Dict[str, Any]:
        await self.sio.connect(self.url, headers={"Origin": self.origin}, transports=["polling"],  # aiohttp pinned by Rasa is too old for its websocket client
                               socketio_path="/socket.io")
        if request is not None:
            await self.sio.emit("session_request", request)
            return await asyncio.wait_for(self.confirm, 30)
        return {}

    async def say(self, text: str, **extra: Any) -> Dict[str, Any]:
        payload = {"message": text, "client_id": uuid.uuid4().hex, **extra}
        return await self.sio.call("user_uttered", payload, timeout=30)

    async def wait_for_reply(self, count: int = 1) -> None:
        for _ in range(REPLY_SECONDS * 10):
            if len(self.bot) >= count:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"no reply within {REPLY_SECONDS}s")

    async def close(self) -> None:
        # abort: do not wait ~25 s for the pending long-poll request to come back
        await self.sio.eio.disconnect(abort=True)

    async def history(self) -> List[Dict[str, Any]]:
        answer = await self.sio.call("history_request", {}, timeout=30)
        assert answer["ok"]
        return answer["messages"]


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


@pytest.fixture
def url_and_origin(stack):
    return stack.settings.rasa_url, stack.settings.allowed_origins[0]


def test_only_the_token_resumes_a_conversation_and_claimed_ids_get_nothing(url_and_origin):
    async def scenario():
        owner = Client(*url_and_origin)
        confirm = await owner.connect({})
        victim_id, token = confirm["session_id"], confirm["token"]
        assert not confirm["resumed"] and victim_id.startswith("w-")
        assert (await owner.say("can stress cause back pain?"))["ok"]
        await owner.wait_for_reply()

        intruder = Client(*url_and_origin)
        claimed = await intruder.connect({"session_id": victim_id, "token": "not-a-valid-token"})
        assert claimed["session_id"] != victim_id and not claimed["resumed"]
        assert await intruder.history() == []
        # a message naming the victim's id goes to the intruder's own conversation
        seen_by_owner = len(owner.bot)
        assert (await intruder.say("i am someone else", session_id=victim_id))["ok"]
        await intruder.wait_for_reply()
        await asyncio.sleep(2)
        assert len(owner.bot) == seen_by_owner

        resumed = Client(*url_and_origin)
        again = await resumed.connect({"token": token})
        assert again["session_id"] == victim_id and again["resumed"]
        texts = [m["text"] for m in await resumed.history()]
        assert "can stress cause back pain?" in texts and "i am someone else" not in texts
        for client in (owner, intruder, resumed):
            await client.close()

    run(scenario())


def test_messages_need_a_session_and_a_resend_is_processed_once(url_and_origin):
    async def scenario():
        client = Client(*url_and_origin)
        await client.connect()
        assert await client.sio.call("user_uttered", {"message": "hi", "session_id": "w-" + "0" * 32},
                                     timeout=30) == {"ok": False, "error": "no_session"}
        await client.sio.emit("session_request", {})
        await asyncio.wait_for(client.confirm, 30)
        payload = {"message": "zebra lamp tuesday", "client_id": "resend-test-0001"}
        assert (await client.sio.call("user_uttered", payload, timeout=30))["ok"]
        assert (await client.sio.call("user_uttered", payload, timeout=30))["ok"]
        await client.wait_for_reply()
        await asyncio.sleep(3)
        texts = [m["text"] for m in await client.history() if m["from"] == "user"]
        assert texts.count("zebra lamp tuesday") == 1
        assert (await client.sio.call("user_uttered", {"message": ""}, timeout=30))["error"] == "invalid_message"
        await client.close()

    run(scenario())


def test_browsers_on_other_origins_cannot_connect(url_and_origin):
    url, _ = url_and_origin

    async def scenario():
        stranger = Client(url, "http://evil.example")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await stranger.connect()

    run(scenario())


def test_a_risk_message_gets_crisis_lines_in_the_very_first_reply(url_and_origin):
    from bot.safety.resources import shows_crisis_lines

    async def scenario():
        person = Client(*url_and_origin)
        await person.connect({})
        try:
            assert (await person.say("i don't see a way forward anymore", metadata={"locale": "en-GB"}))["ok"]
            await person.wait_for_reply()
            return list(person.bot)
        finally:
            await person.close()

    replies = run(scenario())
    assert shows_crisis_lines(replies[0]), replies[0]
