"""Small helpers shared by ingest_bench.py and rows.py."""

import re


def percentile(values, fraction):
    """The nearest-rank percentile of `values` (any order); None if empty."""
    values = sorted(values)
    if not values:
        return None
    index = min(len(values) - 1,
                max(0, int(round(fraction * len(values) + 0.5)) - 1))
    return values[index]


def parse_duration(text):
    """absl::FormatDuration text (e.g. 1m2.5s, 8.1ms, 350us) in seconds."""
    units = {'h': 3600, 'm': 60, 's': 1, 'ms': 1e-3, 'us': 1e-6, 'ns': 1e-9}
    total = 0.0
    for number, unit in re.findall(r'([0-9.]+)(h|ms|us|ns|m|s)', text):
        total += float(number) * units[unit]
    return total
