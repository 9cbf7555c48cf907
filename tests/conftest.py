"""Shared fixtures: real server processes on 127.0.0.1, loopback multicast.

Network safety: everything here multicasts through 127.0.0.1 with TTL 0.
The environment defaults below make any source or `artcast send` started
by a test do the same, even if a test forgets to pass the options.
"""

import os
import sys

os.environ["ARTCAST_MULTICAST_INTERFACE"] = "127.0.0.1"
os.environ["ARTCAST_TTL"] = "0"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

from support.server import ServerProcess  # noqa: E402


@pytest.fixture
def server(tmp_path):
    """A running artcast-server (default options, loopback multicast)."""
    proc = ServerProcess(log_dir=tmp_path).start()
    yield proc
    proc.close()


@pytest.fixture
def server_factory(tmp_path):
    """Start servers with extra options: server_factory("--poll-timeout", "1")."""
    started = []

    def make(*extra_args, start=True, **kwargs):
        proc = ServerProcess(extra_args, log_dir=tmp_path, **kwargs)
        started.append(proc)
        return proc.start() if start else proc
    yield make
    for proc in started:
        proc.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failed test: nothing may hide a missing dependency."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = "skipped in CI (not allowed): %s" % (report.longrepr,)


def pytest_sessionfinish(session, exitstatus):
    """Belt and braces for skips the hook above cannot see (a whole module
    skipped at collection): in CI any skip fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = 1
