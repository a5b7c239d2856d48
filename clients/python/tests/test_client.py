"""The sync and async clients against the real daemon, over TCP and over a Unix socket."""
from __future__ import annotations

import asyncio
import io
import struct
from pathlib import Path
from typing import Callable

import pytest
from sidecar_harness import make_daemon, workdir  # noqa: F401 (fixtures)
from sidecar_harness import Daemon, client_for, wait_until, write_pressure

from voice_sidecar import (AsyncSidecarClient, BadRequest, NotFound, ServiceUnavailable,
                           SidecarClient, SidecarUnavailable, UnsupportedMediaType)

TRANSPORTS = ["tcp", "unix"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_control_cycle_and_typed_answers(make_daemon: Callable[..., Daemon], transport: str) -> None:
    d = make_daemon(transport)
    with client_for(d) as c:
        h = c.health()
        assert h.status == "ok" and h.listen_network == transport
        assert h.worker.state == "stopped" and h.worker.pid is None
        assert c.gate().allowed is True
        assert c.start("test") == "started"
        st = c.status()
        assert st.worker.state == "running" and st.worker.pid
        assert c.restart() == "restarted"
        assert c.status().worker.pid != st.worker.pid
        assert c.stop() == "stopped"
        assert c.stop() == "stopped", "stop when nothing runs is 200 too"
        m = c.metrics()
        # Parsed by prometheus_client: counters keep their type, _total samples are found.
        assert m.type_of("voice_sidecar_worker_spawns_total") == "counter"
        assert m.value("voice_sidecar_worker_spawns_total") == 2
        assert m.value("voice_sidecar_worker_running") == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_closed_gate_is_an_answer_and_a_blocked_start_a_typed_error(
        make_daemon: Callable[..., Daemon], workdir: Path, transport: str) -> None:
    d = make_daemon(transport)
    write_pressure(workdir / "proc", available_mb=100)
    with client_for(d) as c:
        gate = wait_until(lambda: (g := c.gate()) and not g.allowed and g, 10, "the gate to close")
        assert "mem" in gate.reason.lower() and gate.pressure.valid
        assert c.health().status == "degraded"
        with pytest.raises(ServiceUnavailable) as err:
            c.start()
        assert err.value.status == 503
        assert err.value.message.startswith("worker start blocked by pressure gate")
        assert gate.reason in err.value.message


def test_unreachable_daemon_is_a_typed_error(workdir: Path) -> None:
    with SidecarClient(socket_path=str(workdir / "nothing.sock")) as c:
        with pytest.raises(SidecarUnavailable):
            c.health()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_client_does_the_same(make_daemon: Callable[..., Daemon], transport: str) -> None:
    d = make_daemon(transport)

    async def scenario() -> None:
        async with AsyncSidecarClient(d.base_url, socket_path=d.socket_path) as c:
            assert (await c.health()).status == "ok"
            assert (await c.gate()).allowed
            # Concurrent starts share one outcome (singleflight): one worker.
            results = await asyncio.gather(c.start("a"), c.start("b"), c.start("c"))
            assert list(results) == ["started"] * 3
            assert (await c.metrics()).value("voice_sidecar_worker_spawns_total") == 1
            assert (await c.status()).worker.state == "running"
            assert await c.stop() == "stopped"

    asyncio.run(scenario())


# --- endpoints that land with the audio path: tested when the binary serves them ----------

def _needs(c: SidecarClient, path: str) -> None:
    r = c._http.post(path, content=b"{}", headers={"Content-Type": "application/json"})
    if r.status_code == 404 and "no such endpoint" in r.text:
        pytest.skip(f"this daemon binary does not serve {path} yet")


def silence_wav(path: Path, seconds: float = 1.0) -> None:
    import wave
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * int(16000 * seconds))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_recording_start_stop_and_full(make_daemon: Callable[..., Daemon], workdir: Path,
                                           transport: str) -> None:
    d = make_daemon(transport)
    with client_for(d) as c:
        _needs(c, "/v1/recording/stop")
        c.start()
        wav = workdir / "silence.wav"
        silence_wav(wav, 3.0)
        rec = c.start_recording("file", path=str(wav), realtime=True)
        assert rec.state == "recording" and rec.source == "file"
        with pytest.raises(ServiceUnavailable) as err:  # audio.max_recordings is 1 here
            c.start_recording("file", path=str(wav))
        assert err.value.status == 503 and "recording slot" in err.value.message and err.value.retry_after
        done = c.stop_recording()
        assert done.state == "stopped" and done.reason == "requested"
        with pytest.raises((NotFound, BadRequest)):
            c.start_recording("file", path=str(workdir / "missing.wav"))
        with pytest.raises(BadRequest):
            c.start_recording("tape")  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_recordings_by_id_and_their_own_event_stream(make_daemon: Callable[..., Daemon], workdir: Path,
                                                     transport: str) -> None:
    d = make_daemon(transport)
    with client_for(d) as c:
        c.start()
        wav = workdir / "short.wav"
        silence_wav(wav, 0.5)
        rec = c.start_recording("file", path=str(wav))
        assert rec.id is not None and rec.id.startswith("rec_")
        # The stream of that recording alone: from its start to its stop, then the iterator ends.
        with c.events(recording=rec.id) as stream:
            seen = list(stream)
        assert [e.type for e in seen][0] == "recording_started"
        assert seen[-1].type == "recording_stopped" and seen[-1].data["frames_acked"] == 50
        assert {e.recording for e in seen} == {rec.id}
        assert c.recording(rec.id).state == "stopped"
        assert [r.id for r in c.recordings()][0] == rec.id
        assert c.stop_recording(rec.id).reason == "end_of_file"
        with pytest.raises(NotFound):
            c.recording("rec_000000000000")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_audio_upload_streams_chunked_pcm(make_daemon: Callable[..., Daemon], transport: str) -> None:
    d = make_daemon(transport)
    with client_for(d) as c:
        _needs(c, "/v1/audio")
        c.start()
        frames = 50  # 0.5 s in 10 ms frames, from a generator

        def pcm() -> object:
            for i in range(frames):
                yield struct.pack("<160h", *([i] * 160))

        rec = c.upload_audio(pcm())  # type: ignore[arg-type]
        assert rec.source == "stream" and rec.frames_captured == frames
        rec2 = c.upload_audio(io.BytesIO(b"\0\0" * 1600))  # a file object: 10 frames
        assert rec2.frames_captured == 10
        with pytest.raises(UnsupportedMediaType) as err:
            c.upload_audio(io.BytesIO(b"\0\0" * 160), content_type="audio/L16;rate=8000;channels=1")
        assert err.value.status == 415 and "16000" in err.value.message


