"""The reading modules of issue 11: invisible characters, spelling, lemmas, timeline, context, language.

Tuning examples in our own words; the corpus figures come from bench/corpus_eval.py.
"""
import sys
import unicodedata

import pytest

from legcare.reading.normalize import normalize_text
from legcare.reading.spelling import Speller, english_words, language_of

FORMAT_CHARS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def level(engine, text):
    return engine.assess(text)["triage"]["level"]


# ---------------------------------------------------------------- invisible characters
@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u200d", "\u2060", "\ufeff", "\u202e", "\U000e0041"])
def test_invisible_characters_do_not_hide_an_emergency(engine, hidden):
    assert level(engine, f"my left leg sud{hidden}denly went weak") == "emergency"
    assert level(engine, f"her face is droop{hidden}ing") == "emergency"


def test_every_format_character_is_removed_inside_a_word():
    assert len(FORMAT_CHARS) > 150  # Unicode's category Cf, not a hand-kept list
    for ch in FORMAT_CHARS:
        assert normalize_text(f"sud{ch}denly") == "suddenly", hex(ord(ch))


def test_control_characters_become_spaces_and_quotes_are_plain():
    assert normalize_text("weak\x00legs\u2028now") == "weak legs now"
    assert normalize_text("I can\u2019t walk") == "I can't walk"


# ---------------------------------------------------------------- spelling
def test_typos_are_fixed_but_english_words_are_left_alone():
    speller = Speller()
    speller.learn(["weakness", "numbness", "tingling", "drooping"], weight=3)
    speller.build()
    assert speller.fix("weekness") == "weakness"
    assert speller.fix("numbess") == "numbness"
    for real in ("walker", "sitting", "raising", "weekend", "thinking"):  # in SymSpell's dictionary
        assert real in english_words()
        assert speller.fix(real) == real


def test_misspelt_symptom_is_read(engine):
    assert "numbness" in engine.extract("numbess in both feet since yesterday").symptoms


# ---------------------------------------------------------------- lemmas
@pytest.mark.parametrize("text", ["my knees keep buckling", "both knees buckled on the stairs"])
def test_inflected_forms_match(engine, text):
    assert "leg_weakness" in engine.extract(text).symptoms


# ---------------------------------------------------------------- language
def test_language_of():
    assert language_of(["my", "legs", "are", "weak"]) == "en"
    assert language_of(["mi", "pierna", "derecha", "no", "se", "mueve"]) == "other"
    assert language_of([]) == "none"


@pytest.mark.parametrize("text", ["mi pierna derecha no se mueve desde esta mañana", "😱😱😱"])
def test_other_language_or_emoji_gets_a_level_and_the_screen(engine, text):
    out = engine.assess(text)
    assert out["triage"]["level"] is not None
    assert out["screen"]["needed"] and "language" in out["screen"]["rules"]


# ---------------------------------------------------------------- timeline
def test_spreading_upwards_from_a_story(engine):
    text = ("It started as pins and needles in my toes on Saturday. By Monday it had crept up past my knees "
            "and now my thighs feel weak too.")
    out = engine.assess(text)
    assert "ascending_weakness" in out["symptoms"]
    assert out["triage"]["level"] == "emergency"


def test_slow_spread_over_years_is_not_the_emergency(engine):
    text = "For three years the numbness in my feet has slowly crept up to my ankles. I have diabetes."
    assert level(engine, text) != "emergency"


def test_day_by_day_story_ending_in_lost_function_is_rapid(engine):
    text = ("On Friday my feet felt fizzy. Saturday I was wobbly on the stairs. "
            "This morning I couldn't get up from the sofa without help.")
    out = engine.assess(text)
    assert out["onset"] == "rapid" and out["triage"]["level"] == "emergency"


def test_when_words_give_a_recent_start(engine):
    out = engine.assess("right arm and right leg weak since lunchtime")
    assert out["duration"]["days"] <= 1
    assert out["triage"]["level"] == "emergency"


def test_one_when_word_is_not_a_story(engine):
    # "since sunday" and "sunday" are one anchor, not two
    assert engine.assess("i cant walk far since sunday, both legs weak")["onset"] is None


# ---------------------------------------------------------------- who it happens to
def test_a_relative_telling_todays_story_is_not_family_history(engine):
    out = engine.assess("My dad's had a lopsided smile since lunch, he thinks it's his dentures")
    assert "facial_droop" in out["symptoms"] and out["triage"]["level"] == "emergency"


def test_a_relatives_named_illness_is_family_history(engine):
    out = engine.assess("my grandmother had a stroke with slurred speech, my legs ache after walking")
    assert "slurred_speech" not in out["symptoms"] and out["triage"]["level"] != "emergency"


def test_a_question_about_the_writers_own_case_counts(engine):
    text = "Can a slipped disc make you wet yourself without noticing? It happened to me twice today."
    out = engine.assess(text)
    assert "bladder_bowel_problems" in out["symptoms"] and out["triage"]["level"] == "emergency"


