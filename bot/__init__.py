"""Empty Chair: the customer's seat in every meeting.

The core (store, import, search, topic, decisions, digest, voice) knows nothing about
Slack; the CLI and the Slack app are thin adapters around it.
"""

__version__ = "0.1.0"
