"""How people write: text-message shorthand, likenesses instead of names, and relatives telling the story.

Each case is a wording of our own; the corpus figures come from bench/corpus_eval.py.
"""
import shutil

import pytest

from legcare import knowledge
from legcare.reading.shorthand import Shorthand


def level(engine, text):
    return engine.assess(text)["triage"]["level"]


# ---------------------------------------------------------------- shorthand (knowledge/shorthand.yml)
def test_a_text_in_shorthand_is_read_as_the_words_meant(engine):
    out = engine.assess("cant fel my lft leg. wrds hard")
    assert "slurred_speech" in out["symptoms"]
    assert out["side"] == "left"
    assert out["triage"]["level"] == "emergency"


def test_a_dropped_g_is_restored_but_the_lexicon_words_stay():
    table = Shorthand({}, known={"statin"})
    assert table.expand("my feet keep tinglin and I'm walkin funny") == "my feet keep tingling and I'm walking funny"
    assert table.expand("put on a statin last month") == "put on a statin last month"
    assert table.expand("Nothin since") == "Nothing since"


def test_the_engine_keeps_a_medicine_name_that_looks_like_a_dropped_g(engine):
    out = engine.assess("got put on a statin and my thighs are achin all the time")
    assert "statins" in out["risk_factors"]


def test_a_rewritten_message_gives_no_character_offsets(engine):
    assert engine.extract("cant fel my legs").spans == {}
    assert engine.extract("cant feel my legs").spans != {}


@pytest.mark.parametrize("body, says", [
    ("words:\n  fel: [feel]\n", "fel"),
    ("words:\n  Fel: feel\n", "Fel"),
    ("words:\n  wk: two words\n", "wk"),
    ("words: fel\n", "words"),
])
def test_a_malformed_shorthand_list_stops_loading_with_file_and_line(tmp_path, body, says):
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_DIR, kdir)
    (kdir / "shorthand.yml").write_text("# list\n" + body)
    with pytest.raises(knowledge.KnowledgeError) as err:
        knowledge.load(kdir)
    assert "shorthand.yml:" in str(err.value) and says in str(err.value)


# ---------------------------------------------------------------- likenesses and everyday words
@pytest.mark.parametrize("text", [
    "first hot yoga class on sunday, calves are rock hard and swollen and my wee this morning looked like flat cola",
    "After the marathon my thighs are agony and the pee is a bit brownish, is that normal?",
])
def test_urine_told_as_a_likeness_or_a_shade_with_sore_muscles_escalates(engine, text):
    out = engine.assess(text)
    assert "dark_urine" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_found_wet_without_knowing_it_after_a_back_injury_escalates(engine):
    out = engine.assess("Grandad hurt his back lifting on Saturday and twice today he was wet without noticing. "
                        "He's also less steady on his feet.")
    assert "bladder_bowel_problems" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_an_arm_and_leg_that_will_not_do_anything_escalate(engine):
    out = engine.assess("my husband says his left arm and leg won't do anything, he's still sat in the chair")
    assert out["triage"]["level"] == "emergency"


