"""Answers, checklists, quotes and parts said to be well: how people lay a message out.

Each wording here is our own; the development corpus taught the shapes (a form
pasted with its questions, a checklist of "- N", a relative's words in quotes,
a sentence ended with an emoji), not these sentences.
"""
from tests.engine.outcome import level_of


# ---------------------------------------------------------------- answers
def test_a_question_answered_no_denies_what_it_asked(read):
    out = read("Q: Did it come on suddenly?\nA: no\nQ: What is the problem?\n"
               "A: my legs have been getting weaker over about five months, worst on stairs")
    assert out["onset"] != "sudden"
    assert level_of(out) != "emergency"


def test_a_question_answered_yes_still_counts(read):
    out = read("Q: Did it come on suddenly?\nA: yes, my left leg went weak an hour ago")
    assert level_of(out) == "emergency"


def test_a_relatives_no_after_a_label_denies(read):
    out = read("Me: any trouble with his waterworks?\nMum: no he says\nMe: his legs have been weak since Tuesday")
    assert "bladder_bowel_problems" in out["negated"]
    assert "leg_weakness" in out["symptoms"]


def test_no_idea_is_not_an_answer(read):
    out = read("Was her face drooping? No idea, I was at work. Her legs have gone weak this afternoon.")
    assert "facial_droop" not in out["negated"]
    assert level_of(out) == "emergency"


# ------------------------------------------------------------- checklists
def test_checklist_items_marked_n_are_denied(read):
    out = read("after my first half marathon on Sunday:\n- sore thighs: Y\n- swelling - N\n"
               "- numb/tingly - N\n- dark pee (n)\neasing a bit today")
    assert {"numbness", "tingling", "swelling", "dark_urine"} <= set(out["negated"])
    assert level_of(out) == "self_care"


def test_a_dash_before_no_idea_is_no_denial(read):
    out = read("legs weak - no idea why")
    assert "leg_weakness" in out["symptoms"]


def test_a_worsening_answered_no_is_not_worsening(read):
    out = read("getting worse: no, same as when it started\nlegs weaker for ten days: yes")
    assert out["onset"] not in ("rapid", "sudden")
    assert level_of(out) != "emergency"


# ------------------------------------------------------- how text is laid out
def test_quoted_words_are_read_as_words(read, engine):
    out = read("my nan says her leg 'just gave up' on the stairs")
    assert "leg_weakness" in out["symptoms"]
    assert engine.extract("my nan says her leg 'just gave up' on the stairs").spans == {}


def test_an_emoji_ends_a_sentence(read):
    out = read("tingling started in his feet on Saturday, now it's up to his thighs 😟 "
               "he's had knee trouble for ages")
    assert level_of(out) == "emergency"
    assert "spreading_upwards" in out["timeline"]


def test_a_side_said_of_a_leg_is_that_legs_side(read):
    out = read("I get sciatica down the left leg now and then, it's been fine for months")
    assert "arm_weakness" not in out["symptoms"]
    assert "one_side_of_body" not in out["symptoms"]


# ----------------------------------------------------------- said to be well
def test_limbs_said_to_be_well_outweigh_a_side_read_from_the_face(read):
    out = read("her smile is crooked since lunch, the right side droops when she grins, "
               "but her arms and legs are fine")
    assert "facial_droop" in out["symptoms"]
    assert not {"arm_weakness", "leg_weakness"} & set(out["symptoms"])
    assert level_of(out) == "emergency"


def test_legs_said_to_be_fine_by_someone_who_plays_it_down_is_no_denial(read):
    out = read("my legs are fine honestly, it's just that they keep giving way on me since Monday")
    assert "leg_weakness" not in out["negated"]
    assert "falls" in out["symptoms"]


# -------------------------------------------------- what is usual, what is past
def test_what_someone_never_gets_is_no_denial_of_today(read):
    out = read("I never get headaches but this one hit like a thunderclap an hour ago and my leg feels weak")
    assert "severe_headache" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_decade_of_life_is_the_past(read):
    out = read("In my 40s my face went numb for an hour, they checked and found nothing and it "
               "never came back. Now I'm 61 and my knee aches after gardening.")
    assert "facial_droop" not in out["symptoms"]
    assert level_of(out) != "emergency"


def test_weeks_of_pregnancy_are_no_age(read):
    out = read("Last Tuesday, when I was 32 weeks, my left leg went weak and clumsy for twenty minutes")
    assert "leg_weakness" in out["symptoms"]


