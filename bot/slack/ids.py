"""Names Slack and this code must agree on; `manifest.yml` declares the same ones."""

COMMAND = "/customer-voice"

NOT_RELEVANT = "not_relevant"
MORE_LIKE_THIS = "more_like_this"
FULL_QUOTE = "full_quote"
SHARE = "share_to_channel"

ASK_THE_CUSTOMER = "ask_the_customer"  # the message shortcut

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

# Bot scopes, smallest set the features need (see manifest.yml, which lists the same):
BOT_SCOPES = (
    "app_mentions:read",  # app_mention: questions addressed to the bot
    "channels:history",  # message.channels, and the text of a message captured by reaction
    "channels:read",  # member_joined_channel, conversations.info (topic and purpose)
    "chat:write",  # posting quotes, decision questions and confirmations
    "commands",  # /customer-voice
    "files:write",  # the digest's trend chart, uploaded into its thread
    "groups:history",  # the same in private channels
    "groups:read",
    "reactions:read",  # reaction_added: capturing feedback, hearing a raised hand
    "reactions:write",  # reactions.add / .remove: raising the customer's hand, taking it down
    "team:read",  # team.info: the name of an organisation sharing a channel
    "users:read",  # users.info: the time zone of whoever schedules a digest
)
