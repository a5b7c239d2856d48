"""The one daemon test harness: runs the real voice-sidecar binary with real sockets and real
child processes, and waits for things with deadlines (never sleep-and-hope).

Shared by tests/integration (its conftest imports the fixtures below), clients/python/tests
(sidecar_harness.py adds the client's pieces), bench/ (daemon_harness.py adds real-time
streaming and the event tap) and scripts/soak. They put this folder on sys.path and
`import harness`. A Daemon is a config dict written to a file plus the process; base_config()
is the quick fixture configuration of the tests, bench_config() the real machine's of the
benchmarks."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
DAEMON = Path(os.environ.get("VS_DAEMON", REPO / "build" / "voice-sidecar"))
TEST_WORKER = REPO / "tests" / "fixtures" / "test_worker.py"
PYTHON = sys.executable


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.02) -> Any:
    """Polls `predicate` until it returns something truthy; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_worker_command(*args: str) -> list[str]:
    return [PYTHON, str(TEST_WORKER), *args]


def clean_env() -> dict[str, str]:
    """This process's environment without JARVIS_* settings, which the daemon (and the client's
    contract) would read in place of the test's own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}


def write_pressure(root: Path, available_mb: float = 16000, total_mb: float = 24000,
                   cpu_busy: int = 100, cpu_idle: int = 900) -> None:
    """Writes /proc-like fixture files the gate reads (meminfo and stat)."""
    root.mkdir(parents=True, exist_ok=True)
    meminfo = (f"MemTotal:       {int(total_mb * 1024)} kB\n"
               f"MemFree:        {int(available_mb * 1024)} kB\n"
               f"MemAvailable:   {int(available_mb * 1024)} kB\n")
    stat = f"cpu  {cpu_busy} 0 0 {cpu_idle} 0 0 0 0 0 0\ncpu0 {cpu_busy} 0 0 {cpu_idle} 0 0 0 0 0 0\n"
    # Replace atomically so the daemon never reads half a file.
    for name, text in (("meminfo", meminfo), ("stat", stat)):
        tmp = root / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(root / name)


def process_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def processes_with(marker: str, zombies: bool = False) -> list[int]:
    """PIDs of live processes whose command line contains `marker`; zombies too with `zombies`
    (a "nothing left in the process table" check)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and (zombies or process_alive(int(entry))):
            found.append(int(entry))
    return found


def zombie_children(parent: int) -> list[int]:
    zombies = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == parent:
            zombies.append(int(entry))
    return zombies


