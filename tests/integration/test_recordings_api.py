"""Recordings as resources (issue 17, part 1; DESIGN.md §2): POST /v1/recordings answers 201 with
the recording's id, GET /v1/recordings and /v1/recordings/{id} find it, POST .../{id}/stop stops
it, every event of a recording names it ("recording": id), and GET /v1/events?recording=ID
streams only that recording's events, from its start however late the client comes, and ends
after its recording_stopped. The older single-recording routes keep working.

The fake worker stands in for the model, echoing one partial per frame (with its audio time)."""
from __future__ import annotations

import json
import threading
import time

import httpx

from harness import tone_wav, wait_until

RECORDING_EVENTS = {"recording_started", "recording_stopped", "partial_text", "final_text",
                    "buffer_warn", "buffer_critical", "stt_error", "audio_lost"}


def started(make_daemon):
    d = make_daemon(worker_args=("--echo-events", "1"))
    assert d.post("/v1/control/start").status_code == 200
    return d


def recording_events(d, rec_id: str, timeout: float = 30) -> list[dict]:
    """GET /v1/events?recording=ID read to its end: the stream must end by itself."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    with d.client(timeout=timeout) as c, c.stream("GET", "/v1/events", params={"recording": rec_id}) as r:
        assert r.status_code == 200, r.read()
        current: dict = {}
        for line in r.iter_lines():  # ends when the daemon ends the stream
            assert time.monotonic() < deadline, f"the stream did not end; {len(events)} events so far"
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    events.append(current)
                current = {}
                continue
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    return events


def test_a_recording_is_a_resource_with_an_id(make_daemon, workdir):
    d = started(make_daemon)
    wav = tone_wav(workdir / "one.wav", 2.0)
    r = d.post("/v1/recordings", json={"source": "file", "path": str(wav)})
    assert r.status_code == 201, r.text
    rec = r.json()
    rec_id = rec["id"]
    assert rec_id.startswith("rec_") and rec["state"] == "recording" and rec["source"] == "file"
    assert r.headers["location"] == f"/v1/recordings/{rec_id}"

    done = wait_until(lambda: (s := d.get(f"/v1/recordings/{rec_id}").json())["state"] == "stopped" and s,
                      30, "the file recording to end")
    assert done["id"] == rec_id and done["reason"] == "end_of_file"
    assert done["frames_acked"] == done["frames_captured"] == 200 and done["frames_lost"] == 0

    # A second one: the list holds both, newest first, and the status means the newest.
    second = d.post("/v1/recordings", json={"source": "stream"}).json()
    listed = d.get("/v1/recordings").json()["recordings"]
    assert [x["id"] for x in listed] == [second["id"], rec_id]
    assert d.get("/v1/control/status").json()["recording"]["id"] == second["id"]

    stopped = d.post(f"/v1/recordings/{second['id']}/stop")
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
    assert stopped.json()["reason"] == "requested"
    # Stopping a stopped recording answers what it was, again.
    again = d.post(f"/v1/recordings/{rec_id}/stop")
    assert again.status_code == 200 and again.json()["reason"] == "end_of_file"


def test_unknown_recordings_are_404_naming_where_to_look(make_daemon):
    d = started(make_daemon)
    for method, path in [("GET", "/v1/recordings/rec_nope"), ("POST", "/v1/recordings/rec_nope/stop"),
                         ("GET", "/v1/events?recording=rec_nope")]:
        r = d.client().request(method, path)
        assert r.status_code == 404, (method, path, r.text)
        assert "GET /v1/recordings" in r.json()["error"]


def test_every_event_of_a_recording_names_it_and_its_stream_ends_with_it(make_daemon, workdir):
    d = started(make_daemon)
    wav = tone_wav(workdir / "two.wav", 1.5)
    first = d.post("/v1/recordings", json={"source": "file", "path": str(wav)}).json()["id"]
    wait_until(lambda: d.get(f"/v1/recordings/{first}").json()["state"] == "stopped", 30, "the first to end")
    second = d.post("/v1/recordings", json={"source": "file", "path": str(wav)}).json()["id"]
    wait_until(lambda: d.get(f"/v1/recordings/{second}").json()["state"] == "stopped", 30, "the second to end")

    # Both have ended before their streams are asked for: each still gets its whole story.
    for rec_id in (first, second):
        events = recording_events(d, rec_id)
        types = [e["event"] for e in events]
        assert types[0] == "recording_started" and types[-1] == "recording_stopped", types
        assert all(e["data"]["recording"] == rec_id for e in events), "another recording's event leaked in"
        partials = [e["data"] for e in events if e["event"] == "partial_text"]
        assert len(partials) == 150, len(partials)  # one per frame of 1.5 s
        # On the recording's own timeline: frame i at i * 10 ms.
        assert [p["audio_ms"] for p in partials] == [i * 10 for i in range(150)]
        assert events[-1]["data"]["frames_acked"] == 150
        assert "lagged" not in types


def test_the_unfiltered_stream_names_the_recording_of_each_event(make_daemon, workdir):
    d = started(make_daemon)
    wav = tone_wav(workdir / "three.wav", 0.5)
    with d.client(timeout=30) as c, c.stream("GET", "/v1/events") as r:
        rec_id = d.post("/v1/recording/start", json={"source": "file", "path": str(wav)}).json()["id"]
        seen: list[dict] = []
        current: dict = {}
        for line in r.iter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    seen.append(current)
                    if current["event"] == "recording_stopped":
                        break
                current = {}
                continue
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    ours = [e for e in seen if e["event"] in RECORDING_EVENTS]
    assert ours and all(e["data"].get("recording") == rec_id for e in ours), [e for e in ours if e["data"].get("recording") != rec_id]
    # The worker's own traffic is not the recording's.
    assert all("recording" not in e["data"] for e in seen if e["event"] in {"pong", "ready", "worker_state"})


def test_a_bad_events_query_is_400(make_daemon):
    d = started(make_daemon)
    r = httpx.get(f"http://127.0.0.1:{d.port}/v1/events?recording=%zz", timeout=10)
    assert r.status_code == 400


# ---- readiness (GET /v1/ready) --------------------------------------------------------------------


def ready(d) -> tuple[int, dict]:
    r = httpx.get(f"http://127.0.0.1:{d.port}/v1/ready", timeout=10)
    return r.status_code, r.json()


def test_ready_says_when_to_send_work_and_why_not(make_daemon, workdir):
    """Ready needs a loaded model, an open gate and a free recording slot; each missing one is a
    503 naming it, and liveness (health) stays 200 throughout."""
    from harness import write_pressure

    d = make_daemon(tweak=lambda c: c.setdefault("auth", {}).update(token="probe-token"))
    status, body = ready(d)  # public, like health: a probe carries no token
    assert status == 503 and "the worker is stopped" in body["error"], body
    with d.client(token="probe-token") as c:
        assert c.post("/v1/control/start").status_code == 200
        status, body = ready(d)
        assert status == 200 and body["recordings"] == {"active": 0, "capacity": 1}, body

        rec = c.post("/v1/recordings", json={"source": "stream"}).json()
        status, body = ready(d)
        assert status == 503 and body["error"] == "no capacity left: 1 of 1 recordings running"
        metrics = c.get("/v1/metrics").text
        assert "voice_sidecar_recordings_active 1" in metrics and "voice_sidecar_recordings_capacity 1" in metrics
        c.post(f"/v1/recordings/{rec['id']}/stop")
        assert ready(d)[0] == 200

        write_pressure(workdir / "proc", available_mb=100)  # the gate closes on memory
        body = wait_until(lambda: (r := ready(d))[0] == 503 and "gate" in r[1]["error"] and r[1], 15,
                          "ready to say the gate is closed")
        assert "heavy-load gate is closed" in body["error"]
        assert httpx.get(f"http://127.0.0.1:{d.port}/v1/health", timeout=10).status_code == 200


# ---- drain on SIGTERM ---------------------------------------------------------------------------


def test_sigterm_lets_the_running_recording_finish_and_refuses_new_work(make_daemon, workdir):
    import signal

    d = make_daemon(worker_args=("--echo-events", "1"), tweak=lambda c: c.update(shutdown={"drain_ms": 20000}))
    assert d.post("/v1/control/start").status_code == 200
    wav = tone_wav(workdir / "three_s.wav", 3.0)
    rec = d.post("/v1/recordings", json={"source": "file", "path": str(wav), "realtime": True}).json()
    collected: list[dict] = []
    reader = threading.Thread(target=lambda: collected.extend(recording_events(d, rec["id"])), daemon=True)
    reader.start()
    wait_until(lambda: d.get(f"/v1/recordings/{rec['id']}").json()["frames_acked"] > 20, 10, "audio to flow")
    t_term = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    # Still serving while it drains: new work is refused (503: go elsewhere), readiness says why.
    refused = wait_until(lambda: (r := d.post("/v1/recordings", json={"source": "stream"})).status_code == 503 and r,
                         5, "a new recording to be refused")
    assert "shutting down" in refused.json()["error"] and refused.headers["retry-after"]
    status, body = ready(d)
    assert status == 503 and "shutting down" in body["error"]
    assert d.proc.wait(timeout=30) == 0
    reader.join(10)
    stopped = collected[-1]["data"]
    # The recording ran to its end (not cut at the signal): every frame of the 3 s file.
    assert collected[-1]["event"] == "recording_stopped" and stopped["reason"] == "end_of_file", stopped
    assert stopped["frames_acked"] == 300 and stopped["frames_lost"] == 0
    assert time.monotonic() - t_term < 20, "it waited beyond the recording's end"
    assert "draining" in d.log()


def test_the_drain_is_bounded_and_sigint_does_not_wait(make_daemon):
    import signal

    for sig, drain_ms in ((signal.SIGTERM, 1500), (signal.SIGINT, 20000)):
        d = make_daemon(worker_args=("--echo-events", "1"),
                        tweak=lambda c, ms=drain_ms: c.update(shutdown={"drain_ms": ms}))
        assert d.post("/v1/control/start").status_code == 200
        d.post("/v1/recordings", json={"source": "stream"})  # never ends by itself
        t0 = time.monotonic()
        d.proc.send_signal(sig)
        assert d.proc.wait(timeout=30) == 0
        took = time.monotonic() - t0
        if sig == signal.SIGTERM:
            assert 1.4 <= took < 10, f"a 1.5 s drain took {took:.1f} s"
        else:
            assert took < 10, f"SIGINT waited {took:.1f} s"
        assert "stopping the running recording" in d.log() or sig == signal.SIGINT
