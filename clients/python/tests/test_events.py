"""The typed event iterator against the real daemon, through a proxy the test cuts: it
reconnects with Last-Event-ID and yields every event once, in order, or `lagged` with the count."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest
from sidecar_harness import make_daemon, workdir  # noqa: F401 (fixtures)
from sidecar_harness import CutProxy, Daemon, wait_until

from voice_sidecar import Event, Lagged, PartialText, SidecarClient, WorkerState

BURST = 400


def proxy_for(d: Daemon, workdir: Path, transport: str) -> CutProxy:
    if transport == "unix":
        assert d.socket_path
        return CutProxy(target_unix=d.socket_path, listen_unix=str(workdir / "proxy.sock"))
    host, port = d.base_url.removeprefix("http://").split(":")
    return CutProxy(target_tcp=(host, int(port)))


def client_via(p: CutProxy) -> SidecarClient:
    return SidecarClient(p.base_url, socket_path=p.listen_unix)


def resume_supported(c: SidecarClient) -> bool:
    """True when the daemon replays old events for a Last-Event-ID: asked to resume after id 0,
    it starts at id 1 (the ring holds the start the caller just made) or says `lagged`. A daemon
    that ignores the header starts at its newest event (a pong, a second later)."""
    wait_until(lambda: (c.metrics().value("voice_sidecar_events_published_total") or 0) > BURST, 10,
               "the burst to be published (so id 1 is far from the newest)")
    deadline = time.monotonic() + 1.5
    with c._http.stream("GET", "/v1/events", headers={"Last-Event-ID": "0"},
                        timeout=httpx.Timeout(1.5)) as r:
        try:
            for line in r.iter_lines():
                if line == "event: lagged":
                    return True
                if line.startswith("id:"):
                    return line == "id: 1"
                if time.monotonic() > deadline:  # only keepalives: nothing replayed
                    return False
        except httpx.ReadTimeout:
            pass
    return False


@pytest.fixture(params=["tcp", "unix"])
def setup(request: pytest.FixtureRequest, make_daemon: Callable[..., Daemon],
          workdir: Path) -> Iterator[tuple[Daemon, CutProxy]]:
    """A daemon whose worker emits BURST events after ready, behind a cuttable proxy. The
    event ring is 1024 (holds a burst) unless the test is marked ring(N)."""
    mark = request.node.get_closest_marker("ring")
    ring = mark.args[0] if mark else 1024
    # Paced (400 events over 0.2 s), so a cut after the 100th event finds most of the burst still
    # to come rather than already in the client's buffers.
    d = make_daemon(request.param, worker_args=("--emit-events", str(BURST), "--emit-per-second", "2000"),
                    extra={"ipc": {"event_buffer": ring}})
    p = proxy_for(d, workdir, request.param)
    yield d, p
    p.close()


def read_until(stream: Iterator[Event], done: Callable[[Event], bool], out: list[Event]) -> None:
    for event in stream:
        out.append(event)
        if done(event):
            return


def last_n(e: Event) -> bool:
    return isinstance(e, PartialText) and e.data.get("n") == BURST - 1


def test_typed_events_and_reconnect_after_a_cut(setup: tuple[Daemon, CutProxy]) -> None:
    d, p = setup
    with SidecarClient(d.base_url, socket_path=d.socket_path) as direct, client_via(p) as c:
        stream = c.events(retry_timeout=10)
        got: list[Event] = []
        reader = threading.Thread(target=read_until, args=(stream, last_n, got))
        reader.start()
        wait_until(lambda: (direct.metrics().value("voice_sidecar_event_subscribers") or 0) >= 1, 10,
                   "the subscriber")
        direct.start()
        reader.join(20)
        assert any(isinstance(e, WorkerState) and e.state == "running" for e in got)
        first = [e.data["n"] for e in got if isinstance(e, PartialText)]
        assert first == list(range(BURST)) or any(isinstance(e, Lagged) for e in got)
        # Cut the connection; the iterator reconnects on its own and goes on.
        after: list[Event] = []
        reader = threading.Thread(target=read_until, args=(stream, last_n, after))
        reader.start()
        p.cut()
        wait_until(lambda: stream.reconnects >= 1, 10, "the iterator to reconnect")
        direct.restart()
        reader.join(20)
        stream.close()
        assert stream.reconnects >= 1 and p.connections >= 2
        assert any(isinstance(e, PartialText) for e in after), "events flowed after the reconnect"


def test_cut_mid_burst_resumes_exactly_once_in_order(setup: tuple[Daemon, CutProxy]) -> None:
    d, p = setup
    with SidecarClient(d.base_url, socket_path=d.socket_path) as direct, client_via(p) as c:
        direct.start()
        if not resume_supported(direct):
            pytest.skip("this daemon binary does not honour Last-Event-ID yet")
        direct.stop()
        stream = c.events(retry_timeout=10)
        got: list[Event] = []

        def read() -> None:
            for event in stream:
                got.append(event)
                if sum(isinstance(e, PartialText) for e in got) == 100:
                    p.cut()  # in the middle of the burst
                if last_n(event):
                    return

        reader = threading.Thread(target=read)
        reader.start()
        wait_until(lambda: (direct.metrics().value("voice_sidecar_event_subscribers") or 0) >= 1, 10,
                   "the subscriber")
        direct.start()
        reader.join(20)
        stream.close()
        assert stream.reconnects >= 1
        assert not any(isinstance(e, Lagged) for e in got)
        ns = [e.data["n"] for e in got if isinstance(e, PartialText)]
        assert ns == list(range(BURST)), "every event once, in order"
        ids = [e.id for e in got if e.id is not None]
        assert ids == list(range(ids[0], ids[0] + len(ids))), "ids consecutive: none lost or repeated"


@pytest.mark.ring(64)
def test_resume_older_than_the_ring_yields_lagged_with_the_exact_count(
        setup: tuple[Daemon, CutProxy]) -> None:
    d, p = setup
    with SidecarClient(d.base_url, socket_path=d.socket_path) as direct, client_via(p) as c:
        direct.start()
        if not resume_supported(direct):
            pytest.skip("this daemon binary does not honour Last-Event-ID yet")
        stream = c.events(retry_timeout=15)
        first: list[Event] = []
        reader = threading.Thread(target=lambda: first.append(next(stream)))
        reader.start()
        wait_until(lambda: (direct.metrics().value("voice_sidecar_event_subscribers") or 0) >= 1, 10,
                   "the subscriber")
        direct.stop()  # worker_state events: the reader sees the first and then is cut
        reader.join(10)
        before = stream.last_event_id
        assert first and before is not None
        p.refusing.set()
        p.cut()
        # 400+ events while the client cannot connect: far more than the ring of 64 holds.
        lines_in = direct.metrics().value("voice_sidecar_ipc_lines_in_total") or 0
        direct.restart()
        wait_until(lambda: (direct.metrics().value("voice_sidecar_ipc_lines_in_total") or 0)
                   >= lines_in + BURST, 20, "the second burst")
        p.refusing.clear()
        got: list[Event] = []
        read_until(stream, last_n, got)
        stream.close()
        # Events already on the wire before the cut may still arrive first; then comes the gap.
        lag_at = next(i for i, e in enumerate(got) if isinstance(e, Lagged))
        delivered = [e.id for e in got[:lag_at] if e.id is not None]
        assert delivered == list(range(before + 1, before + 1 + len(delivered))), got[:lag_at]
        last_before = delivered[-1] if delivered else before
        lagged = got[lag_at]
        assert isinstance(lagged, Lagged)
        first_id = next(e.id for e in got[lag_at:] if e.id is not None)
        assert lagged.missed == first_id - last_before - 1, "lagged says exactly how many were missed"
        ids = [e.id for e in got[lag_at:] if e.id is not None]
        assert ids == list(range(first_id, first_id + len(ids)))
