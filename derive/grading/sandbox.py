"""A grading worker in a subprocess of its own, for threads that cannot fork one.

A dask worker runs tasks in threads of a daemon process, which may not
start multiprocessing children (nor could it interrupt a task). A
`Sandbox` is a `python -m derive.grading.sandbox` subprocess started with
`worker.initialize` (the memory limit) that checks one submission at a time
with `worker.grade_job` (the time limit), talking JSON lines over its
standard input and output. It stays warm between submissions; one that
dies or stops answering is killed and replaced, and the submission gets a
row saying so.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time

#: Seconds past a submission's own limit before the sandbox is killed from outside.
GRACE = 30.0


class Sandbox:
    def __init__(self, memory: int | None = None):
        self.memory = memory
        self.process: subprocess.Popen | None = None
        self.buffer = b""

    def _start(self):
        self.process = subprocess.Popen([sys.executable, "-m", "derive.grading.sandbox", str(self.memory or 0)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.buffer = b""

    def run(self, job: dict) -> dict:
        if self.process is None or self.process.poll() is not None:
            self._start()
        seconds = job.get("seconds")
        deadline = time.monotonic() + (seconds + GRACE if seconds else 10 ** 9)
        try:
            self.process.stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            self.process.stdin.flush()
            line = self._read_line(deadline)
        except (BrokenPipeError, OSError):
            line = None
        if line is None:
            overran = time.monotonic() >= deadline
            self.stop()
            if overran:
                return {"status": "timed out", "message": f"took longer than {seconds:g} s (--timeout); "
                                                          f"its worker was ended"}
            return {"status": "crashed", "message": "its worker process died (out of memory, or a crash)"}
        return json.loads(line)

    def _read_line(self, deadline) -> bytes | None:
        out = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([out], [], [], left)
            if not ready:
                return None
            chunk = os.read(out, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.process = None


_LOCAL = threading.local()


def for_this_thread(memory: int | None) -> Sandbox:
    """This thread's sandbox (one per dask worker thread)."""
    sandbox = getattr(_LOCAL, "sandbox", None)
    if sandbox is None or sandbox.memory != memory:
        if sandbox is not None:
            sandbox.stop()
        sandbox = _LOCAL.sandbox = Sandbox(memory)
    return sandbox


def serve():
    """The subprocess: JSON jobs in on standard input, results out, one a line."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to standard error, not into the results
    from derive.grading import worker
    worker.initialize(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        result = worker.grade_job(json.loads(line))
        out.write(json.dumps(result).encode("utf-8") + b"\n")
        out.flush()


if __name__ == "__main__":
    serve()
