#!/usr/bin/env bash
# bench/load: cold load of 100,000 generated seeds against yaml-cpp's bare
# parse of the same front matter (one core, same run), restart from a
# snapshot, incremental reload after one changed file, peak RSS.
# Writes OUT_DIR/load.json (format: bench/report.py).
#
# Usage: bench/load/run.sh BUILD_DIR OUT_DIR
#   LOAD_BENCH_COUNT   seeds in the corpus (default 100000)
#   LOAD_BENCH_EVERY   the bare parse reads every Nth file (default 5): its
#                      rate is per document, and on one core the whole corpus
#                      would take minutes
# The corpus is generated once into BUILD_DIR/load-corpus/ and reused.
set -euo pipefail

build=$(cd "$1" && pwd)
out=$2
count=${LOAD_BENCH_COUNT:-100000}
every=${LOAD_BENCH_EVERY:-5}
bench=$build/bench/load/newsmeta-load-bench
gen=$build/tools/newsmeta-gen-seeds
corpus=$build/load-corpus/$count
snapshot=$build/load-corpus/$count.nmsnap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$build/load-corpus"

if [[ ! -f "$corpus.done" ]]; then
  echo "bench/load: generating $count seeds into $corpus" >&2
  rm -rf "$corpus"
  "$gen" --count "$count" --out "$corpus" --seed 1 >&2
  touch "$corpus.done"
fi

# Warm the page cache the same way for every measurement: all of them read
# the files from memory, none from disk.
find "$corpus/" -type f -print0 | xargs -0 cat >/dev/null

echo "bench/load: yaml-cpp bare parse (1 core, every ${every}th file)" >&2
"$bench" --mode=bare --seeds="$corpus" --every="$every" >"$work/bare.json"
echo "bench/load: cold load, snapshot written after, one file changed" >&2
"$bench" --mode=cold --seeds="$corpus" --snapshot_out="$snapshot" \
  --change_one >"$work/cold.json"
echo "bench/load: restart from the snapshot" >&2
"$bench" --mode=snapshot --snapshot_in="$snapshot" >"$work/snapshot.json"

/usr/bin/python3 - "$work" "$out/load.json" "$count" "$every" "$(nproc)" <<'EOF'
import json
import sys

work, out, count, every, cores = sys.argv[1:6]
count, every = int(count), int(every)
bare = json.load(open(f"{work}/bare.json"))
cold = json.load(open(f"{work}/cold.json"))
snap = json.load(open(f"{work}/snapshot.json"))

MB = 1e6
bare_docs = bare["docs"] / bare["seconds"]
bare_mb = bare["yaml_bytes"] / MB / bare["seconds"]
cold_docs = cold["docs"] / cold["seconds"]
cold_mb = cold["bytes"] / MB / cold["seconds"]
snap_docs = snap["docs"] / snap["seconds"]
snap_mb = snap["bytes"] / MB / snap["seconds"]
n = f"{count:,}"

