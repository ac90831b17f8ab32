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


@pytest.mark.parametrize("text", [
    # a clear harmless cause that has already passed or is getting better each day: the numbness, the
    # stairs or the wobble it caused do not need a doctor
    "sat cross legged on the floor for ages and my foot went dead, I hobbled about till it came back, fine now",
    "slept with my leg hanging off the sofa and my foot was pins and needles when I got up, gone after a minute",
    "did a marathon on sunday, could not manage the stairs on monday, nearly back to normal today",
    "my legs went shaky and tingly in a panic attack at work, I'm fine now",
    "my left leg went dead sitting on the loo too long, pins and needles for a minute then fine",
])
def test_a_harmless_cause_that_has_passed_is_self_care(level, text):
    assert level(text) == "self_care"


@pytest.mark.parametrize("text", [
    # the same harmless causes do not explain these, even though they passed
    "my right arm and leg went tingly for a few minutes earlier, it went away, I've been anxious lately",
    "sat cross legged and my foot went dead, it came back but now my face feels droopy",
    "after the marathon I couldn't do the stairs, it's a bit better but my wee is dark brown",
    "slept on my leg and it went numb, it's back now but I can't feel my bottom when I wipe",
])
def test_a_passed_episode_with_a_warning_sign_is_not_self_care(level, text):
    assert level(text) in ("routine", "urgent", "emergency")


def test_jittery_legs_after_energy_drinks_are_self_care_but_not_a_racing_heart(level):
    assert level("had three energy drinks to get through my shift and my legs are jittery and twitchy") == "self_care"
    assert level("had three energy drinks and my heart is racing and my legs are shaky") != "self_care"


def test_a_harmless_cause_that_has_not_passed_is_not_self_care(level):
    assert level("sat cross legged for an hour and my foot went dead, it still hasn't come back") != "self_care"


def test_heavy_legs_without_a_reason_stay_routine(level):
    assert level("my legs feel heavy") == "routine"


def test_running_a_temperature_is_not_exercise(engine):
    out = engine.extract("he's running a temperature and his legs ache")
    assert "heavy_exercise" not in out.risk_factors
