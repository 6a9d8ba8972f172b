"""`make bench --profile`: a sampling profile of the Rasa server and its summary."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Dict


class Profiler:
    """py-spy attached to a running server while the load runs (--profile)."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        binary = Path(sys.executable).with_name("py-spy")
        self.popen = subprocess.Popen([str(binary if binary.exists() else "py-spy"), "record", "--pid", str(pid),
                                       "--rate", "50", "--format", "raw", "--nonblocking", "-o", str(out)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        import signal
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def profile_summary(path: Path, top: int = 30, match: str = "") -> str:
    """Inclusive and self share of samples per function, from py-spy's raw (collapsed) output.
    Idle event-loop time (select/epoll) is left out of the total."""
    inclusive: Dict[str, int] = {}
    own: Dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [re.sub(r" \(.*?site-packages/", " (", f) for f in stack.split(";")]
        if any(key in frames[-1] for key in ("select (selectors.py", "poll (selectors.py", "_run_once (", "wait (threading.py")):
            continue
        count = int(count_text)
        total += count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        return "no busy samples"
    rows = [f"{total} busy samples"]
    rows.append("inclusive:")
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if match in frame and len(rows) < top + 2:
            rows.append(f"  {100 * count / total:5.1f}%  {frame}")
    rows.append("self:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        rows.append(f"  {100 * count / total:5.1f}%  {frame}")
    return "\n".join(rows)


