from bot.search.conversation import clean_text, conversation_terms, stem, words


def test_clean_text_drops_code_and_emoji_shortcodes():
    text = clean_text("see ```select * from prices``` the pricing page :tada:")
    assert "pricing page" in text
    assert "select" not in text and "tada" not in text


def test_clean_text_reads_no_slack_markup():
    """The adapter reads Slack's markup (bot.slack.blocks.plain); here `<` is a character."""
    assert clean_text("a <b> & c") == "a <b> & c"


def test_words_drop_stopwords_and_numbers():
    assert words("We think the customers hate 2 FACTOR logins in 2024") == ["hate", "factor", "logins"]


def test_stem_matches_porter():
    assert stem("refunds") == stem("refund") == "refund"
    assert stem("arrived") == stem("arriving")


def test_conversation_terms_fade_older_messages_and_add_context():
    terms = {t.word: t.weight for t in conversation_terms(
        ["pricing tiers", "refunds refunds"], topic="roadmap")}
    assert terms["refunds"] == 1.0
    assert terms["pricing"] < terms["refunds"]
    assert 0 < terms["roadmap"] < terms["pricing"]


def test_conversation_texts_weigh_the_newest_message_most():
    from bot.search.conversation import conversation_texts

    texts = conversation_texts(["first ```x``` thought", "", "latest :fire: point"], "the topic", "")
    assert texts == [("latest   point", 1.0), ("first   thought", 0.36), ("the topic", 0.3)]
