"""Named errors of the core; adapters turn them into CLI messages or Slack replies."""


class EmptyChairError(Exception):
    "Base class for errors the user can act on"


class ConfigError(EmptyChairError):
    "A setting is missing or malformed"


class BadImportFile(EmptyChairError):
    "A feedback file cannot be read at all (unknown format, no text column, unreadable)"


class MissingVariables(EmptyChairError):
    "A prompt template needs variables that were not given"


class NoSuchPrompt(EmptyChairError):
    "A prompt template file does not exist"


class NewerSchema(EmptyChairError):
    "The database was written by a newer release than this one"


class BadSchedule(EmptyChairError):
    "A digest schedule cannot be understood (`weekly mon 09:00 [TZ]`, `daily 08:30 [TZ]`)"

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(f"{reason}: {value!r}" if value else reason)
        self.reason = reason  # names the template that explains it: digest.bad_<reason>
        self.value = value


class BadTopicsFile(EmptyChairError):
    "The tracked topics file (EMPTY_CHAIR_TOPICS) cannot be read"


class StoreUnavailable(EmptyChairError):
    "The database cannot be opened (not a database, unwritable, locked, or no server answers)"


class StoreWriteFailed(StoreUnavailable):
    "The database refused a write (disk full, read-only, locked); the transaction was undone whole"
