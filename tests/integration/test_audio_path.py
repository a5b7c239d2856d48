"""The audio path against real processes with the protocol-speaking test worker: a hung worker
trips the 5-second ring in 5-6 s, sending and receiving run in parallel, the recording API's
refusals, SSE fan-out, control messages that cannot be lost in a flood, an event ring bounded in
bytes, and Last-Event-ID resumption."""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from harness import (EventCollector, daemon_pid_rss_kb, metric_value, subscribers, tone_wav,
                     wait_until)

AUDIO_TYPE = "audio/L16;rate=16000;channels=1"
FRAME_BYTES = 320  # 10 ms of 16 kHz s16 mono


def metrics(d) -> str:
    return d.get("/v1/metrics").text


def recording(d) -> dict:
    return d.get("/v1/control/status").json()["recording"]


def tolerant_liveness(config: dict) -> None:
    """Pings stay on, but a worker is only killed after many missed pongs: these tests want the
    ring overflow, not liveness, to act on a hung worker."""
    config["worker"].update(ping_interval_ms=200, ping_timeout_ms=600, ping_failure_limit=1000)


def started_collector(d, **kw) -> EventCollector:
    before = subscribers(d)
    c = EventCollector(d, **kw)
    wait_until(lambda: subscribers(d) >= before + 1, 10, "the SSE subscriber")
    return c


def assert_overflow_stop(d, events: EventCollector, hang_began: float, label: str) -> None:
    err = events.wait_type("stt_error", 15)
    elapsed = err["t"] - hang_began
    print(f"{label}: stt_error {elapsed:.3f} s after the hang began")
    assert err["data"]["error"] == "Python STT timeout (5 seconds)"
    assert err["data"]["action"] == "Please restart recording"
    assert err["data"]["severity"] == "critical"
    assert 5.0 <= elapsed <= 6.0, f"{label}: overflow stop after {elapsed:.3f} s, not within 5.0-6.0 s"
    stopped = events.wait_type("recording_stopped", 5)
    assert stopped["data"]["reason"] == "overflow"
    # The level rose through warn and critical on the way (one event each), before the stop.
    warn, crit = events.of("buffer_warn"), events.of("buffer_critical")
    assert len(warn) == 1 and len(crit) == 1, (len(warn), len(crit))
    assert warn[0]["t"] <= crit[0]["t"] <= err["t"]
    rec = wait_until(lambda: (r := recording(d))["state"] == "stopped" and r, 15, "the recording to stop")
    assert rec["reason"] == "overflow"
    assert rec["frames_lost"] > 0
    # What the ring held when it overflowed (5 s = 500 frames) is lost, and said so.
    assert rec["frames_lost"] >= 500, rec
    # Every frame is accounted for: acknowledged by the worker or counted lost.
    assert rec["frames_acked"] + rec["frames_lost"] == rec["frames_captured"] + rec["frames_rejected"], rec
    m = metrics(d)
    assert metric_value(m, "voice_sidecar_audio_frames_lost_total") == rec["frames_lost"]
    lost_events = events.of("audio_lost")
    assert sum(e["data"]["frames"] for e in lost_events) == rec["frames_lost"]
    print(f"{label}: {rec}")


def test_sigstopped_worker_trips_the_overflow_stop_in_5_to_6_s(make_daemon, workdir):
    d = make_daemon(tweak=tolerant_liveness)
    assert d.post("/v1/control/start").status_code == 200
    pid = d.worker()["pid"]
    wav = tone_wav(workdir / "tone30.wav", 30)
    events = started_collector(d)
    try:
        r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True})
        assert r.status_code == 200, r.text
        # Audio is flowing and acknowledged before the hang.
        wait_until(lambda: recording(d)["frames_acked"] >= 100, 10, "100 frames acknowledged")
        os.kill(pid, signal.SIGSTOP)
        hang_began = time.monotonic()
        assert_overflow_stop(d, events, hang_began, "SIGSTOP")
    finally:
        os.kill(pid, signal.SIGCONT)
        events.close()
    # The worker itself was not the casualty: once continued, it is still the running worker.
    wait_until(lambda: d.worker()["state"] == "running", 10, "the worker running after SIGCONT")