def test_a_bottom_numb_as_after_the_dentist_is_saddle_numbness(engine):
    out = engine.assess("Sciatica for weeks, and now when I sit on the loo my bum feels like I've been to the dentist")
    assert "saddle_numbness" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_a_numb_leg_and_an_arm_that_feels_thick_hours_later_escalate(engine):
    out = engine.assess("My right leg went numb in a long meeting. Still numb four hours later, "
                        "and my right hand feels a bit thick now too.")
    assert out["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- relatives telling the story
def test_what_the_relative_in_the_story_had_is_their_own(engine):
    out = engine.assess("My son (15) had a panic attack in class, his legs went to jelly and he couldn't stand "
                        "for a bit. Now at home an hour later he's totally fine.")
    assert "stress" in out["risk_factors"]
    assert {"id": "anxiety", "status": "present"} in out["conditions_mentioned"]
    assert out["triage"]["level"] == "self_care"


def test_a_relatives_condition_is_still_family_history_in_the_writers_own_story(engine):
    out = engine.assess("My dad has MS. My legs have felt weak for a month.")
    assert {"id": "multiple_sclerosis", "status": "present"} not in out["conditions_mentioned"]


# ---------------------------------------------------------------- session 7, second round of fresh voices
def test_a_word_that_will_not_come_is_a_speech_sign(engine):
    out = engine.assess("Dad keeps trying to say my name and the word just won't come out, started just now")
    assert "slurred_speech" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_a_side_said_of_the_head_is_not_the_side_of_the_body(engine):
    assert engine.assess("my usual migraine, throbbing headache on one side, legs heavy and tired today")["side"] \
        != "one"
    assert engine.assess("I have a bad headache and my left arm is weak")["side"] == "left"


def test_the_lexicons_own_words_are_not_corrected_into_others(engine):
    assert "cold_pale_leg" not in engine.assess("blue bulgy veins behind my knee, legs ache after work")["symptoms"]


@pytest.mark.parametrize("text", [
    "Had a filling this morning, my lip drooped and I dribbled my tea, it has all worn off now",
    "Long sportive yesterday, things down below went numb from the saddle, all back to normal within the hour",
    "Nearly got knocked off my bike and thought I'd wet myself, legs like jelly, fine ten minutes later",
    "12 hour shift, barely time for a wee, legs like lead tonight",
])
def test_explained_look_alikes_of_warning_signs_are_not_emergencies(engine, text):
    assert engine.assess(text)["triage"]["level"] != "emergency"


@pytest.mark.parametrize("text", [
    "Had a filling this morning and now my left arm is weak and my lip droops",
    "Long bike ride yesterday, still numb down below today and I can't pee properly",
])
def test_the_same_look_alikes_with_another_warning_sign_escalate(engine, text):
    assert engine.assess(text)["triage"]["level"] == "emergency"


def test_ended_up_on_the_floor_is_a_fall(engine):
    assert "falls" in engine.assess("Nan has ended up on the kitchen floor twice this week, her legs just go")["symptoms"]


@pytest.mark.parametrize("text", [
    "Known disc bulge at L5/S1. Since yesterday both legs are numb and weak.",
    "ran an ultra on sunday and my pee is brown today",
    "Monday I managed the stairs, Tuesday I needed the banister, today I went up on my bum",
    "Mi padre tuvo gripe hace dos semanas. Desde ayer las piernas cada vez más débiles y le cuesta respirar.",
])
def test_warning_signs_in_everyday_and_clinical_words_escalate(engine, text):
    assert engine.assess(text)["triage"]["level"] == "emergency"


def test_wiped_out_is_tiredness_not_wiping(engine):
    assert "saddle_numbness" not in engine.assess("both feet have pins and needles and I feel wiped out")["symptoms"]


@pytest.mark.parametrize("text, symptom", [
    ("fase droopy on the rite", "facial_droop"),
    ("he's been sat on the toilet for hours and can't go, back agony", "bladder_bowel_problems"),
    ("she got out of the car and just went sideways", "balance_problems"),
    ("the lines on the road look like they're moving", "vision_problems"),
])
def test_everyday_wordings_of_warning_signs_are_read(engine, text, symptom):
    assert symptom in engine.assess(text)["symptoms"]


def test_sciatica_that_spreads_to_both_legs_escalates(engine):
    assert engine.assess("sciatica in my left leg since Monday and today both legs have gone weak")["triage"]["level"] \
        == "emergency"


@pytest.mark.parametrize("text", [
    "been sick with a bug for two days, legs like rubber and my heart is doing an odd thumping thing",
    "on water tablets, vomiting since Sunday, legs like noodles and I can feel ectopic beats",
    "taking detox pills to lose water weight, now my legs feel weak and crampy and my heart keeps skipping",
])
def test_weak_legs_with_palpitations_after_fluid_loss_are_checked_today(engine, text):
    out = engine.assess(text)
    assert "palpitations" in out["symptoms"]
    assert out["triage"]["level"] == "urgent"


def test_losing_ones_footing_is_a_fall(engine):
    assert "falls" in engine.assess("my thighs are weak and I lost my footing twice on the steps")["symptoms"]
