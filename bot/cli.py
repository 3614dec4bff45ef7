"""`empty-chair`: the command line over the core.

The group loads the settings once; each command opens the store, calls one core
function, prints what it returns, and turns core errors into clear messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .config import ROOT, Settings, database, load_settings
from .digests.build import build_digest
from .digests.ledger import manual_due
from .digests.render import render_text
from .digests.themes import TrackedTopic, load_topics
from .errors import EmptyChairError, StoreUnavailable
from .ingest.dates import parse_date
from .ingest.importer import BadRow, ImportReport, explain_file, import_file
from .ingest.layout import Forced, presets
from .ingest.layout import mapping as layout_mapping
from .ingest.layout import preset as layout_preset
from .ingest.readers import FORMATS
from .ingest.transcript import TranscriptLine, read_transcript
from .meeting.policy import Policy
from .meeting.replay import replay as replay_meeting
from .models import SCALES, Action
from .search import semantic
from .search.quotes import search_quotes
from .store import Store, connect
from .store.copy import copy_database
from .voice import Voice, evidence_text, quote_text

DEMO_CORPUS = (
    (ROOT / "data" / "sample" / "banking77.csv", "banking-app"),
    (ROOT / "data" / "sample" / "cfpb_complaints.csv", "cfpb-complaints"),
)
DEMO_VECTORS = semantic.shipped_path(ROOT / "data" / "sample")  # so the demo need not embed for minutes
DEMO_MEETING = ROOT / "data" / "demo_meeting.txt"
DEMO_DB = ROOT / "data" / "demo.db"
DEMO_COOLDOWN = 120
DEMO_PACE = 20.0
BAR_BYTES = 1 << 20  # files smaller than this import too fast for a progress bar to help
WORKSPACE_ID = re.compile(r"T[A-Z0-9]{2,}")
FORGETTABLE_ID = re.compile(r"[TE][A-Z0-9]{2,}")  # an organisation's rows, when Slack sent no workspace

class DatabaseType(click.ParamType):
    """A SQLite file path or a postgresql:// URL (click.Path would fold the URL's `//`)."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        return database(value)


DATABASE = DatabaseType()
db_option = click.option("--db", "db_path", type=DATABASE,
                         help="Database file or postgresql:// URL (default: $EMPTY_CHAIR_DB or "
                              "data/empty_chair.db).")


def _open(settings: Settings, db_path: Path | str | None) -> Store:
    path = db_path or settings.db_path
    try:
        return connect(path)
    except StoreUnavailable as err:
        raise click.ClickException(str(err)) from None
    except EmptyChairError as err:
        raise click.ClickException(f"{path}: {err}") from None


def _voice(settings: Settings) -> Voice:
    try:
        return Voice.load(settings.prompts_dir)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None


