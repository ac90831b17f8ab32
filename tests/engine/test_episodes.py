"""When things happened, and whether they are over: episode lengths, long-past episodes, new starts.

Each case is a wording of our own; the corpus figures come from bench/corpus_eval.py.
"""
import pytest


def assess(engine, text):
    return engine.assess(text)


def level(engine, text):
    return engine.assess(text)["triage"]["level"]


# ---------------------------------------------------------------- how long a thing lasts is not when it began
@pytest.mark.parametrize("text", [
    "After about ten minutes on her feet my nan's legs go heavy and numb and she has to find a bench. "
    "It has been getting slowly worse over the past year.",
    "He can manage a couple of minutes of walking, then his calves go numb and he has to stop, "
    "then he's fine again. It has been creeping up on him for a year or so.",
])
def test_a_length_of_minutes_in_a_slow_story_is_not_a_new_episode(engine, text):
    out = assess(engine, text)
    assert out["triage"]["level"] == "routine"
    assert out["onset"] == "gradual"
    assert out["duration"]["days"] >= 300


def test_minutes_said_as_when_still_make_a_new_episode(engine):
    out = assess(engine, "My feet have been numb from diabetes for years. Ten minutes ago my left arm and leg "
                         "went weak and I can't lift the arm.")
    assert out["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- an episode that passed long ago
@pytest.mark.parametrize("text", [
    "Six years ago my grandad's legs suddenly gave way at a wedding. The hospital said it was a faint "
    "and it has not happened since. Should he mention it to his GP?",
    "Two years ago my left arm went suddenly numb for half an hour, then it went back to normal. "
    "It was checked and nothing has happened since. I still think about it.",
])
def test_a_sudden_episode_that_passed_years_ago_is_a_gp_check(engine, text):
    out = assess(engine, text)
    # over: the timeline says so, or the sudden weakness is read as the past
    assert "passed_long_ago" in out["timeline"] or any(c["kind"] == "past" for c in out["context"])
    assert out["triage"]["level"] in ("routine", "self_care")


@pytest.mark.parametrize("text", [
    "Three years ago I had a mini stroke and it passed. Now my left arm has suddenly gone weak.",
    "Years ago my leg went numb for a bit and got better. My face has started drooping on one side.",
    "Two years ago I had a funny turn that went away. Today my right leg suddenly gave way.",
])
def test_a_new_event_told_after_an_old_one_is_not_made_old(engine, text):
    out = assess(engine, text)
    assert "passed_long_ago" not in out["timeline"]
    assert out["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- starting a class is not a sudden onset
def test_just_starting_an_activity_is_not_a_sudden_onset(engine):
    out = assess(engine, "I've just started spin classes and my legs feel wobbly and tired for an hour "
                         "afterwards, then I'm fine.")
    assert out["onset"] != "sudden"
    assert out["triage"]["level"] in ("self_care", "routine")


def test_a_weakness_that_just_started_is_still_sudden(engine):
    assert level(engine, "my right leg has gone weak, it just started out of nowhere") == "emergency"


# ---------------------------------------------------------------- how far someone gets on foot
@pytest.mark.parametrize("text", [
    "When I walk to the post office, about fifteen minutes in, my legs go heavy and I have to rest on a wall, "
    "then I can carry on. Been like this about a year and slowly getting worse. I'm 70.",
    "My knee op was four months ago. It still feels weak on the stairs and I get tired walking more than "
    "20 minutes. Should I be further along by now?",
])
def test_minutes_on_foot_and_an_expectation_are_not_a_fast_worsening(engine, text):
    out = assess(engine, text)
    assert out["onset"] != "rapid"
    assert out["triage"]["level"] == "routine"


def test_worse_by_now_is_still_fast(engine):
    assert level(engine, "Yesterday my feet tingled and by now I can't get up the stairs, my legs are so weak") \
        == "emergency"


def test_a_family_asking_the_carer_is_not_confusion(engine):
    out = assess(engine, "Her family asked me what to tell the GP: she is slower on her feet over some months "
                         "and takes a while to get out of her chair, otherwise she is herself.")
    assert "confusion" not in out["symptoms"]
    assert out["triage"]["level"] == "routine"


def test_asking_over_and_over_where_she_is_is_confusion(engine):
    out = assess(engine, "Mum keeps asking where she is and her legs have gone weak since this morning")
    assert "confusion" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_shaky_legs_after_a_first_workout_since_a_back_operation_are_not_an_emergency(engine):
    assert level(engine, "wobbly legs after my first gym session since my spinal op, is that ok?") != "emergency"


def test_numb_legs_after_a_back_operation_still_escalate_after_exercise(engine):
    assert level(engine, "since my spinal op both legs have gone numb after the gym today") == "emergency"


# ---------------------------------------------------------------- episodes again and again; a fever; an old episode
@pytest.mark.parametrize("text", [
    "My right knee has gone from under me three times this week without warning. No numbness, nothing else.",
    "Second time this month my left knee just gave out and I ended up on the floor. I'm 72.",
])
def test_a_knee_giving_way_again_and_again_is_checked_today_not_999(engine, text):
    out = assess(engine, text)
    assert "recurring" in out["timeline"]
    assert out["triage"]["level"] == "urgent"


def test_a_leg_that_gave_way_twice_this_morning_with_a_drooping_face_still_escalates(engine):
    assert level(engine, "My left leg gave way twice this week and now my face is drooping") == "emergency"


def test_weak_legs_in_a_fever_are_urgent_and_with_back_pain_an_emergency(engine):
    assert level(engine, "Flu since Sunday, temperature 38.6, and today my legs are so weak I can barely get "
                         "to the bathroom") == "urgent"
    assert level(engine, "Temperature of 38.6 since Sunday, bad back pain, and today my legs are so weak I can "
                         "barely get to the bathroom") == "emergency"


def test_minutes_of_morning_stiffness_are_not_a_new_episode(engine):
    out = assess(engine, "My knees have ached for 3 years, worse on stairs, and they feel weak. "
                         "Morning stiffness for some minutes.")
    assert "new_on_background" not in out["timeline"]
    assert out["triage"]["level"] == "routine"


def test_the_same_thing_years_back_does_not_hide_a_new_fast_weakness(engine):
    out = assess(engine, "Since last night my husband's legs are getting weaker and weaker, this afternoon he "
                         "cannot lift them off the bed. He had the same thing 3 years back.")
    assert out["triage"]["level"] == "emergency"


def test_feeling_one_might_fall_is_not_a_fall(engine):
    assert "falls" not in assess(engine, "legs shaking in my exam, I thought I would fall, fine after")["symptoms"]