def test_a_general_question_gets_no_screen(engine):
    out = engine.assess("what exercises are good for my knees?")
    assert not out["screen"]["needed"]


# ---------------------------------------------------------------- negation
def test_negation_inside_a_relative_clause_does_not_reach_the_main_clause(engine):
    out = engine.extract("My legs, which are never strong, feel weaker than usual today")
    assert "leg_weakness" in out.symptoms


def test_short_or_list_after_no_is_negated_even_with_an_unknown_first_item(engine):
    out = engine.extract("calf swollen, no chest pain or breathlessness")
    assert "breathing_difficulty" not in out.symptoms


def test_contradiction_resolves_to_the_safer_reading(engine):
    out = engine.assess("no weakness, my leg is weak")
    assert "leg_weakness" in out["symptoms"]


def test_a_20000_character_story_is_read(engine):
    story = ("Yesterday I walked the dog and my legs were fine. " * 400)[:19900] + " Now my face is drooping."
    out = engine.assess(story)
    assert not out["truncated"] and out["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- numbers people give
@pytest.mark.parametrize("text, celsius", [
    ("Her temperature is 38.4", 38.4), ("temp 39 since last night", 39.0), ("fever of 102F", 38.9),
    ("temp was 36.8 this morning", 36.8), ("I am 38 years old", None), ("took 2 tablets at 38", None),
])
def test_temperature_readings(text, celsius):
    from legcare.reading.measures import temperature

    value = temperature(text)
    assert (value is None) if celsius is None else abs(value - celsius) < 0.1


def test_a_high_reading_is_a_fever_and_a_normal_one_is_not(engine):
    assert "fever" in engine.extract("legs weak and her temp is 38.9").symptoms
    assert "fever" not in engine.extract("legs weak, temp 36.9 so no fever").symptoms


# ---------------------------------------------------------------- combinations read from the misses
def test_one_sided_heaviness_today_is_an_emergency_even_after_the_gym(engine):
    text = "my left arm and leg have felt heavy since I woke up, probably from the gym yesterday"
    assert level(engine, text) == "emergency"


def test_a_leg_gone_cold_and_white_today_is_an_emergency(engine):
    assert level(engine, "my foot went white and icy this morning") == "emergency"


def test_feet_always_cold_for_years_is_not(engine):
    assert level(engine, "my feet are always cold and a bit pale, it's been like that for years") != "emergency"


# ---------------------------------------------------------------- something new against a background
def test_tonight_against_years_of_neuropathy_is_read_as_new(engine):
    out = engine.assess("I've had numb feet from diabetes for years, nothing new there. "
                        "This evening my right leg went weak and heavy and I keep dragging it.")
    assert out["duration"]["days"] <= 0.5
    assert out["onset"] != "gradual"
    assert out["triage"]["level"] == "emergency"


def test_a_long_time_said_of_the_complaint_itself_stays_its_duration(engine):
    out = engine.assess("My calves ache by the evening and feel fine again in the morning. "
                        "Been like this for about three months.")
    assert out["duration"]["days"] >= 60
    assert out["triage"]["level"] != "emergency"


def test_an_attack_that_passed_against_an_old_condition_is_a_possible_mini_stroke(engine):
    out = engine.assess("Earlier this afternoon my right arm went floppy for about ten minutes, then it came back. "
                        "I've had high blood pressure for twenty years.")
    assert out["onset"] == "sudden"
    assert out["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- the story over hours and days
def test_tingling_then_weakness_over_a_few_days_is_rapid(engine):
    out = engine.assess("Tingling started in my toes on Friday. Since Sunday my legs have felt weak and wobbly.")
    assert out["onset"] == "rapid"
    assert out["triage"]["level"] == "emergency"


def test_a_time_of_day_places_the_story_within_today(engine):
    out = engine.assess("At 9am my feet were a bit tingly. It is 5pm now and my legs can hardly hold me, "
                        "I had to grab the banister to stay upright.")
    assert out["triage"]["level"] == "emergency"


def test_recovery_words_stop_a_worsening_reading(engine):
    out = engine.assess("Had a panic attack last night, my legs went weak and tingly for twenty minutes. "
                        "Today completely normal again.")
    assert out["triage"]["level"] != "emergency"


def test_now_i_can_barely_is_not_recovery(engine):
    out = engine.assess("Since yesterday my legs keep getting weaker, now I can barely lift them.")
    assert out["onset"] == "rapid"


def test_since_with_a_number_is_a_duration(engine):
    assert engine.assess("my left leg is numb since two hours")["duration"]["days"] < 0.1


# ---------------------------------------------------------------- pronouns and capitals
def test_them_and_it_stand_for_the_body_part_named_before(engine):
    assert "paralysis" in engine.assess("my legs stopped working and I can't move them")["symptoms"]
    out = engine.assess("my right foot went white, it's freezing to touch and it hurts")
    assert {"cold_pale_leg", "leg_pain"} <= set(out["symptoms"])


def test_it_of_the_weather_is_not_a_body_part(engine):
    out = engine.assess("My knee aches. It was freezing outside on my walk today.")
    assert "cold_pale_leg" not in out["symptoms"]
    assert out["triage"]["level"] != "emergency"


def test_number_must_agree(engine):
    # "it" cannot stand for "legs"
    assert "cold_pale_leg" not in engine.assess("My legs ache after the match. It was icy and pale blue sky.")["symptoms"]


def test_a_message_in_capitals_reads_like_lower_case(engine):
    shout = engine.assess("MY DAD CANT MOVE HIS RIGHT LEG AND CANT TALK PROPERLY")
    calm = engine.assess("my dad cant move his right leg and cant talk properly")
    assert shout["symptoms"] == calm["symptoms"]
    assert shout["triage"]["level"] == "emergency"


# ---------------------------------------------------------------- other languages (knowledge/translations.yml)
@pytest.mark.parametrize("text, lang", [
    ("Mi madre de repente no puede mover la pierna derecha y tiene la boca torcida", "es"),
    ("Mon père a le visage qui tombe d'un côté et sa jambe gauche est faible depuis une heure", "fr"),
    ("Mój tata nagle nie może mówić i ma słabe nogi", "pl"),
    # everyday words for the warning signs: slurred speech, a leg giving way; dark urine after a first class
    ("Meine Mutter spricht seit einer Stunde ganz verwaschen und ihr linkes Bein knickt weg", "de"),
    ("Mi hija hizo spinning por primera vez ayer, hoy casi no puede subir las escaleras y la orina es muy oscura", "es"),
    ("Mon mari ne peut plus bouger sa jambe droite depuis ce matin", "fr"),
    # Tagalog (added in session 8); and tingling feet, then no walking, after a stomach bug
    ("Tulong po, ang lolo ko biglang hindi makapagsalita ng maayos at mahina ang kaliwang braso niya", "tl"),
    ("Mi hija tuvo diarrea la semana pasada. Desde ayer le hormiguean los pies y hoy ya no camina", "es"),
    ("Mi abuelo no puede mover nada el brazo izquierdo y la boca se le ve torcida", "es"),
])
def test_a_message_in_another_language_is_read_through_the_glossary(engine, text, lang):
    out = engine.assess(text)
    assert out["translated_from"] == lang
    assert out["language"] == "other"  # the reply still carries the language note
    assert out["triage"]["level"] == "emergency"


def test_an_english_message_is_never_translated(engine):
    # "pie" is Spanish for foot, "son" French for his: English words stay English
    out = engine.assess("my son ate a pie and now his legs ache after football")
    assert out["translated_from"] is None and "cold_pale_leg" not in out["symptoms"]


def test_only_one_glossary_is_used_and_it_needs_enough_words():
    from legcare.reading.translate import Translator
    t = Translator({"es": {"pierna": "leg", "débil": "weak", "mi": "my"}, "it": {"gamba": "leg"}})
    out = t.translate("mi pierna está débil")
    assert out.language == "es" and out.text == "my leg está weak"
    assert t.translate("gamba") is None  # one word known is not enough to switch languages


def test_a_malformed_glossary_stops_loading_with_file_and_line(tmp_path):
    import shutil
    from legcare import knowledge
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_DIR, kdir)
    (kdir / "translations.yml").write_text("languages:\n  es:\n    name: Spanish\n    phrases:\n      pierna: [leg]\n")
    with pytest.raises(knowledge.KnowledgeError) as err:
        knowledge.load(kdir)
    assert "translations.yml" in str(err.value) and "pierna" in str(err.value)


def test_a_mini_stroke_days_ago_that_passed_is_urgent_not_routine(engine):
    out = engine.assess("Last Friday my right arm and leg went numb for about ten minutes, then back to normal. "
                        "Nothing since.")
    assert "passed_attack_days_ago" in out["timeline"]
    assert out["triage"]["level"] in ("urgent", "emergency")


def test_can_not_without_is_not_a_negation(engine):
    assert "falls" in engine.assess("she can't stand up without falling over")["symptoms"]
    assert "falls" in engine.assess("I can walk without falling")["negated"]


def test_an_unknown_story_in_a_rule_stops_loading(tmp_path):
    import shutil
    from legcare import knowledge
    kdir = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_DIR, kdir)
    path = kdir / "triage.yml"
    path.write_text(path.read_text().replace("story: [passed_attack_days_ago]", "story: [passed_out]"))
    with pytest.raises(knowledge.KnowledgeError) as err:
        knowledge.load(kdir)
    assert "triage.yml" in str(err.value) and "passed_out" in str(err.value)


