"""The conversation over REST: interview, escalation from any state, follow-ups, state."""
import pytest

pytestmark = pytest.mark.servers

EMERGENCY_START = "This could be a medical emergency. Call 112 now"


def first_text(out):
    return out[0].get("text", "") if out else ""


def is_emergency(out):
    return bool(out) and out[0].get("custom", {}).get("triage", {}).get("level") == "emergency" \
        and out[0]["text"].startswith(EMERGENCY_START)


def is_screen(out):
    return bool(out) and isinstance(out[0].get("custom", {}).get("screen"), dict) and not is_emergency(out)


def past_the_screen(chat, sender, text):
    """Say `text`, which is screened first (weakness of unknown speed); answer no; return what follows."""
    out = chat.say(sender, text)
    assert is_screen(out), out
    out = chat.say(sender, "no")
    assert not is_emergency(out) and out[0]["text"].startswith("Thank you, that is reassuring")
    return out[1:]


def maybe_past_the_screen(chat, sender, text):
    """Say `text`; the detector may ask the screen first (by design, when unsure): then answer no."""
    out = chat.say(sender, text)
    return chat.say(sender, "no")[1:] if is_screen(out) else out


def answer_until_summary(chat, sender, answer="no", limit=8):
    """Answer every interview question with `answer` until the summary comes."""
    for _ in range(limit):
        out = chat.say(sender, answer)
        for m in out:
            if m.get("text", "").startswith("Here's my summary"):
                return m
    raise AssertionError("no summary after %d answers" % limit)


def test_interview_asks_only_what_is_missing(chat, sender):
    out = maybe_past_the_screen(chat, sender, "my right leg has been weak for 3 weeks, it came on gradually")
    question = first_text(out)
    # side, onset and duration were all given: the first question is a yes/no symptom question
    assert "suddenly" not in question.lower() and "one leg or both" not in question and "How long" not in question
    assert [b["title"] for b in out[0]["buttons"]] == ["Yes", "No", "Not sure"]


def test_full_interview_ends_with_a_summary_and_payload(chat, sender):
    out = past_the_screen(chat, sender, "my legs feel weak")
    assert "suddenly" in first_text(out).lower()
    out = chat.say(sender, "it came on gradually")
    assert "How long" in first_text(out)
    chat.say(sender, "about 3 weeks")
    summary = answer_until_summary(chat, sender, "no")
    text = summary["text"]
    assert "Suggested care: See a doctor" in text and "Book a GP appointment" in text
    assert "Possible causes to discuss with a clinician (not a diagnosis)" in text
    assert "Get help at once (call 112)" in text and "Source:" in text
    triage = summary["custom"]["triage"]
    assert triage["level"] == "routine" and triage["symptoms"] == ["leg_weakness"]
    assert triage["causes"] and {"id", "name", "score"} <= set(triage["causes"][0])


def test_dont_know_answers_are_accepted(chat, sender):
    past_the_screen(chat, sender, "my legs feel weak")
    out = chat.say(sender, "I don't know")
    assert "suddenly" not in first_text(out).lower()  # onset is not asked again
    summary = answer_until_summary(chat, sender, "not sure")
    assert "Suggested care" in summary["text"]


def test_emergency_as_an_answer_mid_interview(chat, sender):
    past_the_screen(chat, sender, "my legs feel weak")
    out = chat.say(sender, "actually my face has started drooping")
    assert is_emergency(out)
    assert "facial_droop" in out[0]["custom"]["triage"]["red_flags"]
    # the interview is over: the next message is not a leftover question
    out = chat.say(sender, "I already called")
    assert "help is on the way" in first_text(out)


def test_emergency_that_also_answers_the_pending_question(chat, sender):
    # "left arm" answers the side question too; the emergency still comes first and ends the interview
    out = past_the_screen(chat, sender, "my legs feel weak")
    assert "suddenly" in first_text(out).lower()
    out = chat.say(sender, "my face is drooping and my left arm is weak")
    assert is_emergency(out) and chat.tracker(sender)["active_loop"] in ({}, None, {"name": None})