def test_worker_that_stops_reading_stdin_trips_the_overflow_stop_in_5_to_6_s(make_daemon, workdir):
    n = 300
    d = make_daemon(worker_args=("--stop-reading-after", str(n)), tweak=tolerant_liveness)
    assert d.post("/v1/control/start").status_code == 200
    wav = tone_wav(workdir / "tone30.wav", 30)
    events = started_collector(d)
    try:
        r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True})
        assert r.status_code == 200, r.text
        # The hang begins when the worker takes its last frame: its ack of seq n-1.
        last = events.wait_for(lambda e: e.get("event") == "ack" and e["data"].get("seq") == n - 1, 10,
                               f"the ack of frame {n - 1}")
        assert last["data"]["received"] == n
        assert_overflow_stop(d, events, last["t"], "stopped reading")
        # The worker is alive all along (it only stopped reading).
        assert d.worker()["state"] == "running"
    finally:
        events.close()


def test_duplex_6000_frames_at_20x_with_a_slow_event_reader(make_daemon):
    total = 6000
    d = make_daemon(worker_args=("--echo-events", "1"), tweak=tolerant_liveness)
    assert d.post("/v1/control/start").status_code == 200
    # A deliberately slow SSE reader: a 4 KiB receive buffer, 1 KiB read every 50 ms.
    slow = started_collector(d, rcvbuf=4096, read_size=1024, read_delay=0.05)
    frame = (b"\x10\x00" * (FRAME_BYTES // 2))

    def body():
        # 20x real time: 20 frames (200 ms of audio) every 10 ms, paced on the clock.
        start = time.monotonic()
        for i in range(0, total, 20):
            target = start + (i // 20) * 0.010
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield frame * 20

    try:
        t0 = time.monotonic()
        with d.client(timeout=60) as c:
            r = c.post("/v1/audio", content=body(), headers={"Content-Type": AUDIO_TYPE})
        took = time.monotonic() - t0
        assert r.status_code == 200, r.text
        rec = r.json()
        m = metrics(d)
        stall = metric_value(m, "voice_sidecar_ipc_write_stall_max_seconds")
        print(f"duplex: {total} frames in {took:.2f} s; write stall max {stall * 1000:.1f} ms; "
              f"slow reader got {len(slow.events)} events; recording {rec}")
        assert rec["reason"] == "end_of_stream"
        assert rec["frames_captured"] == total
        assert rec["frames_sent"] == total
        assert rec["frames_acked"] == total
        assert rec["frames_lost"] == 0 and rec["frames_rejected"] == 0
        assert rec["worker_frames_received"] == total
        # Both directions ran at once: the worker's 2 lines per frame came back while audio went in.
        assert metric_value(m, "voice_sidecar_ipc_lines_in_total") >= 2 * total
        assert stall < 0.5, f"the writer waited {stall:.3f} s on the worker's stdin"
        # The slow reader was really slow (it fell behind and was told so, or is still reading).
        assert slow.of("lagged") or len(slow.events) < 2 * total
    finally:
        slow.close()


def test_recording_api_refusals(make_daemon, workdir):
    d = make_daemon(tweak=tolerant_liveness)
    wav = tone_wav(workdir / "tone30.wav", 30)
    # No worker: 503 naming what to do.
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav)})
    assert r.status_code == 503 and "stopped" in r.json()["error"], r.text
    assert d.post("/v1/control/start").status_code == 200

    # Wrong audio types: 415 naming the accepted one.
    for ct in ("audio/L16;rate=44100;channels=1", "audio/L16;rate=16000;channels=2", "audio/wav", None):
        headers = {"Content-Type": ct} if ct else {}
        r = d.post("/v1/audio", content=b"\0" * 3200, headers=headers)
        assert r.status_code == 415, (ct, r.status_code, r.text)
        assert AUDIO_TYPE in r.json()["error"], r.text
    assert recording(d)["state"] == "idle", "a refused upload must not start a recording"

    # Missing file: 404; a file that is not audio: 400; a bad body: 400.
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(workdir / "nope.wav")})
    assert r.status_code == 404 and "nope.wav" in r.json()["error"], r.text
    text = workdir / "notes.txt"
    text.write_text("this is not audio\n" * 100)
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(text)})
    assert r.status_code == 400 and r.json()["error"], r.text
    for bad in ({"source": "tape"}, {"source": "file"}, {"source": "file", "path": str(wav), "realtime": "yes"}):
        r = d.post("/v1/recording/start", json=bad)
        assert r.status_code == 400, (bad, r.text)
    assert recording(d)["state"] == "idle"

    # Beyond audio.max_recordings (1 here) a start is 503 naming the capacity, never a 409 telling
    # the client to stop another's recording.
    r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav), "realtime": True})
    assert r.status_code == 200 and r.json()["state"] == "recording", r.text
    r = d.post("/v1/recording/start", json={"source": "stream"})
    assert r.status_code == 503 and r.headers["retry-after"], r.text
    err = r.json()["error"]
    assert "recording slot" in err and "audio.max_recordings" in err, err
    # So is an upload, which would start a recording of its own.
    r = d.post("/v1/audio", content=b"\0" * 3200, headers={"Content-Type": AUDIO_TYPE})
    assert r.status_code == 503 and "recording slot" in r.json()["error"], r.text
    stopped = d.post("/v1/recording/stop").json()
    assert stopped["state"] == "stopped" and stopped["reason"] == "requested"
    assert stopped["frames_lost"] == 0 and stopped["frames_acked"] == stopped["frames_captured"], stopped


