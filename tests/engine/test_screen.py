"""The emergency screen (knowledge/screen.yml, legcare/screen.py): when unsure, the emergency questions first."""
import pytest

from legcare.screen import NO, UNCLEAR, UNSURE, YES, answer_kind, answer_screen


@pytest.mark.parametrize("reply, kind", [
    ("yes", YES), ("Yeah, the face one", YES), ("y", YES), ("sí", YES), ("no to most, yes to the speech", YES),
    ("no", NO), ("nope, none of those", NO), ("No to all", NO),
    ("not sure", UNSURE), ("I don't know", UNSURE), ("maybe", UNSURE),
    ("my legs hurt", UNCLEAR), ("", UNCLEAR),
])
def test_answer_kind(kb, reply, kind):
    assert answer_kind(kb.screen, reply) == kind


def test_weakness_of_unknown_speed_is_screened_not_escalated(engine):
    out = engine.assess("my legs have gone weak")
    assert out["triage"]["level"] != "emergency"
    assert out["screen"]["needed"] and "weakness_unknown_onset" in out["screen"]["rules"]
    assert len(out["screen"]["questions"]) == 9
    # BE-FAST's B and E are asked too: a stroke that shows only in the eyes or the balance is not missed
    assert any("double vision" in q["ask"] and "balance" in q["ask"] for q in out["screen"]["questions"])


@pytest.mark.parametrize("text", [
    "my back aches and I keep dribbling wee",                  # bladder words with the back
    "legs weak and it is hard to get a breath",                 # breathing words
])
def test_red_flag_families_are_screened_or_escalated(engine, text):
    out = engine.assess(text)
    assert out["triage"]["level"] == "emergency" or out["screen"]["needed"]


def test_an_emergency_is_never_screened(engine):
    out = engine.assess("my face is drooping")
    assert out["triage"]["level"] == "emergency" and not out["screen"]["needed"]


def test_long_standing_gradual_weakness_is_not_screened(engine):
    assert not engine.assess("my legs have slowly got weaker over two years")["screen"]["needed"]


def test_any_yes_escalates_and_no_does_not(engine):
    first = "my legs have gone weak"
    assert answer_screen(engine, first, "yes")["level"] == "emergency"
    assert answer_screen(engine, first, "not sure")["level"] == "emergency"
    assert answer_screen(engine, first, "no, none of those")["level"] != "emergency"


def test_a_reply_that_completes_a_red_flag_escalates_without_a_yes(engine):
    assert answer_screen(engine, "my right leg is weak", "it came on all at once")["level"] == "emergency"


def test_an_unclear_reply_asks_again(engine):
    out = answer_screen(engine, "my legs have gone weak", "they just feel tired")
    assert out["ask_again"] and out["level"] != "emergency"


def test_detector_flag_alone_calls_for_the_screen(kb):
    from legcare.reading.findings import Findings
    from legcare.screen import decide

    decision = decide(kb, Findings(about_body=True), "routine", possible_flags=["progression"])
    assert decision.needed and "detector:progression" in decision.rules
    # not for small talk or general questions
    assert not decide(kb, Findings(), "routine", possible_flags=["progression"]).needed
    assert not decide(kb, Findings(about_body=True, general_question=True), "routine", ["progression"]).needed