def test_a_double_negative_says_yes(read):
    out = read("it isn't not spreading: tingling in my feet on Friday, and now my hands have started tingling")
    assert "ascending_weakness" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_hypothetical_aside_does_not_hide_the_answers_after_it(read):
    out = read("In case it helps: is he breathing ok - not really, he can't get enough air lying down. "
               "Are his legs weak - yes, since yesterday.")
    assert "breathing_difficulty" in out["symptoms"]
    assert level_of(out) == "emergency"


# ------------------------------------------------------------- the lexicon
def test_neither_leg_moving_is_paralysis(read):
    out = read("tried to stand up from the bath and neither leg would move")
    assert "paralysis" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_agony_goes_with_the_part_named(read):
    out = read("numb from the waist down since this morning and my back's in agony")
    assert "back_pain" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_legs_that_ease_on_sitting_with_an_old_back_are_not_an_emergency(read):
    out = read("my legs go numb walking to the bus stop until I sit down, long history of back trouble")
    assert "eases_at_rest" in out["timeline"]
    assert level_of(out) != "emergency"


def test_urine_of_the_usual_colour_is_not_dark_urine(read):
    out = read("thighs ache since I started a statin last month, wee is the usual colour")
    assert "dark_urine" not in out["symptoms"]


def test_not_knowing_when_the_bowels_need_opening(read):
    out = read("since the weekend I can't tell when I need to open my bowels, and my back is bad")
    assert "bladder_bowel_problems" in out["symptoms"]
    assert level_of(out) == "emergency"


# ------------------------------------------------ second round of this session
def test_a_checklist_answer_after_a_comma(read):
    out = read("Headache, no. Tingling, no. My right leg has been dragging since lunch.")
    assert {"headache", "tingling"} <= set(out["negated"])
    assert "leg_weakness" in out["symptoms"]


def test_a_hedged_denial_followed_by_what_it_is_counts(read):
    out = read("I'm not breathless as such, I just can't finish a sentence without stopping, "
               "and my legs have got weaker every day since Sunday")
    assert "breathing_difficulty" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_bare_hedge_stays_a_denial(read):
    out = read("helped my son move flat yesterday, thighs sore, no numbness, no weakness as such, wee normal")
    assert "numbness" in out["negated"]
    assert level_of(out) != "emergency"


def test_a_correction_takes_a_denial_back(read):
    out = read("I haven't wet myself - well, I have, once, last night, and my back has been bad all week")
    assert "bladder_bowel_problems" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_note_naming_only_the_relative_is_about_them(read):
    out = read("Dad has prostate cancer. Back worse since Friday, now both legs weak.")
    assert "cancer" in out["risk_factors"]
    assert level_of(out) == "emergency"


def test_days_told_one_by_one_to_lost_function(read):
    out = read("On Monday my husband said his legs felt tired. Tuesday he walked like an old man. "
               "Today he needs two of us to get him from the bed to the chair.")
    assert out["onset"] == "rapid"
    assert level_of(out) == "emergency"


def test_an_episode_placed_years_back_in_a_sentence_of_its_own_is_old(read):
    out = read("All this was back in 2019, so bear with me. My right arm and leg went numb for an evening; "
               "the hospital found nothing. It never happened again. Should I mention it to my new GP?")
    assert "passed_long_ago" in out["timeline"]
    assert level_of(out) != "emergency"


def test_how_long_someone_stands_is_not_how_long_the_complaint_lasts(read):
    out = read("I'm a shop assistant standing all day, my legs ache and feel heavy by the evening "
               "and there are blue veins behind my left knee")
    assert level_of(out) != "emergency"


def test_jelly_legs_after_a_fright_that_passed(read):
    out = read("A car pulled out on me on my bike this morning, my legs went to jelly and I sat on the "
               "verge shaking for a few minutes. Fine now, rode home slowly.")
    assert level_of(out) == "self_care"


def test_a_part_said_to_be_fine_lends_no_word_to_a_near_rule(read):
    out = read("Before you ask: bladder fine, nothing came on suddenly. My legs have felt heavy for three months.")
    assert "bladder_bowel_problems" not in out["symptoms"]
    assert level_of(out) != "emergency"


def test_half_of_the_picture_missing_is_sight(read):
    out = read("My dad keeps bumping the door frame and says the TV is only half there since this afternoon")
    assert "vision_problems" in out["symptoms"]


def test_both_ends_is_vomiting_and_diarrhoea(read):
    out = read("food poisoning, up all night at both ends, now my legs feel weak")
    assert "vomiting_diarrhoea" in out["risk_factors"]


