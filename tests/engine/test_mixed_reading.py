"""Mixed languages, short day names, paces and everyday wordings (ninth session).

Each wording here is our own; the development corpus taught the shapes (English
with words of a home language mixed in, a story told "Sat ... Sun ... Mon",
"slowly" said of a walk), not these sentences.
"""
import pytest

from legcare.reading.translate import Translator
from tests.engine.outcome import flags, level_of


# ---------------------------------------------------------------- English with another language mixed in
@pytest.mark.parametrize("text, lang", [
    # Hindi in Latin letters: a crooked mouth, a dragged leg, a side that will not move
    ("Nani ka muh ek taraf tedha ho gaya hai and her right pair bhi ghaseet rahi hai since lunch", "hi_latn"),
    ("my chacha's left side nahi hil raha since 10 minutes, he is sitting on the floor", "hi_latn"),
    # Malay: a smile gone crooked on one side
    ("Ayah saya punya senyum jadi senget sebelah kiri tadi and his tangan kiri lemah, is it serious?", "ms"),
    # Welsh: an arm and leg gone numb and weak on one side this morning
    ("Taid's right braich and coes went diffrwyth and gwan this morning, he is still the same now", "cy"),
    # whole messages in languages added in the ninth session
    ("ông nội đột nhiên méo miệng, tay chân bên phải yếu", "vi"),
    ("Babu wangu ghafla hawezi kuongea vizuri na mkono wa kulia ni dhaifu", "sw"),
    ("aabe si lama filaan ah ma hadli karo, gacanta bidix waa daciif", "so"),
])
def test_english_mixed_with_a_home_language_is_read_through_its_glossary(read, text, lang):
    out = read(text)
    assert out["translated_from"] == lang
    assert level_of(out) == "emergency"


def test_only_words_english_does_not_have_are_translated():
    t = Translator({"pt": {"pe": "foot", "pernas": "legs", "moles": "weak"},
                    "tr": {"ve": "and", "ama": "but"}})
    english = {"my", "son", "did", "pe", "i", "ve", "had", "and", "his", "are", "now", "couldn", "t", "walk"}.__contains__
    # "PE" at school and the "'ve" of "I've" stay English; one odd word is not a language
    assert t.translate_mixed("my son did PE and I've had his pernas", english) is None
    mixed = t.translate_mixed("his pernas are moles now, I couldn't walk", english)
    assert mixed.language == "pt"
    assert mixed.text == "his legs are weak now, I couldn't walk"  # the English keeps its own spacing


def test_an_english_word_that_is_also_a_glossary_word_stays_english(read):
    out = read("my son did PE at school and now his shins are sore, he's fine otherwise")
    assert out["translated_from"] is None
    assert level_of(out) in ("self_care", "routine")


# ---------------------------------------------------------------- days and paces
def test_a_story_told_by_short_day_names(read):
    out = read("Dad, 70. Sat fine. Sun shaky on his feet. Mon can't get up off the sofa.")
    assert "worsening" in out["timeline"]
    assert level_of(out) == "emergency"


def test_sat_and_sun_as_words_are_no_days(read):
    out = read("I sat in the sun all afternoon on Monday and my legs feel a bit heavy now")
    assert "worsening" not in out["timeline"]
    assert level_of(out) != "emergency"


def test_slowly_said_of_a_walk_is_a_pace_not_a_slow_course(read):
    out = read("At 9 this morning my legs felt weak but I could still get to the shop, slowly. "
               "By 2pm I could barely cross the kitchen and now I can't get out of the chair.")
    assert out["onset"] != "gradual"
    assert level_of(out) == "emergency"


def test_a_slow_word_about_an_illness_is_not_the_complaints_course(read):
    out = read("I have AF (on and off with my tablets, I know). Sat down for tea and within about "
               "20 minutes my right foot went cold and white and I can't move my toes.")
    assert out["onset"] != "gradual"
    assert level_of(out) == "emergency"