@dataclass
class Daemon:
    """One running `voice-sidecar serve`, configured by a YAML file written from `config`.
    Its log is kept in memory (`log()`), or in `log_file` when set (a benchmark's record);
    `binary` overrides VS_DAEMON / build/voice-sidecar."""

    config: dict
    workdir: Path
    env: dict = field(default_factory=dict)
    log_file: Path | None = None
    binary: Path | None = None
    proc: subprocess.Popen | None = None
    log_lines: list[str] = field(default_factory=list)
    base_url: str = ""
    socket_path: str | None = None
    _log_reader: threading.Thread | None = None

    def start(self, wait: bool = True) -> "Daemon":
        import yaml  # PyYAML comes with the pinned venv

        self.workdir.mkdir(parents=True, exist_ok=True)
        cfg_path = self.workdir / "voice-sidecar.yaml"
        cfg_path.write_text(yaml.safe_dump(self.config))
        env = {**clean_env(), **self.env}
        argv = [str(self.binary or DAEMON), "serve", "--config", str(cfg_path)]
        if self.log_file:
            with open(self.log_file, "wb") as log:
                self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log, env=env)
        else:
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                         env=env)
            self._log_reader = threading.Thread(target=self._collect_log, daemon=True)
            self._log_reader.start()
        listen = self.config.get("listen", {})
        if listen.get("network") == "unix":
            self.socket_path = listen["address"]
            self.base_url = "http://localhost"
        else:
            self.base_url = "http://" + listen.get("address", "127.0.0.1:9860")
        if wait:
            wait_until(self._healthy, 15, "the daemon to answer /v1/health")
        return self

    def _collect_log(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            self.log_lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        assert self.proc, "the daemon was not started"
        return self.proc.pid

    @property
    def address(self) -> "str | tuple[str, int]":
        """Where http_json() reaches it: the Unix socket's path, or (host, port)."""
        if self.socket_path:
            return self.socket_path
        host, port = self.config["listen"]["address"].rsplit(":", 1)
        return host, int(port)

    @property
    def port(self) -> int:
        address = self.address
        assert isinstance(address, tuple), "the daemon listens on a Unix socket"
        return address[1]

    def log(self) -> str:
        if self.log_file:
            return self.log_file.read_text(errors="replace")
        # Once the daemon has exited, all it wrote is in the pipe: wait for the reader to take it
        # (on a loaded machine it can lag behind the exit).
        if self.proc and self.proc.poll() is not None and self._log_reader:
            self._log_reader.join(timeout=10)
        return "\n".join(self.log_lines)

    def client(self, timeout: float = 30.0, token: str | None = None) -> httpx.Client:
        transport = httpx.HTTPTransport(uds=self.socket_path) if self.socket_path else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout, headers=headers)

    def _healthy(self) -> bool:
        if self.proc and self.proc.poll() is not None:
            raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{self.log()}")
        try:
            with self.client(timeout=1) as c:
                return c.get("/v1/health").status_code == 200
        except httpx.TransportError:
            return False

    def get(self, path: str, **kw) -> httpx.Response:
        with self.client() as c:
            return c.get(path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        with self.client() as c:
            return c.post(path, **kw)

    def request(self, method: str, path: str, body: Any = None, timeout: float = 60) -> tuple[int, Any]:
        """One raw HTTP/1.1 request on its own connection: (status, JSON or text). No client
        library between the clock and the socket, for the benchmarks and the soak."""
        return http_json(self.address, method, path, body, timeout)

    def start_worker(self, timeout: float = 180) -> None:
        code, body = self.request("POST", "/v1/control/start", {"reason": "harness"}, timeout)
        if code != 200:
            raise AssertionError(f"control/start: {code} {body}")

    def worker(self) -> dict:
        return self.get("/v1/control/status").json()["worker"]

    def wait_state(self, state: str, timeout: float = 15) -> dict:
        return wait_until(lambda: (w := self.worker())["state"] == state and w, timeout,
                          f"worker state {state!r}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"daemon did not stop within {timeout} s after signal {sig}:\n{self.log()}")


def http_json(address: "str | tuple[str, int]", method: str, path: str, body: Any = None,
              timeout: float = 60) -> tuple[int, Any]:
    """One request on its own connection to a Unix socket path or a (host, port): (status, the
    body as JSON, else as text). A chunked body is de-chunked."""
    data = b"" if body is None else json.dumps(body).encode()
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if body is not None or method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(timeout)
        s.connect(address)
        s.sendall(head.encode() + b"\r\n" + data)
        return read_response(s)


def read_response(s: socket.socket) -> tuple[int, Any]:
    """Reads an answer until the peer closes: (status, the body as JSON, else as text)."""
    buf = b""
    while chunk := s.recv(65536):
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    code = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size_s, _, rest = rest.partition(b"\r\n")
            size = int(size_s, 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    try:
        return code, json.loads(body)
    except ValueError:
        return code, body.decode("utf-8", "replace")


def sse_events(client: httpx.Client, stop: Callable[[dict], bool], timeout: float) -> list[dict]:
    """Reads /v1/events until `stop(event)` is true; each event is {"id","event","data"}."""
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    with client.stream("GET", "/v1/events", timeout=httpx.Timeout(timeout, read=timeout)) as r:
        assert r.status_code == 200, r.read()
        current: dict = {}
        for line in r.iter_lines():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s reading events; got {len(events)}")
            if line.startswith(":"):
                continue
            if not line:
                if current:
                    events.append(current)
                    if stop(current):
                        return events
                current = {}
                continue
            key, _, value = line.partition(": ")
            current[key] = json.loads(value) if key == "data" else value
    return events


# ---- helpers for the audio path tests ----------------------------------------------------------


def metric_value(text: str, name: str) -> float:
    """One sample of the Prometheus text `text` (`name` may carry labels); fails when absent."""
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"{name} not in metrics"
    return float(m.group(1))


def threads_and_fds(pid: int) -> tuple[int, int]:
    """A process's thread and open-fd counts, for "nothing left behind" checks."""
    return len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd"))


def daemon_pid_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def recv_head(s: socket.socket) -> bytes:
    """Reads from `s` until an answer's head is complete (or the peer closes): the head and
    whatever of the body came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def raw_socket(daemon: "Daemon", rcvbuf: int | None = None) -> socket.socket:
    """A plain socket connected to the daemon (TCP or its Unix socket), for requests written by
    hand; `rcvbuf` makes a deliberately small receive buffer (set before connecting)."""
    s = socket.socket(socket.AF_UNIX) if daemon.socket_path else socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if daemon.socket_path:
        s.connect(daemon.socket_path)
    else:
        host, port = daemon.config["listen"]["address"].rsplit(":", 1)
        s.connect((host, int(port)))
    return s


class EventCollector:
    """Reads /v1/events on a raw socket in a thread, stamping each event with time.monotonic()
    on arrival. `rcvbuf` and `read_delay` make a deliberately slow reader; `close()` ends it."""

    def __init__(self, daemon: Daemon, headers: dict | None = None, rcvbuf: int | None = None,
                 read_size: int = 65536, read_delay: float = 0.0) -> None:
        self.events: list[dict] = []
        self.raw = bytearray()
        self.status_line = b""
        self._cond = threading.Condition()
        self._closed = False
        self._read_size, self._read_delay = read_size, read_delay
        self.sock = raw_socket(daemon, rcvbuf)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if "Host" not in (headers or {}):
            extra = "Host: localhost\r\n" + extra
        self.sock.sendall(f"GET /v1/events HTTP/1.1\r\n{extra}\r\n".encode())
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        buf = b""
        header_done = False
        try:
            while True:
                chunk = self.sock.recv(self._read_size)
                if not chunk:
                    break
                now = time.monotonic()
                self.raw += chunk
                buf += chunk
                if not header_done:
                    if b"\r\n\r\n" not in buf:
                        continue
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    self.status_line = head.split(b"\r\n", 1)[0]
                    header_done = True
                # Chunked transfer framing: strip chunk-size lines if present.
                buf = self._parse(buf, now)
                if self._read_delay:
                    time.sleep(self._read_delay)
        except OSError:
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    _chunked: bool | None = None

    def _parse(self, buf: bytes, now: float) -> bytes:
        if self._chunked is None:
            self._chunked = b"transfer-encoding: chunked" in bytes(self.raw[:4096]).lower()
        if self._chunked:
            # De-chunk what is complete; keep the rest.
            out = getattr(self, "_dechunked", b"")
            while True:
                nl = buf.find(b"\r\n")
                if nl < 0:
                    break
                size = int(buf[:nl].split(b";")[0] or b"0", 16)
                if len(buf) < nl + 2 + size + 2:
                    break
                out += buf[nl + 2:nl + 2 + size]
                buf = buf[nl + 2 + size + 2:]
            text, rest = out, buf
        else:
            text, rest = getattr(self, "_dechunked", b"") + buf, b""
        frames = text.split(b"\n\n")
        self._dechunked = frames.pop()
        parsed = []
        for frame in frames:
            ev: dict = {"t": now}
            for line in frame.decode().split("\n"):
                if not line or line.startswith(":"):
                    continue
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                ev[key] = json.loads(value) if key == "data" else value
            if "event" in ev or "data" in ev:
                parsed.append(ev)
        if parsed:
            with self._cond:
                self.events.extend(parsed)
                self._cond.notify_all()
        return rest

    def of(self, kind: str) -> list[dict]:
        with self._cond:
            return [e for e in self.events if e.get("event") == kind]

    def wait_for(self, pred: Callable[[dict], bool], timeout: float, what: str, start: int = 0) -> dict:
        """The first event from index `start` on for which `pred` is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.events):
                    if pred(self.events[i]):
                        return self.events[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                         f"last events: {[e.get('event') for e in self.events[-10:]]}")
                self._cond.wait(min(left, 0.2))

    def wait_type(self, kind: str, timeout: float, start: int = 0) -> dict:
        return self.wait_for(lambda e: e.get("event") == kind, timeout, f"a {kind} event", start)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def subscribers(daemon: Daemon) -> float:
    return metric_value(daemon.get("/v1/metrics").text, "voice_sidecar_event_subscribers")


def write_wav(path: Path, samples, rate: int = 16000, channels: int = 1) -> Path:
    """Writes int16 `samples` (numpy array, shape (n,) or (n, channels)) as a WAV file."""
    import wave

    import numpy as np

    data = np.asarray(samples, dtype=np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())
    return path


def tone_wav(path: Path, seconds: float, rate: int = 16000, freq: float = 440.0) -> Path:
    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    return write_wav(path, (np.sin(2 * np.pi * freq * t) * 8000).astype(np.int16), rate)


def espeak_pcm(text: str, workdir: Path, speed: int = 160, voice: str = "") -> "np.ndarray":
    """`text` spoken by espeak-ng (in `voice`: "fr", "de", ...), as 16 kHz mono int16 samples
    (sox does the resampling)."""
    import numpy as np

    raw = workdir / f"espeak-{abs(hash((text, speed, voice)))}.wav"
    conv = raw.with_suffix(".16k.raw")
    subprocess.run(["espeak-ng", "-s", str(speed), *(["-v", voice] if voice else []), "-w", str(raw), text],
                   check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer",
                    "-t", "raw", str(conv)], check=True)
    return np.frombuffer(conv.read_bytes(), dtype=np.int16)


def speech_samples(sentences: list[str], workdir: Path, pause_s: "float | list[float]", lead_s: float = 0.5,
                   tail_s: float = 0.5) -> tuple["np.ndarray", list[tuple[float, float]]]:
    """The sentences at 16 kHz mono, `pause_s` of silence between them (a list: used in turn);
    also each sentence's (start_s, end_s) in the result. espeak-ng's own leading and trailing
    silence is trimmed so the pauses are what they say."""
    import numpy as np

    parts = [np.zeros(int(lead_s * 16000), np.int16)]
    spans = []
    pos = len(parts[0])
    for i, s in enumerate(sentences):
        pcm = espeak_pcm(s, workdir)
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 200)
        pcm = pcm[loud[0]:loud[-1] + 1] if len(loud) else pcm
        spans.append((pos / 16000, (pos + len(pcm)) / 16000))
        parts.append(pcm)
        pos += len(pcm)
        pauses = pause_s if isinstance(pause_s, list) else [pause_s]
        gap = pauses[i % len(pauses)] if i < len(sentences) - 1 else tail_s
        parts.append(np.zeros(int(gap * 16000), np.int16))
        pos += int(gap * 16000)
    return np.concatenate(parts), spans