def test_the_same_each_day_is_not_worsening(engine):
    out = engine.assess("For the past week my legs have felt weaker on the stairs and my feet tingle. "
                        "It has stayed the same, not getting worse.")
    assert "worsening" not in out["timeline"]
    assert out["triage"]["level"] == "urgent"


def test_weaker_than_the_other_side_is_a_comparison(engine):
    out = engine.assess("Since lunchtime my right leg feels weaker than the left one")
    assert out["side"] == "right"
    assert "worsening" not in out["timeline"]
    assert out["triage"]["level"] == "emergency"  # new one-sided weakness within the day


# ---------------------------------------------------------------- one whole side, look-alikes, a relative's story
@pytest.mark.parametrize("text", [
    "my whole left side has gone and won't work",
    "my dad can't use his right side",
    "one half of me feels like it's been switched off",
    "his right side is heavy and clumsy, arm and leg both",
])
def test_a_side_that_stopped_working_is_an_emergency(engine, text):
    out = engine.assess(text)
    assert {"arm_weakness", "leg_weakness"} <= set(out["symptoms"])
    assert out["triage"]["level"] == "emergency"


def test_an_old_stroke_unchanged_for_years_is_not(engine):
    out = engine.assess("He had a stroke years ago and his right side has been weaker ever since, nothing new.")
    assert out["triage"]["level"] != "emergency"


