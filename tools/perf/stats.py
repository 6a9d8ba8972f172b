"""Statistics of `make bench`: percentiles, medians, ratios, a batch of timed replies."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between the closest
    ranks (numpy's default). NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    data = sorted(values)
    if not data:
        return math.nan
    if len(data) == 1:
        return float(data[0])
    position = (len(data) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def median(values: Iterable[float]) -> float:
    data = [v for v in values if v is not None and not math.isnan(v)]
    return float(statistics.median(data)) if data else math.nan


def ratio(numerator: Optional[float], denominator: Optional[float]) -> float:
    """numerator / denominator, NaN when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    if denominator == 0:
        return math.nan
    return numerator / denominator


@dataclass
class Batch:
    """One load run: every message's latency (seconds), errors, wall time."""
    latencies: List[float]
    errors: int
    wall_s: float
    empty_replies: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s > 0 else math.nan

    def summary(self) -> Dict[str, float]:
        return {"p50_ms": percentile(self.latencies, 50) * 1000, "p95_ms": percentile(self.latencies, 95) * 1000,
                "p99_ms": percentile(self.latencies, 99) * 1000, "throughput": self.throughput,
                "errors": self.errors, "empty_replies": self.empty_replies, "messages": len(self.latencies),
                "wall_s": self.wall_s}


def summarize_repetitions(batches: Sequence[Batch]) -> Dict[str, Any]:
    """Median of each figure over the repetitions; errors are summed."""
    summaries = [b.summary() for b in batches]
    out: Dict[str, Any] = {key: median(s[key] for s in summaries)
                           for key in ("p50_ms", "p95_ms", "p99_ms", "throughput")}
    out["errors"] = int(sum(s["errors"] for s in summaries))
    out["empty_replies"] = int(sum(s["empty_replies"] for s in summaries))
    out["messages"] = int(sum(s["messages"] for s in summaries))
    out["repetitions"] = [{k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()} for s in summaries]
    return out


