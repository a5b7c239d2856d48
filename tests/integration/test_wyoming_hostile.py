"""The Wyoming listener against hostile and careless clients (issue 16, S1, S5, S6, S9), with the
protocol-speaking test worker (no model): idle connections that fill every slot, a client that
goes silent mid-transcription, a client that never reads what it asked for, a client that leaves
mid-transcription, and a data block nested 100,000 deep. Clients are raw sockets speaking the
wire format by hand, so they can misbehave as no well-behaved library would."""
from __future__ import annotations

import json
import socket
import statistics
import threading
import time
from pathlib import Path

import pytest

from harness import daemon_pid_rss_kb, free_port, wait_until

MAX_CONNECTIONS = 64  # WyomingShared::kMaxConnections
CHUNK = b"\0\0" * 1024  # 64 ms of 16 kHz s16 mono, what a satellite sends


def frame(kind: str, data: dict | None = None, payload: bytes = b"") -> bytes:
    """One event as the `wyoming` package writes it: header line, data block, payload."""
    header: dict = {"type": kind, "version": "1.10.2"}
    block = json.dumps(data).encode() if data else b""
    if block:
        header["data_length"] = len(block)
    if payload:
        header["payload_length"] = len(payload)
    return json.dumps(header).encode() + b"\n" + block + payload


class Reader:
    """Reads events from a raw socket: (type, data) pairs, None on EOF."""

    def __init__(self, s: socket.socket):
        self.s, self.buf = s, b""

    def _need(self, n: int, deadline: float) -> bool:
        while len(self.buf) < n:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.s.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def event(self, timeout: float) -> tuple[str, dict] | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if not self._need(len(self.buf) + 1, deadline):
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        header = json.loads(line)
        dlen, plen = header.get("data_length") or 0, header.get("payload_length") or 0
        if not self._need(dlen + plen, deadline):
            return None
        data = dict(header.get("data") or {})
        if dlen:
            data.update(json.loads(self.buf[:dlen]))
        self.buf = self.buf[dlen + plen:]
        return header["type"], data


def connect(port: int, rcvbuf: int | None = None) -> socket.socket:
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s


def recording(d) -> dict:
    return d.get("/v1/control/status").json()["recording"]


@pytest.fixture
def wyoming_daemon(make_daemon):
    """A daemon with a Wyoming listener and a running test worker; `wyoming` keys are merged over
    the listener's address."""

    def make(**wyoming):
        port = free_port()

        def tweak(c):
            c["wyoming"] = {"listen": f"tcp://127.0.0.1:{port}", **wyoming}
            c["worker"]["auto_start"] = True

        d = make_daemon(tweak=tweak)
        d.wait_state("running")
        return d, port

    return make


def health_latencies(d, stop: threading.Event, out: list[float]) -> None:
    with d.client(timeout=10) as c:
        while not stop.is_set():
            t = time.monotonic()
            assert c.get("/v1/health").status_code == 200
            out.append(time.monotonic() - t)
            time.sleep(0.02)


def describe_info(port: int, timeout: float) -> tuple[str, dict] | None:
    with connect(port) as s:
        s.sendall(frame("describe"))
        return Reader(s).event(timeout)


def start_turn(port: int) -> socket.socket:
    """A client that has begun a transcription: transcribe, audio-start and one chunk."""
    s = connect(port)
    s.sendall(frame("transcribe", {"language": "en"}) +
              frame("audio-start", {"rate": 16000, "width": 2, "channels": 1}) +
              frame("audio-chunk", {"rate": 16000, "width": 2, "channels": 1}, CHUNK))
    return s


# ---- S5: idle connections and silent clients ------------------------------------------------

