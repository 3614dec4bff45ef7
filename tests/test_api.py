"""The core API works as the package docstring shows, with no Slack and no CLI loaded."""

import subprocess
import sys

import bot

from .conftest import ROOT, SAMPLE


def test_the_documented_example_runs(tmp_path):
    store = bot.connect(tmp_path / "api.db")
    report = bot.import_file(store, SAMPLE / "banking77.csv", source="bank")
    assert report.read == 10003 and report.added > 9900  # a few texts occur twice
    result = bot.search(store, "cards taking forever to arrive")
    assert result.found and all(isinstance(q, bot.Quote) for q in result.quotes)
    voice = bot.Voice.load(bot.DEFAULT_PROMPTS)
    action = bot.observe(store, voice, bot.Message("T1", "C1", "1.0", "U1", "our courier is late"),
                         bot.Policy())
    assert isinstance(action, bot.Action)


def test_importing_the_core_loads_no_adapter():
    code = ("import sys, bot; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('slack_bolt', 'slack_sdk', 'click') or m.startswith('bot.slack') or m == 'bot.cli']; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
