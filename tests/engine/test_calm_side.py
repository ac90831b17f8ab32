"""The calm side of triage: clear harmless explanations get self-care, and the
guards keep warning signs from ever being lowered to self-care."""
import pytest



@pytest.fixture
def level(engine):
    return lambda text: engine.assess(text)["triage"]["level"]


@pytest.mark.parametrize("text", [
    "my calves are so sore after my first zumba class, a bit better today",
    "thighs aching two days after a long hike in the hills",
    "did my first parkrun and now my legs ache, easing already",
    "stiff legs after an eight hour drive, loosened up after a walk",
    "legs heavy and achy after a twelve hour shift on my feet",
    "helped a friend move house and my legs ache today",
    "heavy tired legs after standing all day at the market stall",
])
def test_clear_harmless_explanation_is_self_care(level, text):
    assert level(text) == "self_care"


@pytest.mark.parametrize("text", [
    "calf cramps every night for the last two months",
    "heavy legs and bulging veins on both legs",
    "on a statin and my thighs ache all the time, wee is a normal colour",
    "my legs have been slowly getting weaker over the past year",
    "calf cramps at night since I started water tablets",
])
def test_needs_a_doctor_is_routine(level, text):
    assert level(text) == "routine"


@pytest.mark.parametrize("text", [
    "my legs are weak and I have a high fever",
    "I'm 84 and keep falling, my legs just give way",
    "been vomiting for two days, my heart is racing and my legs are weak",
])
def test_urgent_cases(level, text):
    assert level(text) == "urgent"


@pytest.mark.parametrize("text", [
    # exercise or standing must not explain away warning signs
    "legs sore after the gym and my wee is dark brown like cola",
    "after my run my left leg went numb and it is still numb",
    "heavy legs after a long shift and my speech is slurred",
    "legs like jelly during a panic attack and now I can't feel my feet",
    "long flight yesterday and my left calf is swollen and red",
    "sore legs after football and I have a fever",
    "legs ache after digging the garden and my back hurts down into my leg",
])
def test_warning_signs_are_never_self_care(level, text):
    assert level(text) in ("routine", "urgent", "emergency")


def test_panic_jelly_legs_that_settle_are_not_escalated(level):
    assert level("my legs went to jelly during a panic attack, it passed after ten minutes") in ("self_care", "routine")


def test_heavy_legs_without_a_reason_stay_routine(level):
    assert level("my legs feel heavy") == "routine"


def test_running_a_temperature_is_not_exercise(engine):
    out = engine.extract("he's running a temperature and his legs ache")
    assert "heavy_exercise" not in out.risk_factors