def test_idle_connections_filling_every_slot_do_not_lock_out_a_real_client(wyoming_daemon):
    # Default timeouts (idle 30 s): eviction, not the idle timeout, must make room.
    d, port = wyoming_daemon()
    latencies: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=health_latencies, args=(d, stop, latencies), daemon=True)
    prober.start()
    idle = [connect(port) for _ in range(MAX_CONNECTIONS + 16)]
    try:
        # Real clients, one after another, are served promptly while the idle ones hold on (and
        # health is sampled meanwhile).
        served = 0
        deadline = time.monotonic() + 30
        while served < 5 or len(latencies) < 30:
            assert time.monotonic() < deadline and prober.is_alive(), (served, len(latencies))
            t = time.monotonic()
            ev = describe_info(port, timeout=5)
            assert ev is not None and ev[0] == "info", f"client {served}: no info while {len(idle)} idle: {ev}"
            assert time.monotonic() - t < 5
            served += 1
            time.sleep(0.05)
        # The idle connections did not hold on forever: the oldest were closed for newcomers.
        idle[0].settimeout(5)
        assert idle[0].recv(1) == b"", "the longest-idle connection was not closed to make room"
    finally:
        stop.set()
        prober.join(10)
        for s in idle:
            s.close()
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"health p99 {p99 * 1000:.1f} ms over {len(latencies)} calls")
    assert p99 <= 0.050, f"health p99 {p99 * 1000:.1f} ms over {len(latencies)} calls"


def test_an_idle_connection_is_closed_after_the_idle_timeout(wyoming_daemon):
    d, port = wyoming_daemon(idle_timeout_ms=1000)
    with connect(port) as s:
        t = time.monotonic()
        s.settimeout(10)
        assert s.recv(1) == b""
        waited = time.monotonic() - t
    assert 0.9 <= waited <= 6, f"closed after {waited:.2f} s, not ~1 s"


def test_a_client_silent_mid_transcription_loses_its_turn_and_frees_the_slot(wyoming_daemon):
    d, port = wyoming_daemon(read_timeout_ms=1000)
    s = start_turn(port)
    try:
        wait_until(lambda: recording(d)["state"] == "recording", 10, "the Wyoming recording to start")
        began = time.monotonic()
        r = d.post("/v1/recording/start", json={"source": "stream"})
        assert r.status_code == 503, r.text  # the silent client holds the one slot ...
        ev = Reader(s).event(timeout=15)
        waited = time.monotonic() - began
        assert ev is not None and ev[0] == "error", ev
        assert ev[1]["code"] == "read_timeout" and "wyoming.read_timeout_ms" in ev[1]["text"], ev
        assert waited <= 1.0 + 4.0, f"the turn ended {waited:.2f} s after the last audio"
        # ... until its turn ends: then an HTTP recording starts.
        wait_until(lambda: d.post("/v1/recording/start", json={"source": "stream"}).status_code == 200, 10,
                   "an HTTP recording to start after the silent client lost its turn")
        assert d.post("/v1/recording/stop").status_code == 200
    finally:
        s.close()


# ---- S6: a client that never reads ----------------------------------------------------------

@pytest.mark.parametrize("text_bytes", [1024 * 1024 - 64, 1000], ids=["1MiB-pings", "1kB-pings"])
def test_a_client_that_never_reads_cannot_grow_the_daemons_memory(wyoming_daemon, text_bytes):
    # 1 MiB pings: a pong must not echo them. 1 kB pings (echoed): what waits to be written is
    # bounded, and the daemon stops reading the client's pings once it is.
    d, port = wyoming_daemon()
    pid = d.proc.pid
    baseline = daemon_pid_rss_kb(pid)
    ping = frame("ping", {"text": "x" * text_bytes})
    s = connect(port, rcvbuf=4096)
    s.settimeout(0.2)
    peak = baseline
    sent = 0
    t_end = time.monotonic() + 8
    try:
        while time.monotonic() < t_end:
            try:
                sent += s.send(ping)  # blocks (then times out) once the daemon stops reading
            except socket.timeout:
                pass
            except OSError:
                break  # closed by the daemon: also a bound
            peak = max(peak, daemon_pid_rss_kb(pid))
    finally:
        s.close()
    print(f"sent {sent / 2**20:.1f} MiB of pings; RSS baseline {baseline} kB, peak {peak} kB")
    assert sent > 2 * 1024 * 1024, "the pings did not get through at all"
    assert peak < baseline + 64 * 1024, f"RSS rose from {baseline} to {peak} kB"
    wait_until(lambda: daemon_pid_rss_kb(pid) < baseline + 20 * 1024, 15,
               f"RSS to come back within 20 MB of {baseline} kB")
    assert describe_info(port, timeout=5)[0] == "info"


