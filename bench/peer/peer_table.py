#!/usr/bin/python3
"""Helpers of bench/peer/run: the configurations of the issue-17 table, picking a side's JSON line out of its output,
the quiet-machine probe, and the summary table (medians of paired per-round ratios) from the run's JSONL file.

  peer_table.py configs [--smoke] [--only a,b]        configurations, one shell-readable line each
  peer_table.py pick SIDE DTYPE < output              the side's JSON line for DTYPE (exit 1 if none)
  peer_table.py load                                  run-queue length averaged over 2 s, and the 1-min load average
  peer_table.py record KEY=TEXT KEY:=JSON ...         one JSON line (KEY:=@FILE: FILE's JSON, null if absent or empty)
  peer_table.py summarise FILE [--json OUT]           the table (markdown) from a run's JSONL
"""
import json
import os
import statistics
import sys
import time

# name, label, variant, image size, channels, batch, train step?
CONFIGS = [
    ("sb16", "S-B/16 256p batch 4", "S-B/16", 256, 16, 4, False),
    ("tt8", "T-T/8 64p batch 16", "T-T/8", 64, 16, 16, False),
    ("train", "training step T-T/8 c16 64p batch 32", "T-T/8", 64, 16, 32, True),
]
SMOKE = [
    ("sb16", "smoke: S-B/16 32p batch 1", "S-B/16", 32, 16, 1, False),
    ("tt8", "smoke: T-T/8 32p batch 2", "T-T/8", 32, 16, 2, False),
    ("train", "smoke: training step T-T/8 32p batch 2", "T-T/8", 32, 16, 2, True),
]


def configs(argv):
    table = SMOKE if "--smoke" in argv else CONFIGS
    only = None
    if "--only" in argv:
        only = set(argv[argv.index("--only") + 1].split(","))
        unknown = only - {c[0] for c in table}
        if unknown:
            print(f"unknown configuration(s): {', '.join(sorted(unknown))}; known: {', '.join(c[0] for c in table)}", file=sys.stderr)
            return 2
    for name, label, variant, size, channels, batch, train in table:
        if only is None or name in only:
            print(name, variant, size, channels, batch, int(train), label.replace(" ", "_"))
    return 0


def pick(side, dtype, text):
    """The last JSON object line of `text` with this side and dtype, re-serialised on one line."""
    found = None
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("side") == side and record.get("dtype") == dtype:
            found = record
    return found


