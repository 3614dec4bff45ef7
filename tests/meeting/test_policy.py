from bot.meeting.policy import Policy, answer_topic, introduce, observe
from bot.models import Message

POLICY = Policy(cooldown_seconds=300)
T0 = 1_800_000_000.0


def say(conn, voice, text, at, ts=None, thread=None, channel="C1", team="T1"):
    ts = ts or f"{T0 + at:.6f}"
    return observe(conn, voice, Message(team, channel, ts, "U1", text, thread), POLICY)


def test_introduction_mentions_how_to_ask_and_quiet(corpus, voice):
    text = introduce(corpus, voice, "T1", "C-intro", POLICY)
    assert "/customer-voice" in text and "quiet" in text and "11531" in text


def test_customer_speaks_when_conversation_settles_then_waits_for_cooldown(corpus, voice):
    first = say(corpus, voice, "let's talk about the exchange rate", 0, channel="C-fx")
    second = say(corpus, voice, "customers say the exchange rate on purchases abroad is wrong", 20,
                 channel="C-fx")
    assert [first.kind, second.kind].count("quotes") == 1
    posted = first if first.kind == "quotes" else second
    assert 1 <= len(posted.quotes) <= 3
    assert "exchange" in posted.text.lower()
    later = say(corpus, voice, "the exchange rate markup abroad is the problem", 60, channel="C-fx")
    assert later.kind == "silent" and "cooldown" in later.reason


def test_small_talk_stays_silent(corpus, voice):
    for i, text in enumerate(["morning all", "coffee?", "lol yes", "ok"]):
        assert say(corpus, voice, text, i * 20, channel="C-chat").kind == "silent"


def test_decision_gets_question_in_thread_and_answer_is_logged(corpus, voice):
    say(corpus, voice, "card delivery is taking weeks, the new courier is slow", 0, channel="C-d")
    action = say(corpus, voice, "No more courier X, we switch back to the post for card delivery.", 20,
                 channel="C-d")
    assert action.kind == "decision"
    assert action.thread_ts == f"{T0 + 20:.6f}"
    assert action.question and action.question in action.text
    reply = say(corpus, voice, "customers get cards 5 days sooner, we checked", 40, ts=f"{T0 + 41:.6f}",
                thread=action.thread_ts, channel="C-d")
    assert reply.kind == "answer"
    [decision] = corpus.decisions.list("T1", "C-d")
    assert decision.answered and "5 days sooner" in decision.answer
    assert list(decision.evidence) == [q.id for q in action.quotes]


def test_decision_without_evidence_says_so(corpus, voice):
    action = say(corpus, voice, "Final call: the llama herd gets groomed on Fridays.", 0, channel="C-p")
    assert action.kind == "decision"
    assert not action.quotes and "No customer evidence" in action.text


def test_internal_decision_is_logged_without_asking_the_customer(corpus, voice):
    action = say(corpus, voice, "Final call: the office plants get watered on Fridays.", 0, channel="C-p2")
    assert action.kind == "silent" and action.decision and action.decision_id
    assert len(corpus.decisions.list("T1", "C-p2")) == 1


def test_customer_words_used_in_the_teams_own_sense_stay_silent(corpus, voice):
    talk = ["who has the corporate card for the team lunch on friday?",
            "me, the card limit is nearly maxed out after the offsite",
            "can we raise the card limit before then?"]
    actions = [say(corpus, voice, text, i * 20, channel="C-lunch") for i, text in enumerate(talk)]
    assert all(a.kind == "silent" for a in actions)
    assert actions[-1].reason == "internal talk"


def test_quiet_mode_logs_decisions_but_says_nothing(corpus, voice):
    corpus.channels.update("T1", "C-q", mode="quiet")
    assert say(corpus, voice, "the exchange rate abroad is wrong", 0, channel="C-q").kind == "silent"
    action = say(corpus, voice, "Decision: we drop the FX markup on weekends.", 20, channel="C-q")
    assert action.kind == "silent" and action.decision_id
    assert len(corpus.decisions.list("T1", "C-q")) == 1


def test_answer_topic_says_plainly_when_there_is_no_evidence(corpus, voice):
    action = answer_topic(corpus, voice, "T1", "C1", "quantum llama farming")
    assert not action.quotes and "won't make a customer up" in action.text


def test_not_relevant_quote_is_not_shown_again_in_that_channel(corpus, voice):
    first = answer_topic(corpus, voice, "T1", "C-v", "exchange rate abroad wrong")
    corpus.clicks.record("T1", "C-v", first.quotes[0].id, "U1", "not_relevant")
    again = answer_topic(corpus, voice, "T1", "C-v", "exchange rate abroad wrong")
    assert first.quotes[0].id not in {q.id for q in again.quotes}
    elsewhere = answer_topic(corpus, voice, "T1", "C-other", "exchange rate abroad wrong")
    assert first.quotes[0].id in {q.id for q in elsewhere.quotes}


def test_a_decision_looks_only_at_the_configured_window(corpus, voice):
    """With a window of one message, talk before the decision does not choose its quotes."""
    narrow = Policy(cooldown_seconds=300, window_messages=1)
    for i, text in enumerate(["the exchange rate abroad is wrong", "exchange rate markup on purchases"]):
        observe(corpus, voice, Message("T1", "C-w", f"{T0 + i:.6f}", "U1", text), narrow)
    action = observe(corpus, voice, Message("T1", "C-w", f"{T0 + 5:.6f}", "U1",
                                            "Decision: the llama herd gets groomed on Fridays."), narrow)
    assert action.kind == "decision" and not action.quotes


def test_answer_topic_leaves_the_callers_exclusions_alone(corpus, voice):
    exclude = {1, 2}
    corpus.clicks.record("T1", "C-x", 3, "U1", "not_relevant")
    answer_topic(corpus, voice, "T1", "C-x", "exchange rate abroad", exclude_ids=exclude)
    assert exclude == {1, 2}


def test_replay_json_marks_decisions_by_what_happened_not_by_wording(corpus, voice):
    corpus.channels.update("T1", "C-j", mode="quiet")
    quiet = say(corpus, voice, "Decision: we drop the FX markup on weekends.", 0, channel="C-j")
    assert quiet.as_dict()["decision"] is True
    chat = say(corpus, voice, "decision fatigue is real today", 20, channel="C-j")
    assert chat.as_dict()["decision"] is False


def test_where_quotes_may_not_be_shared_the_customer_is_silent_and_a_decision_is_asked_bare(corpus, voice):
    def said(text, at):
        message = Message("T1", "C-shared", f"{T0 + at:.6f}", "U1", text)
        return observe(corpus, voice, message, POLICY, share_quotes=False)

    talk = [said("let's talk about the exchange rate", 0),
            said("customers say the exchange rate on purchases abroad is wrong", 20)]
    assert all(a.kind == "silent" and not a.quotes for a in talk)
    decision = said("No more courier X, we switch back to the post for card delivery.", 40)
    assert decision.kind == "decision" and not decision.quotes and decision.question in decision.text
    assert "No customer evidence" not in decision.text  # there may well be: it is not shown here
    [logged] = corpus.decisions.list("T1", "C-shared")
    assert list(logged.evidence) == []