def listen_config(workdir: Path, transport: str) -> dict:
    """A Unix socket in `workdir` (short: a socket path must fit in 107 bytes), or a free TCP port."""
    if transport == "unix":
        return {"network": "unix", "address": str(workdir / "run" / "sidecar.sock")}
    return {"network": "tcp", "address": f"127.0.0.1:{free_port()}"}


def base_config(workdir: Path, transport: str | None, worker_args: tuple[str, ...] = (),
                gate_open: bool = True) -> dict:
    """A daemon configuration for tests: fixture pressure files (a closed gate unless
    `gate_open`), the test worker, quick timers. Without `transport`, no listen section (the
    address then comes from the environment)."""
    proc = workdir / "proc"
    write_pressure(proc, available_mb=16000 if gate_open else 100)
    (workdir / "cgroup").mkdir(exist_ok=True)
    listen = {"listen": listen_config(workdir, transport)} if transport else {}
    return {
        **listen,
        "pressure": {"proc_root": str(proc), "cgroup_root": str(workdir / "cgroup"),
                     "monitor_interval_ms": 100, "sample_timeout_ms": 2000, "reopen_after_samples": 3,
                     "min_available_memory_mb": 1000, "max_memory_percent": 95, "max_cpu_percent": 99},
        "worker": {"command": test_worker_command(*worker_args), "start_timeout_ms": 5000,
                   "stop_timeout_ms": 3000, "kill_timeout_ms": 2000, "ping_interval_ms": 200,
                   "ping_timeout_ms": 600, "ping_failure_limit": 2},
        "backoff": {"initial_ms": 200, "max_ms": 5000, "multiplier": 2.0, "jitter": 0.0,
                    "max_restarts": 3, "restart_window_ms": 60000, "stable_after_ms": 30000},
        # File recordings may read the test's own files, and nothing else. One recording at a
        # time, as most tests were written for; the tests of several at once raise it.
        "audio": {"file_dirs": [str(workdir)], "max_recordings": 1},
        # A test's daemon stops at once, whatever it leaves recording (the drain's own tests
        # set it).
        "shutdown": {"drain_ms": 0},
    }


