"""The HTTP server as an attacker, a careless client or a load balancer meets it."""

from __future__ import annotations

import shutil
import signal
import socket
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from .helpers import BotUnderTest, serving

ROOT = Path(__file__).resolve().parents[2]


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _status_line(sock: socket.socket) -> str:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode()


def test_a_huge_body_is_refused_before_it_is_read(bot: BotUnderTest):
    with _connect(bot.url) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2000000000\r\n\r\n")
        started = time.monotonic()
        assert _status_line(sock).startswith("HTTP/1.1 413")
        assert time.monotonic() - started < 5


def test_health_answers_for_load_balancers(bot: BotUnderTest):
    with urllib.request.urlopen(f"{bot.url}/health", timeout=10) as response:
        assert response.status == 200 and response.read() == b"ok\n"


def test_sigterm_exits_promptly_with_idle_and_half_sent_connections_open(fake, slack_corpus, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(slack_corpus, db)
    with serving(fake, db) as (process, url, lines):
        idle = _connect(url)  # connected, never sends a byte
        slow = _connect(url)
        slow.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n")  # headers never finish
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, "".join(lines)
        assert time.monotonic() - started < 15
        idle.close()
        slow.close()
    assert any("stopped" in line for line in lines)