def test_look_alike_phrases_are_not_the_symptom(engine):
    assert "falls" not in engine.assess("I fell asleep on the sofa and my legs ache")["symptoms"]
    assert "confusion" not in engine.assess("I'm confused about whether to rest my weak legs")["symptoms"]
    assert "confusion" in engine.assess("she is confused and her legs are weak")["symptoms"]


def test_a_relative_telling_todays_story_keeps_side_and_time(engine):
    out = engine.assess("Dad has a weak left leg for 2 days")
    assert out["side"] == "left" and out["duration"]["days"] == 2


def test_numbness_from_sitting_on_a_leg_that_passes_is_not_a_stroke(engine):
    calm = engine.assess("I sat cross-legged for an hour and my left leg went numb, it's easing now I'm walking")
    assert calm["triage"]["level"] != "emergency"
    # the same excuse does not explain away numbness that stays
    stays = engine.assess("I probably sat cross-legged too long but my left arm and leg have been numb for two hours")
    assert stays["triage"]["level"] == "emergency"


def test_half_of_the_body_numb_is_one_side_of_the_body(engine):
    out = engine.assess("my whole left half feels numb")
    assert "one_side_of_body" in out["symptoms"] and out["triage"]["level"] == "emergency"


def test_sudden_confusion_alone_is_an_emergency_but_not_when_it_is_passing(engine):
    assert engine.assess("since lunchtime my dad doesn't know where he is")["triage"]["level"] == "emergency"
    out = engine.assess("I was confused for a minute when I woke from a nap, then back to normal")
    assert "new_confusion" not in [f["id"] for f in out["red_flags"]]


def test_it_can_stand_for_speech(engine):
    out = engine.assess("her speech is fine now but for a minute this morning it was garbled")
    assert "slurred_speech" in out["symptoms"] and out["triage"]["level"] == "emergency"


def test_last_week_is_when_not_how_long(engine):
    assert engine.assess("my legs have been weak for the last week")["duration"]["days"] == 7
    out = engine.assess("I had a panic attack last week but today my left arm and leg are numb")
    assert out["triage"]["level"] == "emergency"


def test_climbing_body_parts_need_no_named_feeling(engine):
    assert engine.assess("It's creeping up. Toes, now knees.")["triage"]["level"] == "emergency"
    # a rash or redness that spreads is not weakness climbing the legs
    assert "ascending_weakness" not in engine.assess("the rash is spreading up from my ankle to my knee")["symptoms"]


def test_an_old_injury_years_ago_is_not_how_long_todays_weakness_lasted(engine):
    out = engine.assess("since this morning my left arm and left leg have been weak, I hurt my neck in a crash years ago")
    assert out["duration"]["days"] < 1 and out["triage"]["level"] == "emergency"


def test_worse_than_this_morning_is_worsening_but_weaker_than_the_left_is_not(engine):
    assert engine.assess("pins and needles in both feet and my legs are wobbly, worse than this morning"
                         )["onset"] == "rapid"
    assert "worsening" not in engine.assess("my right leg feels weaker than the left one")["timeline"]


def test_short_day_names_make_a_story(engine):
    out = engine.assess("Legs heavy Mon, wobbly Tues, falling Weds.")
    assert out["triage"]["level"] == "emergency"


def test_and_now_i_cant_is_worsening(engine):
    out = engine.assess("First stairs were hard, then walking was hard, and now I can't stand up from the loo. "
                        "All in about four days.")
    assert out["onset"] == "rapid"


def test_both_arms_and_legs_tired_is_not_one_side(engine):
    out = engine.assess("first day back at work, legs and arms are dead tired")
    assert out["triage"]["level"] != "emergency"


def test_foggy_after_a_night_shift_is_not_new_confusion_but_muddled_with_fever_and_weak_legs_is(engine):
    assert engine.assess("did a double night shift and I feel muddled and tired")["triage"]["level"] != "emergency"
    assert engine.assess("dad has a temperature, he's muddled today and his legs have gone weak"
                         )["triage"]["level"] == "emergency"


