"""What a server process costs, read from /proc (Linux): resident memory and CPU time.

CPU seconds per answer are steadier than wall-clock times on a shared machine:
other processes stretch a turn's latency, but not the CPU the turn itself used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size, with the process's children (a server may fork helpers)."""
    return sum(_own_rss(p) for p in [pid, *_descendants(pid)])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its live children so far."""
    return sum(_own_cpu(p) for p in [pid, *_descendants(pid)])


@dataclass
class CpuMeter:
    """CPU seconds each named process used between start() and stop()."""

    pids: dict[str, int]

    def start(self) -> None:
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) - self._before[name] for name, pid in self.pids.items()}


def _own_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:  # exited meanwhile
        pass
    return 0


def _own_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _descendants(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [d for c in children for d in _descendants(c)]