def test_two_subscribers_see_the_same_events_while_a_third_never_reads(make_daemon, workdir):
    d = make_daemon(tweak=tolerant_liveness)
    assert d.post("/v1/control/start").status_code == 200
    stuck = socket.create_connection(tuple_addr(d))
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    a = started_collector(d)
    b = started_collector(d)
    wait_until(lambda: subscribers(d) >= 3, 10, "three subscribers")
    wav = tone_wav(workdir / "tone10.wav", 10)
    try:
        r = d.post("/v1/recording/start", json={"source": "file", "path": str(wav)})
        assert r.status_code == 200, r.text
        for c in (a, b):
            c.wait_type("recording_stopped", 30)

        def seq(c: EventCollector) -> list[tuple[int, str]]:
            start = next(i for i, e in enumerate(c.events) if e.get("event") == "recording_started")
            stop = next(i for i, e in enumerate(c.events) if e.get("event") == "recording_stopped")
            return [(int(e["id"]), e["event"]) for e in c.events[start:stop + 1]]

        sa, sb = seq(a), seq(b)
        acks = [s for s in sa if s[1] == "ack"]
        print(f"fan-out: {len(sa)} events in the recording, {len(acks)} acks")
        assert len(acks) == 1000, "every frame of the 10 s file is acked by the test worker"
        assert sa == sb
        ids = [i for i, _ in sa]
        assert ids == list(range(ids[0], ids[0] + len(ids))), "ids not consecutive: events were skipped"
        assert not a.of("lagged") and not b.of("lagged")
        assert d.get("/v1/health").status_code == 200
    finally:
        a.close()
        b.close()
        stuck.close()


def tuple_addr(d) -> tuple[str, int]:
    host, port = d.config["listen"]["address"].rsplit(":", 1)
    return host, int(port)