def test_fine_ever_since_keeps_an_old_episode_in_the_past(read):
    out = read("Eight years ago I had a slipped disc with a weak leg, had surgery and have been completely "
               "fine since. Just want advice on exercises before a hiking trip.")
    assert "back_pain" not in out["symptoms"] and "leg_weakness" not in out["symptoms"]
    assert level_of(out) != "emergency"


# ---------------------------------------------------------------- everyday wordings
@pytest.mark.parametrize("text, symptom", [
    ("today I keep choking on my own saliva and my legs are weak", "swallowing_difficulty"),
    ("I can't get my toast down this morning and my eyelids are droopy", "swallowing_difficulty"),
    ("I did my back in lifting the sofa on Friday", "back_pain"),
    ("been sick all night and my legs have got nothing in them", "leg_weakness"),
    ("since his fall grandad has asked me five times where his glasses are", "confusion"),
    ("her words are not coming out clearly and her left arm is weak", "slurred_speech"),
    ("since the accident I can't tell if I need a wee", "bladder_bowel_problems"),
    ("two days of the runs and my heart is doing double beats", "palpitations"),
])
def test_everyday_wordings(read, text, symptom):
    assert symptom in read(text)["symptoms"]


def test_fine_legs_lend_no_words_to_a_near_rule(read):
    out = read("my legs are fine, nothing in my back either, it's just my shoulder")
    assert "leg_weakness" not in out["symptoms"]


def test_the_toilet_paper_is_the_saddle_not_the_bladder(read):
    out = read("after lifting at work my back is agony and I can't feel the toilet paper when I wipe. Peeing fine.")
    assert "saddle_numbness" in out["symptoms"]
    assert "bladder_bowel_problems" not in out["symptoms"]
    assert level_of(out) == "emergency"


def test_cannot_feel_any_numbness_is_a_denial(read):
    out = read("My face looks slack on the right since lunch. I can't feel any numbness.")
    assert "numbness" in out["negated"] and "numbness" not in out["symptoms"]
    assert level_of(out) == "emergency"  # the face still counts


def test_a_thick_tongue_is_speech(read):
    out = read("Mum says her tongue feels thick and her right hand went clumsy an hour ago")
    assert "slurred_speech" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_swollen_tongue_after_the_dentist_is_no_speech(read):
    out = read("my tongue is swollen after the dentist this morning")
    assert "slurred_speech" not in out["symptoms"]


# ---------------------------------------------------------------- abbreviations found only in capitals
def test_af_in_capitals_is_atrial_fibrillation_and_tired_af_is_slang(read):
    assert "atrial_fibrillation" in read("I have AF and my right leg went cold and pale an hour ago")["risk_factors"]
    assert "atrial_fibrillation" not in read("my legs are tired af after leg day")["risk_factors"]


def test_a_lower_case_abbreviation_stops_loading_with_file_and_entry(tmp_path):
    import shutil
    from legcare import knowledge
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_DIR, kdir)
    text = (kdir / "risk_factors.yml").read_text().replace("abbreviations: [AF]", "abbreviations: [af]")
    (kdir / "risk_factors.yml").write_text(text)
    with pytest.raises(knowledge.KnowledgeError) as err:
        knowledge.load(kdir)
    assert "risk_factors.yml" in str(err.value) and "atrial_fibrillation" in str(err.value)


# ---------------------------------------------------------------- what was read of, what lasted, what was feared
def test_what_was_read_about_is_feared_but_what_came_before_stays(read):
    out = read("Sciatica down my left leg for a week. Today the stream is weak and it feels like some is left "
               "in there, but maybe I only notice because I read about cauda equina.")
    assert "bladder_bowel_problems" in out["symptoms"]
    assert level_of(out) == "emergency"
    calm = read("Did a long spin class yesterday, thighs like jelly today. I checked down there because "
                "I'd read about saddle numbness, and I can feel everything fine.")
    assert "saddle_numbness" not in calm["symptoms"]
    assert level_of(calm) != "emergency"