@click.group()
@click.version_option(package_name="empty-chair")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Empty Chair: the customer's seat in every meeting.

    Import real customer feedback, search it, replay a meeting through the bot, or
    run the Slack bot.
    """
    try:
        settings = load_settings()
        semantic.switch(settings.semantic, model=settings.model)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None
    ctx.obj = settings


# -- import and embed -----------------------------------------------------------------------------


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--source", help="Name of the source (default: folder/file name).")
@click.option("--text-column", help="Column holding the feedback text.")
@click.option("--id-column", help="Column holding the source's own id.")
@click.option("--date-column", help="Column holding the date.")
@click.option("--label-column", "label_columns", multiple=True,
              help="Column holding a category, label or tags (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file name.")
@click.option("--team", help="Workspace id (T...) whose quotes these are: only that workspace sees them.")
@click.option("--shared", is_flag=True,
              help="The shared corpus, which every workspace sees (the default with one SLACK_BOT_TOKEN; "
                   "with SLACK_CLIENT_ID give this or --team).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--embed/--no-embed", "embed_now", default=None,
              help="Wait while the new quotes are embedded (default: no; `embed` or `serve` catch up, "
                   "and until then the quotes are found by their words).")
@click.option("--dry-run", "--explain", "dry_run", is_flag=True,
              help="Show which column is used for text, title, id, date, labels and rating, and why, "
                   "with three sample rows; import nothing.")
@click.option("--preset", type=click.Choice(sorted(presets())),
              help="A known export's layout, where detection is unsure (see docs/import.md).")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML file naming your own export's columns (text, title, id, date, labels, "
                   "rating, date_format).")
@click.pass_obj
def import_command(settings: Settings, paths: tuple[Path, ...], db_path: Path | str | None,
                   source: str | None,
                   text_column: str | None, id_column: str | None, date_column: str | None,
                   label_columns: tuple[str, ...], fmt: str | None, team: str | None, shared: bool,
                   quiet: bool, embed_now: bool | None, dry_run: bool, preset: str | None,
                   mapping_file: Path | None) -> None:
    """Import feedback from CSV, JSON or JSON Lines exports.

    The columns are found by their names and contents (Zendesk, HubSpot, Salesforce,
    Trustpilot, Jira, Intercom, App Store, Google Play, Typeform, SurveyMonkey,
    Delighted, Freshdesk exports need no flags); --dry-run shows the choice.
    Personal data (emails, phone and card numbers, ...) is redacted before anything
    is stored. Re-importing a file adds nothing new. Bad rows are listed with their
    file and line; the good rows still land. Exit status: 0 all imported, 1 bad rows
    or a file that cannot be read, 2 the database refused the write (full, read-only,
    locked); nothing half-written, and the same command completes it later.

    Example: empty-chair import tickets.csv --source zendesk
    """
    forced = _layout(preset, mapping_file)
    if dry_run:
        for path in paths:
            _explain_one(path, source, text_column, id_column, date_column, label_columns, fmt, forced)
        return
    team = _corpus_owner(settings, team, shared)
    store = _open_for_import(settings, db_path)
    failed = 0
    for path in paths:
        try:
            report = _import_one(store, path, source, text_column, id_column, date_column,
                                 label_columns, fmt, team, quiet, forced)
        except StoreUnavailable as err:
            click.echo(f"Error: {err}. Fix it and run the same import again: it adds only what is "
                       "missing.", err=True)
            sys.exit(2)
        no_comment = f", {report.no_comment} responses had no comment" if report.no_comment else ""
        click.echo(f"{path}: {report.read} rows read, {report.added} added, "
                   f"{report.unchanged} duplicates skipped, {len(report.bad)} bad{no_comment} "
                   f"(source: {report.source})")
        failed += len(report.bad)
    click.echo(f"The database now holds {store.quotes.total()} quotes.")
    if semantic.available():
        if settings.embed_on_import if embed_now is None else embed_now:
            _embed_pending(store, quiet)
        elif pending := semantic.pending_count(store):
            click.echo(f"{pending} quotes wait for their embedding: `empty-chair embed` or a running "
                       "`empty-chair serve` computes them; until then they are found by their words.")
    if failed:
        sys.exit(1)


def _corpus_owner(settings: Settings, team: str | None, shared: bool) -> str:
    """Whose quotes an import is: one workspace's, or '' for the shared corpus.

    A bot serving several workspaces must be told: quotes meant for one customer's team
    would otherwise be read by every workspace that installs the bot.
    """
    if team is not None and shared:
        raise click.UsageError("give --team or --shared, not both")
    if shared:
        return ""
    if team is not None:
        if not WORKSPACE_ID.fullmatch(team):
            raise click.BadParameter(f"{team!r} is not a workspace id; it looks like T0123ABCD "
                                     "(the team_id Slack sends)", param_hint="--team")
        return team
    from .slack.checks import uses_oauth  # here: importing the Slack adapter costs a quarter second

    if uses_oauth(settings):
        raise click.UsageError(
            "this bot serves several workspaces (SLACK_CLIENT_ID is set), so say who may read these "
            "quotes: --team T0123ABCD for one workspace, or --shared for every workspace that installs "
            "the bot")
    return ""


def _layout(preset: str | None, mapping_file: Path | None) -> Forced | None:
    """The columns a preset or a mapping file names (the mapping file over the preset)."""
    try:
        chosen = layout_preset(preset) if preset else None
        if mapping_file:
            own = layout_mapping(mapping_file)
            chosen = chosen.merged(own) if chosen else own
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None
    return chosen


def _open_for_import(settings: Settings, db_path: Path | str | None) -> Store:
    """The store, or exit 2 with one line when the database cannot take the import."""
    path = db_path or settings.db_path
    try:
        return connect(path)
    except EmptyChairError as err:
        click.echo(f"Error: {err if str(path) in str(err) else f'{path}: {err}'}", err=True)
        sys.exit(2)


def _printable(text: str, limit: int = 110) -> str:
    """A file's words on one terminal line: control characters (escape sequences, new lines)
    shown as escapes, never obeyed, and long values cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def _explain_one(path: Path, source: str | None, text_column: str | None, id_column: str | None,
                 date_column: str | None, label_columns: tuple[str, ...], fmt: str | None,
                 forced: Forced | None) -> None:
    """`import --dry-run`: the layout of one file, field by field, and three rows; nothing stored."""
    try:
        found = explain_file(path, source=source, fmt=fmt, text_column=text_column,
                             id_column=id_column, date_column=date_column,
                             label_columns=label_columns, forced=forced)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None
    cols = found.columns
    click.echo(f"{path} ({found.format}, source {found.source}), decided from its first "
               f"{found.sampled} records:")
    chosen = {"text": cols.text, "title": cols.title, "id": cols.id, "date": cols.date,
              "labels": ", ".join(cols.labels), "rating": cols.rating}
    for name, column in chosen.items():
        shown = _printable(column, 50) if column else "-"
        why = cols.why(name)
        if name == "rating" and cols.rating_scale:
            why += f"; read as {SCALES[cols.rating_scale].about}"
        click.echo(f"  {name:<7} {shown:<32} {_printable(why, 140)}")
    click.echo(f"First {len(found.samples)} rows as they would be stored:")
    for line, row in found.samples:
        click.echo(f"  line {line}: {_printable(row)}")
    click.echo("Nothing was imported (--dry-run).")


