"""Uninstalled, or the bot token revoked: forget the workspace's tokens and everything of it.

In multi-workspace mode the stored installation is deleted with Bolt's own
revocation handlers; in every mode every row of that workspace goes (`Store.forget_team`):
the quotes it added with their vectors and index entries, channel state, recent messages,
shown quotes, votes, decisions, digest schedules and runs. Nothing of it lingers or
resurfaces, and `empty-chair forget --team T...` does the same by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from ...chair import Chair, team_of


def app_uninstalled(body: dict[str, Any], context: BoltContext, chair: Chair,
                    logger: logging.Logger) -> None:
    try:
        if not chair.first_delivery(body):
            return
        if chair.installation_store is not None:
            TokenRevocationListeners(chair.installation_store).handle_app_uninstalled_events(context)
        forget(chair, team_of(context, body), logger)
    except Exception:
        logger.exception("uninstall of %s was not cleaned up", context.team_id)


def tokens_revoked(body: dict[str, Any], event: dict[str, Any], context: BoltContext, chair: Chair,
                   logger: logging.Logger) -> None:
    try:
        if not chair.first_delivery(body):
            return
        if chair.installation_store is not None:
            TokenRevocationListeners(chair.installation_store).handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            forget(chair, team_of(context, body), logger)
    except Exception:
        logger.exception("token revocation in %s was not cleaned up", context.team_id)


def forget(chair: Chair, team: str, logger: logging.Logger) -> None:
    counts = chair.db().forget_team(team)
    logger.info("workspace %s: tokens gone, and %d rows of it deleted (%s)", team, sum(counts.values()),
                ", ".join(f"{table} {n}" for table, n in counts.items() if n) or "none were stored")