@pytest.mark.parametrize("flag", ["--flood", "--flood-before-ready"])
def test_ready_in_a_flood_of_lines_is_not_lost(make_daemon, flag):
    d = make_daemon(worker_args=(flag, "2000"))
    r = d.post("/v1/control/start")
    assert (r.status_code, r.json()) == (200, {"status": "started"}), (r.text, d.log()[-2000:])
    w = d.worker()
    assert w["state"] == "running" and w["crash_count"] == 0
    m = metrics(d)
    assert metric_value(m, "voice_sidecar_ipc_lines_in_total") >= 2001
    # And it stays running (pongs still get through after the flood).
    time.sleep(1.5)
    w = d.worker()
    assert w["state"] == "running" and w["crash_count"] == 0, w


def test_100k_events_as_fast_as_possible_are_all_accounted_for(make_daemon):
    total = 100_000
    d = make_daemon(worker_args=("--burst", str(total)),
                    tweak=lambda c: (c["worker"].update(ping_interval_ms=60000, ping_timeout_ms=60000),
                                     c.setdefault("ipc", {}).update(event_buffer=1024)))
    fast = started_collector(d)
    lagging = started_collector(d, rcvbuf=4096, read_size=512, read_delay=0.02)
    published0 = metric_value(metrics(d), "voice_sidecar_events_published_total")
    try:
        t0 = time.monotonic()
        assert d.post("/v1/control/start").status_code == 200
        wait_until(lambda: metric_value(metrics(d), "voice_sidecar_ipc_lines_in_total") >= total + 1, 60,
                   "every burst line read")
        took = time.monotonic() - t0
        fast.wait_for(lambda e: e.get("event") == "partial_text" and e["data"].get("n") == total - 1, 60,
                      "the last burst event at the fast reader")
        m = metrics(d)
        lines_in = metric_value(m, "voice_sidecar_ipc_lines_in_total")
        published = metric_value(m, "voice_sidecar_events_published_total") - published0
        ns = [e["data"]["n"] for e in fast.of("partial_text")]
        missed = sum(e["data"]["missed"] for e in fast.of("lagged"))
        print(f"burst: {total} lines read in {took:.2f} s; published {published:.0f} for {lines_in:.0f} lines in; "
              f"fast reader got {len(ns)} + lagged {missed}")
        # Every line the worker wrote was read and published (nothing dropped before the
        # subscribers): published = the worker's lines + the sidecar's own worker_state events
        # (starting, running).
        assert published == lines_in + 2, (published, lines_in)
        # The reader got each event or was told it missed it: ids are consecutive except across a
        # lagged notice, where they jump by exactly `missed`.
        prev, pending = None, 0
        for e in fast.events:
            if e.get("event") == "lagged":
                pending += e["data"]["missed"]
            elif "id" in e:
                if prev is not None:
                    assert int(e["id"]) == prev + 1 + pending, (prev, pending, e["id"])
                prev, pending = int(e["id"]), 0
        assert ns == sorted(ns) and len(set(ns)) == len(ns)
        assert ns[-1] == total - 1
        # The lagging reader is told how many it missed instead of slowing anyone.
        wait_until(lambda: lagging.of("lagged"), 30, "a lagged notice for the lagging reader")
        assert d.worker()["state"] == "running"
    finally:
        fast.close()
        lagging.close()


