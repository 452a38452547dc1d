"""A reusable worker process that checks steps under hard limits.

One process serves every step of a run (and of later runs): it is forked
once, keeps its parsed sides and problem bindings warm, and is replaced only
when a step overruns its time limit or dies. Its address space is capped
with setrlimit, so a step that tries to build a huge object fails with
MemoryError inside the worker instead of taking the machine down.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import threading

#: Seconds one step may take; binding a problem (solving it) may take longer.
STEP_SECONDS = 10.0
BIND_SECONDS = 60.0
#: Memory the worker may add to what it had when forked.
EXTRA_MEMORY = 768 * 2 ** 20


def _virtual_size() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _die_with_parent():
    """Linux: the kernel kills the worker when the process that forked it
    dies, so a killed `derive check` never leaves a worker running."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(connection, extra_memory, parent):
    _die_with_parent()
    if os.getppid() != parent:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    limit = _virtual_size() + extra_memory
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    from derive.checking.chains import binding, check_chain
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        kind, payload = task
        try:
            if kind == "bind":
                binding(payload)
                result = ("ok", None)
            else:
                result = ("ok", check_chain(*payload))
        except MemoryError:
            result = ("error", "ran out of memory (limit reached)")
        except RecursionError:
            result = ("error", "nested too deeply")
        except Exception:  # one bad step never stops the others; its internals are not the reader's business
            result = ("error", "uses something the checker cannot evaluate here")
        try:
            connection.send(result)
        except MemoryError:
            connection.send(("error", "ran out of memory (limit reached)"))


class Worker:
    def __init__(self, extra_memory: int = EXTRA_MEMORY):
        self.extra_memory = extra_memory
        self.process = None
        self.connection = None

    def _start(self):
        # import the checker before forking: every worker then starts warm,
        # and nothing is imported (or compiled) inside the guarded worker
        import derive.checking.chains  # noqa: F401
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.extra_memory, os.getpid()), daemon=True)
        self.process.start()
        child.close()

    def run(self, kind, payload, seconds):
        """("ok", result), ("error", message) or ("timeout", message)."""
        if self.process is None or not self.process.is_alive():
            self._start()
        try:
            self.connection.send((kind, payload))
            if self.connection.poll(seconds):
                return self.connection.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self.stop()
            return ("error", "the worker process died (memory limit?)")
        self.stop()
        return ("timeout", f"took longer than {seconds:g} s")

    def stop(self):
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_LOCAL = threading.local()


def shared() -> Worker:
    """This thread's worker, reused across its steps and runs. One worker per
    thread (and per process after a fork): a pipe carries one conversation,
    so two threads sharing one would read each other's verdicts."""
    worker, owner = getattr(_LOCAL, "worker", None), getattr(_LOCAL, "owner", None)
    if worker is None or owner != os.getpid():
        worker = Worker()
        _LOCAL.worker, _LOCAL.owner = worker, os.getpid()
    return worker
