"""The server's log lines: buffered off the event loop, written by a thread, dropped (and counted)
when nobody reads them, and the last ones written at stop."""

from __future__ import annotations

import io
import logging
import time

from tiffin.api.serving import LOG_FLUSH_SECONDS, TerminalLines


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("tiffin", logging.INFO, __file__, 1, message, None, None)


def _handler(capacity: int = 100) -> tuple[TerminalLines, io.StringIO]:
    out = io.StringIO()
    terminal = logging.StreamHandler(out)
    terminal.setFormatter(logging.Formatter("%(message)s"))
    return TerminalLines(terminal, capacity), out


def test_lines_reach_the_terminal_from_the_writer_thread() -> None:
    lines, out = _handler()
    lines.start()
    lines.handle(_record("POST /v1/orders 201 3 ms"))
    deadline = time.monotonic() + 20 * LOG_FLUSH_SECONDS
    while "POST /v1/orders" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(LOG_FLUSH_SECONDS / 4)
    assert out.getvalue() == "POST /v1/orders 201 3 ms\n"
    lines.stop()


def test_a_full_buffer_drops_and_counts_lines_never_blocks() -> None:
    lines, out = _handler(capacity=3)  # not started: nobody reads
    for n in range(5):
        lines.handle(_record(f"line {n}"))
    assert lines.dropped == 2
    lines.stop()  # the last lines are written at stop, in order
    assert out.getvalue().splitlines() == ["line 0", "line 1", "line 2"]