def test_panicking_about_a_named_illness_is_no_illness(read):
    out = read("Pins and needles in both feet after sitting cross-legged for an hour, gone after a minute. "
               "I panicked about MS for a bit, silly really.")
    assert "multiple_sclerosis" not in [c["id"] for c in out["conditions_mentioned"] if c["status"] == "present"]


def test_headaches_for_years_do_not_make_a_new_worst_headache_old(read):
    out = read("I've had headaches on and off for years. This one hit out of the blue while lifting weights "
               "and then my legs went to jelly and I was sick. It's easing slightly with paracetamol.")
    assert "passed_long_ago" not in out["timeline"]
    assert level_of(out) == "emergency"


def test_yrs_ago_is_the_past(read):
    out = read("legs stiff for about a year. had double vision for a day 3 yrs ago that went away on its own")
    assert "vision_problems" not in out["symptoms"]
    assert level_of(out) != "emergency"


@pytest.mark.parametrize("text, symptom", [
    ("my right leg keeps not making it up onto the bus step and my back aches at night", "difficulty_walking"),
    ("she was fumbling the coins in her right hand and her answer came out all mushed up", "slurred_speech"),
    ("he couldn't get his left arm into his coat sleeve this morning, kept missing it", "arm_weakness"),
    ("my back is agony and when I try to pee nothing is coming, only a few drops", "bladder_bowel_problems"),
])
def test_more_everyday_wordings(read, text, symptom):
    assert symptom in read(text)["symptoms"]


def test_an_ultra_is_hard_exercise_and_falling_over_laughing_is_no_fall(read):
    assert "heavy_exercise" in read("ran my first ultra on Saturday and my pee is brown today")["risk_factors"]
    assert "falls" not in read("my legs went to sleep on the loo and I nearly fell over laughing")["symptoms"]


# ---------------------------------------------------------------- asking in general about what is happening
@pytest.mark.parametrize("text", [
    "what does it mean if your pee goes the colour of cola after a long hard session and your thighs are too sore to squat",
    "If you've had breast cancer and your back starts aching at night and your legs give way, can that wait a week?",
    "what does it mean when you can't feel the toilet seat",
])
def test_a_general_question_about_an_emergency_gets_the_screen_first(read, text):
    out = read(text)
    assert level_of(out) == "emergency" or (out["screen"]["needed"]
                                             and "asked_about_red_flag" in out["screen"]["rules"])


def test_a_question_about_ordinary_things_gets_no_screen(read):
    out = read("what stretches help tight hamstrings after running?")
    assert not out["screen"]["needed"]


@pytest.mark.parametrize("text, symptom", [
    ("came off the pitch and his shorts were wet, he hadn't even noticed he'd leaked, back's been bad since Saturday",
     "bladder_bowel_problems"),
    ("she answered me but it was gobbledygook, not real words", "slurred_speech"),
    ("I've been sat on the loo for ages and hardly anything came out, my back is killing me", "bladder_bowel_problems"),
    ("since last night I can't get a single drop out even though I'm bursting", "bladder_bowel_problems"),
    ("he's burning up and doesn't know he's at home", "confusion"),
    ("old spinal injury so my legs are never great, but this fortnight they've dropped below my usual baseline",
     "leg_weakness"),
    ("lifted a heavy load on Friday, back sore, and when I wipe I'm not sure I can feel the paper, dull down there",
     "saddle_numbness"),
])
def test_wordings_from_the_fourth_wave(read, text, symptom):
    assert symptom in read(text)["symptoms"]


def test_numb_legs_after_a_tackle_are_an_emergency(read):
    out = read("our winger can't feel his legs after that tackle")
    assert "back_injury" in out["risk_factors"]
    assert level_of(out) == "emergency"
