"""Slack Connect, end to end: in a channel shared with another organisation, our customers'
words are not posted; its members are not answered; an admin may allow quotes there."""

from __future__ import annotations

import json

from bot.slack import ids

from .helpers import TEAM, USER, new_channel, new_ts
from .test_digest import BERLIN_0900, world  # noqa: F401 (a fixture)
from .test_events import DECISION, SETTLING, join, say_all

OUTSIDE = "T0ACME"
GUEST = "U_GUEST"  # a member of the customer's organisation, in the shared channel
ADMIN = "U_ADMIN"


def shared_channel(fake, joined: bool = True) -> str:
    channel = new_channel()
    fake.channel_info[channel] = {"is_ext_shared": True, "shared_team_ids": [TEAM, OUTSIDE]}
    fake.teams[OUTSIDE] = "Acme Corp"
    fake.users[GUEST] = {"team_id": OUTSIDE, "is_admin": True}  # an admin of their own workspace
    fake.users[ADMIN] = {"is_admin": True}
    return channel


def joined_shared(bot, fake) -> str:
    channel = shared_channel(fake)
    assert join(bot, channel).status == 200
    fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    return channel


def ask(bot, fake, channel: str, text: str, name: str, user: str = USER) -> dict:
    assert bot.command(text, channel=channel, user=user, response=name).status == 200
    return fake.wait_for("response", path=f"/response/{name}")[0].params


def test_the_introduction_in_a_shared_channel_says_why_no_quotes_and_the_state_is_kept(bot, fake):
    channel = joined_shared(bot, fake)
    intro = fake.calls_to("chat.postMessage", channel=channel)[0].params["text"]
    assert "shared with Acme Corp" in intro and "won't post customer quotes" in intro
    seat = bot.conn().channels.get(TEAM, channel)
    assert (seat.shared, seat.shared_with, seat.shared_allowed_by) == (True, "Acme Corp", None)


def test_a_customer_conversation_and_a_decision_bring_no_quote_into_a_shared_channel(bot, fake):
    channel = joined_shared(bot, fake)
    say_all(bot, channel, ["morning all"] + SETTLING)
    decision_ts = new_ts(10)
    bot.message(channel, DECISION, ts=decision_ts)
    bot.idle()
    posts = fake.calls_to("chat.postMessage", channel=channel)[1:]  # after the introduction
    assert len(posts) == 1 and posts[0].params["thread_ts"] == decision_ts  # the question, asked
    assert "That sounds like a decision" in posts[0].params["text"]
    assert "keep our customers' quotes out" in posts[0].params["text"]
    assert not any(b["type"] == "actions" for b in posts[0].params["blocks"])  # no quote, no buttons
    logged = bot.conn().decisions.list(TEAM, channel)[0]
    assert logged.evidence == ()
    # the same talk in a channel of our own brings quotes
    ours = new_channel()
    say_all(bot, ours, ["morning all"] + SETTLING)
    assert fake.calls_to("chat.postMessage", channel=ours)


def test_a_message_from_another_team_marks_a_channel_shared_even_before_slack_says_so(bot, fake):
    channel = new_channel()  # conversations.info says not shared (Slack has not caught up)
    assert bot.message(channel, SETTLING[0], user=GUEST, user_team=OUTSIDE, team=TEAM).status == 200  # first
    bot.idle()
    say_all(bot, channel, ["morning all"] + SETTLING[1:], start=5)
    assert not fake.calls_to("chat.postMessage", channel=channel)
    assert bot.conn().channels.get(TEAM, channel).shared is True


def test_an_outside_member_is_refused_by_commands_mentions_and_buttons(bot, fake):
    channel = joined_shared(bot, fake)
    reply = ask(bot, fake, channel, "card delivery", "guest", user=GUEST)
    assert "only answer members of the workspace" in reply["text"] and "blocks" not in reply
    mention = {"type": "app_mention", "user": GUEST, "user_team": OUTSIDE, "channel": channel, "ts": new_ts(),
               "text": "<@UBOTT0TEST> what do customers say about card delivery?"}
    assert bot.event(mention).status == 200
    refusal = fake.wait_for("chat.postEphemeral", channel=channel, user=GUEST)[0].params["text"]
    assert "only answer members of the workspace" in refusal
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1  # the introduction only
    quote_id = bot.sql("SELECT min(id) FROM feedback").fetchone()[0]
    for button in (ids.FULL_QUOTE, ids.MORE_LIKE_THIS):
        bot.click(button, str(quote_id), channel=channel, user=GUEST, user_team=OUTSIDE,
                  response=f"b-{button}")
        text = fake.wait_for("response", path=f"/response/b-{button}")[0].params["text"]
        assert "no longer stored" in text


