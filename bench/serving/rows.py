#!/usr/bin/env python3
"""Turns the load client's figures for newsmeta and the ceiling into the
rows of bench part "serving" (see bench/report.py for the format).

    rows.py RAW_JSON OUT_JSON

RAW_JSON is newsmeta-serving-load's output with targets "newsmeta" and
"ceiling".
"""
import json
import sys


def ratio(value, ceiling):
    if value is None or ceiling in (None, 0):
        return None
    return value / ceiling


def median(values):
    values = sorted(values)
    n = len(values)
    if n == 0:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def round_ratios(newsmeta_rounds, ceiling_rounds):
    """newsmeta / ceiling of each round: both servers measured back to back,
    so the drift of a shared machine between rounds cancels out."""
    return [n / c for n, c in zip(newsmeta_rounds, ceiling_rounds) if c]


def stream_rounds(figures, runs_per_round):
    """The median rate of each round's StreamArticles runs."""
    rates = figures["run_articles_per_s"]
    return [median(rates[k:k + runs_per_round])
            for k in range(0, len(rates), runs_per_round)]


def row(name, unit, value, ceiling, target=None, higher_is_better=True,
        ratio_meaning="of ceiling", paired=None):
    """A row; `paired` (per-round ratios), when given, makes the ratio their
    median instead of value / ceiling."""
    r = median(paired) if paired else ratio(value, ceiling)
    met = None
    if target is not None and r is not None:
        met = r >= target if higher_is_better else r <= target
    result = {
        "name": name,
        "value": value,
        "unit": unit,
        "vs": "ceiling",
        "vs_value": ceiling,
        "ratio": r,
        "ratio_meaning": ratio_meaning,
        "met": met,
    }
    if target is not None:
        result["target"] = ("≥ " if higher_is_better else "≤ ") + f"{target:g}"
    return result


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        raw = json.load(f)
    nm, ce = raw["targets"]["newsmeta"], raw["targets"]["ceiling"]

    ns, cs = nm["stream"], ce["stream"]
    count = ns["articles"]
    per_round = raw["stream_runs_per_round"]
    paired = {"stream": round_ratios(stream_rounds(ns, per_round),
                                     stream_rounds(cs, per_round))}
    for key in nm:
        if isinstance(nm[key], dict) and "round_calls_per_s" in nm[key]:
            paired[key] = round_ratios(nm[key]["round_calls_per_s"],
                                       ce[key]["round_calls_per_s"])
    rows = [
        row(f"StreamArticles, {count:,}-article result", "articles/s",
            ns["articles_per_s"], cs["articles_per_s"], 0.85,
            paired=paired["stream"]),
        row("StreamArticles, message bytes", "MB/s", ns["mb_per_s"],
            cs["mb_per_s"], paired=paired["stream"]),
    ]
    for key in ("get_1", "get_16"):
        n, c = nm[key], ce[key]
        flight = f"{n['in_flight']} in flight"
        rows += [
            row(f"GetArticle, {flight}", "calls/s", n["calls_per_s"],
                c["calls_per_s"], 0.85, paired=paired.get(key)),
            row(f"GetArticle p50, {flight}", "µs", n["p50_us"], c["p50_us"],
                None, False, "× ceiling's"),
            row(f"GetArticle p99, {flight}", "µs", n["p99_us"], c["p99_us"],
                1.3, False, "× ceiling's"),
        ]
    list_key = next(k for k in nm if k.startswith("list_"))
    n, c = nm[list_key], ce[list_key]
    rows.append(
        row(f"ListArticles pages of 50, {n['in_flight']} in flight",
            "pages/s", n["calls_per_s"], c["calls_per_s"], 0.75,
            paired=paired.get(list_key)))
    cpu = [
        ("Server CPU per streamed article", ns, cs,
         "server_cpu_us_per_article"),
        ("Server CPU per GetArticle call, 1 in flight", nm["get_1"],
         ce["get_1"], "server_cpu_us_per_call"),
        ("Server CPU per GetArticle call, 16 in flight", nm["get_16"],
         ce["get_16"], "server_cpu_us_per_call"),
        ("Server CPU per ListArticles page of 50", n, c,
         "server_cpu_us_per_call"),
    ]
    for name, a, b, field in cpu:
        rows.append(row(name, "CPU-µs", a.get(field), b.get(field), None,
                        False, "× ceiling's"))

    def mb(x):
        return f"{x / 1e6:.1f} MB"

    same = ("identical" if ns["message_bytes"] == cs["message_bytes"] else
            "DIFFERENT")
    notes = [
        f"Loopback gRPC, one channel per server, client and servers on the "
        f"same 2 cores. Corpus: {count:,} generated seeds. The ceiling "
        f"(bench/serving/ceiling_server.cc) answers "
        f"the same method paths with bytes serialized once at start (it copies the "
        f"articles from newsmeta with one StreamArticles call). Both "
        f"servers run at once and take turns, measurement by measurement, "
        f"in {raw['rounds']} rounds (newsmeta first, then the ceiling first).",
        "Throughput ratios are the median of the per-round ratios (each "
        "round measures both servers back to back, so the drift of the "
        "shared machine between rounds cancels); the newsmeta and ceiling "
        "columns are over all rounds. Per round: " + "; ".join(
            f"{name} " + ", ".join(f"{r:.3g}" for r in ratios)
            for name, ratios in paired.items() if ratios) + ".",
        f"Message sizes, newsmeta / ceiling: stream "
        f"{ns['message_bytes']:,} / {cs['message_bytes']:,} bytes ({same}); "
        f"GetArticle (FULL view) "
        f"{nm['get_16']['mean_response_bytes']:.0f} / "
        f"{ce['get_16']['mean_response_bytes']:.0f} B mean; ListArticles "
        f"page {n['mean_response_bytes']:.0f} / "
        f"{c['mean_response_bytes']:.0f} B mean (means over the calls made).",
        f"StreamArticles: median of {ns['runs']} runs of the whole corpus, "
        f"BASIC view. GetArticle: closed loop, "
        f"{raw['duration_s']:g} s per round after {raw['warmup_s']:g} s of "
        f"warm-up, names of the corpus in a shuffled order; percentiles over "
        f"every call. ListArticles: {n['in_flight']} cursors, each following "
        f"next_page_token through the whole corpus (pages of 50, BASIC) and "
        f"starting over; {n['articles_per_s']:,.0f} vs "
        f"{c['articles_per_s']:,.0f} articles/s.",
        "Server CPU: utime+stime of the server process (all threads) from "
        "/proc/PID/stat around each measurement (10 ms ticks), per message. "
        f"Client CPU per streamed article: "
        f"{ns['client_cpu_us_per_article']:.2f} (newsmeta) / "
        f"{cs['client_cpu_us_per_article']:.2f} (ceiling) µs; the client "
        f"counts bytes and does not parse articles.",
    ]
    for label, figures in (("newsmeta", nm), ("ceiling", ce)):
        for key, value in figures.items():
            if isinstance(value, dict) and value.get("errors"):
                notes.append(f"{label} {key}: {value['errors']} failed calls, "
                             f"first: {value.get('first_error', '?')}")

    result = {
        "part": "serving",
        "title": "Serving over gRPC (newsmeta-server / ceiling)",
        "rows": rows,
        "notes": notes,
    }
    with open(argv[2], "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
