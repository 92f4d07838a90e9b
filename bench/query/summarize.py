#!/usr/bin/env python3
"""Turns the query benchmark's raw output into OUT_DIR/query.json.

Usage: summarize.py FACTS_JSON GBENCH_JSON > query.json

FACTS_JSON is what newsmeta_query_bench --facts_out wrote (build times,
memory, answers), GBENCH_JSON Google Benchmark's --benchmark_out (JSON).
The result follows the format documented in bench/report.py.
"""

import json
import sys

# (key, measure, peer name, target as the issue states it, time ceiling in µs)
SHAPES = [
    ("topic_month", "topic + month, first page of 50", "SQLite",
     "≥ 5×; ≤ 3 µs", 3.0),
    ("year", "a whole year, no topic, first page of 50", "SQLite", "≥ 5×",
     None),
    ("rare_topic", "rare topic, first page of 50", "SQLite", "≥ 5×", None),
    ("text", "text search (two common words), first page of 50",
     "SQLite FTS5", "≥ 5×", None),
    ("filter", "filter with OR/NOT + topic, first page of 50", "SQLite",
     "≥ 5×", None),
    ("summary", "SummarizeArticles: month histogram, total, top topics and "
     "providers of a top topic", "SQLite", "≥ 5×; ≤ 5 ms", 5000.0),
]
MIN_RATIO = 5.0


def median_cpu_us(gbench, name):
    """The median CPU time of benchmark `name` in µs, or None."""
    single = None
    for run in gbench.get("benchmarks", []):
        # A benchmark run with fixed iterations is called
        # "NAME/iterations:1/repeats:1".
        run_name = run.get("run_name", run.get("name", ""))
        if run_name != name and not run_name.startswith(name + "/"):
            continue
        if run.get("error_occurred"):
            return None
        unit = run.get("time_unit", "ns")
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]
        if run.get("aggregate_name") == "median":
            return run["cpu_time"] * scale
        if run.get("run_type", "iteration") == "iteration" and single is None:
            single = run["cpu_time"] * scale
    return single


