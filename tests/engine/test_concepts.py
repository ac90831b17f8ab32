"""Symptom concepts people describe instead of naming (knowledge/symptoms.yml word groups and near rules).

Short wordings written for these tests, one concept each; the last list must
find nothing of the kind.
"""
import pytest


@pytest.mark.parametrize("text, symptom", [
    # loss of function: "can't", "struggling", "needed help" near an action
    ("she couldn't get up out of the armchair", "difficulty_standing_up"),
    ("he is struggling with the stairs now", "difficulty_standing_up"),
    ("it took two of us to get him off the toilet", "difficulty_standing_up"),
    ("getting out of the bath has become a real effort", "difficulty_standing_up"),
    ("my legs feel weak on the stairs", "difficulty_standing_up"),
    ("I could barely make it to the car", "difficulty_walking"),
    ("he can't put any weight on that foot", "difficulty_walking"),
    ("walking is getting harder every week", "difficulty_walking"),
    ("she can't wiggle her toes on the left", "paralysis"),
    ("I can't hold a mug without spilling it", "arm_weakness"),
    ("struggling to open a jar this morning", "arm_weakness"),
    ("his right hand feels clumsy", "arm_weakness"),
    ("my whole left side went weak", "arm_weakness"),
    ("she can't feel the floor under her feet", "numbness"),
    ("my feet feel like they belong to someone else", "numbness"),
    ("like I'm walking on cotton wool", "numbness"),
    ("the left side of my face went numb", "numbness"),
    ("my knees keep folding under me", "leg_weakness"),
    ("I keep catching my toes on the pavement", "leg_weakness"),
    # speech, face, confusion
    ("he couldn't get his words out", "slurred_speech"),
    ("her words were coming out in the wrong order", "slurred_speech"),
    ("my speech sounds thick and slow", "slurred_speech"),
    ("his mouth is pulled to one side", "facial_droop"),
    ("tea keeps dribbling out of the corner of his mouth", "facial_droop"),
    ("she didn't know where she was this morning", "confusion"),
    ("Dad got lost in his own house", "confusion"),
    ("he keeps asking the same question", "confusion"),
    # headache, vision, balance
    ("a headache like being hit with a bat", "severe_headache"),
    ("the worst pain I've ever felt in the back of my head", "severe_headache"),
    ("I'm seeing two of everything", "vision_problems"),
    ("like a curtain came down over one eye", "vision_problems"),
    ("he keeps bumping into the door frame", "balance_problems"),
    ("I'm walking like I'm drunk and drifting to the left", "balance_problems"),
    # breathing, swallowing, bladder, urine, circulation, back, muscles
    ("breathing feels like hard work", "breathing_difficulty"),
    ("she can't get enough air", "breathing_difficulty"),
    ("he chokes on sips of water", "swallowing_difficulty"),
    ("drinks keep coming back up through my nose", "swallowing_difficulty"),
    ("I haven't had a wee since yesterday", "bladder_bowel_problems"),
    ("I leaked wee without noticing", "bladder_bowel_problems"),
    ("I can't tell when I need to pee", "bladder_bowel_problems"),
    ("his pee is the colour of strong coffee", "dark_urine"),
    ("her foot is white and cold", "cold_pale_leg"),
    ("my back went on Sunday", "back_pain"),
    ("pain between my shoulder blades", "back_pain"),
    ("my back's been giving me grief", "back_pain"),
    ("my thighs are so sore after the gym", "muscle_pain"),
    # emptying the bladder and feeling it, in everyday words
    ("I stand at the toilet and nothing comes out", "bladder_bowel_problems"),
    ("I have to push hard on my tummy to get the wee out", "bladder_bowel_problems"),
    ("I don't really feel it any more when I pee", "bladder_bowel_problems"),
    ("he hasn't needed a wee since yesterday morning", "bladder_bowel_problems"),
    # feeling around the bottom without the word "numb"
    ("my backside doesn't feel like mine when I sit down", "saddle_numbness"),
    ("I can barely feel the paper when I wipe", "saddle_numbness"),
    # the face looking wrong, the mouth leaking from one corner
    ("my husband's face looks odd on the left", "facial_droop"),
    ("tea kept dribbling from the left corner of my mouth", "facial_droop"),
    # colours and coldness of a leg
    ("her foot is purply and much colder than the other one", "cold_pale_leg"),
    # weakness and walking in other words
    ("my legs feel like rubber", "leg_weakness"),
    ("he is barely able to move his legs", "leg_weakness"),
    ("on the walk to the shop I had to sit down twice", "difficulty_walking"),
    ("I had to grab the worktop to stay upright", "difficulty_walking"),
    ("she is too weak to stand for the transfer", "difficulty_standing_up"),
    ("my mum doesn't know how she got there", "confusion"),
    ("his right calf is fat and twice the size of the other", "swelling"),
    ("my heart keeps doing little flips in my chest", "palpitations"),
    ("she says her heart is galloping", "palpitations"),
])
def test_concept_found(engine, text, symptom):
    assert symptom in engine.extract(text).symptoms


@pytest.mark.parametrize("text, symptom", [
    ("I'm dead tired after work", "numbness"),
    ("I can't wait to get back to walking", "difficulty_walking"),
    ("I can't be bothered to go up the stairs tonight", "paralysis"),
    ("no trouble with the stairs at all", "difficulty_standing_up"),
    ("I can walk fine, just achy", "difficulty_walking"),
    ("I went back to bed", "back_pain"),
    ("I'm stone cold sober", "cold_pale_leg"),
    ("I've been drinking lots of water", "balance_problems"),
    ("no leaking or trouble peeing", "bladder_bowel_problems"),
    ("speech is normal", "slurred_speech"),
    ("I sat on a hard chair all day", "difficulty_standing_up"),
    ("my phone is slow today", "arm_weakness"),
    ("I feel the cold more than most", "cold_pale_leg"),
    ("she thinks it's her sciatica", "confusion"),
    ("I sleep on my left side", "arm_weakness"),
    ("I don't need the loo at night any more", "bladder_bowel_problems"),
    ("the weather turned colder this week", "cold_pale_leg"),
    ("a funny thing happened at work", "facial_droop"),
])
def test_concept_not_found(engine, text, symptom):
    assert symptom not in engine.extract(text).symptoms


@pytest.mark.parametrize("text, level", [
    ("did my first 10k yesterday and my quads are wrecked today", "self_care"),
    ("my legs went like jelly from nerves before my driving test, fine after", "self_care"),
])
def test_plain_soreness_and_nerves_are_self_care(engine, text, level):
    assert engine.assess(text)["triage"]["level"] == level


def test_a_calf_swollen_next_to_the_other_is_one_side(engine):
    out = engine.assess("my left calf has been aching since yesterday and looks swollen next to the right one")
    assert out["side"] == "left" and out["triage"]["level"] == "urgent"


def test_going_down_is_a_fall_but_swelling_going_down_is_not(engine):
    assert "falls" in engine.assess("my knee keeps giving way, I went down in the kitchen")["symptoms"]
    assert "falls" not in engine.assess("the swelling in my ankle went down overnight")["symptoms"]