def test_yes_to_a_red_flag_question_escalates(chat, sender):
    out = chat.say(sender, "my back hurts and my legs have been weak for months, gradually")
    assert "bladder" in first_text(out)
    out = chat.say(sender, "yes")
    assert is_emergency(out)
    assert out[0]["custom"]["triage"]["red_flags"] == ["bladder_or_bowel_loss"]


def test_answer_that_completes_a_red_flag_escalates(chat, sender):
    # in the interview: the onset question answered "suddenly"
    out = past_the_screen(chat, sender, "my left leg feels weak")
    assert "suddenly" in first_text(out).lower()
    out = chat.say(sender, "it came on suddenly")
    assert is_emergency(out)
    assert "sudden_one_sided_weakness" in out[0]["custom"]["triage"]["red_flags"]


def test_screen_reply_that_completes_a_red_flag_escalates_with_its_flags(chat, sender):
    assert is_screen(chat.say(sender, "my left leg feels weak"))
    out = chat.say(sender, "it came on suddenly")  # no "yes", but it makes the red flag with the first message
    assert is_emergency(out)
    assert "sudden_one_sided_weakness" in out[0]["custom"]["triage"]["red_flags"]


@pytest.mark.parametrize("answer", ["yes", "Yes, his speech", "not sure", "i dont know"])
def test_any_yes_or_not_sure_to_the_screen_escalates(chat, sender, answer):
    out = chat.say(sender, "my husband's legs have gone weak")
    assert is_screen(out)
    assert [b["title"] for b in out[0]["buttons"]] == ["Yes", "No", "Not sure"]
    assert len(out[0]["custom"]["screen"]["questions"]) == 9  # BE-FAST with eyes and balance (knowledge/screen.yml)
    out = chat.say(sender, answer)
    assert is_emergency(out)
    assert out[0]["custom"]["triage"]["red_flags"] == ["screen_answered_yes"]


def test_no_to_the_screen_starts_the_interview(chat, sender):
    out = past_the_screen(chat, sender, "my legs have gone weak")
    assert "suddenly" in first_text(out).lower() and out[0].get("buttons")


def test_a_message_in_another_language_gets_the_screen_with_a_note(chat, sender):
    out = chat.say(sender, "mi pierna derecha no se mueve")
    assert is_screen(out) and out[0]["text"].startswith("I can only read English well")
    assert is_emergency(chat.say(sender, "si"))


@pytest.mark.parametrize("text", [
    "äkkiä vasen jalka ei liiku, apua",          # Finnish, no glossary: "help" is no greeting
    "dědeček najednou nemůže mluvit, pomoc",     # Czech, no glossary
    "hallo, mijn moeder kan haar arm niet optillen",  # Dutch that opens like a greeting
])
def test_words_in_a_language_nobody_taught_it_are_never_taken_for_small_talk(chat, sender, text):
    out = chat.say(sender, text)
    assert is_screen(out) and out[0]["text"].startswith("I can only read English well")
    assert is_emergency(chat.say(sender, "yes"))


def test_a_language_with_a_glossary_escalates_without_the_screen(chat, sender):
    # Vietnamese has a glossary: 'suddenly cannot speak' is read, not only screened
    out = chat.say(sender, "ông tôi đột nhiên không nói được, giúp với")
    assert is_emergency(out) and not is_screen(out)


def test_emergency_after_goodbye(chat, sender):
    chat.say(sender, "hello")
    chat.say(sender, "bye")
    assert is_emergency(chat.say(sender, "wait, my speech is slurred now"))


def test_negated_red_flag_does_not_escalate(chat, sender):
    out = chat.say(sender, "no facial drooping and no slurred speech, my legs have just been weak")
    assert not is_emergency(out)
    assert is_screen(out)  # weakness of unknown speed: the screen, not the emergency reply


def test_digression_is_answered_then_the_interview_resumes(chat, sender):
    question = first_text(past_the_screen(chat, sender, "my legs feel weak"))
    out = chat.say(sender, "what exercises can I do?")
    assert "Standing side leg raise" in out[0]["text"]
    assert first_text(out[1:]) == question  # the same question again


