"""Triage levels, red flags and ranking with reasons."""
import pytest
import yaml
from pathlib import Path

from legcare.triage import LEVEL_ORDER

CASES = yaml.safe_load((Path(__file__).parent / "red_flag_cases.yml").read_text())


def test_every_red_flag_has_a_case(kb):
    covered = {c["flag"] for c in CASES["fires"]}
    missing = [r.id for r in kb.red_flags if r.id not in covered]
    assert not missing, f"add a case to tests/engine/red_flag_cases.yml for: {missing}"


@pytest.mark.parametrize("case", CASES["fires"], ids=lambda c: c["flag"])
def test_red_flag_fires(engine, case):
    out = engine.assess(case["text"])
    assert case["flag"] in [f["id"] for f in out["red_flags"]], out
    level = next(r.level for r in engine.kb.red_flags if r.id == case["flag"])
    assert out["triage"]["level"] == level


@pytest.mark.parametrize("text", CASES["must_not_escalate"])
def test_must_not_escalate(engine, text):
    assert engine.assess(text)["triage"]["level"] != "emergency"


def test_red_flag_always_wins(engine):
    out = engine.assess("after leg day my legs are sore, and now my pee is dark brown")
    assert out["triage"]["level"] == "emergency"


def test_emergency_reasons_and_timeframe(engine, monkeypatch):
    monkeypatch.setenv("EMERGENCY_NUMBER", "000")
    out = engine.assess("my face droops on the left")
    assert out["triage"]["level"] == "emergency"
    assert "000" in out["triage"]["timeframe"]
    assert any("stroke" in r for r in out["triage"]["reasons"])


@pytest.mark.parametrize("text, level", [
    ("sore heavy legs after a long bike ride", "self_care"),
    ("weak legs for a month", "routine"),
    ("my legs are weak and I have a fever", "urgent"),
    ("hello there", "routine"),  # nothing found: the engine still gives a level (issue 11), and no screen
])
def test_levels(engine, text, level):
    assert engine.assess(text)["triage"]["level"] == level


def test_unsure_is_never_self_care(engine):
    # symptoms with no benign explanation default to the safer routine level
    assert engine.assess("my thighs feel odd and weak")["triage"]["level"] == "routine"


def test_causes_have_reasons_and_sources(engine, kb):
    out = engine.assess("smoker, diabetic, calves cramp when I walk and ease with rest")
    causes = out["causes"]
    assert causes[0]["id"] == "peripheral_artery_disease"
    assert causes == sorted(causes, key=lambda c: -c["score"])
    for c in causes:
        assert c["why"] and c["sources"]
        for s in c["sources"]:
            assert s.startswith("clinical:") or s in kb.seed_titles
    assert any("smoking" in w for w in causes[0]["why"])


def test_ranking_uses_onset_side_duration(engine):
    sudden = engine.assess("sudden weakness in my right arm and leg")["causes"][0]["id"]
    gradual = engine.assess("slowly weaker thighs for months, hard to climb stairs")["causes"][0]["id"]
    assert sudden in ("stroke", "transient_ischemic_attack")
    assert gradual not in ("stroke", "transient_ischemic_attack", "acute_limb_ischemia")


def test_output_never_words_a_diagnosis(engine):
    out = engine.assess("numb burning feet, diabetic")
    text = " ".join(" ".join(c["why"]) for c in out["causes"]).lower()
    assert "you have" not in text and "diagnos" not in text
    assert "not a diagnosis" in out["disclaimer"]


def test_levels_are_ordered():
    assert LEVEL_ORDER["emergency"] > LEVEL_ORDER["urgent"] > LEVEL_ORDER["routine"] > LEVEL_ORDER["self_care"]


def test_what_a_relative_had_is_their_own_history_when_the_story_is_theirs(engine):
    # the cancer belongs to the person whose legs are weak: the same-day check for cancer and weakness
    out = engine.assess("Dad had lung cancer treated last year. This week he says his legs feel weak on the stairs.")
    assert "cancer" in out["risk_factors"] and out["triage"]["level"] == "urgent"
    # in the writer's own story it stays family history
    mine = engine.assess("My mum had breast cancer years ago. My legs feel weak this week.")
    assert "cancer" not in mine["risk_factors"] and "family_history" in mine["risk_factors"]


def test_one_leg_weak_for_days_is_checked_today(engine):
    assert engine.assess("foot drop since last week, right side")["triage"]["level"] == "urgent"
    assert engine.assess("my right leg has been weak for a year")["triage"]["level"] == "routine"


def test_one_calf_bigger_than_the_other_is_one_sided(engine):
    f = engine.extract("my calf is double the size of the other one, been 2 days")
    assert f.side == "one"
    assert engine.assess("my calf is double the size of the other one, been 2 days")["triage"]["level"] == "urgent"


def test_long_standing_bladder_trouble_that_is_not_getting_worse_is_urgent_not_an_ambulance(engine):
    out = engine.assess("For about a year I've had to rush to the loo and sometimes leak, and my legs have got stiff")
    assert out["triage"]["level"] == "urgent"
    # new, or getting worse: the emergency
    assert engine.assess("since yesterday I can't pee and my legs are numb")["triage"]["level"] == "emergency"


def test_a_one_sided_episode_that_passed_with_no_time_given_is_treated_as_just_now(engine):
    # "it has passed now" with no time at all: it may have been minutes ago (a possible mini-stroke)
    assert engine.assess("my left leg went weak and numb, it has passed now")["triage"]["level"] == "emergency"
    # with a time long past it is not
    assert engine.assess("three years ago my left leg went weak and numb, it passed and has been fine since")[
        "triage"]["level"] != "emergency"


def test_falling_again_and_again_is_checked_today(engine):
    for text in ("my client has fallen three times in four days, he's not hurt",
                 "I'm a carer, this week I've found him on the floor twice in the morning"):
        out = engine.assess(text)
        assert "falls" in out["symptoms"] and out["triage"]["level"] == "urgent", text
    assert engine.assess("I tripped on the kerb and fell over yesterday, grazed knee, fine now")["triage"]["level"] != "urgent"
