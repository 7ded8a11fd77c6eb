"""Starting the bench's servers as child processes, asking them over HTTP, and stopping
every one of them when the run ends, however it ends."""

import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import BASE_DIR

RUNNING = []


@dataclass(frozen=True)
class Server:
    """A server listening on 127.0.0.1:``port``. ``processes`` are the ones whose CPU
    time a request costs; ``folder`` holds its files (nginx's logs), if any."""

    port: int
    processes: tuple
    folder: Path | None = None


def start(command, *, log, env=None):
    """Start a long-running process in its own process group, its output appended to
    the file ``log``; stop_all() ends it."""
    with open(log, "ab") as output:
        process = subprocess.Popen(  # nosec B603 # the bench's own servers, no shell
            command,
            env=env,
            cwd=BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    RUNNING.append(process)
    return process


def stop_all():
    """Stop every process start() started, newest first; kill those that linger."""
    for process in reversed(RUNNING):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in reversed(RUNNING):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    RUNNING.clear()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, path, *, method="GET", headers=None, body=None):
    """One HTTP request to 127.0.0.1:``port``; returns status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def wait_for(port, path="/healthz", *, process, seconds=60):
    """Wait until ``path`` answers below 500; stop the run if ``process`` exits first or
    nothing answers in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"A server on port {port} exited with status {process.returncode}.")
        try:
            status, _headers, _body = request(port, path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"Nothing answered on 127.0.0.1:{port}{path} within {seconds} s.")
