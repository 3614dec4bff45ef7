"""The storage interface every backend implements, written as typing Protocols.

Callers depend on these names only; `bot.store.sqlite` implements them over one SQLite
file, and a server backend implements the same methods with the same records. Records
are the dataclasses of `bot.models`; ids are integers the backend assigns; times are
epoch seconds or aware datetimes, never a backend's own types.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..models import (
    Candidate,
    Channel,
    Claim,
    Decision,
    Due,
    Hand,
    HandSettings,
    Message,
    Period,
    PeriodQuote,
    Post,
    Quote,
    QuoteFilter,
    Run,
    Schedule,
    Spec,
)
from .tables import Tables

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np


class Quotes(Protocol):
    """Quotes: imports write them, search reads them by words, ids and workspace."""

    def add(self, row: Sequence[Any], origin_channel: str | None = None, private: bool = False) -> int | None:
        """One quote (captured in Slack, typed in by hand): its id, so the caller can point at it,
        or None when it was stored before. `row` is shaped as for `add_many`; `origin_channel`
        is the channel it was saved in, which alone sees it if `private`."""

    def add_many(self, rows: Iterable[Sequence[Any]]) -> int:
        """Store quotes and their full-text entries together, so a crash or a kill never leaves a
        quote that search cannot find; returns how many were new."""

    def address(self) -> str | None:
        """What `bot.store.connect` needs to open this database from another process (the import's
        writer processes), or None for an in-memory one, which no other process sees."""

    # Every read below that takes `team_id` and `channel_id` returns only what that workspace
    # may see in that channel: its own quotes and the shared corpus (team_id ''), but a quote
    # saved in a private channel only in that channel. `channel_id` None (the App Home, the
    # command line) sees no private channel's quotes.

    def candidates(
        self,
        relevance: Mapping[int, float],
        team_id: str = "",
        exclude_ids: Collection[int] = (),
        channel_id: str | None = None,
    ) -> list[Candidate]:
        """The quotes of a search's pool this workspace may see here, each with its match relevance."""

    def count(self, team_id: str = "", channel_id: str | None = None) -> int:
        """How many quotes a workspace can draw on here (its own plus the shared corpus)."""

    def edit_saved(self, team_id: str, channel_id: str, external_id: str, text: str) -> int:
        """New (already redacted) words for the quotes a workspace saved from one message of
        `channel_id`, with their search entries; their vectors go, to be computed again. How
        many changed; never the shared corpus."""

    def remove_saved(self, team_id: str, channel_id: str, external_id: str) -> int:
        """Delete the quotes a workspace saved from one message of `channel_id`, with their
        search entries and vectors; how many went. Never the shared corpus."""

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every quote a workspace added, with its full-text entry (never the shared
        corpus); rows deleted, by table. Its vectors must go first (`Vectors.forget_team`)."""

    def get(self, quote_id: int, team_id: str = "", channel_id: str | None = None) -> Quote | None:
        """One stored quote, if this workspace may see it here."""

    def is_empty(self) -> bool:
        """No quote at all, in any workspace (statistics of nothing need no counting)."""

    def load_stats(self) -> tuple[int, float | None, dict[str, int]]:
        """Quotes counted, their typical length in characters (None if never counted), and how many
        quotes hold each stemmed word."""

    def matches(
        self, words: Sequence[str], limit: int, team_id: str = "", channel_id: str | None = None
    ) -> dict[int, float]:
        """The `limit` best full-text matches of any of `words` this workspace may see, best
        first, with their relevance. The workspace is tested before the limit, so one
        workspace's many quotes cannot crowd another's few out."""

    def newest_matches(
        self,
        words: Sequence[str],
        limit: int,
        every: bool = False,
        team_id: str = "",
        channel_id: str | None = None,
    ) -> dict[int, float]:
        """The `limit` newest quotes this workspace may see matching any (or, with `every`,
        all) of `words`, with relevance; the workspace is tested before the limit."""

    def refresh_stats(self) -> int:
        """Recount document frequencies from the full-text index (after an import); returns quotes
        counted."""

    def sources(self, team_id: str = "", channel_id: str | None = None) -> list[tuple[str, int, str | None]]:
        """Each source a workspace can draw on here: its name, how many quotes, the newest date."""

    def stats_generation(self) -> str | None:
        """Which count the stored statistics are (None before the first): cheap, asked every search."""

    def text_and_labels(self, ids: Sequence[int]) -> list[tuple[int, str, tuple[str, ...]]]:
        """Id, text and labels of a few quotes (the ones a channel clicked on), to compare others
        with."""

    def unlabelled(self, after: int = 0, limit: int = 10_000) -> list[int]:
        """Ids of quotes with no label, above `after`, in id order: what themes must be found for."""

    def total(self) -> int:
        """How many quotes the database holds for every workspace together (what an operator's
        import reports, unlike `count`, which is one workspace's view)."""


class Themes(Protocol):
    """What digests count over a period's quotes: per label, per tracked topic, salient words."""

    def corpus_df(self, stems: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many quotes of the whole corpus contain each stem, and how many quotes there are."""

    # Like the quote reads above, each counts what `team_id` may see in `channel_id` (the
    # channel the digest is for).

    def count_by_period(
        self,
        team_id: str,
        periods: Sequence[Period],
        where: QuoteFilter | None = None,
        channel_id: str | None = None,
    ) -> list[int]:
        """How many quotes (those `where` selects, or all) fall in each of `periods`, in one query:
        one range scan over all the periods rather than one per period."""

    def index_time(self) -> None:
        """Index quotes by time the first time a digest needs it, not in a migration."""

    def label_counts(
        self, team_id: str, period: Period, channel_id: str | None = None
    ) -> list[tuple[str, int, int]]:
        """Each imported label with quotes in the period or the one before: (label, quotes in the
        period, quotes in the period before), in one scan of both periods."""

    def newest(
        self,
        team_id: str,
        period: Period,
        where: QuoteFilter | None = None,
        limit: int = 200,
        channel_id: str | None = None,
    ) -> list[PeriodQuote]:
        """The newest quotes of the period (those `where` selects, or all), newest first: a theme's
        candidates for its representative quote, or the sample severity is scored on."""

    def texts(
        self,
        team_id: str,
        period: Period,
        where: QuoteFilter | None,
        limit: int,
        channel_id: str | None = None,
    ) -> list[tuple[int, str]]:
        """The newest `limit` quotes of the period that `where` selects, as (id, text): what salient
        terms are found in."""

    def ratings(
        self, team_id: str, period: Period, channel_id: str | None = None
    ) -> list[tuple[str | None, float, int]]:
        """The ratings of the period's quotes: (scale, rating as stored, how many quotes), one row
        per distinct pair (a few dozen at most), for the digest to count detractors in."""


class Vectors(Protocol):
    """Sentence embeddings, one per quote and model; numpy arrays cross this seam."""

    def add(self, model: str, ids: Sequence[int], vectors: np.ndarray) -> int:
        """Store one vector per id (row i of `vectors` for ids[i]); returns how many were new."""

    def drop_other_models(self, model: str) -> bool:
        """Forget every vector not made by `model`; True if any went."""

    def forget_team(self, team_id: str) -> int:
        """Delete the vectors of a workspace's quotes (before the quotes go); how many. Search
        processes notice (the epoch moves) and reload without them."""

    def get(self, model: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """`model`'s vectors (float16) of the given quotes, by id; quotes without one are left out."""

    def pending(self, model: str, after: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of quotes after id `after` that have no vector from `model`, in id order."""

    def pending_count(self, model: str) -> int:
        """Quotes that have no vector from `model` yet."""

    def since(
        self, model: str, after: int = 0, batch: int = 10000
    ) -> Iterator[tuple[list[int], np.ndarray, list[tuple[str | None, str | None]]]]:
        """`model`'s vectors of quotes after id `after`, in id order: chunks of (ids, float16
        matrix, who may see each quote: (workspace, '' for the shared corpus, or None for a
        quote that is gone; the private channel it was saved in, or None)), so a search picks
        its nearest quotes among those it may see."""

    def state(self) -> tuple[int, int]:
        """(epoch, count): the epoch changes when vectors are dropped, the count as they land."""

    def cache_path(self, model: str) -> Path | None:
        """Where a search process may keep `model`'s index beside the database (a file's
        neighbour), or None where there is no such place (in memory, on a server)."""


class Channels(Protocol):
    """Per-channel state: mode, cooldown, context, the conversation window, quotes shown."""

    def claim_post(self, team_id: str, channel_id: str, now: float, cooldown: float) -> bool:
        """Take the channel's turn to post unprompted: True (and `last_post_at` set to `now`) only
        if `cooldown` seconds have passed since the last post, decided in one conditional write
        so that of two replicas deciding at once only one posts."""

    def edit_message(self, team_id: str, channel_id: str, ts: str, text: str) -> None: ...

    def ensure(self, team_id: str, channel_id: str, now: float | None = None) -> Channel:
        """The channel's row, created on first sight (the bot was invited, or heard a message)."""

    def forget_message(self, team_id: str, channel_id: str, ts: str) -> None: ...

    def prune_messages(self, older_than: float) -> int:
        """Delete kept messages written before `older_than` (epoch seconds): the retention period."""

    def message(self, team_id: str, channel_id: str, ts: str) -> Message | None:
        """A message the bot kept from its event, whole; None if it was not kept or was cut short."""

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete what the bot remembers of a workspace's channels: settings, recent messages,
        quotes shown, votes. Rows deleted, by table."""

    def get(self, team_id: str, channel_id: str) -> Channel | None: ...

    def hidden(
        self, team_id: str, channel_id: str, now: float | None = None, include_shown: bool = True
    ) -> set[int]:
        """Quotes not to show here: marked not relevant (here, or in enough channels of this
        workspace: never another's), or shown lately."""

    def list(self, team_id: str) -> list[Channel]:
        """The workspace's channels the bot still sits in."""

    def shown_at(self, team_id: str) -> list[tuple[str, float]]:
        """(channel, moment) of each time quotes were shown in a workspace's channels, once per
        moment, by channel then time. Quotes the customer brings up unprompted carry the ts of the
        message that brought them up, so each such post can be traced to what the bot heard (the
        load benchmark pairs posts with events this way)."""

    def mark_shown(self, team_id: str, channel_id: str, ids: Sequence[int], now: float | None = None) -> None:
        """Quotes just posted here, so the channel does not hear them again for a while."""

    def recent_messages(
        self, team_id: str, channel_id: str, count: int, since_ts: float | None = None
    ) -> list[str]:
        """The last `count` top-level messages, oldest first."""

    def remember_message(
        self,
        team_id: str,
        channel_id: str,
        ts: str,
        user_id: str | None,
        text: str,
        thread_ts: str | None = None,
    ) -> None:
        """Keep the channel's recent conversation, from the events Slack sends (no polling)."""

    def update(self, team_id: str, channel_id: str, **values: object) -> None:
        """Set a channel's settings (mode, cooldown_seconds, topic, purpose, active ...)."""


class Clicks(Protocol):
    """Votes on shown quotes: 'not_relevant' and 'more_like_this'."""

    def recent(self, team_id: str, channel_id: str, kind: str, limit: int) -> tuple[int, ...]:
        """The quotes a channel last clicked `kind` on, newest click first, each once."""

    def record(
        self,
        team_id: str,
        channel_id: str,
        feedback_id: int,
        user_id: str | None,
        kind: str,
        now: float | None = None,
    ) -> None:
        """A click on 'Not relevant' or 'More like this', kept to shape later answers."""


class Decisions(Protocol):
    """The decision log with its evidence (quote ids) and the team's answer."""

    def at(self, team_id: str, channel_id: str, ts: str) -> Decision | None:
        """The decision stated in the message `ts`, if there is one (a thread's parent)."""

    def count(self, team_id: str, channel_id: str) -> int:
        """How many decisions a channel has logged (it picks the next question's wording)."""

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's decision log; how many went."""

    def list(
        self, team_id: str, channel_id: str | None = None, since: float | None = None, limit: int = 50
    ) -> list[Decision]:
        """Newest first; a channel's, or a workspace's when `channel_id` is None."""

    def record(
        self,
        team_id: str,
        channel_id: str,
        ts: str,
        user_id: str | None,
        text: str,
        question: str,
        evidence: Sequence[int],
        now: float | None = None,
    ) -> int | None:
        """Log a decision once per message; its id, or None if that message was logged already."""

    def record_answer(
        self, decision_id: int, text: str, user_id: str | None, now: float | None = None
    ) -> None:
        """The team's answer; later replies in the thread add to it rather than replace it."""


class Digests(Protocol):
    """Digest schedules and the exactly-once ledger of digest runs."""

    def claim(
        self, due: Due, instance: str, now: float, lease: float, marker: str, max_attempts: int
    ) -> Claim | None:
        """Claim a run before posting it: insert its row, or take over one whose lease ran out."""

    def enabled_schedules(self) -> list[Schedule]:
        """Every schedule that is on, in every workspace; in a stable order, so the scheduler's
        sends (and its logs) come in the same order each time."""

    def finish(self, claim: Claim, status: str, now: float, note: str | None) -> bool: ...

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's digest schedules and the record of its digests sent."""

    def first_gap_start(
        self, team_id: str, channel_id: str, before: datetime, kinds: Sequence[str]
    ) -> datetime | None:
        """Where the earliest given-up run of `kinds` ending before `before` started: with no digest
        delivered since, the next one covers the gap's quotes too."""

    def get_run(self, team_id: str, channel_id: str, kind: str, end: datetime) -> Run | None: ...

    def get_schedule(self, team_id: str, channel_id: str) -> Schedule | None: ...

    def give_up(self, run: Run, now: float) -> bool:
        """Mark a run whose lease ran out a gap; True for the one caller that did (so it is logged
        once), False if it was no longer an expired claim."""

    def last_end(
        self, team_id: str, channel_id: str, before: datetime, kinds: Sequence[str], statuses: Sequence[str]
    ) -> datetime | None:
        """Where the latest run of `kinds` in `statuses` ending before `before` ended: the next
        digest of the channel starts there."""

    def last_posted(self, team_id: str, channel_id: str) -> Run | None:
        """The latest digest that was posted in a channel (what `/customer-voice digest` reports)."""

    def record_chart(self, claim: Claim, state: str) -> bool: ...

    def record_details(self, claim: Claim, ts: str, lease_until: float) -> bool: ...

    def renew(self, claim: Claim, now: float, lease_until: float) -> bool:
        """Extend a claim that is still ours, still claimed and whose lease has not run out: one
        conditional write, so it and a takeover cannot both succeed."""

    def record_summary(self, claim: Claim, ts: str, lease_until: float) -> bool:
        """The summary landed as message `ts`; False if another sender took the run over."""

    def release(self, claim: Claim, lease_until: float, note: str) -> bool:
        """Hand a claim back: any sender may take it over once `lease_until` has passed."""

    def set_schedule(
        self,
        team_id: str,
        channel_id: str,
        spec: Spec,
        user_id: str | None,
        now: float,
        enterprise_id: str | None = None,
    ) -> Schedule:
        """Turn a channel's digest on (or change it); setting it again turns it back on.
        `enterprise_id` is the workspace's Enterprise Grid organisation, where its token is kept."""

    def stalled_runs(self, now: float) -> list[tuple[Run, str | None]]:
        """Claimed runs whose lease ran out, oldest lease first, each with its channel's schedule
        zone (None when the channel has no schedule any more): the zone says when it was due."""

    def switch_off(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop a channel's digests (asked to, or the channel is gone); True if one was on."""

    def team_of_channel(self, channel_id: str) -> str | None:
        """The workspace a channel id belongs to, from what the bot stored about it."""


class Events(Protocol):
    """Slack event ids already handled (retries are not handled twice), and recent uses of
    rate-limited commands."""

    def allow(
        self, team_id: str, user_id: str, action: str, limit: int, window: float, now: float | None = None
    ) -> bool:
        """Count one use of `action` by a user, unless `limit` uses in the last `window` seconds
        were counted already: then False, and nothing is counted. Atomic across instances."""

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's counted uses of rate-limited commands (event ids are not kept per
        workspace)."""

    def prune(self, older_than: float) -> int:
        """Forget event ids older than Slack's retry window; returns how many went."""

    def seen(self, event_id: str, now: float | None = None) -> bool:
        """Record an event id; True if it was recorded before (a retry), so it is not handled twice."""


class Hands(Protocol):
    """The hands the customer raised in channels (a reaction on a message), what became of
    each, and each channel's hand settings. What the customer has learnt in a channel is read
    from its closed hands, so forgetting them resets it."""

    def raise_hand(
        self,
        team_id: str,
        channel_id: str,
        ts: str,
        theme: str,
        topic: str,
        words: Sequence[str],
        emoji: str,
        now: float,
        cooldown: float,
        window: float,
    ) -> Hand | None:
        """Record a hand on message `ts`, unless the channel has an open hand, raised one in the
        last `cooldown` seconds, or raised one on `theme` in the last `window` seconds: decided
        in one transaction, so of two replicas raising at once only one does. None if refused."""

    def recent(self, team_id: str, channel_id: str, since: float) -> list[Hand]:
        """The channel's hands raised at or after `since`, and every hand still open; newest first."""

    def at(self, team_id: str, channel_id: str, ts: str) -> Hand | None:
        """The open hand on message `ts`, if there is one."""

    def stale(self, before: float, limit: int = 500) -> list[Hand]:
        """Open hands in every workspace raised at or before `before`, oldest first: the ones whose time
        ran out while their channel fell quiet."""

    def close(
        self,
        hand_id: int,
        state: str,
        now: float,
        from_states: Sequence[str] = ("open",),
        heard_by: str | None = None,
        quote_ids: Sequence[int] | None = None,
    ) -> bool:
        """Move a hand to `state` if it is in one of `from_states`: one conditional write, so of
        two people answering one hand at once only one is heard. True if it moved."""

    def showing(self, team_id: str, channel_id: str, quote_id: int, since: float) -> Hand | None:
        """The latest hand heard here since `since` whose answer showed `quote_id`."""

    def outcomes(self, team_id: str, channel_id: str) -> list[Hand]:
        """The channel's hands that teach something (heard, declined, ignored), oldest first."""

    def forget_learning(self, team_id: str, channel_id: str) -> int:
        """Delete the channel's closed hands (what it has taught the customer); how many went."""

    def settings(self, team_id: str, channel_id: str) -> HandSettings:
        """Whether the customer may raise its hand here, and with which emoji (defaults if unset)."""

    def set_settings(
        self, team_id: str, channel_id: str, enabled: bool | None = None, emoji: str | None = None
    ) -> HandSettings:
        """Change what is given, keep the rest; the settings as they now are."""

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete a workspace's hands and hand settings; rows deleted, by table."""


class Outbox(Protocol):
    """Posts the bot owes Slack, written before their first try and kept until they land or no
    longer make sense. Every replica on one database shares them; a claim (with a lease) lets
    exactly one sender try a post at a time."""

    def add(self, kind: str, team_id: str, method: str, payload: Mapping[str, Any], expires_at: float,
            now: float, after: Mapping[str, Any] | None = None, next_at: float | None = None) -> int:
        """Keep one post to make, due at `next_at` (default `now`); its id. `payload` and `after`
        must be JSON-serialisable."""

    def claim(self, instance: str, now: float, lease_until: float, limit: int,
              post_id: int | None = None) -> list[Post]:
        """Claim up to `limit` pending posts that are due (oldest first; only `post_id` if given), for
        `instance` until `lease_until`. A post whose previous sender's lease ran out mid-try (it
        died or hung) comes back `unknown`: it may have landed. Two callers never get one post."""

    def retry(self, post_id: int, instance: str, next_at: float, note: str, unknown: bool) -> bool:
        """Hand a claimed post back, to be tried again at `next_at`; False if it was not ours."""

    def finish(self, post_id: int, instance: str, status: str, now: float, ts: str | None = None,
               note: str | None = None) -> bool:
        """Close a claimed post: `done` (landed as `ts`) or `dropped` (`note` says why)."""

    def get(self, post_id: int) -> Post | None: ...

    def postpone(self, team_id: str, until: float) -> int:
        """Hold a workspace's unclaimed posts until `until` (Slack is down for it, or asked to wait)."""

    def backlog(self, now: float) -> tuple[int, float | None]:
        """How many posts are still owed, and when the oldest of them was written."""

    def waiting(self, team_id: str, before_id: int) -> int:
        """Posts of a workspace still owed that were written before `before_id` (kept in order)."""

    def prune(self, older_than: float) -> int:
        """Forget posts that landed or were dropped before `older_than`."""

    def forget_team(self, team_id: str) -> int:
        """Delete a workspace's owed and finished posts (it uninstalled the app)."""


class Store(Protocol):
    """One database: its repositories, transactions, and a name for per-database caches."""

    backend: str
    key: str
    quotes: Quotes
    themes: Themes
    vectors: Vectors
    channels: Channels
    clicks: Clicks
    decisions: Decisions
    digests: Digests
    events: Events
    hands: Hands
    outbox: Outbox
    tables: Tables  # only for copying a whole database (migrate-db)

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside lands together or not at all; nested use joins the outer one."""

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every row of one workspace in one transaction (quotes with their vectors and
        index entries, channel state, messages, shown quotes, votes, decisions, digest schedules
        and runs, counted command uses, raised hands, owed posts); rows deleted, by table. Never the
        shared corpus."""

    def ping(self) -> bool:
        """Whether the database answers (a load balancer's health check)."""

    def close(self) -> None: ...