def test_event_ring_is_bounded_in_bytes(make_daemon):
    n, pad = 1100, 1024 * 1024 - 300  # each line just under the 1 MiB limit
    limit = 32 * 1024 * 1024
    d = make_daemon(worker_args=("--emit-events", str(n), "--event-padding", str(pad)),
                    tweak=lambda c: (tolerant_liveness(c),
                                     c.setdefault("ipc", {}).update(event_buffer_bytes=limit)))
    pid = d.proc.pid
    rss0 = daemon_pid_rss_kb(pid)
    peak_bytes, peak_rss = 0.0, rss0
    assert d.post("/v1/control/start").status_code == 200
    deadline = time.monotonic() + 120
    while True:
        m = metrics(d)
        peak_bytes = max(peak_bytes, metric_value(m, "voice_sidecar_event_buffer_bytes"))
        peak_rss = max(peak_rss, daemon_pid_rss_kb(pid))
        if metric_value(m, "voice_sidecar_ipc_lines_in_total") >= n + 1:
            break
        assert time.monotonic() < deadline, "the 1,100 big events were not all read"
        time.sleep(0.05)
    assert metric_value(m, "voice_sidecar_ipc_oversized_lines_total") == 0, "the lines must be under 1 MiB"
    print(f"event ring: peak {peak_bytes / 2**20:.1f} MiB (limit {limit / 2**20:.0f}), "
          f"RSS start {rss0 / 1024:.1f} MB, peak {peak_rss / 1024:.1f} MB")
    assert 0 < peak_bytes <= limit
    assert peak_bytes >= limit / 2, "the ring should hold big events up to about its byte bound"
    assert peak_rss < 200 * 1024, f"RSS {peak_rss / 1024:.0f} MB"
    # After the worker stops the daemon does not keep growing.
    assert d.post("/v1/control/stop").status_code == 200
    assert daemon_pid_rss_kb(pid) < 200 * 1024


def test_last_event_id_resumes_once_in_order(make_daemon):
    d = make_daemon(worker_args=("--emit-events", "300"),
                    tweak=lambda c: (c["worker"].update(ping_interval_ms=60000, ping_timeout_ms=60000),
                                     c.setdefault("ipc", {}).update(event_buffer=4096)))
    first = started_collector(d)
    try:
        assert d.post("/v1/control/start").status_code == 200
        first.wait_for(lambda e: e.get("event") == "partial_text" and e["data"]["n"] == 299, 20, "event 299")
    finally:
        first.close()
    by_n = {e["data"]["n"]: int(e["id"]) for e in first.of("partial_text")}
    last_id = max(int(e["id"]) for e in first.events if "id" in e)
    resume = by_n[149]
    again = EventCollector(d, headers={"Last-Event-ID": str(resume)})
    try:
        again.wait_for(lambda e: e.get("id") == str(last_id), 10, f"event id {last_id}")
        time.sleep(0.3)  # nothing more may come (no pings, no worker lines)
        got = [(int(e["id"]), e.get("event")) for e in again.events]
    finally:
        again.close()
    assert got[0][0] == resume + 1, got[:3]
    assert [i for i, _ in got] == list(range(resume + 1, last_id + 1)), "not the events after it, once, in order"
    assert not any(k == "lagged" for _, k in got)
    assert [e["data"]["n"] for e in again.of("partial_text")] == list(range(150, 300))


def test_last_event_id_older_than_the_ring_gets_the_exact_missed_count(make_daemon):
    ring = 64
    d = make_daemon(worker_args=("--emit-events", "300"),
                    tweak=lambda c: (c["worker"].update(ping_interval_ms=60000, ping_timeout_ms=60000),
                                     c.setdefault("ipc", {}).update(event_buffer=ring)))
    first = started_collector(d)
    try:
        assert d.post("/v1/control/start").status_code == 200
        first.wait_for(lambda e: e.get("event") == "partial_text" and e["data"]["n"] == 299, 20, "event 299")
    finally:
        first.close()
    ids = [int(e["id"]) for e in first.events if "id" in e]
    last_id = max(ids)
    resume = ids[0]  # long gone from a ring of 64
    again = EventCollector(d, headers={"Last-Event-ID": str(resume)})
    try:
        again.wait_for(lambda e: e.get("id") == str(last_id), 10, f"event id {last_id}")
        time.sleep(0.3)
        evs = list(again.events)
    finally:
        again.close()
    assert evs[0].get("event") == "lagged", evs[:2]
    missed = evs[0]["data"]["missed"]
    oldest_held = last_id - ring + 1
    assert missed == oldest_held - resume - 1, (missed, oldest_held, resume)
    rest = [int(e["id"]) for e in evs[1:]]
    assert rest == list(range(oldest_held, last_id + 1))