def test_an_episode_last_year_that_passed_is_not_todays_emergency(engine):
    out = engine.assess("last year half my body went numb during a migraine, fully checked, nothing since")
    assert out["triage"]["level"] != "emergency"


def test_weaker_alone_is_weak_not_worsening(engine):
    out = engine.assess("for five days my left foot tingles and the leg feels a touch weaker on the stairs")
    assert "worsening" not in out["timeline"] and out["triage"]["level"] == "urgent"


def test_falls_on_two_days_are_urgent_not_a_worsening_story(engine):
    out = engine.assess("my legs keep giving way, I fell on the stairs yesterday and in the garden today")
    assert out["triage"]["level"] == "urgent"


def test_a_cancer_years_ago_still_counts(engine):
    out = engine.assess("Breast cancer 5 years ago. Back pain for a week and now my left leg is weak on the stairs")
    assert "cancer" in out["risk_factors"] and out["triage"]["level"] == "emergency"
    # other risk factors told as the past do not count
    assert "smoking" not in engine.assess("I smoked as a teenager, my legs ache")["risk_factors"]


def test_a_bare_none_after_a_symptom_denies_it_but_means_no_does_not(engine):
    assert "swelling" in engine.assess("knee sore after netball, swelling none")["negated"]
    assert engine.assess("my husband keeps saying yes when he means no")["triage"]["level"] == "emergency"


def test_something_read_about_is_not_a_symptom(engine):
    out = engine.assess("my thighs are sore after a long ride, I read about dark urine so I checked my pee")
    assert "dark_urine" not in out["symptoms"]


def test_a_year_gone_by_is_the_past(engine):
    out = engine.assess("Had a stroke in 2015 that left my left side a bit weak. Nothing new, I want exercises.")
    assert out["triage"]["level"] != "emergency"


def test_a_range_of_hours_is_a_duration(engine):
    assert engine.assess("my left leg has been weak for maybe 2-3 hours")["duration"]["days"] == pytest.approx(0.125)


def test_legs_then_arms_climbs_but_foot_then_leg_does_not(engine):
    assert "ascending_weakness" in engine.assess(
        "his legs have been weak since yesterday and today also his arms, he can't lift a cup")["symptoms"]
    assert "ascending_weakness" not in engine.assess(
        "tingling in my right foot for ten days and now that leg feels weaker on the stairs")["symptoms"]


def test_a_question_that_tells_a_sudden_event_gets_the_screen(engine):
    out = engine.assess("Can a trapped nerve make your whole left side go numb all at once?")
    assert out["screen"]["needed"]


def test_the_hand_someone_types_with_is_not_a_side_of_the_complaint(engine):
    out = engine.assess("my left arm and leg have gone heavy and numb, writing this with my right hand")
    assert out["side"] == "left" and out["triage"]["level"] == "emergency"


def test_them_after_limbs_placed_on_a_side_stands_for_the_limbs(engine):
    out = engine.assess("His arm and leg on the right side are floppy and he can't move them.")
    assert "paralysis" in out["symptoms"] and out["side"] == "right"


def test_a_time_said_of_something_else_is_not_how_long_the_complaint_has_lasted(engine):
    out = engine.assess("I changed my blood pressure pills a month ago. This evening my right arm and leg "
                        "went numb. It has been half an hour.")
    assert out["duration"]["days"] < 1 and out["triage"]["level"] == "emergency"
    # a time given in the sentence that tells the complaint still counts
    assert engine.assess("my legs have been heavy for a month")["duration"]["days"] >= 28


def test_seat_numbness_and_bladder_sensation_in_everyday_words(engine):
    assert "saddle_numbness" in engine.assess("after sciatica all week my backside feels muted, like "
                                              "novocaine")["symptoms"]
    assert "bladder_bowel_problems" in engine.assess("bad back since Friday and my flow is weak now")["symptoms"]
    assert "bladder_bowel_problems" in engine.assess("I noticed my trousers were wet and never felt a thing")["symptoms"]
    assert "bladder_bowel_problems" in engine.assess("he can't tell if he has finished peeing")["symptoms"]


def test_loss_of_balance_today_is_an_emergency_unless_a_leg_went_dead_from_sitting_on_it(engine):
    assert engine.assess("since breakfast I keep drifting sideways when I walk")["triage"]["level"] == "emergency"
    calm = engine.assess("knelt for an hour weeding, my foot went dead and I stumbled, it was fine a minute later")
    assert calm["triage"]["level"] != "emergency"


def test_a_band_round_the_body_with_numb_legs_is_the_spinal_cord(engine):
    out = engine.assess("for two days there's a tight band round my middle and my legs tingle")
    assert "trunk_band" in out["symptoms"] and out["triage"]["level"] == "emergency"
    assert "band_with_leg_symptoms" in {f["id"] for f in out["red_flags"]}