def time_pair(value_us, peer_us):
    """Both times in one unit: µs below a millisecond, ms above."""
    if value_us is not None and value_us >= 1000:
        return value_us / 1000, (None if peer_us is None else
                                 peer_us / 1000), "ms"
    return value_us, peer_us, "µs"


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        facts = json.load(f)
    with open(argv[2], encoding="utf-8") as f:
        gbench = json.load(f)

    articles = facts.get("articles", 0)
    rows = []
    differing = []
    for key, measure, peer, target, ceiling_us in SHAPES:
        ours_us = median_cpu_us(gbench, f"newsmeta/{key}")
        theirs_us = median_cpu_us(gbench, f"sqlite/{key}")
        ratio = (theirs_us / ours_us
                 if ours_us and theirs_us is not None else None)
        met = None
        if ratio is not None:
            met = ratio >= MIN_RATIO
            if ceiling_us is not None:
                met = met and ours_us <= ceiling_us
        if facts.get(f"{key}.same_answer") is False:
            differing.append(key)
        value, vs_value, unit = time_pair(ours_us, theirs_us)
        title = facts.get(f"{key}.title", measure)
        rows.append({
            "name": f"{measure} ({title.split('(', 1)[-1]}"
                    if "(" in title else measure,
            "value": value, "unit": unit, "vs": peer, "vs_value": vs_value,
            "ratio": ratio, "ratio_meaning": f"× faster than {peer}",
            "target": target, "met": met,
        })

    resident = facts.get("resident_bytes_per_article")
    serialized = facts.get("serialized_bytes_per_article")
    memory_ratio = resident / serialized if resident and serialized else None
    rows.append({
        "name": "resident memory per article after loading",
        "value": resident, "unit": "B",
        "vs": "serialized size (FULL view)", "vs_value": serialized,
        "ratio": memory_ratio, "ratio_meaning": "× the serialized size",
        "target": "≤ 1.5×",
        "met": None if memory_ratio is None else memory_ratio <= 1.5,
    })
    peak = facts.get("peak_rss_after_build_bytes")
    rows.append({
        "name": "peak RSS while generating and indexing",
        "value": None if peak is None else peak / 2**30, "unit": "GiB",
        "target": "—", "met": None,
    })
    generate = facts.get("generate_seconds")
    build = facts.get("build_seconds")
    build_cpu = facts.get("build_cpu_seconds")
    sqlite_build = facts.get("sqlite_build_seconds")
    sqlite_cpu = facts.get("sqlite_build_cpu_seconds")
    rows.append({
        "name": "Catalog::Build of the generated articles (CPU)",
        "value": build_cpu, "unit": "s",
        "vs": "SQLite load: rows, indexes, FTS5 (CPU)", "vs_value": sqlite_cpu,
        "ratio": (sqlite_cpu / build_cpu if build_cpu and sqlite_cpu else None),
        "ratio_meaning": "× faster than loading SQLite",
        "target": "—", "met": None,
    })

    def fmt(value, digits=1):
        return "?" if value is None else f"{value:.{digits}f}"

    notes = [
        "Times are the median CPU time of one call over 3 repetitions "
        "(Google Benchmark, single thread), so other work on the shared "
        "machine does not inflate them; ratio = SQLite time / newsmeta time. "
        "newsmeta answers through ListArticlesWire / SummarizeArticles "
        "(server/query/article_queries.h); SQLite builds the same answer: "
        "the page's BASIC-view article bytes and the total count (a second "
        "prepared statement), or the four counts of the summary.",
        f"Topics: the most frequent is \"{facts.get('top_topic')}\" "
        f"({facts.get('top_topic_articles')} articles), the rarest "
        f"\"{facts.get('rare_topic')}\" ({facts.get('rare_topic_articles')}). "
        "Totals: " + ", ".join(
            f"{key} {facts.get(key + '.total')}" for key, *_ in SHAPES) + ".",
        "Same answers (first page of names and total; summary counts): " +
        ("all six shapes." if not differing else
         "DIFFER for " + ", ".join(differing) + ".") +
        " Text search in SQLite uses FTS5 (unicode61, remove_diacritics 2).",
        "SQLite (in memory): articles(id = position in (publish_time, name) "
        "order, name, publish_time, provider_domain, quality, heat, "
        "published, title, excerpt, basic BLOB) with indexes on name and "
        "(publish_time, id); article_topics(topic, publish_time, article_id) "
        "WITHOUT ROWID with that primary key plus an index on article_id; "
        "an FTS5 table over title and excerpt; prepared statements reused.",
        f"Building: generating {articles:,} articles took "
        f"{fmt(generate)} s on {facts.get('generate_threads')} threads "
        f"({fmt(facts.get('generate_cpu_seconds'))} s CPU), Catalog::Build "
        f"{fmt(build)} s ({fmt(facts.get('build_cpu_seconds'))} s CPU), "
        f"loading SQLite {fmt(sqlite_build)} s "
        f"({fmt(facts.get('sqlite_build_cpu_seconds'))} s CPU; "
        f"{fmt((facts.get('sqlite_memory_bytes') or 0) / 2**30, 2)} GiB).",
        f"Memory: RSS {fmt((facts.get('rss_before_bytes') or 0) / 2**20, 0)} "
        f"MiB before generating, "
        f"{fmt((facts.get('rss_after_build_bytes') or 0) / 2**30, 2)} GiB "
        "after Catalog::Build with the input vector freed and malloc_trim "
        "(the catalog is then the only live data). Of the resident bytes "
        "per article, "
        f"{fmt(facts.get('heap_in_use_bytes_per_article'), 0)} B are the "
        "catalog's allocations (malloc's in-use bytes); the rest is free "
        "space malloc keeps between them (it counts "
        f"{fmt(facts.get('heap_free_bytes_per_article'), 0)} B of free "
        "chunks, part of them handed back by malloc_trim).",
    ]
    print(json.dumps({
        "part": "query",
        "title": f"Query engine ({articles:,} articles, in process)",
        "rows": rows,
        "notes": notes,
    }, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