def test_our_members_get_answers_only_they_see_without_a_share_button(bot, fake):
    channel = joined_shared(bot, fake)
    reply = ask(bot, fake, channel, "card delivery", "ours")
    layout = str(reply["blocks"])
    assert "Customers have said" in reply["text"] or "card" in reply["text"].lower()
    assert ids.SHARE not in layout and "only you see these quotes" in layout and "Acme Corp" in layout
    mention = {"type": "app_mention", "user": USER, "channel": channel, "ts": new_ts(), "team": TEAM,
               "text": "<@UBOTT0TEST> what do customers say about card delivery?"}
    assert bot.event(mention).status == 200
    private = fake.wait_for("chat.postEphemeral", channel=channel, user=USER)[0].params
    assert "I answer here only to you" in private["text"]
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1  # the introduction only


def test_share_to_channel_is_refused_in_a_shared_channel(bot, fake):
    channel = joined_shared(bot, fake)
    bot.click(ids.SHARE, json.dumps({"topic": "card delivery"}), channel=channel, response="share")
    assert "can't be posted here" in fake.wait_for("response", path="/response/share")[0].params["text"]
    bot.idle()
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1


def test_no_digest_is_scheduled_in_a_shared_channel(bot, fake):
    channel = joined_shared(bot, fake)
    reply = ask(bot, fake, channel, "digest weekly mon 09:00", "digest")
    assert "don't post digests" in reply["text"]
    assert bot.conn().digests.get_schedule(TEAM, channel) is None


def test_a_non_admin_cannot_allow_quotes_and_an_admin_can_saying_who_reads_them(bot, fake):
    channel = joined_shared(bot, fake)
    refused = ask(bot, fake, channel, "shared allow", "alice")
    assert "Only a workspace admin" in refused["text"]
    assert bot.conn().channels.get(TEAM, channel).shared_allowed_by is None
    allowed = ask(bot, fake, channel, "shared allow", "admin", user=ADMIN)
    assert "now allowed" in allowed["text"] and "people from Acme Corp included" in allowed["text"]
    assert bot.conn().channels.get(TEAM, channel).shared_allowed_by == ADMIN
    say_all(bot, channel, ["morning all"] + SETTLING)
    assert len(fake.calls_to("chat.postMessage", channel=channel)) == 2  # intro, then quotes
    share = ask(bot, fake, channel, "card delivery", "answer")
    assert ids.SHARE in str(share["blocks"]) and "people from Acme Corp included" in str(share["blocks"])
    # an outside admin (of their own workspace) is turned away like any outside member
    guest = ask(bot, fake, channel, "shared off", "guest", user=GUEST)
    assert "only answer members" in guest["text"]
    assert bot.conn().channels.get(TEAM, channel).shared_allowed_by == ADMIN
    off = ask(bot, fake, channel, "shared off", "off")
    assert "No more customer quotes" in off["text"]
    assert bot.conn().channels.get(TEAM, channel).shared_allowed_by is None


def test_another_organisation_joining_ends_an_allowance_and_unsharing_lifts_the_rule(bot, fake):
    channel = joined_shared(bot, fake)
    ask(bot, fake, channel, "shared allow", "admin", user=ADMIN)
    fake.channel_info[channel]["shared_team_ids"] = [TEAM, OUTSIDE, "T0GLOBEX"]
    fake.teams["T0GLOBEX"] = "Globex"
    joined = {"type": "channel_shared", "connected_team_id": "T0GLOBEX", "channel": channel}
    assert bot.event(joined).status == 200
    bot.idle()
    seat = bot.conn().channels.get(TEAM, channel)
    assert seat.shared and seat.shared_allowed_by is None and seat.shared_with == "Acme Corp, Globex"
    fake.channel_info[channel] = {"is_ext_shared": False}
    assert bot.event({"type": "channel_unshared", "previously_connected_team_id": OUTSIDE,
                      "channel": channel, "is_ext_shared": False}).status == 200
    bot.idle()
    assert bot.conn().channels.get(TEAM, channel).shared is False
    say_all(bot, channel, ["morning all"] + SETTLING)
    assert any(c.params["text"].startswith("Customers have said")
               for c in fake.calls_to("chat.postMessage", channel=channel))


