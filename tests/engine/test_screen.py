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


class _SureDetector:
    """A detector whose opinion the test sets: the agreement policy is what is under test here."""

    def __init__(self, probability):
        self.probability = probability

    def detect(self, text):
        from legcare.reading.detector import Detection

        return Detection(self.probability, {"one_sided": self.probability}, self.probability >= 0.3)


def _with(kb, probability):
    from legcare.engine import Engine

    return Engine(kb, detector=_SureDetector(probability))


STORY = "my left leg has gone weak, I noticed it when I tried to get out of the car"  # onset unknown


def test_a_screen_doubt_and_a_sure_detector_escalate_at_once(kb):
    at_least = kb.screen.agreement_at_least
    out = _with(kb, at_least).assess(STORY)  # weakness, speed of onset unknown, told as a story
    assert out["triage"]["level"] == "emergency"
    assert out["triage"]["reasons"][0] == kb.screen.agreement_reason
    assert "readings_agree" in [f["id"] for f in out["red_flags"]]
    assert not out["screen"]["needed"]  # the emergency advice, not a question first


def test_a_less_sure_detector_only_asks_the_screen(kb):
    out = _with(kb, kb.screen.agreement_at_least - 0.01).assess(STORY)
    assert out["triage"]["level"] != "emergency"
    assert out["screen"]["needed"] and "weakness_unknown_onset" in out["screen"]["rules"]


def test_a_sure_detector_alone_never_escalates(kb):
    # no screen rule holds (soreness after a first run): the detector's opinion only asks the screen
    out = _with(kb, 0.99).assess("my calves are sore after my first run yesterday")
    assert out["triage"]["level"] != "emergency"
    assert out["screen"]["needed"] and out["screen"]["rules"] == ["detector:one_sided"]


def test_a_general_question_is_answered_not_escalated(kb):
    from legcare.reading.findings import Findings
    from legcare.screen import ScreenDecision, readings_agree

    doubt = ScreenDecision(True, ["unknown onset"], ["weakness_unknown_onset"])
    asked = Findings(symptoms=["leg_weakness"], about_body=True, general_question=True)
    told = Findings(symptoms=["leg_weakness"], about_body=True)
    assert not readings_agree(kb, asked, doubt, 0.99, words=20)
    assert readings_agree(kb, told, doubt, 0.99, words=20)
    assert not _with(kb, 0.99).assess("what causes weak legs?")["triage"]["level"] == "emergency"


def test_the_agreement_can_be_turned_off(kb):
    from dataclasses import replace

    off = replace(kb, screen=replace(kb.screen, agreement_at_least=None))
    out = _with(off, 0.99).assess(STORY)
    assert out["triage"]["level"] != "emergency" and out["screen"]["needed"]


def test_a_bare_complaint_gets_the_questions_however_sure_the_detector(kb):
    out = _with(kb, 0.99).assess("my left leg feels weak")
    assert out["triage"]["level"] != "emergency" and "weakness_unknown_onset" in out["screen"]["rules"]


def test_once_the_screen_is_answered_no_the_answer_decides(kb):
    from legcare.screen import answer_screen

    engine = _with(kb, 0.99)
    assert answer_screen(engine, "my left leg feels weak", "no to all of those")["level"] != "emergency"
    # and a yes escalates as the person's answer, not as the detector's agreement
    out = answer_screen(engine, "my left leg feels weak", "yes")
    assert out["level"] == "emergency" and "readings_agree" not in [f["id"] for f in out["red_flags"]]