# ------------------------------------------------- third round of this session
def test_a_side_that_feels_off_for_minutes(read):
    out = read("my right side feels off since about ten minutes ago, the arm and the leg")
    assert "one_side_of_body" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_landing_on_a_side_is_no_side_gone_off(read):
    out = read("fell off a ladder this morning and landed on my left side, hip sore, walking with a limp")
    assert "one_side_of_body" not in out["symptoms"]
    assert level_of(out) != "emergency"


def test_a_side_off_for_most_of_the_year_is_not_an_emergency(read):
    out = read("my right side has felt off for most of this year, nothing sudden, face and speech fine")
    assert out["duration"] and out["duration"]["days"] > 60
    assert level_of(out) != "emergency"


def test_a_disc_problem_phrase_does_not_hide_the_leg_pain(read):
    out = read("sciatica down both legs since Sunday, now I'm bursting to go but nothing comes out")
    assert {"leg_pain", "bladder_bowel_problems"} <= set(out["symptoms"])
    assert level_of(out) == "emergency"


def test_a_coach_trip_is_no_fall(read):
    out = read("legs stiff after a ten hour coach trip, walking it off")
    assert "falls" not in out["symptoms"]
    assert level_of(out) == "self_care"


def test_a_belt_that_is_not_there(read):
    out = read("back pain for three days, now he says his belt is too tight though he isn't wearing one, "
               "and both legs feel far away")
    assert "trunk_band" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_legs_that_lost_their_oomph_with_cancer_and_a_sore_back(read):
    out = read("Dad has bowel cancer. His back has been sore this week and his legs have lost their oomph, "
               "he needs more help getting out of his chair")
    assert "leg_weakness" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_not_even_a_wiggle_is_paralysis(read):
    out = read("since the epidural my left leg still won't move, I can't even wiggle my toes")
    assert "paralysis" in out["symptoms"]


def test_jelly_legs_in_a_panic_that_settled(read):
    out = read("panic attack at the bus stop, legs went to jelly and my heart was pounding, ten minutes "
               "later I was walking home fine")
    assert level_of(out) == "self_care"


def test_fearing_to_wet_oneself_is_not_wetting(read):
    out = read("in the panic I was sure I was going to wet myself, but I didn't, legs like jelly, fine now")
    assert "bladder_bowel_problems" not in out["symptoms"]


def test_six_weeks_of_sciatica_then_both_legs_tonight(read):
    out = read("Sciatica in my right leg for seven weeks. Tonight both legs have gone weak and I keep tripping.")
    assert "new_on_background" in out["timeline"]
    assert level_of(out) == "emergency"


# ------------------------------------------------ fourth round of this session
def test_an_arm_that_drifts_down_and_words_a_bit_off(read):
    out = read("my dad's arm keeps drifting down when he holds his cup out and his words sound mushy tonight")
    assert {"arm_weakness", "slurred_speech"} <= set(out["symptoms"])
    assert level_of(out) == "emergency"


def test_a_hand_left_unused_and_one_word_for_everything(read):
    out = read("since teatime she isn't using her left hand and she answers yes yes yes to everything I ask")
    assert {"arm_weakness", "slurred_speech"} <= set(out["symptoms"])
    assert level_of(out) == "emergency"


def test_what_follows_without_after_a_cannot_happens(read):
    out = read("after a coughing fit I felt something go in my back; now my legs won't get me to the kitchen "
               "without holding on to the furniture. I'm 82 with thin bones.")
    assert "difficulty_walking" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_a_dribble_after_sitting_on_the_loo(read):
    out = read("back operation last month, since last night I've been sitting on the toilet for ages and can only dribble")
    assert "bladder_bowel_problems" in out["symptoms"]
    assert level_of(out) == "emergency"


def test_speech_that_went_wrong_days_ago_and_passed_is_urgent(read):
    out = read("Five days ago my husband's speech was a bit mushy for ten minutes and his right hand was clumsy. "
               "He has been completely fine since.")
    assert "passed_attack_days_ago" in out["timeline"]
    assert level_of(out) == "urgent"


def test_it_all_went_off_is_no_speech(read):
    out = read("panic attack last night, heart pounding, face fine, speech fine, and after twenty minutes "
               "of slow breathing it all went off")
    assert "slurred_speech" not in out["symptoms"]


def test_landing_on_a_knee_after_a_leg_gave_way_is_no_injury_that_explains_it(read):
    out = read("my left leg went weak and numb this morning and I fell, landed on my knee")
    assert "injury" not in out["risk_factors"]
    assert "new_one_sided_weakness" in [f["id"] for f in out["red_flags"]]