def _import_one(store: Store, path: Path, source: str | None, text_column: str | None,
                id_column: str | None, date_column: str | None, label_columns: tuple[str, ...],
                fmt: str | None, team: str, quiet: bool, forced: Forced | None = None) -> ImportReport:
    """One file, with a progress bar on a terminal for files over a megabyte."""
    size = path.stat().st_size
    show_bar = not quiet and size > BAR_BYTES and sys.stderr.isatty()

    def bad_row(row: BadRow) -> None:
        click.echo(f"  {row}", err=True)

    bar = click.progressbar(length=size, label=f"Importing {path.name}", file=sys.stderr)
    done = [0]

    def progress(position: int) -> None:
        bar.update(max(0, position - done[0]))
        done[0] = max(done[0], position)

    try:
        with bar if show_bar else contextlib.nullcontext():
            report = import_file(store, path, source=source, fmt=fmt, text_column=text_column,
                                 id_column=id_column, date_column=date_column,
                                 label_columns=label_columns, forced=forced, team_id=team,
                                 progress=progress if show_bar else None, on_bad_row=bad_row)
            if show_bar:
                progress(size)
            return report
    except StoreUnavailable:
        raise
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None


def _embed_pending(store: Store, quiet: bool, report: bool = True) -> None:
    """Embed the quotes that have no vector yet, with a progress bar."""
    pending = semantic.pending_count(store)
    if not pending:
        return
    bar = click.progressbar(length=pending, label="Embedding quotes", file=sys.stderr)
    with bar if not quiet else contextlib.nullcontext():
        done = semantic.embed_pending(store, progress=None if quiet else bar.update,
                                      model=semantic.new_embedder(threads=os.cpu_count() or 1))
    if report:
        click.echo(f"Embedded {done} quotes, so search finds them by meaning too.")


@cli.command()
@db_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def embed(settings: Settings, db_path: Path | str | None, quiet: bool) -> None:
    """Compute the sentence embedding of every quote that has none yet.

    `import --embed` does this too; the Slack server does it in the background. Safe to
    stop and run again: it carries on where it stopped.

    Example: empty-chair embed --db data/empty_chair.db
    """
    if not semantic.available():
        raise click.ClickException(
            "search by meaning is not installed (pip install -e .) "
            f"or is switched off ({semantic.SWITCH}=off)")
    store = _open(settings, db_path)
    _embed_pending(store, quiet)
    click.echo(f"{semantic.pending_count(store)} quotes left without an embedding.")


