"""Worker events reach /v1/events subscribers in order, garbage from the worker is counted and
skipped without stopping the good lines, and a subscriber that never reads slows nobody."""
from __future__ import annotations

import re
import socket
import threading

from harness import sse_events, wait_until


def counter(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, name
    return float(m.group(1))


def test_garbage_and_2mib_lines_do_not_stop_good_events(make_daemon):
    d = make_daemon(worker_args=("--emit-events", "500", "--garbage"))
    result: dict = {}

    def read() -> None:
        with d.client(timeout=60) as c:
            result["events"] = sse_events(
                c, lambda e: e.get("event") == "partial_text" and e["data"].get("n") == 499, 60)

    reader = threading.Thread(target=read)
    reader.start()
    wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_event_subscribers") >= 1, 10,
               "the SSE subscriber")
    assert d.post("/v1/control/start").status_code == 200
    reader.join(90)
    events = result["events"]
    ns = [e["data"]["n"] for e in events if e.get("event") == "partial_text"]
    assert ns == list(range(500)), "good lines lost or reordered"
    ids = [int(e["id"]) for e in events if "id" in e]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert any(e.get("event") == "worker_state" and e["data"]["state"] == "running" for e in events)

    metrics = d.get("/v1/metrics").text
    assert counter(metrics, "voice_sidecar_ipc_malformed_lines_total") == 10
    assert counter(metrics, "voice_sidecar_ipc_unknown_lines_total") == 5
    assert counter(metrics, "voice_sidecar_ipc_oversized_lines_total") == 5
    assert d.worker()["state"] == "running"


def test_a_subscriber_that_never_reads_does_not_block_others(make_daemon):
    d = make_daemon(worker_args=("--emit-events", "20000"),
                    tweak=lambda c: c.setdefault("ipc", {}).update(event_buffer=256))
    # A raw client that sends the request and then never reads a byte.
    host, port = d.config["listen"]["address"].split(":")
    stuck = socket.create_connection((host, int(port)))
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_event_subscribers") >= 1, 10,
               "the stuck subscriber")
    try:
        assert d.post("/v1/control/start").status_code == 200
        # The pipeline keeps flowing: all 20,000 worker events are read and published.
        wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_ipc_lines_in_total") >= 20000,
                   60, "all worker lines read")
        assert d.get("/v1/health").status_code == 200
    finally:
        stuck.close()


def test_quick_endpoints_and_control_answer_while_256_streams_are_open(make_daemon):
    d = make_daemon()
    host, port = d.config["listen"]["address"].split(":")
    streams = []
    try:
        for _ in range(256):  # once every handler thread there was; now no limit of threads at all
            s = socket.create_connection((host, int(port)))
            s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            streams.append(s)
        wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_event_subscribers") >= 256, 30,
                   "256 event streams")
        assert d.post("/v1/control/start").status_code == 200
        assert d.get("/v1/health").status_code == 200
        assert d.get("/v1/control/status").status_code == 200
    finally:
        for s in streams:
            s.close()


def test_a_slow_subscriber_is_told_how_many_events_it_missed(make_daemon):
    total = 5000
    d = make_daemon(worker_args=("--emit-events", str(total), "--event-padding", "8192"),
                    tweak=lambda c: c.setdefault("ipc", {}).update(event_buffer=64))
    host, port = d.config["listen"]["address"].split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    try:
        wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_event_subscribers") >= 1, 10,
                   "the slow subscriber")
        assert d.post("/v1/control/start").status_code == 200
        # 40 MB of events pass while the subscriber reads nothing; the pipeline does not wait.
        wait_until(lambda: counter(d.get("/v1/metrics").text, "voice_sidecar_ipc_lines_in_total") >= total + 1,
                   30, "every worker line read")
        # Now read: the stream tells how much was missed, then carries on to the newest events.
        slow.settimeout(10)
        text, last_n = b"", -1
        while last_n != total - 1:
            chunk = slow.recv(1 << 20)
            assert chunk, "stream closed before the last event"
            text += chunk
            ns = re.findall(rb'"n":(\d+)', text[-20000:])
            last_n = int(ns[-1]) if ns else -1
    finally:
        slow.close()
    lagged = re.findall(rb"event: lagged\ndata: \{\"missed\":(\d+)\}", text)
    assert lagged and sum(int(n) for n in lagged) > 0
    # Ids are consecutive except across a lagged notice, where they jump by exactly `missed`:
    # nothing is lost without the subscriber being told.
    prev_id, pending_missed = None, 0
    for frame in text.split(b"\n\n"):
        if m := re.search(rb"event: lagged\ndata: \{\"missed\":(\d+)\}", frame):
            pending_missed += int(m.group(1))
        elif m := re.search(rb"^id: (\d+)$", frame, re.M):
            event_id = int(m.group(1))
            if prev_id is not None:
                assert event_id == prev_id + 1 + pending_missed, (prev_id, pending_missed, event_id)
            prev_id, pending_missed = event_id, 0
    ns = [int(n) for n in re.findall(rb'"n":(\d+)', text)]
    assert ns == sorted(ns) and len(set(ns)) == len(ns), "events repeated or out of order"
    assert counter(d.get("/v1/metrics").text, "voice_sidecar_events_lagged_total") > 0
