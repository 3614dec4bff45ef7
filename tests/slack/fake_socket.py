"""A local Socket Mode endpoint: just enough WebSocket (RFC 6455) to hand the bot
envelopes, collect its acknowledgements, and drop the connection on purpose."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketMode:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.acks: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._closed = False

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/link"

    def start(self) -> FakeSocketMode:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._closed = True
        self.drop()
        self.listener.close()

    def send(self, envelope: dict[str, Any]) -> None:
        """Send an envelope on the newest connection."""
        with self.lock:
            conn = self.connections[-1]
        conn.sendall(_frame(0x1, json.dumps(envelope).encode()))

    def deliver(self, envelope: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
        """Send an envelope until it is acknowledged, resending on the newest connection
        as Slack does with an unacknowledged one; returns the acknowledgement."""
        deadline = time.time() + timeout
        while True:
            try:
                self.send(envelope)
            except OSError:
                pass  # that connection is gone; the next try uses the newest one
            try:
                return self.wait_for_ack(envelope["envelope_id"], timeout=1.0)
            except AssertionError:
                if time.time() > deadline:
                    raise

    def refresh(self) -> None:
        """What Slack does when it rotates connections: say so, then close the old one."""
        with self.lock:
            old = self.connections[-1]
        old.sendall(_frame(0x1, json.dumps({"type": "disconnect", "reason": "refresh_requested"}).encode()))
        time.sleep(0.2)
        try:
            old.sendall(_frame(0x8, struct.pack(">H", 1000)))
            old.close()
        except OSError:
            pass

    def drop(self) -> None:
        """Cut every connection without a close frame, as a network failure would."""
        with self.lock:
            for conn in self.connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                except OSError:
                    pass

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.time() + timeout
        while len(self.connections) < count:
            if time.time() > deadline:
                raise AssertionError(f"expected {count} Socket Mode connection(s), "
                                     f"got {len(self.connections)}")
            time.sleep(0.02)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.time() + timeout
        while True:
            with self.lock:
                found = [a for a in self.acks if a.get("envelope_id") == envelope_id]
            if found:
                return found[0]
            if time.time() > deadline:
                raise AssertionError(f"no ack for envelope {envelope_id}")
            time.sleep(0.02)

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                request += chunk
            key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                       if line.lower().startswith("sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            with self.lock:
                self.connections.append(conn)
            conn.sendall(_frame(0x1, json.dumps({"type": "hello", "num_connections": 1}).encode()))
            self._read_frames(conn)
        except (OSError, StopIteration):
            return

    def _read_frames(self, conn: socket.socket) -> None:
        while True:
            head = _read(conn, 2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", _read(conn, 2))[0]
            elif length == 127:
                length = struct.unpack(">Q", _read(conn, 8))[0]
            mask = _read(conn, 4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(_read(conn, length)))
            if opcode == 0x1:
                with self.lock:
                    self.acks.append(json.loads(data))
            elif opcode == 0x9:
                conn.sendall(_frame(0xA, data))
            elif opcode == 0x8:
                conn.close()
                return


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def _frame(opcode: int, data: bytes) -> bytes:
    if len(data) < 126:
        head = struct.pack(">BB", 0x80 | opcode, len(data))
    elif len(data) < 1 << 16:
        head = struct.pack(">BBH", 0x80 | opcode, 126, len(data))
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, len(data))
    return head + data