GO_METRICS = {
    "jarvis_voice_sidecar_gate_open": "gauge", "jarvis_voice_sidecar_worker_running": "gauge",
    "jarvis_voice_sidecar_cpu_percent": "gauge", "jarvis_voice_sidecar_memory_percent": "gauge",
    "jarvis_voice_sidecar_memory_available_mb": "gauge",
    "jarvis_voice_sidecar_start_requests_total": "counter",
    "jarvis_voice_sidecar_stop_requests_total": "counter",
    "jarvis_voice_sidecar_restart_requests_total": "counter",
    "jarvis_voice_sidecar_crash_recoveries_total": "counter",
    "jarvis_voice_sidecar_crash_total": "counter",
    "jarvis_voice_sidecar_pressure_samples_total": "counter",
}


def test_reference_metric_aliases_and_integer_memory(make_daemon: Callable[..., Daemon]) -> None:
    d = make_daemon("tcp")
    with client_for(d) as c:
        m = c.metrics()
        if "jarvis_voice_sidecar_gate_open" not in m:
            pytest.skip("this daemon binary does not serve the reference's jarvis_voice_sidecar_* aliases yet")
        assert {name: m.type_of(name) for name in GO_METRICS} == GO_METRICS
        assert m.value("jarvis_voice_sidecar_gate_open") == m.value("voice_sidecar_gate_open")
        pressure = c.health().raw["pressure"]
        assert type(pressure["memory_available_mb"]) is int and type(pressure["memory_total_mb"]) is int