def test_new_weakness_in_both_legs_after_a_spine_operation_escalates_but_not_once_recovering(engine):
    assert engine.assess("my microdiscectomy was on Monday and since this morning both legs are weak"
                         )["triage"]["level"] == "emergency"
    assert engine.assess("my microdiscectomy was in March, both legs were weak after it but are getting better"
                         )["triage"]["level"] != "emergency"


def test_not_knowing_where_one_is_and_managing_stairs_only_backwards(engine):
    assert "confusion" in engine.assess("grandad didn't seem to know where he was this afternoon")["symptoms"]
    assert "difficulty_walking" in engine.assess("after the race I could only get down the stairs "
                                                 "on my bottom")["symptoms"]


def test_sight_lost_for_minutes_today_that_came_back_is_a_passed_attack(engine):
    out = engine.assess("dad lost the sight in his left eye for five minutes at breakfast, it is all back now")
    assert "passed_attack" in out["timeline"] and out["triage"]["level"] == "emergency"


def test_a_change_in_sight_of_unknown_speed_gets_the_screen_with_an_eyes_and_balance_question(engine):
    out = engine.assess("my husband is seeing double")
    assert out["triage"]["level"] == "emergency" or (
        out["screen"]["needed"] and "sight_unknown_onset" in out["screen"]["rules"])


def test_urine_likened_to_a_dark_drink_further_along_the_sentence(engine):
    out = engine.assess("legs agony after the marathon and my pee last night looked like strong coffee")
    assert "dark_urine" in out["symptoms"]


def test_not_getting_a_drink_to_the_mouth_is_arm_weakness_but_not_finishing_it_is_not(engine):
    assert "arm_weakness" in engine.assess("she could not get the spoon up to her mouth")["symptoms"]
    assert "arm_weakness" not in engine.assess("I couldn't finish my tea, my calves ache")["symptoms"]


def test_german_word_forms_after_articles_are_read(engine):
    out = engine.assess("Meine Frau hat seit einer Stunde ein schwaches rechtes Bein")
    assert "leg_weakness" in out["symptoms"]


def test_short_reports_and_been_give_a_duration_but_an_age_does_not(engine):
    assert engine.assess("tingling feet and weak knees, 5 days")["duration"]["days"] == 5
    assert engine.assess("my foot has felt numb, it's been about a week")["duration"]["days"] == 7
    assert engine.assess("My mother 81 years. Her legs are weak.")["duration"] is None


def test_everyday_causes_of_tired_legs_are_self_care(engine):
    for text in ("spent Saturday on a trampoline with the kids, thighs sore today but walking fine",
                 "terrible hangover, legs heavy and weak this morning, drinking water",
                 "had a blazing row with my brother and my legs went wobbly, fine after sitting down"):
        assert engine.assess(text)["triage"]["level"] == "self_care", text


def test_look_alike_words_are_not_symptoms(engine):
    assert "falls" not in engine.assess("back from a school trip, legs aching")["symptoms"]
    assert "redness" not in engine.assess("after a hot bath my legs felt wobbly")["symptoms"]
    assert "back_pain" not in engine.assess("a sore lump at the back of my knee")["symptoms"]


def test_one_swollen_painful_leg_or_a_red_leg_with_fever_is_seen_today(engine):
    assert engine.assess("my right calf is swollen and painful since Sunday")["triage"]["level"] == "urgent"
    assert engine.assess("my shin is red and hot and I've got a temp")["triage"]["level"] == "urgent"


def test_treatments_that_name_a_cancer_count_as_cancer(engine):
    assert "cancer" in engine.assess("on immunotherapy and my legs feel weak")["risk_factors"]


def test_an_attack_days_ago_after_which_someone_seems_well_is_a_passed_attack(engine):
    out = engine.assess("Six days ago my wife could not use her right arm or leg for ten minutes. She seems well now.")
    assert "passed_attack_days_ago" in out["timeline"] and out["triage"]["level"] == "urgent"


def test_a_part_said_to_be_well_takes_no_symptom_word_from_beside_it(engine):
    out = engine.assess("legs wobbly after the gym, arms fine, face fine")
    assert "arm_weakness" not in out["symptoms"] and "leg_weakness" in out["symptoms"]
    assert "arm_weakness" in engine.assess("legs wobbly and my arms are weak too")["symptoms"]


# ---------------------------------------------------------------- session 4: activity times, recovery, places
def test_how_long_someone_sat_or_drove_is_not_how_long_the_complaint_has_lasted(engine):
    sat = engine.extract("sat cross legged on the floor for ages and my foot went dead")
    assert sat.duration is None and sat.onset != "gradual"  # "for ages" is the sitting, not months of numbness
    drove = engine.extract("I drove for 8 hours and now my right leg is numb")
    assert drove.duration is None
    # the complaint's own time still counts, and so does a way of life
    assert engine.extract("my legs have been weak for 3 days").duration_days == 3
    assert engine.extract("sitting at a desk for years and my left leg has gone numb").duration_days >= 365