# -- search and replay ----------------------------------------------------------------------------


@cli.command()
@click.argument("text")
@db_option
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of quotes.")
@click.option("--team", default="", help="Workspace id (default: the shared corpus).")
@click.pass_obj
def search(settings: Settings, text: str, db_path: Path | str | None, limit: int, as_json: bool,
           team: str) -> None:
    """Find what customers said about TEXT (a topic, a sentence, pasted notes).

    Example: empty-chair search "cards taking forever to arrive"
    """
    result = search_quotes(_open(settings, db_path), text, limit=limit, team_id=team)
    if as_json:
        click.echo(json.dumps([q.as_dict() for q in result.quotes], ensure_ascii=False, indent=2))
        return
    voice = _voice(settings)
    if not result.quotes:
        click.echo(voice.render("meeting.no_evidence", topic=voice.style.strong(text[:80])))
        return
    for quote in result.quotes:
        click.echo(quote_text(voice, quote) + "\n")
    click.echo(evidence_text(voice, result.evidence))


@cli.command()
@click.argument("transcript", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.option("--cooldown", type=click.IntRange(0), help="Seconds between unprompted posts.")
@click.option("--seconds-per-line", default=20.0, show_default=True, type=click.FloatRange(0),
              help="Time between transcript lines, for the cooldown.")
@click.pass_obj
def replay(settings: Settings, transcript: Path, db_path: Path | str | None, as_json: bool,
           cooldown: int | None, seconds_per_line: float) -> None:
    """Replay a meeting TRANSCRIPT (`speaker: text` per line) through the bot.

    Prints, for each message, what the customer would do: share quotes, ask about a
    decision, or stay quiet (and why).

    Example: empty-chair replay data/demo_meeting.txt
    """
    _replay(settings, _open(settings, db_path), transcript, as_json, cooldown, seconds_per_line)


def _replay(settings: Settings, store: Store, transcript: Path, as_json: bool, cooldown: int | None,
            seconds_per_line: float) -> None:
    policy = Policy(cooldown_seconds=settings.cooldown_seconds if cooldown is None else cooldown,
                    window_messages=settings.window_messages)
    try:
        meeting = read_transcript(transcript)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None
    for line, action in replay_meeting(store, _voice(settings), meeting, policy, start=time.time(),
                                       seconds_per_line=seconds_per_line):
        _print_action(line, action, as_json)


def _print_action(line: TranscriptLine, action: Action, as_json: bool) -> None:
    if as_json:
        record = {"line": line.line, "speaker": line.speaker, "message": line.text}
        record.update(action.as_dict())
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(click.style(f"{line.line:>4} {line.speaker}: ", bold=True) + line.text)
    if action.speaks:
        label = "asks about the decision" if action.kind == "decision" else "shares quotes"
        click.echo(click.style(f"     ▸ the customer {label} ({action.reason})", fg="cyan"))
        for text_line in action.text.splitlines():
            click.echo("       " + text_line)
    elif action.kind == "hand":
        click.echo(click.style(f"     ✋ the customer raises a hand: {action.reason}. Asked, it would say:",
                               fg="yellow"))
        for text_line in action.text.splitlines():
            click.echo(click.style("       " + text_line, dim=True))
    else:
        click.echo(click.style(f"     · silent: {action.reason}", dim=True))


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEMO_DB,
              show_default=True, help="Where to build the demo database (replaced).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
@click.pass_obj
def demo(settings: Settings, db_path: Path, as_json: bool) -> None:
    """Build a fresh database from the bundled sample feedback and replay a meeting.

    No Slack account and no network needed.

    Example: empty-chair demo
    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = _open(settings, db_path)
    for path, source in DEMO_CORPUS:
        report = import_file(store, path, source=source)
        if not as_json:
            click.echo(f"Imported {report.added} quotes from {path.name} (source: {source}).")
    if semantic.available():
        shipped = semantic.add_shipped(store, DEMO_VECTORS)
        if not as_json:
            click.echo(f"Loaded {shipped} precomputed embeddings ({DEMO_VECTORS.name}): "
                       "the customer finds quotes by meaning, not only by words.")
        if semantic.pending_count(store):
            _embed_pending(store, quiet=as_json, report=not as_json)
    if not as_json:
        width = min(shutil.get_terminal_size((100, 20)).columns, 100)
        click.echo("=" * width)
        click.echo(f"Replaying {DEMO_MEETING.name}: the customer sits in the empty chair "
                   f"(messages {DEMO_PACE:.0f} s apart, at most one unprompted post every "
                   f"{DEMO_COOLDOWN} s).\n")
    _replay(settings, store, DEMO_MEETING, as_json, DEMO_COOLDOWN, DEMO_PACE)


# -- the Slack bot --------------------------------------------------------------------------------


@cli.command()
@db_option
@click.option("--host", help="Interface for HTTP mode (default 127.0.0.1).")
@click.option("--port", type=int, help="Port for HTTP mode (default $PORT or 3000).")
@click.pass_obj
def serve(settings: Settings, db_path: Path | str | None, host: str | None, port: int | None) -> None:
    """Run the Slack bot: Socket Mode if SLACK_APP_TOKEN is set, else HTTP on /slack/events.

    Digests are sent on their schedules and, with search by meaning, new quotes are
    embedded in the background.

    Example: empty-chair serve --port 3000
    """
    from .slack.server import run

    try:
        run(settings, db_path=db_path, host=host, port=port)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None


@cli.command(name="migrate-db")
@click.argument("source", type=DATABASE)
@click.argument("destination", type=DATABASE)
@click.option("--batch", default=5000, show_default=True, type=click.IntRange(min=1),
              help="Rows per transaction.")
def migrate_db(source: Path | str, destination: Path | str, batch: int) -> None:
    """Copy every quote, vector and state table of SOURCE into DESTINATION (SQLite to PostgreSQL,
    or back); a line per table with the counts on both sides.

    Rows already in DESTINATION are kept, so an interrupted copy is finished by running it
    again. Quote ids are kept, so votes, decisions and vectors still point at their quotes.

    Example: empty-chair migrate-db data/empty_chair.db postgresql://bot@db.internal/chair
    """
    if isinstance(source, Path) and not source.is_file():
        raise click.ClickException(f"{source}: no such database file")
    src = _open_target(source)
    dst = _open_target(destination)
    try:
        results = copy_database(src, dst, batch=batch)
    finally:
        src.close()
        dst.close()
    for done in results:
        click.echo(f"{done.table}: {done.copied} copied, {done.source} in source, "
                   f"{done.destination} in destination{'' if done.complete else '  MISSING ROWS'}")
    if not all(done.complete for done in results):
        raise click.ClickException("the destination lacks rows of the source (see above)")


def _open_target(target: Path | str) -> Store:
    try:
        return connect(target)
    except EmptyChairError as err:
        raise click.ClickException(f"{target}: {err}") from None


# -- forgetting a workspace -----------------------------------------------------------------------


@cli.command()
@click.option("--team", required=True, help="Workspace id (T...) to forget.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
@click.pass_obj
def forget(settings: Settings, team: str, yes: bool, db_path: Path | None) -> None:
    """Delete everything stored for one workspace, as uninstalling the app does.

    Its quotes (with their vectors and search entries), channel settings, remembered
    messages, shown quotes, votes, decisions, digest schedules and digests sent go; with
    SLACK_CLIENT_ID set, its stored installation (the bot token) too. The shared corpus
    stays. Prints how many rows went from each table.

    Example: empty-chair forget --team T0123ABCD --yes
    """
    if not FORGETTABLE_ID.fullmatch(team):
        raise click.BadParameter(f"{team!r} is not a workspace id; it looks like T0123ABCD (the team_id "
                                 "Slack sends); the shared corpus cannot be forgotten this way",
                                 param_hint="--team")
    store = _open(settings, db_path)
    if not yes:
        click.confirm(f"Delete everything stored for workspace {team} in {db_path or settings.db_path}?",
                      abort=True)
    counts = store.forget_team(team)
    for table, count in counts.items():
        click.echo(f"{table}: {count}")
    click.echo(f"Deleted {sum(counts.values())} rows of workspace {team}.")
    from .slack.checks import uses_oauth  # here: importing the Slack adapter costs a quarter second

    if uses_oauth(settings):
        _forget_installation(settings, db_path or settings.db_path, team)


def _forget_installation(settings: Settings, db_path: Path, team: str) -> None:
    from .slack.installs import installation_store

    installations = installation_store(settings, db_path)
    if installations.find_bot(enterprise_id=None, team_id=team) is None:
        click.echo(f"No installation of {team} is stored (an Enterprise Grid one goes when the app is "
                   "uninstalled there).")
        return
    installations.delete_all(enterprise_id=None, team_id=team)
    click.echo(f"Its installation (bot token) was deleted too; the app is still installed in {team} "
               "until someone there removes it.")


# -- digests --------------------------------------------------------------------------------------


@cli.command()
@click.option("--channel", required=True, help="Channel id (C...) the digest is for.")
@click.option("--team", help="Workspace id (default: the channel's, as stored; else the shared corpus).")
@click.option("--since", help="Start of the period, a date or ISO time in UTC (default: since the "
                              "channel's last digest, or the last 7 days).")
@click.option("--until", help="End of the period (default: now); with --dry-run only.")
@click.option("--dry-run", is_flag=True, help="Print the digest as text; post nothing.")
@click.option("--topics", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tracked topics file (default: $EMPTY_CHAIR_TOPICS).")
@click.option("--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the trend chart to this PNG file (needs the [chart] extra).")
@db_option
@click.pass_obj
def digest(settings: Settings, channel: str, team: str | None, since: str | None, until: str | None,
           dry_run: bool, topics: Path | None, chart_path: Path | None, db_path: Path | str | None) -> None:
    """Build a channel's digest, "What our customers are saying", now.

    It covers the themes customers raised (with the change against the period before),
    the most severe new complaints and the decisions made in the channel. With --dry-run
    it is printed and nothing is posted; otherwise it is posted to the channel like a
    scheduled one (needs SLACK_BOT_TOKEN, or the workspace's installation).

    Example: empty-chair digest --channel C0123 --since 2019-01-01 --dry-run
    """
    settings = replace(settings, db_path=db_path or settings.db_path,
                       topics_path=topics or settings.topics_path)
    store = _open(settings, None)
    team = team if team is not None else store.digests.team_of_channel(channel) or ""
    start, end = _moment("--since", since), _moment("--until", until)
    if end is not None and not dry_run:
        raise click.UsageError("--until needs --dry-run: a posted digest always ends now")
    topic_list = _topics(settings.topics_path)
    if not dry_run:
        _post_digest(settings, team, channel, start)
        return
    due = manual_due(store, team, channel, (end.timestamp() if end else time.time()), start)
    built = build_digest(store, due, topic_list, chart=chart_path is not None)
    click.echo(render_text(_voice(settings), built), nl=False)
    if chart_path is not None:
        _write_chart(settings, built, chart_path)


def _moment(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=option)
    return datetime.fromisoformat(parsed).replace(tzinfo=UTC)


def _topics(path: Path | None) -> list[TrackedTopic]:
    try:
        return load_topics(path)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None


def _write_chart(settings: Settings, built, path: Path) -> None:  # noqa: ANN001 - a Digest
    from .digests.chart import trend_png

    png = trend_png(built.trend, _voice(settings).render("digest.chart_title")) if built.trend else None
    if png is None:
        click.echo("No chart: nothing to chart for this period (at most 92 days), or matplotlib is not "
                   "installed (pip install 'empty-chair[chart]').", err=True)
        return
    path.write_bytes(png)
    click.echo(f"Chart written to {path}.", err=True)


def _post_digest(settings: Settings, team: str, channel: str, start: datetime | None) -> None:
    from .slack.digest_sender import post_now

    try:
        outcome = post_now(settings, team, channel, start)
    except EmptyChairError as err:
        raise click.ClickException(str(err)) from None
    if outcome.status == "posted":
        click.echo(f"Posted the digest to {channel} (message {outcome.ts}).")
    elif outcome.status == "empty":
        click.echo("Nothing new in the period and no decisions: nothing was posted.")
    else:
        reason = outcome.error or "see the log"
        raise click.ClickException(f"The digest was not posted ({outcome.status}: {reason})")
