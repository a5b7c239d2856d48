"""Security checks against the real daemon (issue 11): the token guards every route but health and
never reaches the worker; it comes from an owner-only file rather than argv; the Unix socket is
private and nothing at its path is ever deleted or followed; oversized bodies are refused before
they are read; and the HTTP edge refuses what would let two parsers disagree about a request.

What test_bad_input.py, test_request_policy.py and test_supervision.py already show (the 413 of a
small over-limit body, a sample of 401s, check-config refusing a non-loopback address, a socket
path that is a directory) is not repeated here."""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from harness import DAEMON, REPO, free_port, raw_socket, recv_head, routes_in_source, tone_wav, wait_until

TOKEN = "security-test-token"
AUDIO_TYPE = "audio/L16;rate=16000;channels=1"


def run_cli(*args: str, env: dict | None = None, timeout: float = 10) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_VOICE_SIDECAR_")}
    return subprocess.run([str(DAEMON), *args], capture_output=True, text=True, timeout=timeout,
                          env={**base, **(env or {})})


def token_file(directory: Path, text: str = TOKEN + "\n", mode: int = 0o600) -> Path:
    path = directory / "token"
    path.write_text(text)
    path.chmod(mode)
    return path


def exchange(d, head: str, body: bytes = b"", timeout: float = 5) -> tuple[int, bytes, bool]:
    """Writes a hand-made request; returns (status, whole answer, whether the daemon then closed)."""
    s = raw_socket(d)
    s.settimeout(timeout)
    try:
        s.sendall(head.encode() + body)
        data = recv_head(s)
        assert data, f"no answer to {head!r}"
        head_text, _, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head_text)
        want = int(length.group(1)) if length else 0
        while len(rest) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        try:
            closed = s.recv(1) == b""
        except socket.timeout:
            closed = False
        return int(data.split(b" ", 2)[1]), data, closed
    finally:
        s.close()


# ---- the token ----------------------------------------------------------------------------------

def test_a_non_loopback_listen_without_a_token_refuses_to_start():
    port = free_port()
    r = run_cli("serve", "--address", f"0.0.0.0:{port}", timeout=10)
    assert r.returncode == 2, r.stderr
    assert "listen.address" in r.stderr and "auth.token" in r.stderr, r.stderr
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "nothing may listen after the refusal"


