"""Empty Chair: the customer's seat in every meeting.

The core a Python user calls, with no Slack and no command line in it:

    import bot
    store = bot.connect("feedback.db")
    bot.import_file(store, "tickets.csv", source="zendesk")
    result = bot.search(store, "cards taking forever to arrive")
    voice = bot.Voice.load(bot.DEFAULT_PROMPTS)
    action = bot.observe(store, voice, bot.Message("T1", "C1", "1.0", "U1", "our courier is late"),
                         bot.Policy())

The CLI (`bot.cli`) and the Slack app (`bot.slack`) are thin adapters over these.
"""

from .config import DEFAULT_PROMPTS, Settings, load_settings
from .digests.build import build_digest
from .ingest.importer import import_file
from .meeting.policy import Policy, observe
from .models import Action, Decision, Evidence, Message, Quote
from .search.quotes import search_quotes as search
from .store import Store, connect
from .voice import Voice

__version__ = "0.1.0"

__all__ = ["DEFAULT_PROMPTS", "Action", "Decision", "Evidence", "Message", "Policy", "Quote", "Settings",
           "Store", "Voice", "build_digest", "connect", "import_file", "load_settings", "observe", "search"]