def test_still_before_a_recovery_wording_undoes_it(engine):
    assert "recovering" in engine.assess("my foot went dead, it's back to normal now")["timeline"]
    assert "recovering" not in engine.assess("my foot went dead and it still hasn't come back")["timeline"]


def test_the_saddle_is_read_whatever_was_said_before_it(engine):
    # a leg named earlier used to win the tie between "legs" and "between my legs" for the numb word
    for text in ("My right leg hurts. Between my legs feels numb.", "Between my legs feels numb."):
        out = engine.assess(text)
        assert "saddle_numbness" in out["symptoms"] and out["triage"]["level"] == "emergency", text


def test_a_back_that_hurts_is_not_an_injury_to_the_back(engine):
    assert "back_injury" not in engine.extract("my back hurts and my legs ache").risk_factors
    assert "back_injury" in engine.extract("I hurt my back lifting a wardrobe").risk_factors


@pytest.mark.parametrize("text", [
    # a stroke told in everyday words (our own wording of the patterns new writers used)
    "my mum's mouth looks lower on the left side and her left leg is dragging",
    "grandad sounded drunk on the phone just now and he never drinks, and his right leg feels lazy",
    "night shift: resident can't weight bear on her R leg and her R grip is weak, last seen well at 10",
    "my husband does not know me since teatime and his legs have gone like rubber",
    "neighbour found dad in the garden, he didn't know how he'd got there and his left leg was dragging",
    # muscle breakdown said with "water" and a heavy leg
    "on a statin, legs ache and feel weak for three days and today his water is brown",
    "thighs like concrete after spin class and my wee is dark brown",
    # a cold, blue leg since a time of day
    "her leg went cold and blue grey from the knee down since the afternoon and she is crying",
])
def test_warning_signs_in_other_words_escalate(engine, text):
    assert level(engine, text) == "emergency"


def test_pins_in_the_feet_is_tingling(engine):
    assert "tingling" in engine.extract("started with pins in the soles of my feet").symptoms


def test_a_letter_before_a_limb_is_its_side(engine):
    assert engine.extract("weak L leg since this morning").side == "left"
    assert engine.extract("r u ok, my legs ache").side != "right"


def test_lower_back_and_a_dry_mouth_are_no_drooping_face(engine):
    assert "facial_droop" not in engine.extract("my lower back hurts and I have a dry mouth").symptoms
    assert "slurred_speech" not in engine.extract("she sounded fed up on the phone, her legs ache").symptoms


def test_the_time_of_a_sentence_about_the_same_complaint_is_its_duration(engine):
    # "been like this for years" places the complaint; "after a few minutes he's off again" is a rest
    out = engine.assess("He can only walk 100 yards before his legs go numb and ache and he sits on a bench. "
                        "After a few minutes he's off again. Been like this and slowly worse for a couple of years.")
    assert out["duration"]["days"] >= 365 and out["onset"] == "gradual" and out["triage"]["level"] != "emergency"


def test_a_polish_negation_with_a_pronoun_before_it_is_read(engine):
    out = engine.extract("Mówi, że plecy go nie bolą, ale nogi są słabe")
    assert "back_pain" not in out.symptoms and "back_pain" in out.negated


def test_limbs_placed_on_a_side_are_what_is_weak_and_an_aside_adds_no_distance(engine):
    f = engine.extract("my arm and leg on the same side (left) have felt weak since this morning")
    assert {"arm_weakness", "leg_weakness"} <= set(f.symptoms)
    assert engine.assess("my arm and leg on the same side (left) have felt weak since this morning")[
        "triage"]["level"] == "emergency"
    # a side on its own is still what is weak
    assert {"arm_weakness", "leg_weakness"} <= set(engine.extract("my left side is weak").symptoms)


def test_something_told_as_happening_now_is_today(engine):
    # no clock time, but "just said" and "I'm at a wedding" place a one-sided numb leg in the last hours
    for text in ("A colleague just said her right leg has gone numb and she can't feel the pedals",
                 "I'm at a wedding and my brother's left leg keeps buckling, he says it's numb from the hip down"):
        out = engine.assess(text)
        assert out["duration"]["days"] <= 1 and out["triage"]["level"] == "emergency", text


def test_the_side_of_a_named_part_is_that_parts(engine):
    # "the left side of his mouth isn't going up": no arm or leg weakness read (and none denied)
    f = engine.extract("his smile looks lopsided, the left side of his mouth isn't going up")
    assert "facial_droop" in f.symptoms
    assert not {"arm_weakness", "leg_weakness"} & (set(f.symptoms) | set(f.negated))
    assert "leg_weakness" in engine.extract("the left side of my body is weak").symptoms


def test_it_in_a_saying_is_no_part_of_the_body(engine):
    # "didn't make it to the toilet" after a bad back: not "make back to the toilet"
    out = engine.assess("Dad's had a bad back since he moved the shed. Tonight he told me he didn't make it "
                        "to the toilet and didn't even know he needed to go.")
    assert "bladder_bowel_problems" in out["symptoms"] and out["triage"]["level"] == "emergency"
    # a pronoun that stands for a limb is still read as the limb
    assert "leg_weakness" in engine.extract("my right leg is so weak, I can barely lift it").symptoms


