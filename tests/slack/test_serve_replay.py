"""bench/serve_replay.py on three conversations: a real `empty-chair serve` against the fake
Slack does, message by message, what `replay` says it would (quotes, a raised hand, silence)."""

from __future__ import annotations

import json
import sys

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import serve_replay  # noqa: E402

SPEAK = [
    {"dataset": "banking77", "relevant": ["card_arrival"],
     "messages": ["ana: morning all", "ben: new cards are taking weeks to arrive for some customers",
                  "ana: is it the courier?"]},
    {"dataset": "banking77", "relevant": ["card_arrival"],
     "messages": ["ana: new cards are taking weeks to arrive for some customers",
                  "ben: the card delivery courier is slow, the card never arrives",
                  "ana: how long should a new card take to arrive?"]},
]
SILENT = [{"dataset": "banking77", "kind": "small_talk", "relevant": [],
           "messages": ["amir: morning! did anyone watch the match", "bea: the ref needs glasses"]}]


def write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_serve_and_replay_agree_on_every_message(slack_corpus, tmp_path, capsys):
    write(tmp_path / "data" / "dev" / "conversations.jsonl", SPEAK)
    write(tmp_path / "silent.jsonl", SILENT)
    code = serve_replay.main(["--half", "all", "--mode", "lexical", "--db", str(slack_corpus),
                              "--conversations", str(tmp_path / "data" / "dev" / "conversations.jsonl"),
                              "--silent", str(tmp_path / "silent.jsonl"),
                              "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["conversations"] == 3 and result["agree"] == 3, result
    assert result["sets"] == {"should speak": {"conversations": 2, "agree": 2},
                              "silent": {"conversations": 1, "agree": 1}}
    served = result["outcomes"]["served"]
    assert served["hand"] >= 1 and served["quotes"] >= 1  # agreement on more than silence


def test_outcomes_are_read_from_what_slack_saw():
    assert serve_replay.outcome_of("silent") == "nothing" and serve_replay.outcome_of("answer") == "nothing"
    assert serve_replay.outcome_of("hand") == "hand"
