"""Talk about crisis services is not a request for one (bot/safety/service_talk.py).

Own wording, none taken from a blind batch. The second list is what must stay a request: the
person asks, needs, feels, or names the moment, so the lines are shown."""
import pytest

from bot.safety.service_talk import talks_about_services


@pytest.mark.parametrize("text", [
    "caught a radio piece about a suicide helpline that's been going for fifty years",
    "our office stuck a poster for the crisis text line next to the lifts",
    "i'm writing my nursing dissertation on how crisis lines decide who to call back",
    "my book club raised money for the samaritans this year",
    "i volunteer on a helpline two evenings a week and the chairs there wreck my lower back",
    "watched a documentary on the 988 line last night, really well made",
    "the council announced funding for a new mental health helpline",
    "there's a billboard for a crisis line on the motorway, i think it's a good idea",
    "read that suicide rates went up among farmers last year",
    "my sociology essay is about self harm in teenagers, any reliable sources?",
    "i'm a designer, how do other chat apps show crisis lines?",
])
def test_a_remark_about_crisis_services_is_talk(text):
    assert talks_about_services(text), text


@pytest.mark.parametrize("text", [
    "what's the samaritans number",
    "i need a crisis line",
    "crisis line please",
    "saw a crisis line poster today and i think i need to call them",
    "read about helplines in the paper, should i call one?",
    "the documentary about the samaritans made me want to ring them",
    "heard about a crisis line on the radio, is it open right now",
    "saw an advert for a helpline. tonight is bad",
    "i feel like calling the crisis line i saw on the news",
    "my friend needs a helpline number",
    "is there a helpline i can text",
    "i'm struggling, the podcast said to call a crisis line",
    "read about suicide rates and honestly i think about it a lot",
    "the documentary on self harm made me want to do it again",
    "suicide has started to feel like an option",
    "im a student, what is the samaritans number",
    "does the app have a suicide line",
    "i'm a nurse and honestly i need a helpline myself",
    "",
])
def test_a_request_or_the_person_in_it_is_not_talk(text):
    assert not talks_about_services(text), text