def run_queue(seconds=2.0, samples=10):
    """Mean number of runnable tasks (4th field of /proc/loadavg, minus this reader) over `seconds`: the quantity the
    load average smooths, without its minute-long memory of our own previous measurement."""
    total = 0
    for i in range(samples):
        with open("/proc/loadavg") as f:
            fields = f.read().split()
        total += max(0, int(fields[3].split("/")[0]) - 1)
        if i + 1 < samples:
            time.sleep(seconds / (samples - 1))
    return total / samples, float(fields[0])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(path, json_out=None, out=sys.stdout):
    records = [json.loads(line) for line in open(path) if line.strip()]
    run = next((r for r in records if r.get("record") == "run"), {})
    parity = {r["config"]: r for r in records if r.get("record") == "parity"}
    rows = [r for r in records if r.get("record") == "measurement"]
    order = []
    for r in rows:
        key = (r["config"], r["dtype"])
        if key not in order:
            order.append(key)

    summary = []
    for config, dtype in order:
        mine = [r for r in rows if (r["config"], r["dtype"]) == (config, dtype)]
        rounds = sorted({r["round"] for r in mine})
        label = mine[0]["label"]
        train = mine[0]["train"]
        costs = parity.get(config, {}).get("macs_per_item", {})
        per_side = {}
        paired = {"encode": [], "decode": [], "train": []}
        for rnd in rounds:
            by_side = {r["side"]: r["result"] for r in mine if r["round"] == rnd and r.get("result")}
            if "vitok" in by_side and "pytorch" in by_side:
                for part, field in (("encode", "encode_per_s"), ("decode", "decode_per_s"), ("train", "train_steps_per_s")):
                    a, b = by_side["vitok"].get(field), by_side["pytorch"].get(field)
                    if a and b:
                        paired[part].append(a / b)
        for side in ("vitok", "pytorch"):
            results = [r["result"] for r in mine if r["side"] == side and r.get("result")]
            ratios = {"encode": [], "decode": [], "train": []}
            for res in results:
                mm = res.get("matmul_gmacs")
                if not mm:
                    continue
                for part in ("encode", "decode"):
                    if res.get(f"{part}_gmacs") is not None and not train:
                        ratios[part].append(res[f"{part}_gmacs"] / mm)
                if train and res.get("train_steps_per_s") and costs:
                    # forward + backward = 3 x the forward's multiply-adds, both sides counted the same way
                    macs = 3 * (costs["encoder"] + costs["decoder"]) * res["batch"] * res["train_steps_per_s"]
                    ratios["train"].append(macs / 1e9 / mm)
            per_side[side] = {
                "runs": len(results),
                "matmul_gmacs": median([r.get("matmul_gmacs") for r in results]),
                "to_matmul": {k: median(v) for k, v in ratios.items()},
                "peak_rss_mb": median([r.get("peak_rss_mb") for r in results]),
                "per_s": {part: median([r.get(f) for r in results]) for part, f in
                          (("encode", "encode_per_s"), ("decode", "decode_per_s"), ("train", "train_steps_per_s"))},
            }
        summary.append({
            "config": config, "label": label, "dtype": dtype, "train": train, "rounds_paired": len(paired["train" if train else "encode"]),
            "ratio": {k: median(v) for k, v in paired.items()},
            "ratio_range": {k: [min(v), max(v)] if v else None for k, v in paired.items()},
            "sides": per_side,
        })

    busy = [r for r in rows if r.get("gave_up_waiting")]
    failed = [r for r in rows if not r.get("result")]

    def f(x, digits=2):
        return "-" if x is None else f"{x:.{digits}f}"

    w = out.write
    w(f"PyTorch peer comparison, {run.get('date', '?')}, commit {run.get('commit', '?')}, {run.get('rounds', '?')} interleaved rounds, "
      f"{run.get('threads', '?')} threads; PyTorch {run.get('torch', '?')} with BLAS {run.get('blas', '?')}\n")
    w("ratio = our throughput / PyTorch's, the median of the per-round ratios (range in brackets); "
      "x/matmul = achieved multiply-adds/s over a same-process 1024^3 matmul of that dtype (ours / PyTorch's)\n\n")
    w("| | dtype | encode | decode | train step | encode x/matmul | decode x/matmul | train x/matmul | peak RSS MB (ours / PyTorch) |\n")
    w("|---|---|---|---|---|---|---|---|---|\n")
    for s in summary:
        r, rr = s["ratio"], s["ratio_range"]
        v, p = s["sides"]["vitok"], s["sides"]["pytorch"]

        def cell(part):
            if r[part] is None:
                return "-"
            return f"{r[part]:.2f} [{rr[part][0]:.2f}-{rr[part][1]:.2f}]"

        def mm(part):
            return f"{f(v['to_matmul'][part])} / {f(p['to_matmul'][part])}" if (v["to_matmul"][part] or p["to_matmul"][part]) else "-"

        w(f"| {s['label']} | {s['dtype']} | {cell('encode')} | {cell('decode')} | {cell('train')} | {mm('encode')} | {mm('decode')} "
          f"| {mm('train')} | {f(v['peak_rss_mb'], 0)} / {f(p['peak_rss_mb'], 0)} |\n")
    w("\n")
    for s in summary:
        v, p = s["sides"]["vitok"], s["sides"]["pytorch"]
        w(f"{s['label']} {s['dtype']}: {s['rounds_paired']} paired rounds; matmul GMAC/s ours {f(v['matmul_gmacs'], 1)}, "
          f"PyTorch {f(p['matmul_gmacs'], 1)}; per second ours/PyTorch: " +
          ", ".join(f"{part} {f(v['per_s'][part])}/{f(p['per_s'][part])}" for part in (("train",) if s["train"] else ("encode", "decode"))) + "\n")
    if busy:
        loads = [r.get("load_before") for r in busy if r.get("load_before") is not None]
        w(f"WARNING: {len(busy)} of {len(rows)} measurements started on a machine that was not quiet "
          f"(gave up waiting; run queue up to {max(loads) if loads else '?'}). Treat the table as indicative.\n")
    if failed:
        w(f"WARNING: {len(failed)} of {len(rows)} measurements failed or printed no JSON line: " +
          ", ".join(f"{r['side']} {r['config']} {r['dtype']} round {r['round']}" for r in failed[:8]) + "\n")
    if json_out:
        with open(json_out, "w") as fjson:
            json.dump({"run": run, "rows": summary, "busy": len(busy), "failed": len(failed)}, fjson, indent=1)
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "configs":
        return configs(rest)
    if cmd == "pick":
        record = pick(rest[0], rest[1], sys.stdin.read())
        if record is None:
            return 1
        print(json.dumps(record))
        return 0
    if cmd == "load":
        queue, avg1 = run_queue()
        print(f"{queue:.2f} {avg1:.2f}")
        return 0
    if cmd == "record":
        record = {}
        for item in rest:
            if ":=" in item and item.index(":=") < item.index("=") + 1:
                key, value = item.split(":=", 1)
                if value.startswith("@"):
                    try:
                        text = open(value[1:]).read().strip()
                        record[key] = json.loads(text) if text else None
                    except (OSError, json.JSONDecodeError):
                        record[key] = None
                else:
                    record[key] = json.loads(value)
            else:
                key, _, value = item.partition("=")
                record[key] = value
        print(json.dumps(record))
        return 0
    if cmd == "summarise":
        json_out = rest[rest.index("--json") + 1] if "--json" in rest else None
        return summarise(rest[0], json_out)
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
