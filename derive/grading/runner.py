"""Running a batch of submissions on an executor: local worker processes or dask.

Both back ends are a `concurrent.futures.Executor` (a ProcessPoolExecutor
here, dask.distributed's `Client.get_executor()` on a cluster) driven by one
loop, `_drive`: at most `in_flight` submissions are submitted at once, each
result comes back as plain data, and every submission ends as one result,
whatever happened to it.

Locally each worker process is started by `worker.initialize` (memory
limit) and checks a submission with `worker.grade_job` (time limit). A
worker that dies outright (a segmentation fault, killed by the system)
breaks the pool: the submissions that were in flight then are graded again
one at a time, each in a pool of its own, so the one that killed its worker
gets a row saying so and the others their grades. A submission that
overruns its limit by `GRACE` seconds without its worker noticing (stuck
outside Python) has its pool ended the same way.

On dask, a task cannot be interrupted and a dask worker may not start
processes of its own (it is a daemon), so each task runs the submission in
a sandbox subprocess (`derive.grading.sandbox`: the same initializer and the
same `grade_job`), one per worker thread, kept warm between tasks.
"""
from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import time
from concurrent.futures.process import BrokenProcessPool

from derive.grading import worker

#: Seconds past a submission's limit before its worker is ended from outside.
GRACE = 30.0


def local_executor(jobs: int, memory: int | None) -> futures.ProcessPoolExecutor:
    # fork: the workers start from this process's imports (and the checker forks its own worker too)
    return futures.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                       initializer=worker.initialize, initargs=(memory,))


def run_local(jobs: list[dict], workers: int, memory: int | None, progress=None) -> list[dict]:
    """Results of `jobs` (in their order), checked in `workers` local processes."""
    results: dict[int, dict] = {}
    pending = list(range(len(jobs)))
    suspects: list[int] = []
    while pending:
        broken = _drive(lambda: local_executor(workers, memory), worker.grade_job, jobs, pending, workers,
                        results, progress)
        pending = [i for i in pending if i not in results]
        suspects = [i for i in broken if i not in results]
        # the submissions in flight when the pool broke, each alone: which one broke it?
        for i in suspects:
            jobs[i]["overran"] = False
            alone = _drive(lambda: local_executor(1, memory), worker.grade_job, jobs, [i], 1, results, progress)
            if alone and i not in results:
                results[i] = _broken_result(jobs[i])
                if progress:
                    progress(i, results[i])
        pending = [i for i in pending if i not in results]
    return [results[i] for i in range(len(jobs))]


def _broken_result(job: dict) -> dict:
    if job.get("overran"):
        return {"status": "timed out", "message": f"took longer than {job['seconds']:g} s (--timeout); "
                                                  f"its worker was ended"}
    return {"status": "crashed", "message": "its worker process died (out of memory, or a crash)"}


def _drive(make, task, jobs, indices, in_flight, results, progress, local=True) -> list[int]:
    """Run jobs[indices] on one executor; fill `results`. Returns the indices
    that were in flight when a local pool broke (empty when it did not)."""
    executor = make()
    queue = list(indices)
    running: dict = {}  # future → (index, deadline)
    try:
        while queue or running:
            while queue and len(running) < in_flight:
                i = queue.pop(0)
                seconds = jobs[i].get("seconds")
                deadline = time.monotonic() + seconds + GRACE if seconds and local else None
                running[executor.submit(task, jobs[i])] = (i, deadline)
            deadlines = [d for _, d in running.values() if d is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            done, _ = futures.wait(list(running), timeout=timeout, return_when=futures.FIRST_COMPLETED)
            broken = False
            for future in done:
                i, _ = running.pop(future)
                try:
                    results[i] = future.result()
                except BrokenProcessPool:
                    broken = True
                    running[future] = (i, None)  # still to be graded: in flight when the pool broke
                    continue
                except Exception as error:  # a result that could not come back, a killed dask worker
                    results[i] = {"status": "crashed", "message": f"{type(error).__name__}: {error}".rstrip(": ")}
                if progress:
                    progress(i, results[i])
            late = [i for i, d in running.values() if d is not None and d <= time.monotonic()]
            if late and not broken:
                for i in late:
                    jobs[i]["overran"] = True
            if broken or late:
                in_flight_now = [i for i, _ in running.values()]
                _kill(executor)
                return in_flight_now
        return []
    except BaseException:
        _kill(executor)
        raise
    finally:
        if local:
            executor.shutdown(wait=True, cancel_futures=True)


def _kill(executor):
    """End a local pool's worker processes now (they may be stuck)."""
    processes = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        try:
            process.kill()
        except Exception:
            pass


# ------------------------------------------------------------------- dask

def run_dask(jobs: list[dict], address: str, memory: int | None, progress=None) -> list[dict]:
    """Results of `jobs` (in their order), checked on the dask.distributed
    cluster at `address` (a scheduler's address, or a Client to use)."""
    try:
        from distributed import Client
    except ImportError:
        from derive.errors import InputError
        raise InputError("--scheduler needs dask.distributed: pip install 'derive[dask]'") from None
    if isinstance(address, Client):
        client = address
    else:
        try:
            client = Client(address, timeout="30s")
        except (OSError, TimeoutError, ValueError) as error:
            from derive.errors import InputError
            raise InputError(f"--scheduler {address}: cannot reach the scheduler: {error}") from None
    try:
        threads = max(1, sum(client.nthreads().values()))
        results: dict[int, dict] = {}
        for job in jobs:
            job["memory"] = memory
        executor = client.get_executor(pure=False)
        _drive(lambda: executor, remote_task, jobs, list(range(len(jobs))), threads * 2, results, progress,
               local=False)
        return [results[i] for i in range(len(jobs))]
    finally:
        if client is not address:
            client.close()


def remote_task(job: dict) -> dict:
    """A dask task: the submission checked in this worker thread's sandbox."""
    from derive.grading.sandbox import for_this_thread
    return for_this_thread(job.get("memory")).run(job)