def test_a_channel_becoming_shared_hears_why_the_customer_goes_quiet(bot, fake):
    channel = new_channel()
    assert join(bot, channel).status == 200
    fake.wait_for("chat.postMessage", channel=channel)
    bot.idle()
    fake.channel_info[channel] = {"is_ext_shared": True, "shared_team_ids": [TEAM, OUTSIDE]}
    fake.teams[OUTSIDE] = "Acme Corp"
    joined = {"type": "channel_shared", "connected_team_id": OUTSIDE, "channel": channel}
    assert bot.event(joined).status == 200
    posts = fake.wait_for("chat.postMessage", 2, channel=channel)
    assert "shared with Acme Corp" in posts[1].params["text"]


def test_a_digest_scheduled_before_the_channel_was_shared_is_not_posted_there(world):  # noqa: F811
    channel = new_channel()
    world.schedule(channel)
    world.fake.channel_info[channel] = {"is_ext_shared": True, "shared_team_ids": [TEAM, OUTSIDE]}
    world.clock.set(BERLIN_0900)
    outcome = world.sender().send_now(TEAM, channel)
    assert (outcome.status, outcome.error) == ("cancelled", "shared")
    assert not world.fake.calls_to("chat.postMessage", channel=channel)
    schedule = world.sender().chair.db().digests.get_schedule(TEAM, channel)
    assert not schedule.enabled and schedule.off_reason == "shared"


def test_organisation_names_from_slack_are_escaped_in_what_the_bot_says(bot, fake):
    channel = new_channel()
    fake.channel_info[channel] = {"is_ext_shared": True, "shared_team_ids": [TEAM, "T0EVIL"]}
    fake.teams["T0EVIL"] = "<!channel> Evil <@U0BOSS> & Co"
    assert join(bot, channel).status == 200
    intro = fake.wait_for("chat.postMessage", channel=channel)[0].params["text"]
    assert "<!channel>" not in intro and "<@U0BOSS>" not in intro and "Evil" in intro


def test_a_colleague_from_another_workspace_of_our_grid_organisation_is_no_outsider(bot, fake):
    channel = new_channel()
    fake.users["U_SISTER"] = {"team_id": "T0SISTER", "enterprise_user": {"enterprise_id": "E0ORG"}}
    for number, text in enumerate(["morning all"] + SETTLING):
        event = {"type": "message", "channel": channel, "channel_type": "channel", "user": "U_SISTER",
                 "user_team": "T0SISTER", "text": text, "ts": new_ts(number)}
        body = {"token": "legacy", "team_id": TEAM, "enterprise_id": "E0ORG", "api_app_id": "A0FAKE",
                "type": "event_callback", "event": {"event_ts": event["ts"], **event},
                "event_id": f"EvSISTER{number}{channel}", "event_time": 1,
                "authorizations": [{"team_id": TEAM, "enterprise_id": "E0ORG", "user_id": "UBOTT0TEST",
                                    "is_bot": True}]}
        assert bot.post(json.dumps(body), "application/json").status == 200
        bot.idle()
    assert bot.conn().channels.get(TEAM, channel).shared is False
    assert any(c.params["text"].startswith("Customers have said")
               for c in fake.calls_to("chat.postMessage", channel=channel))


def test_an_outside_members_capture_reaction_saves_nothing(bot, fake):
    channel = joined_shared(bot, fake)
    ts = new_ts()
    fake.add_message(channel, ts, "our internal pricing notes", user=USER)
    reaction = {"type": "reaction_added", "user": GUEST, "user_team": OUTSIDE, "reaction": "chair",
                "item": {"type": "message", "channel": channel, "ts": ts}}
    assert bot.event(reaction).status == 200
    refusal = fake.wait_for("chat.postEphemeral", channel=channel, user=GUEST)[0].params["text"]
    assert "only answer members of the workspace" in refusal
    bot.idle()
    assert bot.sql("SELECT count(*) FROM feedback WHERE origin_channel = ?", (channel,)).fetchone()[0] == 0


def test_ask_the_customer_in_a_shared_channel_answers_only_the_asker_and_refuses_outsiders(bot, fake):
    from .helpers import message_shortcut

    channel = joined_shared(bot, fake)
    said = {"ts": new_ts(), "text": "my card still hasn't arrived after two weeks"}
    message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel, said, user=USER)
    private = fake.wait_for("chat.postEphemeral", channel=channel, user=USER, timeout=5)[-1]
    assert "Acme Corp" in private.params["text"]
    message_shortcut(bot, ids.ASK_THE_CUSTOMER, channel, said, user=GUEST, user_team=OUTSIDE,
                     response="guest")
    refused = fake.wait_for("response", path="/response/guest", timeout=5)[0]
    assert refused.params["response_type"] == "ephemeral" and "card" not in refused.params["text"].lower()
    bot.idle()
    assert not [c for c in fake.calls_to("chat.postMessage", channel=channel) if c.params.get("thread_ts")]
