"""The HTTP edge under crowding: connections that never ask anything cannot lock anyone out,
event streams that never read cost the others nothing, and a closed stream is let go of at once.
Each case was a defect of the thread-per-handler server (issue 8)."""
from __future__ import annotations

import concurrent.futures
import re
import socket
import threading
import time

import pytest

from harness import EventCollector, raw_socket, subscribers, wait_until

MAX_CONNECTIONS = 2048  # ConnectionLimits::max_connections (src/http/connection_policy.h)


def open_stream(d, rcvbuf: int | None = None) -> socket.socket:
    """A GET /v1/events whose client never reads a byte."""
    s = raw_socket(d, rcvbuf)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    return s


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_idle_and_slow_connections_cannot_lock_out_health_and_control(make_daemon, transport):
    d = make_daemon(transport)
    crowd: list[socket.socket] = []
    try:
        # More idle connections than there are slots, and slow clients that sent only the start
        # of a request head: all of them wait for a request, none of them asks anything.
        for _ in range(MAX_CONNECTIONS + 100):
            crowd.append(raw_socket(d))
        for _ in range(300):
            s = raw_socket(d)
            s.sendall(b"GET /v1/heal")
            crowd.append(s)
        t0 = time.monotonic()
        health = d.get("/v1/health")
        took = time.monotonic() - t0
        assert health.status_code == 200
        assert took < 5, f"health took {took:.1f} s behind {len(crowd)} idle connections"
        assert d.post("/v1/control/stop").status_code == 200
        # The oldest idle connections made room: the server closed them (a read sees EOF).
        oldest = crowd[0]
        oldest.settimeout(5)
        assert oldest.recv(1) == b""
    finally:
        close_all(crowd)


def test_event_streams_that_never_read_leave_control_calls_alone(make_daemon):
    d = make_daemon()
    streams = [open_stream(d, rcvbuf=4096) for _ in range(300)]
    try:
        wait_until(lambda: subscribers(d) >= 300, 30, "300 event streams")
        # No shared pool of handler threads any more: streams cannot make control calls 503.
        start = d.post("/v1/control/start")
        assert start.status_code == 200, start.text
        assert d.post("/v1/control/restart").status_code == 200
        assert d.post("/v1/control/stop").status_code == 200
        assert d.get("/v1/control/status").status_code == 200
    finally:
        close_all(streams)


def test_streams_that_never_read_do_not_starve_one_that_does(make_daemon):
    total = 10000  # over 5 s: a pace one reader keeps up with easily on its own
    d = make_daemon(worker_args=("--emit-events", str(total), "--emit-per-second", "2000"))
    stuck = [open_stream(d, rcvbuf=4096) for _ in range(200)]
    reader = EventCollector(d)
    try:
        wait_until(lambda: subscribers(d) >= 201, 30, "201 event streams")
        assert d.post("/v1/control/start").status_code == 200
        last = reader.wait_for(lambda e: e.get("event") == "partial_text" and e["data"].get("n") == total - 1,
                               60, "the last worker event at the reading subscriber")
        assert last
        got = len([e for e in reader.of("partial_text")])
        missed = sum(e["data"]["missed"] for e in reader.of("lagged"))
        # Every event reached the reader, or it was told exactly how many it missed; and a reader
        # that keeps up misses (almost) nothing, whatever the 200 others do.
        assert got + missed >= total
        assert got >= 0.95 * total, f"the reading subscriber got only {got} of {total} events"
        assert d.get("/v1/health").status_code == 200
    finally:
        reader.close()
        close_all(stuck)


def test_a_closed_event_stream_is_let_go_of_at_once(make_daemon):
    d = make_daemon()
    baseline = subscribers(d)
    for _ in range(3):
        streams = [open_stream(d) for _ in range(100)]
        wait_until(lambda: subscribers(d) >= baseline + 100, 20, "100 event streams")
        close_all(streams)
        # Far sooner than the 15 s keep-alive that would otherwise be the first write to fail.
        wait_until(lambda: subscribers(d) <= baseline, 15, "the closed streams to be dropped")
    # Streams opened and closed as fast as a client can, while control calls go on beside
    # them: a closed stream must not hold anything a control call needs, even for a moment.
    assert d.post("/v1/control/start").status_code == 200
    cycling = threading.Event()
    cycling.set()

    def cycle() -> None:
        for _ in range(1000):
            open_stream(d).close()

    cyclers = [threading.Thread(target=cycle) for _ in range(4)]
    for t in cyclers:
        t.start()
    threading.Thread(target=lambda: ([t.join() for t in cyclers], cycling.clear())).start()
    codes: list[int] = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        while cycling.is_set():
            codes += pool.map(lambda _: d.post("/v1/control/start").status_code, range(8))
    assert codes and set(codes) == {200}, {c: codes.count(c) for c in set(codes)}
    wait_until(lambda: subscribers(d) <= baseline, 15, "every cycled stream to be dropped")
    metrics = d.get("/v1/metrics").text
    assert not re.search(r'voice_sidecar_http_responses_total\{code="503"\} [1-9]', metrics)
