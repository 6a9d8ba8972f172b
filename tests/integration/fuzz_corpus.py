"""Hostile and unlucky inputs for the fuzz suite (tests/integration/test_fuzz_channels.py).

Generated from a small seed corpus with a fixed seed and fixed counts, so every run sends the
same cases and a failure names a case that can be replayed. Plain data, no network: the test
sends the cases to the running stack on loopback.

A case says what a user (or an attacker) relies on afterwards: `risk` marks a case whose text
still carries its risk sentence intact after any honest cleaning (a lone surrogate or a NUL
beside the words, invisible characters between words, a long message with the risk sentence
inside), so if the channel accepts it, the reply must show the crisis lines.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

SEED = 20261203
REST_CASES = 260
SOCKETIO_CASES = 150
TELEGRAM_CASES = 150

ORDINARY = [
    "can stress cause back pain?",
    "my lower back aches after a long day at work",
    "hi",
    "thanks, that helped",
    "what exercises can i do for a stiff neck",
    "i'm anxious about my scan results",
]
RISK = [
    "i want to end my life",
    "i keep thinking about killing myself",
    "i'm going to kill myself tonight",
    "i don't want to be alive anymore",
]
PAYLOADS = ["/greet", "/affirm", "/deny", "/nonexistent_intent", '/greet{"name": "x"}', "/greet@1.0 hello"]


@dataclass
class Case:
    channel: str  # rest | socketio | telegram
    name: str
    risk: bool = False  # accepted => the reply must show the crisis lines
    # REST and Telegram: the raw HTTP body and headers. socket.io: the event and its data.
    body: bytes = b""
    content_type: Optional[str] = "application/json"
    event: str = ""
    data: Any = None
    has_data: bool = True
    sender: Any = None  # the REST sender / Telegram chat id the case writes to, when it is a valid one
    extra: Dict[str, Any] = field(default_factory=dict)


def _json(obj: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as "\ud800" escapes: the server decodes them back into
    # unpaired surrogates, exactly as a hostile client's JSON would arrive.
    return json.dumps(obj, ensure_ascii=True).encode("ascii")


# ------------------------------------------------------------------ text mutators
# Each returns (text, keeps_the_words): whether a risk sentence survives it intact.
TextMutator = Callable[[str, random.Random], Tuple[str, bool]]


def _pad(text: str, rng: random.Random, total: int) -> str:
    filler = ("my back has been sore and i've been stretching in the mornings. " * (total // 60 + 2))
    half = max(0, (total - len(text)) // 2)
    return filler[:half] + " " + text + ". " + filler[:half]


TEXT_MUTATORS: Dict[str, TextMutator] = {
    "plain": lambda t, r: (t, True),
    "upper": lambda t, r: (t.upper(), True),
    "surrogate_end": lambda t, r: (t + " \ud800", True),
    "surrogate_start": lambda t, r: ("\udfff " + t, True),
    "surrogate_pair_reversed": lambda t, r: (t + " \udc00\ud800", True),
    "nul_end": lambda t, r: (t + "\x00", True),
    "nul_inside_word": lambda t, r: (t.replace(" ", " \x00", 1), True),
    "control_chars": lambda t, r: ("\x07\x1b[31m" + t + "\x0b\x0c\x7f", True),
    "zero_width": lambda t, r: (t.replace(" ", " \u200b"), True),
    "bidi_override": lambda t, r: ("\u202e" + t + "\u202c", True),
    "emoji_flood": lambda t, r: (t + " " + "😭" * 300, True),
    "combining_flood": lambda t, r: (t + " a" + "\u0301" * 500, True),
    "newlines": lambda t, r: ("\n" * 200 + t + "\r\n" * 200, True),
    "html": lambda t, r: (f"<script>alert(1)</script><b>{t}</b><img src=x onerror=alert(2)>", True),
    "format_strings": lambda t, r: (t + " %s%n%x {0} {__class__} ${jndi:ldap://127.0.0.1/a}", True),
    "sql": lambda t, r: (t + "'; DROP TABLE events; --", True),
    "markdown": lambda t, r: (f"**{t}** [link](javascript:alert(1)) `code` > quote", True),
    "long_2500": lambda t, r: (_pad(t, r, 2500), True),
    "long_6000": lambda t, r: (_pad(t, r, 6000), True),
    "long_word_20000": lambda t, r: (t + " " + "a" * 20000, True),
    "whitespace_only": lambda t, r: (" \t\n " * 5, False),
    "empty": lambda t, r: ("", False),
    "typed_payload_prefix": lambda t, r: ("/greet@1.0 " + t, True),
    "typed_affirm_prefix": lambda t, r: ("/affirm " + t, True),
    "private_use": lambda t, r: (t + " \ue000\U000f0000", True),
    "noncharacters": lambda t, r: (t + " \ufffe\uffff", True),
}


def _texts(rng: random.Random, count: int) -> List[Tuple[str, str, bool]]:
    """(name, text, risk) triples: every mutator over ordinary and risk seeds, then payloads."""
    out: List[Tuple[str, str, bool]] = []
    names = sorted(TEXT_MUTATORS)
    while len(out) < count:
        for name in names:
            seed_is_risk = rng.random() < 0.5
            seed = rng.choice(RISK if seed_is_risk else ORDINARY)
            text, keeps = TEXT_MUTATORS[name](seed, rng)
            out.append((f"text:{name}:{'risk' if seed_is_risk else 'ordinary'}", text, seed_is_risk and keeps))
        for payload in PAYLOADS:
            out.append((f"payload:{payload[:12]}", payload, False))
    return out[:count]


# ------------------------------------------------------------------ REST
def _rest_envelopes(rng: random.Random) -> List[Case]:
    """What is wrong with the request itself (the text is ordinary)."""
    ok = "my back hurts"
    s = lambda: f"fuzz-{rng.getrandbits(48):012x}"  # noqa: E731
    cases = [
        Case("rest", "sender:lone_surrogate", body=_json({"sender": "\ud800", "message": ok})),
        Case("rest", "sender:lone_surrogate_inside", body=_json({"sender": f"ab\udc00{s()}", "message": ok})),
        Case("rest", "sender:nul", body=_json({"sender": f"{s()}\x00", "message": ok})),
        Case("rest", "sender:control", body=_json({"sender": f"\x1b[2J{s()}", "message": ok})),
        Case("rest", "sender:empty", body=_json({"sender": "", "message": ok})),
        Case("rest", "sender:whitespace", body=_json({"sender": "   ", "message": ok})),
        Case("rest", "sender:300_chars", body=_json({"sender": "x" * 300, "message": ok})),
        Case("rest", "sender:10000_chars", body=_json({"sender": "y" * 10000, "message": ok})),
        Case("rest", "sender:emoji", body=_json({"sender": f"😀{s()}", "message": ok})),
        Case("rest", "sender:int", body=_json({"sender": 12345, "message": ok})),
        Case("rest", "sender:huge_int", body=b'{"sender": 1' + b"0" * 400 + b', "message": "hi"}'),
        Case("rest", "sender:float_nan", body=b'{"sender": NaN, "message": "hi"}'),
        Case("rest", "sender:null", body=_json({"sender": None, "message": ok})),
        Case("rest", "sender:list", body=_json({"sender": ["a"], "message": ok})),
        Case("rest", "sender:missing", body=_json({"message": ok})),
        Case("rest", "sender:path_like", body=_json({"sender": "../../etc/passwd", "message": ok})),
        Case("rest", "message:int", body=_json({"sender": s(), "message": 7})),
        Case("rest", "message:huge_int", body=b'{"sender": "fz-hi", "message": 9' + b"9" * 5000 + b"}"),
        Case("rest", "message:float", body=_json({"sender": s(), "message": 1.5})),
        Case("rest", "message:null", body=_json({"sender": s(), "message": None})),
        Case("rest", "message:list", body=_json({"sender": s(), "message": ["hi"]})),
        Case("rest", "message:object", body=_json({"sender": s(), "message": {"text": "hi"}})),
        Case("rest", "message:bool", body=_json({"sender": s(), "message": True})),
        Case("rest", "message:missing", body=_json({"sender": s()})),
        Case("rest", "metadata:string", body=_json({"sender": s(), "message": ok, "metadata": "x"})),
        Case("rest", "metadata:list", body=_json({"sender": s(), "message": ok, "metadata": [1, 2]})),
        Case("rest", "metadata:200kb", body=_json({"sender": s(), "message": ok, "metadata": {"blob": "m" * 200_000}})),
        Case("rest", "metadata:many_keys", body=_json({"sender": s(), "message": ok,
                                                        "metadata": {f"k{i}": i for i in range(5000)}})),
        Case("rest", "metadata:deep", body=b'{"sender": "fz-deep", "message": "hi", "metadata": '
             + b'{"a":' * 2000 + b"1" + b"}" * 2000 + b"}"),
        Case("rest", "metadata:surrogate_key", body=_json({"sender": s(), "message": ok, "metadata": {"\ud800": "\udfff"}})),
        Case("rest", "metadata:input_channel", body=_json({"sender": s(), "message": ok, "input_channel": "telegram"})),
        Case("rest", "extra_fields", body=_json({"sender": s(), "message": ok, "x" * 100: "y" * 1000, "__proto__": {}})),
        Case("rest", "body:array", body=_json([{"sender": s(), "message": ok}])),
        Case("rest", "body:string", body=_json("hello")),
        Case("rest", "body:number", body=b"42"),
        Case("rest", "body:null", body=b"null"),
        Case("rest", "body:empty", body=b""),
        Case("rest", "body:truncated_json", body=b'{"sender": "fz-trunc", "message": "hi'),
        Case("rest", "body:trailing_garbage", body=b'{"sender": "fz-tg", "message": "hi"} garbage'),
        Case("rest", "body:invalid_utf8", body=b'{"sender": "fz-utf", "message": "\xff\xfe\xfa my back"}'),
        Case("rest", "body:utf16", body=json.dumps({"sender": "fz-u16", "message": "hi"}).encode("utf-16")),
        Case("rest", "body:bom", body=b"\xef\xbb\xbf" + _json({"sender": s(), "message": ok})),
        Case("rest", "body:duplicate_keys", body=b'{"sender": "fz-dup", "sender": "fz-dup2", "message": "hi"}'),
        Case("rest", "body:nul_bytes", body=b'{"sender": "fz-nul", "message": "hi"}\x00\x00'),
        Case("rest", "content_type:text_plain", content_type="text/plain", body=_json({"sender": s(), "message": ok})),
        Case("rest", "content_type:form", content_type="application/x-www-form-urlencoded",
             body=b"sender=fz-form&message=hi"),
        Case("rest", "content_type:missing", content_type=None, body=_json({"sender": s(), "message": ok})),
        Case("rest", "content_type:multipart", content_type="multipart/form-data; boundary=x",
             body=b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--\r\n"),
        Case("rest", "content_type:json_charset_latin1", content_type="application/json; charset=latin-1",
             body=_json({"sender": s(), "message": ok})),
    ]
    return cases


def rest_cases(rng: random.Random) -> List[Case]:
    cases = _rest_envelopes(rng)
    for name, text, risk in _texts(rng, REST_CASES - len(cases)):
        sender = f"fuzz-{rng.getrandbits(48):012x}"
        cases.append(Case("rest", name, risk=risk, sender=sender, body=_json({"sender": sender, "message": text})))
    return cases


# ------------------------------------------------------------------ socket.io
def socketio_cases(rng: random.Random) -> List[Case]:
    cid = lambda: f"{rng.getrandbits(64):016x}"  # noqa: E731
    cases = [
        Case("socketio", "user_uttered:no_data", event="user_uttered", has_data=False),
        Case("socketio", "user_uttered:null", event="user_uttered", data=None),
        Case("socketio", "user_uttered:string", event="user_uttered", data="hi"),
        Case("socketio", "user_uttered:list", event="user_uttered", data=["hi"]),
        Case("socketio", "user_uttered:int", event="user_uttered", data=5),
        Case("socketio", "user_uttered:message_int", event="user_uttered", data={"message": 5, "client_id": cid()}),
        Case("socketio", "user_uttered:message_obj", event="user_uttered", data={"message": {"a": 1}}),
        Case("socketio", "user_uttered:metadata_junk", event="user_uttered",
             data={"message": "hi", "metadata": {"locale": "\ud800", "x" * 50: "y" * 10000}, "client_id": cid()}),
        Case("socketio", "user_uttered:metadata_list", event="user_uttered",
             data={"message": "hi", "metadata": [1, 2, 3], "client_id": cid()}),
        Case("socketio", "user_uttered:client_id_junk", event="user_uttered",
             data={"message": "hi", "client_id": "\ud800" * 10}),
        Case("socketio", "user_uttered:client_id_huge", event="user_uttered",
             data={"message": "hi", "client_id": "c" * 100_000}),
        Case("socketio", "user_uttered:claims_session", event="user_uttered",
             data={"message": "hi", "session_id": "w-" + "0" * 32, "client_id": cid()}),
        Case("socketio", "session_request:no_data", event="session_request", has_data=False),
        Case("socketio", "session_request:string", event="session_request", data="token"),
        Case("socketio", "session_request:huge_token", event="session_request", data={"token": "t" * 100_000}),
        Case("socketio", "session_request:surrogate_token", event="session_request", data={"token": "\ud800"}),
        # engine.io refuses to decode integers over 100 digits (python-engineio's json._safe_int):
        # the packet is dropped unanswered, and the socket must stay usable (the next cases use it)
        Case("socketio", "session_request:int_token", event="session_request", data={"token": 10**400},
             extra={"undecodable": True}),
        Case("socketio", "history_request:no_data", event="history_request", has_data=False),
        Case("socketio", "history_request:string", event="history_request", data="all"),
        Case("socketio", "history_request:limit", event="history_request", data={"limit": 10**30}),
        Case("socketio", "unknown_event", event="no_such_event", data={"x": 1}),
        Case("socketio", "unknown_event_no_data", event="no_such_event", has_data=False),
    ]
    for name, text, risk in _texts(rng, SOCKETIO_CASES - len(cases)):
        cases.append(Case("socketio", name, risk=risk, event="user_uttered", data={"message": text, "client_id": cid()}))
    return cases


# ------------------------------------------------------------------ Telegram
def _tg_message(chat_id: Any, text: Any, rng: random.Random, **fields: Any) -> Dict[str, Any]:
    return {"message_id": rng.randint(1, 10**6), "date": 1764700000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Sam", "language_code": "en"},
            "text": text, **fields}


def telegram_cases(rng: random.Random) -> List[Case]:
    uid = lambda: rng.randint(10**9, 2 * 10**9)  # noqa: E731
    chat = lambda: rng.randint(10**8, 10**10)  # noqa: E731
    raw = lambda update_id_literal, rest: (b'{"update_id": ' + update_id_literal + b", " + rest + b"}")  # noqa: E731
    msg = json.dumps(_tg_message(123456789, "hi", rng)).encode()
    cases = [
        Case("telegram", "update_id:huge", body=raw(b"1" + b"0" * 40, b'"message": ' + msg)),
        Case("telegram", "update_id:negative", body=_json({"update_id": -5, "message": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "update_id:string", body=_json({"update_id": "abc", "message": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "update_id:float", body=_json({"update_id": 1.5, "message": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "update_id:missing", body=_json({"message": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "update_id:4000_digits", body=raw(b"9" * 4000, b'"message": ' + msg)),
        Case("telegram", "chat_id:huge", body=_json({"update_id": uid(), "message": _tg_message(10**30, "hi", rng)})),
        Case("telegram", "chat_id:string", body=_json({"update_id": uid(), "message": _tg_message("me", "hi", rng)})),
        Case("telegram", "chat_id:null", body=_json({"update_id": uid(), "message": _tg_message(None, "hi", rng)})),
        Case("telegram", "message_id:huge", body=_json({"update_id": uid(), "message": {
            **_tg_message(chat(), "hi", rng), "message_id": 10**50}})),
        Case("telegram", "from:missing", body=_json({"update_id": uid(), "message": {
            k: v for k, v in _tg_message(chat(), "hi", rng).items() if k != "from"}})),
        Case("telegram", "chat:missing", body=_json({"update_id": uid(), "message": {
            k: v for k, v in _tg_message(chat(), "hi", rng).items() if k != "chat"}})),
        Case("telegram", "text:int", body=_json({"update_id": uid(), "message": _tg_message(chat(), 5, rng)})),
        Case("telegram", "text:list", body=_json({"update_id": uid(), "message": _tg_message(chat(), ["hi"], rng)})),
        Case("telegram", "text:null", body=_json({"update_id": uid(), "message": _tg_message(chat(), None, rng)})),
        Case("telegram", "entities:junk", body=_json({"update_id": uid(), "message": _tg_message(
            chat(), "/start", rng, entities=[{"type": "bot_command", "offset": -5, "length": 10**9}])})),
        Case("telegram", "message:string", body=_json({"update_id": uid(), "message": "hi"})),
        Case("telegram", "message:list", body=_json({"update_id": uid(), "message": [1]})),
        Case("telegram", "edited_message", body=_json({"update_id": uid(), "edited_message": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "channel_post", body=_json({"update_id": uid(), "channel_post": _tg_message(chat(), "hi", rng)})),
        Case("telegram", "unknown_update_type", body=_json({"update_id": uid(), "poll_answer": {"x": 1}})),
        Case("telegram", "callback:data_huge", body=_json({"update_id": uid(), "callback_query": {
            "id": "q1", "from": {"id": 1, "is_bot": False, "first_name": "S"}, "chat_instance": "c",
            "data": "/" + "a" * 10000, "message": _tg_message(chat(), "x", rng)}})),
        Case("telegram", "callback:data_surrogate", body=_json({"update_id": uid(), "callback_query": {
            "id": "q2", "from": {"id": 1, "is_bot": False, "first_name": "S"}, "chat_instance": "c",
            "data": "/affirm\ud800", "message": _tg_message(chat(), "x", rng)}})),
        Case("telegram", "callback:no_message", body=_json({"update_id": uid(), "callback_query": {
            "id": "q3", "from": {"id": 1, "is_bot": False, "first_name": "S"}, "data": "/affirm"}})),
        Case("telegram", "callback:data_int", body=_json({"update_id": uid(), "callback_query": {
            "id": "q4", "from": {"id": 1}, "data": 5, "message": _tg_message(chat(), "x", rng)}})),
        Case("telegram", "body:array", body=_json([{"update_id": uid()}])),
        Case("telegram", "body:not_json", body=b"update_id=5"),
        Case("telegram", "body:empty", body=b""),
        Case("telegram", "body:invalid_utf8", body=b'{"update_id": 5, "message": {"text": "\xff\xfe"}}'),
        Case("telegram", "body:deep", body=b'{"update_id": 7, "message": ' + b'{"a":' * 2000 + b"1" + b"}" * 2001),
        Case("telegram", "body:300k_text", body=_json({"update_id": uid(), "message": _tg_message(chat(), "x" * 300_000, rng)})),
        Case("telegram", "content_type:text_plain", content_type="text/plain",
             body=_json({"update_id": uid(), "message": _tg_message(chat(), "hi", rng)})),
    ]
    for name, text, risk in _texts(rng, TELEGRAM_CASES - len(cases)):
        chat_id = chat()
        cases.append(Case("telegram", name, risk=risk, sender=chat_id,
                          body=_json({"update_id": uid(), "message": _tg_message(chat_id, text, rng)})))
    return cases


def all_cases() -> Dict[str, List[Case]]:
    rng = random.Random(SEED)
    return {"rest": rest_cases(rng), "socketio": socketio_cases(rng), "telegram": telegram_cases(rng)}
