"""The drill runner: a deferrable background job that runs scheduled drills, one at a time.

Each drill runs as ``tiffin drill <kind> --json --database-url <staging>`` in a child process
of its own session, so however hard it loads and kills its own servers, it never holds this
process's GIL, threads or database connections: the core goes on serving. The runner waits
for it (checking for shutdown twice a second), reads the drill's JSON report and records the
run: *passed* (exit 0), *failed* (exit 1 with a report: a target missed) or *error* (no report:
the staging database was refused, the drill crashed or overran ``drill_timeout_seconds``).

The staging URL is checked against the live database again just before each run (settings
may have changed since it was scheduled), and the child's environment does not carry the live
database's URL at all.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tiffin.errors import TiffinError
from tiffin.resilience import drill_queue
from tiffin.resilience.drill_guard import staging_url
from tiffin.resilience.drill_model import DrillKind, RunStatus
from tiffin.store.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 3.0
DETAIL_TAIL = 600  # characters of the drill's stderr kept with an error


@dataclass(frozen=True)
class Outcome:
    status: RunStatus
    figures: dict[str, Any] | None
    detail: str | None


def command(kind: DrillKind, url: str, params: dict[str, int]) -> list[str]:
    """The ``tiffin drill`` command line for one run (options named as the CLI names them)."""
    argv = [sys.executable, "-m", "tiffin", "drill", kind.value, "--json", "--database-url", url]
    for name, value in sorted(params.items()):
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def read_report(stdout: str) -> dict[str, Any] | None:
    """The drill's JSON report from its standard output (None if there is none)."""
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        report = json.loads(stdout[start:])
    except json.JSONDecodeError:
        return None
    return report if isinstance(report, dict) else None


def outcome(returncode: int, stdout: str, stderr: str) -> Outcome:
    """How a finished drill process ended, as a run's status."""
    report = read_report(stdout)
    if report is not None and returncode in (0, 1):
        return Outcome(RunStatus.PASSED if returncode == 0 else RunStatus.FAILED, report, None)
    tail = " ".join(stderr.split())[-DETAIL_TAIL:] or "(nothing on stderr)"
    return Outcome(RunStatus.ERROR, report, f"the drill exited {returncode}: {tail}")


class DrillRunner:
    """Claims due drills and runs them in child processes until none is due or ``stop`` is set."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        live_url: str,
        allowed: Sequence[str],
        timeout_s: float,
        identity: str,
        stop: threading.Event | None = None,
    ) -> None:
        self.uow, self.live_url, self.allowed = uow, live_url, list(allowed)
        self.timeout_s, self.identity = timeout_s, identity
        self.stop = stop or threading.Event()
        self.current: subprocess.Popen[bytes] | None = None  # the drill running now

    def run_due(self) -> int:
        """Run every drill that is due (one at a time); how many ran."""
        ran = 0
        while not self.stop.is_set():
            with self.uow() as uow:
                claimed = drill_queue.claim_next(
                    uow, runner=self.identity, timeout=timedelta(seconds=self.timeout_s + 60)
                )
                uow.commit()
            if claimed is None:
                return ran
            run, schedule = claimed.run, claimed.schedule
            log.info("drill %s: %s against staging (%s)", run.id, run.kind, run.trigger)
            try:
                result = self._run(schedule.kind, schedule.staging_url, schedule.params)
            except BaseException:  # Ctrl-C on `tiffin drill run-due`: say so, then stop
                with self.uow() as uow:
                    drill_queue.finish(uow, run.id, RunStatus.ERROR, detail="interrupted")
                    uow.commit()
                raise
            with self.uow() as uow:
                drill_queue.finish(
                    uow, run.id, result.status, figures=result.figures, detail=result.detail
                )
                uow.commit()
            log.info("drill %s: %s", run.id, result.status)
            ran += 1
        return ran

    def _run(self, kind: DrillKind, url: str, params: dict[str, int]) -> Outcome:
        try:  # settings may have changed since it was scheduled: look again
            staging_url(url, live_url=self.live_url, allowed=self.allowed)
        except TiffinError as refused:
            return Outcome(RunStatus.ERROR, None, f"refused: {refused.detail}")
        env = {k: v for k, v in os.environ.items() if k != "TIFFIN_DATABASE_URL"}
        with tempfile.TemporaryDirectory(prefix="tiffin-drill-") as tmp:
            out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
            with out_path.open("wb") as out, err_path.open("wb") as err:
                process = subprocess.Popen(
                    command(kind, url, params),
                    stdout=out,
                    stderr=err,
                    cwd=tmp,
                    env=env,
                    start_new_session=True,  # its servers too: one group to stop
                )
                self.current = process
                try:
                    stopped = self._wait(process)
                except BaseException:  # its own session gets no Ctrl-C: stop it, then go
                    _stop_group(process)
                    raise
                finally:
                    self.current = None
            stdout = out_path.read_text(errors="replace")
            stderr = err_path.read_text(errors="replace")
        if stopped:
            return Outcome(RunStatus.ERROR, read_report(stdout), stopped)
        return outcome(process.returncode, stdout, stderr)

    def _wait(self, process: subprocess.Popen[bytes]) -> str | None:
        """Wait for the drill; stop it (and its servers) on shutdown or past the timeout, and
        say why. None if it ended by itself."""
        deadline = time.monotonic() + self.timeout_s
        while process.poll() is None:
            if self.stop.is_set():
                _stop_group(process)
                return "this server shut down mid-drill"
            if time.monotonic() > deadline:
                _stop_group(process)
                return f"the drill ran past {self.timeout_s:g} s and was stopped"
            self.stop.wait(0.5)
        return None


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the drill's process group, then SIGKILL whatever is left after a grace."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            if sig is signal.SIGTERM:
                os.killpg(process.pid, signal.SIGKILL)  # its servers, if they linger
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