def test_a_mouth_going_down_on_one_side_is_a_drooping_face(engine):
    assert "facial_droop" in engine.extract("his mouth is going down on the left side when he talks").symptoms


def test_a_lump_on_the_leg_is_a_swelling_there(engine):
    f = engine.extract("Lump behind my left knee for a few weeks. Calf is fine, not swollen or red.")
    assert "swelling" in f.symptoms and "swelling" not in f.negated
    assert engine.assess("a hard painful lump in the back of my calf with redness round it, came up yesterday")[
        "triage"]["level"] == "urgent"


@pytest.mark.parametrize("text, symptom", [
    # one arm and one leg numb or tingling together is one side of the body
    ("Right arm and leg tingling for a few minutes earlier today, went away.", "one_side_of_body"),
    ("her hand and foot went numb on the left about an hour ago", "one_side_of_body"),
    # a limb that cannot move at all is paralysed, not weak
    ("Mum says on the phone her right leg won't answer - she can't lift it off the bed at all.", "paralysis"),
    ("he couldn't move his left leg an inch when he woke up", "paralysis"),
])
def test_stroke_and_paralysis_told_in_everyday_words_escalate(engine, text, symptom):
    out = engine.assess(text)
    assert symptom in out["symptoms"] and out["triage"]["level"] == "emergency"


@pytest.mark.parametrize("text", ["my arms and legs tingle when I'm cold", "tingling in my hands and feet for months"])
def test_arms_and_legs_together_are_both_sides_not_one(engine, text):
    out = engine.assess(text)
    assert "one_side_of_body" not in out["symptoms"] and out["triage"]["level"] != "emergency"


def test_a_partial_loss_stays_weakness(engine):
    out = engine.assess("I can't lift my leg as high as I used to")
    assert "paralysis" not in out["symptoms"]
    assert "paralysis" not in engine.extract("my leg isn't weak at all").symptoms


def test_the_side_can_come_in_the_next_sentence(engine):
    out = engine.assess("Is back pain with leg numbness serious? Mine is both legs since yesterday.")
    assert out["side"] == "both" and out["triage"]["level"] == "emergency"
    assert engine.extract("My leg is numb. It's the left one.").side == "left"
    # a side said of something else in the next sentence is not the complaint's
    assert engine.extract("My legs are weak. My wife has a bad left hip.").side == "both"


def test_tingling_in_both_feet_weeks_after_an_infection_is_checked_today(engine):
    out = engine.assess("had a tummy bug two weeks ago, for the last 4 days both my feet tingle, same as yesterday")
    assert out["triage"]["level"] == "urgent"
    # long-standing tingling is not news about an infection
    assert engine.assess("both feet have tingled for years, I had a cold last week")["triage"]["level"] != "urgent"


@pytest.mark.parametrize("text, symptom", [
    ("bad back, and there's tingling down below since this morning", "saddle_numbness"),
    ("my back went yesterday and now it feels weird when I sit, like I'm sitting on a ball", "saddle_numbness"),
    ("slipped disc, and sex felt different last night, like I couldn't feel much", "saddle_numbness"),
    ("my back's bad and I didn't realise I'd wet myself until I stood up", "bladder_bowel_problems"),
    ("back agony, went to the loo and nothing happened, been hours", "bladder_bowel_problems"),
    ("back pain and I woke up in a wet bed", "bladder_bowel_problems"),
])
def test_cauda_equina_signs_in_everyday_words_escalate(engine, text, symptom):
    out = engine.assess(text)
    assert symptom in out["symptoms"] and symptom not in out["negated"]
    assert out["triage"]["level"] == "emergency"


def test_not_noticing_a_symptom_is_still_a_denial(engine):
    # "didn't realise I'd wet myself" tells it happened; "didn't notice any weakness" denies weakness
    assert "leg_weakness" in engine.extract("I didn't notice any weakness in my legs, just a sore back").negated


@pytest.mark.parametrize("text", [
    "mum keeps listing to the right when she walks and her right arm won't do what she wants",
    "half my face feels like after the dentist and my leg is weak",
])
def test_stroke_signs_told_sideways_escalate(engine, text):
    assert engine.assess(text)["triage"]["level"] == "emergency"


@pytest.mark.parametrize("text", [
    "each morning my legs are a bit weaker than the day before, this is day 3",
    "my legs have gone from tingly to useless in 48 hours",
])
def test_weakness_worse_than_the_day_before_is_rapid(engine, text):
    out = engine.assess(text)
    assert out["onset"] == "rapid" and out["triage"]["level"] == "emergency"
    # weaker than the other leg is a comparison of sides, not of days
    assert engine.assess("my left leg is weaker than the right")["onset"] != "rapid"
