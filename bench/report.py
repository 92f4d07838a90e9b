#!/usr/bin/env python3
"""make bench: prints the results of every part as Markdown tables.

Usage: bench/report.py OUT_DIR

Reads every OUT_DIR/*.json that is a part's result, prints a header (date in
UTC, machine, git commit) and one table per part, and writes the same
Markdown to OUT_DIR/report.md. Works with whatever parts are present; other
JSON files in OUT_DIR (without a "part" key) are ignored.

Result format: each part's run.sh writes OUT_DIR/<part>.json, one object:

  {
    "part": "query",                      # the part's folder name in bench/
    "title": "Query engine (1,000,000 articles, in process)",
    "rows": [                             # one per measure, in report order
      {
        "name": "topic + month, first page of 50",   # what was measured
        "value": 2.1,          # newsmeta's figure
        "unit": "µs",          # unit of value (and of vs_value unless
                               # "vs_unit" says otherwise)
        "vs": "SQLite",        # the peer or ceiling measured in the same run
                               # (optional, as are the keys below)
        "vs_value": 15.3,      # its figure
        "vs_unit": "µs",       # optional; defaults to "unit"
        "ratio": 7.3,          # the ratio the target is about
        "ratio_meaning": "× faster than SQLite",     # printed after ratio
        "target": "≥ 5×; ≤ 3 µs",                    # as the issue states it
        "met": true            # true, false, or null when there is no target
      }
    ],
    "notes": ["free text lines, printed below the table"]
  }

Numbers may be null when a figure could not be measured; they print as "—".
"""

import datetime
import glob
import json
import os
import platform
import subprocess
import sys

# Parts in the order make bench runs them; others follow by name.
PART_ORDER = ["query", "serving", "load", "ingest"]


def fmt_number(value):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def with_unit(value, unit):
    text = fmt_number(value)
    if value is None or not unit:
        return text
    return f"{text} {unit}"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def machine():
    cpus = os.cpu_count()
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown RAM"
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    ram = f"{kib / 1024 / 1024:.1f} GiB RAM"
                    break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(cpus)
    return f"{nproc} cores (nproc), {model}, {ram}"


def commit():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True,
                              text=True)

    head = git("rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    # Changes to tracked files make the build differ from the commit.
    dirty = git("diff", "--quiet", "HEAD").returncode != 0
    return head.stdout.strip() + ("-dirty" if dirty else "")


def load_parts(out_dir):
    parts = []
    for path in sorted(glob.glob(os.path.join(out_dir, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as error:
            print(f"report: skipping {path}: {error}", file=sys.stderr)
            continue
        if isinstance(data, dict) and "part" in data:
            parts.append(data)

    def order(part):
        name = part["part"]
        rank = PART_ORDER.index(name) if name in PART_ORDER else len(PART_ORDER)
        return (rank, name)

    return sorted(parts, key=order)


def render_part(part):
    lines = [f"### {part.get('title', part['part'])}", ""]
    lines.append("| measure | newsmeta | peer/ceiling | ratio | target | met |")
    lines.append("| --- | ---: | --- | ---: | --- | :---: |")
    for row in part.get("rows", []):
        unit = row.get("unit", "")
        ours = with_unit(row.get("value"), unit)
        peer = "—"
        if row.get("vs"):
            peer = f"{row['vs']}: " + with_unit(row.get("vs_value"),
                                                 row.get("vs_unit", unit))
        ratio = "—"
        if row.get("ratio") is not None:
            ratio = fmt_number(row["ratio"])
            meaning = row.get("ratio_meaning", "")
            if meaning:
                ratio += meaning if meaning.startswith("×") else " " + meaning
        met = row.get("met")
        met_text = "—" if met is None else ("yes" if met else "**no**")
        lines.append("| " + " | ".join(cell(c) for c in [
            row.get("name", ""), ours, peer, ratio, row.get("target", "—"),
            met_text]) + " |")
    notes = part.get("notes", [])
    if notes:
        lines.append("")
        lines.extend(f"- {note}" for note in notes)
    lines.append("")
    return lines


def render(parts):
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        "## Benchmark results",
        "",
        f"- date: {now.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- commit: {commit()}",
        "",
    ]
    if not parts:
        lines += ["No part wrote a result.", ""]
    for part in parts:
        lines += render_part(part)
    return "\n".join(lines)


def main(argv):
    if len(argv) != 2:
        print("usage: bench/report.py OUT_DIR", file=sys.stderr)
        return 2
    out_dir = argv[1]
    markdown = render(load_parts(out_dir))
    print(markdown)
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(markdown + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