def test_a_non_loopback_listen_with_a_token_file_starts_and_guards(tmp_path):
    port = free_port()
    path = token_file(tmp_path)
    proc = subprocess.Popen([str(DAEMON), "serve", "--address", f"0.0.0.0:{port}", "--token-file", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("JARVIS_VOICE_SIDECAR_")})
    try:
        base = f"http://127.0.0.1:{port}"

        def health() -> bool:
            assert proc.poll() is None, proc.stderr.read()
            try:
                return httpx.get(base + "/v1/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(health, 15, "the daemon on 0.0.0.0")
        assert httpx.get(base + "/v1/control/status").status_code == 401
        r = httpx.get(base + "/v1/control/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        assert TOKEN not in Path(f"/proc/{proc.pid}/cmdline").read_text()
    finally:
        proc.terminate()
        proc.wait(20)


# Routes a probe reaches without a token, with their answer before the worker starts.
PUBLIC = {"/v1/health": 200, "/v1/ready": 503}


def test_every_route_but_health_answers_401_without_the_token_and_normally_with_it(make_daemon, workdir):
    d = make_daemon(tweak=lambda c: c.update(auth={"token": TOKEN}))
    wav = tone_wav(workdir / "tone.wav", 1)
    # In this order, each with the request that gets its normal answer: the worker is started
    # first, the recording stopped before the upload, the worker stopped last.
    normal = [
        ("GET", "/v1/health", {}, 200),
        ("GET", "/v1/ready", {}, 503),  # public like health; the worker is not started yet
        ("GET", "/v1/gates/heavy-load", {}, 200),
        ("GET", "/v1/control/status", {}, 200),
        ("GET", "/v1/metrics", {}, 200),
        ("GET", "/v1/models", {}, 200),
        ("GET", "/v1/events", {}, 200),
        ("POST", "/v1/control/start", {"json": {"reason": "security test"}}, 200),
        ("POST", "/v1/recording/start", {"json": {"source": "file", "path": str(wav)}}, 200),
        ("POST", "/v1/recording/stop", {}, 200),
        ("POST", "/v1/recordings", {"json": {"source": "file", "path": str(wav)}}, 201),
        ("GET", "/v1/recordings", {}, 200),
        # A pattern's route, asked for with the pattern itself: the handler's own 404 (no such id).
        ("GET", "/v1/recordings/{id}", {}, 404),
        ("POST", "/v1/recordings/{id}/stop", {}, 404),
        ("POST", "/v1/recording/stop", {}, 200),
        ("POST", "/v1/audio", {"content": b"\0" * 3200, "headers": {"Content-Type": AUDIO_TYPE}}, 200),
        # The request is wrong on purpose (no file): a 400 says the handler itself judged it.
        ("POST", "/v1/audio/transcriptions", {"files": {"model": (None, "whisper-1")}}, 400),
        # Without the upgrade: 426 from the handler (the WebSocket's own token check is
        # test_audio_websocket.py's).
        ("GET", "/v1/audio/ws", {}, 426),
        ("POST", "/v1/control/restart", {}, 200),
        ("POST", "/v1/control/stop", {}, 200),
    ]
    listed = {(m, p) for m, p, _, _ in normal}
    assert routes_in_source() == listed, "routes without a listed normal answer: " + \
        str(routes_in_source() ^ listed)

    def call(c: httpx.Client, method: str, path: str, kw: dict) -> int:
        if path == "/v1/events":
            with c.stream(method, path) as r:
                return r.status_code
        return c.request(method, path, **kw).status_code

    with d.client() as c:
        for method, path, kw, _ in normal:
            r_status = call(c, method, path, kw)
            if path in PUBLIC:
                assert r_status == PUBLIC[path], (path, r_status)
                continue
            assert r_status == 401, (method, path, r_status)
            r = c.request(method, path, headers={"Authorization": "Bearer wrong"}) if path != "/v1/events" else None
            assert r is None or r.status_code == 401, (method, path)
    with d.client(token=TOKEN) as c:
        assert c.get("/v1/control/status").json()["worker"]["state"] == "stopped", \
            "a refused control call must not have started the worker"

    # The scheme is case-insensitive (RFC 7235): each spelling takes turns.
    spellings = ["Bearer", "bearer", "BEARER"]
    for i, (method, path, kw, status) in enumerate(normal):
        scheme = spellings[i % len(spellings)]
        with httpx.Client(base_url=d.base_url, timeout=30,
                          headers={"Authorization": f"{scheme} {TOKEN}"}) as c:
            got = call(c, method, path, kw)
        assert got == status, (method, path, scheme, got)

    # The dashboard is public by design: it holds no data and asks for the token.
    with d.client() as c:
        assert c.get("/").status_code == 200
        for name in sorted(os.listdir(REPO / "web")):
            assert c.get(f"/ui/{name}").status_code == 200, name


def test_the_token_file_is_the_way_and_is_held_to_sshs_rule(tmp_path):
    good = token_file(tmp_path)
    r = run_cli("check-config", "--token-file", str(good))
    assert r.returncode == 0, r.stderr
    assert re.search(r"auth\.token = <set>\s+\(token file " + re.escape(str(good)) + r"\)", r.stdout), r.stdout
    assert TOKEN not in r.stdout
    r = run_cli("check-config", env={"JARVIS_VOICE_SIDECAR_TOKEN_FILE": str(good)})
    assert r.returncode == 0 and "(token file" in r.stdout, r.stderr

    for mode in (0o644, 0o640, 0o604, 0o660):
        path = token_file(tmp_path, mode=mode)
        r = run_cli("serve", "--token-file", str(path))
        assert r.returncode == 2, (oct(mode), r.stderr)
        assert str(path) in r.stderr and f"chmod 600 {path}" in r.stderr, r.stderr
    for text, says in (("", "is empty"), ("\n", "is empty"), ("a" * 4097, "at most 4096 bytes")):
        r = run_cli("serve", "--token-file", str(token_file(tmp_path, text)))
        assert r.returncode == 2 and says in r.stderr, r.stderr
    r = run_cli("serve", "--token-file", str(tmp_path))
    assert r.returncode == 2 and "is a directory" in r.stderr, r.stderr
    r = run_cli("serve", "--token-file", str(tmp_path / "missing"))
    assert r.returncode == 2 and "No such file" in r.stderr, r.stderr
    r = run_cli("serve", "--token", "x", "--token-file", str(token_file(tmp_path)))
    assert r.returncode == 2 and "together with auth.token" in r.stderr, r.stderr

    r = run_cli("check-config", "--keys")
    assert "auth.token_file" in r.stdout and "JARVIS_VOICE_SIDECAR_TOKEN_FILE" in r.stdout, r.stdout


def test_a_token_too_long_for_a_request_head_is_a_config_error():
    r = run_cli("serve", env={"JARVIS_VOICE_SIDECAR_TOKEN": "a" * 4097})
    assert r.returncode == 2, r.stderr
    assert "auth.token" in r.stderr and "at most 4096 bytes" in r.stderr, r.stderr
    assert run_cli("check-config", env={"JARVIS_VOICE_SIDECAR_TOKEN": "a" * 4096}).returncode == 0


def test_a_token_on_the_command_line_is_warned_about():
    port = free_port()
    proc = subprocess.Popen([str(DAEMON), "serve", "--address", f"127.0.0.1:{port}", "--token", TOKEN],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    try:
        warning = wait_until(lambda: [l for l in lines if "--token-file" in l], 10, "the warning about --token")
        assert " warning " in warning[0] and "process list" in warning[0], warning
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.mark.parametrize("how", ["env", "token_file"])
def test_the_worker_never_sees_the_token(make_daemon, workdir, how):
    env = {"VS_WRAPPER_SECRET": TOKEN}  # the token exported under a name of the caller's own
    if how == "env":
        env["JARVIS_VOICE_SIDECAR_TOKEN"] = TOKEN
    else:
        env["JARVIS_VOICE_SIDECAR_TOKEN_FILE"] = str(token_file(workdir))
    d = make_daemon(env=env)
    with d.client(token=TOKEN) as c:
        assert c.post("/v1/control/start").status_code == 200
        pid = c.get("/v1/control/status").json()["worker"]["pid"]
    daemon_env = Path(f"/proc/{d.proc.pid}/environ").read_bytes()
    assert TOKEN.encode() in daemon_env, "the test must give the daemon the token in its environment"
    worker_env = Path(f"/proc/{pid}/environ").read_bytes()
    names = [entry.split(b"=", 1)[0] for entry in worker_env.split(b"\0") if entry]
    assert b"PATH" in names, "the worker still inherits the rest of the environment"
    assert TOKEN.encode() not in worker_env
    assert not [n for n in names if n.startswith(b"JARVIS_VOICE_SIDECAR_TOKEN")], names
    assert TOKEN.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()


# ---- the Unix socket ----------------------------------------------------------------------------

def test_the_socket_is_0600_in_a_0700_directory_it_created(make_daemon, workdir):
    d = make_daemon("unix", tweak=lambda c: c["listen"].update(address=str(workdir / "a" / "b" / "s.sock")))
    sock = Path(d.socket_path)
    assert stat.S_ISSOCK(sock.lstat().st_mode) and stat.S_IMODE(sock.lstat().st_mode) == 0o600
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    assert sock.parent.stat().st_uid == os.getuid()


def make_target(workdir: Path, kind: str, path: Path) -> callable:
    """Puts a `kind` of thing at `path`; returns a check that it is still there, untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    victim = workdir / "victim"
    if kind == "file":
        path.write_text("precious\n")
        return lambda: path.read_text() == "precious\n" and not path.is_symlink()
    if kind == "symlink-to-file":
        victim.write_text("precious\n")
        path.symlink_to(victim)
        return lambda: path.is_symlink() and victim.read_text() == "precious\n"
    if kind == "symlink-to-dir":
        victim.mkdir()
        (victim / "keep").write_text("x")
        path.symlink_to(victim)
        return lambda: path.is_symlink() and (victim / "keep").exists() and \
            sorted(os.listdir(victim)) == ["keep"]
    if kind == "dangling-symlink":
        path.symlink_to(victim)
        return lambda: path.is_symlink() and not victim.exists() and not victim.is_symlink()
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["file", "symlink-to-file", "symlink-to-dir", "dangling-symlink"])
def test_a_socket_path_that_is_not_a_socket_is_never_deleted_or_followed(make_daemon, workdir, kind):
    path = workdir / "run" / "sidecar.sock"
    intact = make_target(workdir, kind, path)
    d = make_daemon("unix", start=False)
    d.start(wait=False)
    assert d.proc.wait(10) != 0
    assert "not a socket" in d.log(), d.log()
    assert intact(), kind


def test_a_socket_replaced_while_running_is_not_deleted_at_exit(make_daemon, workdir):
    d = make_daemon("unix")
    sock = Path(d.socket_path)
    sock.unlink()
    sock.write_text("someone else's file\n")
    assert d.stop() == 0
    assert sock.read_text() == "someone else's file\n"


# ---- bodies over the limit ----------------------------------------------------------------------

def test_an_announced_body_over_the_limit_is_refused_before_it_is_sent(make_daemon):
    d = make_daemon(tweak=lambda c: c["listen"].update(body_limit_bytes=1024))
    start = time.monotonic()
    status, answer, closed = exchange(d, "POST /v1/control/start HTTP/1.1\r\nHost: localhost\r\n"
                                         "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n",
                                      b'{"reason":')
    assert status == 413 and b"1024" in answer, answer
    assert closed and time.monotonic() - start < 2, "the 413 must come at once, not after the body"


def test_a_chunk_over_the_limit_is_refused_at_its_size_line(make_daemon):
    d = make_daemon(tweak=lambda c: c["listen"].update(body_limit_bytes=1024))
    start = time.monotonic()
    status, answer, closed = exchange(d, "POST /v1/control/start HTTP/1.1\r\nHost: localhost\r\n"
                                         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                                      b"40000000\r\n{\"reason\":")
    assert status == 413, answer
    assert closed and time.monotonic() - start < 2
    with d.client() as c:
        assert c.get("/v1/control/status").json()["worker"]["state"] == "stopped"


def bytes_read_by(pid: int) -> int:
    """Everything the process has read with read(2) and friends, sockets included."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def test_an_openai_upload_over_the_limit_is_not_read_whole(make_daemon):
    # The upload route reads and drops up to twice its limit (so an SDK that sends the whole file
    # anyway sees the 413, not a reset), and no further.
    d = make_daemon(tweak=lambda c: c.update(openai={"max_upload_mb": 1}))
    before = bytes_read_by(d.proc.pid)
    s = raw_socket(d)
    s.settimeout(10)
    s.sendall(b"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: localhost\r\n"
              b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 10000000000\r\n\r\n")

    def flood() -> None:
        try:
            for _ in range(320):  # 20 MB of the announced 10 GB
                s.sendall(b"\0" * 65536)
        except OSError:
            pass  # the daemon answered and closed

    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    sender.join(15)
    assert not sender.is_alive(), "the daemon neither read on nor closed the connection"
    s.close()
    read = bytes_read_by(d.proc.pid) - before
    assert read < 3 << 20, f"the daemon read {read} bytes of a 1 MB limit"


# ---- a strict HTTP edge -------------------------------------------------------------------------

STATUS = "GET /v1/control/status HTTP/1.1\r\nHost: localhost\r\n"
POST = "POST /v1/control/stop HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize("name,head,body,status,says", [
    ("http11_without_host", "GET /v1/control/status HTTP/1.1\r\nAccept: */*\r\n\r\n", b"", 400,
     b"must have a Host header"),
    ("two_hosts", STATUS + "Host: localhost\r\n\r\n", b"", 400, b"one Host header"),
    ("obs_fold", STATUS + "Accept: text/plain,\r\n application/json\r\n\r\n", b"", 400, b"obsolete line folding"),
    ("obs_fold_tab", STATUS + "X-A: 1\r\n\t2\r\n\r\n", b"", 400, b"obsolete line folding"),
    ("xchunked", POST + "Transfer-Encoding: xchunked\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", 501, b"not implemented"),
    ("gzip_chunked", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", 501,
     b"\\\"gzip\\\""),
    ("chunked_identity", POST + "Transfer-Encoding: chunked, identity\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", 400,
     b"does not end in a single chunked"),
    ("te_over_two_lines", POST + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
     b"2\r\n{}\r\n0\r\n\r\n", 501, b"not implemented"),
    ("malformed_te", POST + "Transfer-Encoding: chunked;x\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", 400,
     b"malformed Transfer-Encoding"),
    ("te_then_length", POST + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n",
     400, b"both Transfer-Encoding and Content-Length"),
    ("length_then_te", POST + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n",
     400, b"both Transfer-Encoding and Content-Length"),
    ("te_on_http10", "POST /v1/control/stop HTTP/1.0\r\nContent-Type: application/json\r\n"
     "Transfer-Encoding: chunked\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", 400, b"not defined for HTTP/1.0"),
])
def test_the_edge_refuses_what_two_parsers_could_read_differently(make_daemon, name, head, body, status, says):
    d = make_daemon()
    got, answer, closed = exchange(d, head, body)
    assert got == status, answer
    assert says in answer and b'{"error":' in answer, answer
    assert closed, "a refused head must close the connection"
    with d.client() as c:
        assert c.get("/v1/control/status").json()["worker"]["state"] == "stopped"


def test_what_the_edge_lets_through(make_daemon):
    d = make_daemon()
    # HTTP/1.0 needs no Host.
    status, answer, _ = exchange(d, "GET /v1/health HTTP/1.0\r\n\r\n")
    assert status == 200, answer
    # A proper chunked body, and a keep-alive connection that goes on after it.
    s = raw_socket(d)
    s.settimeout(5)
    s.sendall((POST + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"2\r\n{}\r\n0\r\n\r\n" +
              STATUS.encode() + b"\r\n")
    data = b""
    while data.count(b"HTTP/1.1 200") < 2:
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    s.close()