def test_correction_changes_the_side(chat, sender):
    maybe_past_the_screen(chat, sender, "my left leg has been weak for two weeks, gradually")
    chat.say(sender, "actually it's my right leg")
    out = chat.say(sender, "why do you think that?")
    assert "side: right" in first_text(out)


def test_follow_ups_after_the_summary(chat, sender):
    maybe_past_the_screen(chat, sender, "my calves cramp when I walk and ease when I rest, I smoke, for months, gradually")
    summary = answer_until_summary(chat, sender, "no")
    assert "Peripheral artery disease" in summary["text"]
    why = first_text(chat.say(sender, "why do you think that?"))
    assert "Here's how I got there" in why and "smoking" in why
    pad = first_text(chat.say(sender, "what is PAD?"))
    assert pad.startswith("Peripheral artery disease (PAD)") and "Source:" in pad
    sciatica = first_text(chat.say(sender, "tell me more about sciatica"))
    assert sciatica.startswith("Sciatica") and "Source:" in sciatica
    how = first_text(chat.say(sender, "how do I do the seated leg raise?"))
    assert "1. Sit in a firm chair" in how and "Safety:" in how
    when = first_text(chat.say(sender, "when should I see a doctor?"))
    assert when.startswith("For what you've described: See a doctor")


def test_emergency_works_with_the_action_server_down(stack, chat, sender):
    stack.stop(["actions"])
    try:
        out = chat.say(sender, "my dad's face has dropped and he can't lift his arm")
        assert is_emergency(out)
        assert "facial_droop" in out[0]["custom"]["triage"]["red_flags"]
        # the screen and its "yes" run in the Rasa server too
        assert is_screen(chat.say(sender + "s", "my legs feel weak"))
        assert is_emergency(chat.say(sender + "s", "yes"))
        out = chat.say(sender + "b", "my legs feel weak")  # no crash without the action server either
        assert isinstance(out, list)
        # mid-interview, with a message that also answers a question, still first
        out = chat.say(sender + "b", "now my face is drooping and my right arm is weak")
        assert is_emergency(out)
    finally:
        stack.start(["actions"])
    # and with it back, the emergency reply comes first and the details follow
    out = chat.say(sender + "c", "I suddenly can't move my left leg")
    assert is_emergency(out) and any("Why I'm worried" in m.get("text", "") for m in out[1:])


def test_slots_persist_and_restart_clears_them(chat, sender):
    chat.say(sender, "my left leg has been weak for 10 days")
    slots = chat.tracker(sender)["slots"]
    assert slots["symptoms"] == ["leg_weakness"] and slots["side"] == "left" and slots["duration_days"] == 10
    chat.say(sender, "/restart")
    slots = chat.tracker(sender)["slots"]
    assert slots["symptoms"] is None and slots["side"] is None


def test_a_new_session_starts_clean(chat, sender):
    chat.say(sender, "my left leg has been weak for 10 days")
    chat.say(sender, "/session_start")
    slots = chat.tracker(sender)["slots"]
    assert not slots["symptoms"] and slots["side"] is None


def test_gibberish_is_not_taken_as_an_answer(chat, sender):
    question = first_text(maybe_past_the_screen(chat, sender, "my right leg has been weak for 3 weeks, it came on gradually"))
    chat.say(sender, "qwzx plorf blargh")
    slots = chat.tracker(sender)["slots"]
    assert slots["followup_1"] is None  # still waiting for a real answer
    out = chat.say(sender, "no")
    assert first_text(out) != question


def test_a_question_with_weak_legs_is_answered_not_screened(chat, sender):
    out = chat.say(sender, "what exercises can I do for my weak legs?")
    assert not is_screen(out) and not is_emergency(out)
    assert "exercises" in first_text(out).lower()


def test_a_question_with_a_warning_sign_is_screened_or_escalated(chat, sender):
    out = chat.say(sender, "is it normal that I can't feel when I need to pee since my back went?")
    assert is_screen(out) or is_emergency(out)