rows = [
    {"name": f"cold load, {n} seeds (read, parse, validate, index; {cores} cores)",
     "value": round(cold_docs), "unit": "docs/s",
     "vs": "yaml-cpp bare parse, 1 core", "vs_value": round(bare_docs),
     "ratio": round(cold_docs / bare_docs, 2),
     "ratio_meaning": "× bare parse", "target": "≥ 1.8×",
     "met": cold_docs / bare_docs >= 1.8},
    {"name": "cold load, CPU time per document (all threads)",
     "value": round(cold["cpu_seconds"] / cold["docs"] * 1e6), "unit": "µs",
     "vs": "bare parse, CPU time per document",
     "vs_value": round(bare["cpu_seconds"] / bare["docs"] * 1e6),
     "ratio": round(bare["cpu_seconds"] / bare["docs"]
                    / (cold["cpu_seconds"] / cold["docs"]), 2),
     "ratio_meaning": "× bare parse per core (×2 with both cores free)",
     "met": None},
    {"name": "front matter parse, newsmeta's YamlTree::Parse, 1 core",
     "value": round(bare["docs"] / bare["tree_seconds"]), "unit": "docs/s",
     "vs": "yaml-cpp bare parse, 1 core", "vs_value": round(bare_docs),
     "ratio": round(bare["seconds"] / bare["tree_seconds"], 1),
     "ratio_meaning": "× yaml-cpp", "met": None},
    {"name": "cold load, seed file bytes", "value": round(cold_mb, 2),
     "unit": "MB/s", "vs": "bare parse, front matter bytes",
     "vs_value": round(bare_mb, 2), "met": None},
    {"name": f"restart from snapshot ({snap['bytes'] / MB:.0f} MB file; "
             "read, check, index)",
     "value": round(snap_docs), "unit": "docs/s", "vs": "cold load",
     "vs_value": round(cold_docs), "ratio": round(snap_docs / cold_docs, 1),
     "ratio_meaning": "× cold load", "target": "≥ 20×",
     "met": snap_docs / cold_docs >= 20},
    {"name": "restart from snapshot, snapshot file bytes",
     "value": round(snap_mb, 1), "unit": "MB/s", "met": None},
    {"name": f"reload after 1 of {n} files changed "
             f"({cold['reload_files_parsed']} parsed, "
             f"{cold['reload_files_reused']} reused)",
     "value": round(cold["reload_seconds"], 2), "unit": "s",
     "vs": "cold load", "vs_value": round(cold["seconds"], 2),
     "ratio": round(cold["seconds"] / cold["reload_seconds"], 1),
     "ratio_meaning": "× faster", "met": None},
    {"name": "peak RSS (VmHWM), cold load",
     "value": round(cold["peak_rss_kib"] / 1024), "unit": "MiB",
     "vs": "seed files", "vs_value": round(cold["bytes"] / 2**20),
     "ratio": round(cold["peak_rss_kib"] * 1024 / cold["bytes"], 2),
     "ratio_meaning": "× seed bytes", "met": None},
    {"name": "peak RSS (VmHWM), restart from snapshot",
     "value": round(snap["peak_rss_kib"] / 1024), "unit": "MiB",
     "met": None},
]
notes = [
    f"Seeds: newsmeta-gen-seeds --count {count} --seed 1, "
    f"{cold['bytes'] / MB:.0f} MB; {cold['docs']:,} articles, "
    f"{cold['rejected']} rejected; read from the page cache.",
    f"Bare parse: YAML::Load of the front matter of every {every}th file "
    f"({bare['docs']:,} documents, already split and in memory), one thread: "
    "yaml-cpp's own rate, the ceiling of a loader built on it per core. "
    "The loader reads front matter with YamlTree::Parse: its block scanner "
    f"read {bare['scanned_docs']:,} of these {bare['docs']:,} documents "
    "itself (the same events and marks as yaml-cpp's parser; "
    "loader/block_yaml_scanner.h) and left the rest to yaml-cpp; timed on "
    "the same documents, same thread.",
    "Cold load: LoadSeedFolder (threads on every core, filling the "
    "incremental cache as the server does) + Catalog::Build, i.e. ready to "
    f"serve; one run. Catalog::Build took {cold['build_seconds']:.2f} s of "
    "it (sort, link, serialize and free the messages on 2 threads, index "
    "with the text index and the version hash on threads of their own).",
    f"CPU: cold load {cold['cpu_seconds']:.1f} CPU-s in "
    f"{cold['seconds']:.1f} s, bare parse {bare['cpu_seconds']:.1f} CPU-s in "
    f"{bare['seconds']:.1f} s, snapshot restart {snap['cpu_seconds']:.2f} "
    f"CPU-s in {snap['seconds']:.2f} s: on a busy machine the wall-clock "
    "ratios depend on the CPU share each got; the CPU time per document "
    "does not.",
    "Restart from snapshot: LoadSnapshotCatalog, as the server's "
    "--snapshot: the file (format 6; one segment up to 131,072 articles) "
    "mapped under a read lease where the "
    "kernel grants one (FileBytes; read into memory otherwise); the "
    "articles placed from its article table and indexed as they lie in the "
    "file (Catalog::FromCatalogBytes: views, no copy; scanned on two "
    "threads, then the name index beside topics and domains); the text "
    "index decoded from the file on a thread of its own, not built; "
    "meanwhile another thread checks the file's XXH3-128 checksum, then "
    "each article's framing and that it is a well-formed Article "
    "(WireChecker, no parse, strings valid UTF-8); the catalog version is "
    "the header's, which the checksum covers.",
    "Reload: the same process after the cold load, with its cache; one "
    "file's title changed (so its size and times): "
    f"{cold['reload_files_read']} file read, "
    f"{cold['reload_files_parsed']} parsed, the others reused unread "
    "(their articles parsed back from the served catalog's bytes); "
    f"LoadSeedFolder {cold['reload_load_seconds']:.2f} s + Catalog::Build "
    f"{cold['reload_seconds'] - cold['reload_load_seconds']:.2f} s.",
]
if cold["reload_rejected"] or not cold["reload_version_changed"]:
    notes.append("WARNING: the reload after the change rejected "
                 f"{cold['reload_rejected']} files and changed the catalog "
                 f"version: {cold['reload_version_changed']}.")
if snap["version"] != cold["version"]:
    notes.append("WARNING: the snapshot's catalog version differs from the "
                 "cold load's.")
json.dump({"part": "load",
           "title": f"Load ({n} seed files)",
           "rows": rows, "notes": notes},
          open(out, "w"), ensure_ascii=False, indent=1)
print(json.dumps(rows, ensure_ascii=False), file=sys.stderr)
EOF
