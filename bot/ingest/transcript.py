"""Meeting transcripts for replay: one `speaker: message` per line.

Lines starting with `#` are comments, except `# topic: ...` and `# purpose: ...`,
which set the channel's topic and purpose as Slack would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadImportFile

_LINE = re.compile(r"^\s*([^:]{1,60}?)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class TranscriptLine:
    line: int
    speaker: str
    text: str


@dataclass
class Transcript:
    lines: list[TranscriptLine] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""


def read_transcript(path: str | Path) -> Transcript:
    """Parse a transcript; a line that is not `speaker: message` is an error naming its line."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise BadImportFile(f"{path}: not UTF-8 text ({err.reason})") from None
    transcript = Transcript()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            _header(transcript, line.lstrip()[1:])
            continue
        match = _LINE.match(line)
        if not match:
            raise BadImportFile(f"{path}:{number}: expected 'speaker: message', found {line[:60]!r}")
        transcript.lines.append(TranscriptLine(number, match.group(1), match.group(2)))
    if not transcript.lines:
        raise BadImportFile(f"{path}: no messages (expected lines of 'speaker: message')")
    return transcript


def _header(transcript: Transcript, comment: str) -> None:
    key, _, value = comment.partition(":")
    if key.strip().lower() == "topic":
        transcript.topic = value.strip()
    elif key.strip().lower() == "purpose":
        transcript.purpose = value.strip()