def test_every_slot_taken_by_never_reading_clients_is_bounded_and_given_back(wyoming_daemon):
    # 64 clients sending 1 MiB pings: each connection holds at most its decoder's event and a
    # bounded write queue; after the close the heap is trimmed (glibc keeps freed arenas).
    d, port = wyoming_daemon()
    pid = d.proc.pid
    baseline = daemon_pid_rss_kb(pid)
    ping = frame("ping", {"text": "x" * (1024 * 1024 - 64)})
    socks = [connect(port, rcvbuf=4096) for _ in range(MAX_CONNECTIONS)]
    peak = baseline
    try:
        for s in socks:
            s.settimeout(0.02)
        t_end = time.monotonic() + 8
        while time.monotonic() < t_end:
            for s in socks:
                try:
                    s.send(ping)
                except (socket.timeout, OSError):
                    pass
            peak = max(peak, daemon_pid_rss_kb(pid))
    finally:
        for s in socks:
            s.close()
    print(f"{len(socks)} never-reading clients: RSS baseline {baseline} kB, peak {peak} kB")
    assert peak < baseline + MAX_CONNECTIONS * 4 * 1024, f"RSS rose from {baseline} to {peak} kB"
    wait_until(lambda: daemon_pid_rss_kb(pid) < baseline + 20 * 1024, 15,
               f"RSS to come back within 20 MB of {baseline} kB")


def test_a_client_that_reads_nothing_is_closed_after_the_idle_timeout(wyoming_daemon):
    d, port = wyoming_daemon(idle_timeout_ms=1500)
    ping = frame("ping", {"text": "z" * 1000})
    s = connect(port, rcvbuf=4096)
    s.settimeout(0.2)
    t_end = time.monotonic() + 20
    closed_at = None
    try:
        while time.monotonic() < t_end and closed_at is None:
            try:
                s.send(ping)
            except socket.timeout:
                pass  # the daemon stopped reading: what it wrote waits for us
            except OSError:
                closed_at = time.monotonic()
        assert closed_at is not None, "a client that reads nothing was never closed"
    finally:
        s.close()
    # Why it closed (the log reader may trail the daemon on a loaded machine).
    wait_until(lambda: "read nothing of what we wrote" in d.log(), 10, "the daemon to say why it closed")


def test_a_long_ping_text_is_not_echoed(wyoming_daemon):
    d, port = wyoming_daemon()
    with connect(port) as s:
        r = Reader(s)
        s.sendall(frame("ping", {"text": "short"}))
        assert r.event(5) == ("pong", {"text": "short"})
        s.sendall(frame("ping", {"text": "y" * 100_000}))
        kind, data = r.event(5)
        assert kind == "pong" and "text" not in data


# ---- S9: a client that leaves mid-transcription ---------------------------------------------

def test_a_client_that_disconnects_mid_transcription_frees_the_slot_at_once(wyoming_daemon):
    d, port = wyoming_daemon(read_timeout_ms=60000)  # the read timeout must not be what ends it
    s = start_turn(port)
    wait_until(lambda: recording(d)["state"] == "recording", 10, "the Wyoming recording to start")
    s.close()
    t = time.monotonic()
    rec = wait_until(lambda: (r := recording(d))["state"] == "stopped" and r, 5, "the recording to stop")
    print(f"recording stopped {time.monotonic() - t:.3f} s after the close, reason {rec['reason']}")
    assert rec["reason"] == "client_closed", rec
    r = wait_until(lambda: (r := d.post("/v1/audio", content=b"\0" * 3200,
                                        headers={"Content-Type": "audio/L16;rate=16000;channels=1"}))
                   .status_code != 409 and r, 5, "the slot to be free")
    assert r.status_code == 200, r.text


# ---- S1: JSON nested deeply -----------------------------------------------------------------

def test_a_data_block_nested_100000_deep_gets_an_error_and_the_daemon_survives(wyoming_daemon):
    d, port = wyoming_daemon()
    depth = 100_000
    block = b'{"a": ' + b"[" * depth + b"]" * depth + b"}"  # an object, so depth is what is wrong
    with connect(port) as s:
        s.sendall(json.dumps({"type": "describe", "data_length": len(block)}).encode() + b"\n" + block)
        ev = Reader(s).event(10)
    assert ev is not None and ev[0] == "error", ev
    assert "data block" in ev[1]["text"], ev
    assert d.proc.poll() is None, d.log()[-2000:]
    assert describe_info(port, timeout=5)[0] == "info"
