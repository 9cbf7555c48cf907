"""--workers N: N server processes on one HTTP port, for multi-core Pis.

Each worker is a whole artcast-server with its own hub: its own listen
socket on the same port (SO_REUSEPORT: the kernel spreads new connections
over the workers) and its own multicast sockets, joined to the groups
itself, so every worker receives every datagram and holds every key. The
parent binds all the sockets first (port 80 needs root), then forks the
workers and only supervises: SIGTERM/SIGINT/SIGHUP are passed on to every
worker, a worker that dies unexpectedly is started again on the same
sockets (connections that arrive meanwhile wait in its backlog), and the
parent exits when the workers have.

What differs from one process (README, PROTOCOL.md): /status counts what
the worker that answered it has seen (its connections, its waiting
clients); the keys, values and ETags are the same in every worker, since
each derives them from the same datagrams.

    supervise(2, run_worker)     # run_worker(i) -> exit status, in the child
"""

import os
import signal
import time

RESTART_WINDOW = 10.0      # seconds: a worker dying this soon after its start counts as a crash loop
RESTARTS = 5               # crash-loop restarts allowed before the parent gives up
PASSED_ON = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def supervise(count, run_worker, say=None):
    """Fork `count` workers, pass signals on, restart crashed ones; returns
    the exit status (0 when every worker stopped cleanly on a signal)."""
    say = say or (lambda message: None)
    workers = {}               # pid -> (index, started)
    stopping = []
    quick_deaths = [0]

    def start(index):
        # signals wait until the child has its own handlers (not pass_on, which would
        # signal its siblings) and the parent knows the child's pid
        signal.pthread_sigmask(signal.SIG_BLOCK, PASSED_ON)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                for signum in PASSED_ON:
                    signal.signal(signum, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)
                status = run_worker(index)
            finally:
                os._exit(status if isinstance(status, int) else 1)
        workers[pid] = (index, time.monotonic())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, PASSED_ON)

    def pass_on(signum, frame):
        if signum != signal.SIGHUP:
            stopping.append(signum)
        for pid in list(workers):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    for signum in PASSED_ON:
        signal.signal(signum, pass_on)
    for index in range(count):
        start(index)
    status = 0
    while workers:
        try:
            pid, wait_status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:        # a signal arrived: pass_on() ran
            continue
        if pid not in workers:
            continue
        index, started = workers.pop(pid)
        code = os.waitstatus_to_exitcode(wait_status)
        if stopping:
            status = status or (code if code > 0 else 0)
            continue
        if time.monotonic() - started < RESTART_WINDOW:
            quick_deaths[0] += 1
        say("worker %d (pid %d) exited with %s; %s" % (index + 1, pid, code,
            "starting it again" if quick_deaths[0] <= RESTARTS else "too many restarts: stopping"))
        if quick_deaths[0] > RESTARTS:
            stopping.append(signal.SIGTERM)
            pass_on(signal.SIGTERM, None)
            status = 1
            continue
        start(index)
    return status