def bench_config(workdir: Path, transport: str = "unix", worker_command: list[str] | None = None,
                 **sections: dict) -> dict:
    """A daemon configuration for benchmarks: the machine's real /proc, a gate that never closes
    on CPU, `worker_command` (None: the bundled worker) and more settings by section."""
    config: dict = {"listen": listen_config(workdir, transport), "pressure": {"max_cpu_percent": 100},
                    # The benchmarks make their WAVs beside the daemon's directory.
                    "audio": {"file_dirs": [str(workdir.resolve().parent)]},
                    "shutdown": {"drain_ms": 0}}
    if worker_command:
        config["worker"] = {"command": worker_command}
    return merge_config(config, sections)


def merge_config(config: dict, extra: dict) -> dict:
    """`config` with `extra`'s sections merged in, key by key."""
    for section, values in extra.items():
        config.setdefault(section, {}).update(values)
    return config


def config_file(workdir: Path, config: dict, name: str = "sidecar.json") -> Path:
    """Writes `config` as JSON (the daemon reads .json as JSON) for a process other than a
    Daemon to start with, e.g. the client's supervisor."""
    path = workdir / name
    path.write_text(json.dumps(config))
    return path


# ---- fixtures (tests/integration/conftest.py and clients/python/tests import them) --------------


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Short paths under /tmp: a Unix socket path must fit in 107 bytes.
    d = Path(tempfile.mkdtemp(prefix="vs-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_daemon(workdir: Path) -> Iterator[Callable[..., Daemon]]:
    """Starts daemons for a test, stops them after: make("unix", worker_args=..., tweak=...,
    extra={section: {key: value}}, gate_open=False, env=..., start=False)."""
    if not DAEMON.exists():
        pytest.skip(f"daemon binary {DAEMON} is not built")
    started: list[Daemon] = []

    def make(transport: str = "tcp", worker_args: tuple[str, ...] = (), start: bool = True,
             tweak: Callable[[dict], None] | None = None, env: dict | None = None,
             gate_open: bool = True, extra: dict | None = None) -> Daemon:
        config = merge_config(base_config(workdir, transport, worker_args, gate_open), extra or {})
        if tweak:
            tweak(config)
        d = Daemon(config=config, workdir=workdir, env=env or {})
        started.append(d)
        return d.start() if start else d

    yield make
    for d in started:
        d.stop()


def routes_in_source() -> set[tuple[str, str]]:
    """Every (method, path) the daemon routes under /v1, read from the router calls in src/: a
    route added later is walked by the token test and must be described in docs/openapi.yaml
    (test_security.py, test_openapi.py)."""
    found = set()
    pattern = re.compile(r'\.add(?:_async|_upload)?\(\s*"([A-Z]+)",\s*"(/v1/[^"]*)"')
    for path in (REPO / "src").rglob("*.cc"):
        found.update(pattern.findall(path.read_text()))
    return found
