#!/usr/bin/env bash
# Tests bench/peer/run end to end with the real PyTorch side (tiny --smoke settings, nice 19) and a stand-in for our
# side (a fake VITOK that answers `flops --json` with TokenizerCost's formula and `bench --json` with made-up but
# varying throughputs), then recomputes the table's medians from the raw JSONL and compares. Also checks that a
# parameter mismatch stops the runner and that a busy machine is reported. Takes about 2 minutes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/vitok" <<EOF
#!$PYTHON
# Stand-in for \`vitok\`: flops from the mirrored TokenizerCost formula; bench prints the --json interface.
import json, os, sys
sys.path.insert(0, "$here")
import vitok_peer as p
args = sys.argv[1:]
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default
frames = opt("--frames")
config = p.Config(opt("--variant"), int(opt("--channels", 16)), int(opt("--image-size", 256)),
                  int(frames) if frames else None, opt("--position", "Rope3D"))
(ep, em), (dp, dm) = p.cost(config)
ep += int(os.environ.get("FAKE_PARAMS_OFFSET", "0"))
if args[0] == "flops":
    print(json.dumps({"variant": config.variant, "image_size": config.image_size, "frames": config.frames,
                      "channels": config.channels, "tokens": config.tokens,
                      "encoder": {"params": ep, "gflops": round(em / 1e9, 4)}, "decoder": {"params": dp, "gflops": round(dm / 1e9, 4)},
                      "total": {"params": ep + dp, "gflops": round((em + dm) / 1e9, 4)}}))
elif args[0] == "bench":
    counter = "$tmp/calls"
    n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
    open(counter, "w").write(str(n))
    b = int(opt("--batch"))
    enc, dec = 50.0 + n, 40.0 + 2 * n
    train = 3.0 + n / 10 if "--train-step" in args else None
    print("T-T/8 ... human-readable lines may come first")
    print(json.dumps({"side": "vitok", "variant": config.variant, "image_size": config.image_size, "batch": b,
                      "threads": int(opt("--threads")), "dtype": opt("--dtype"), "encode_per_s": enc, "decode_per_s": dec,
                      "train_steps_per_s": train, "matmul_gmacs": 100.0, "encode_gmacs": em * enc / 1e9,
                      "decode_gmacs": dm * dec / 1e9, "peak_rss_mb": 321.0}))
else:
    sys.exit("fake vitok: unknown verb " + args[0])
EOF
chmod +x "$tmp/vitok"
export VITOK="$tmp/vitok" PYTHON

echo "1. a parameter mismatch stops the runner"
if FAKE_PARAMS_OFFSET=1 nice -n 19 "$here/run" --smoke --rounds 1 --only tt8 --allow-reference-blas --out "$tmp/bad.jsonl" 2>"$tmp/bad.err"; then
  echo "FAIL: the runner accepted a parameter mismatch"; exit 1
fi
grep -q "parameter parity FAILED" "$tmp/bad.err" || { echo "FAIL: no parity message"; cat "$tmp/bad.err"; exit 1; }

echo "2. two interleaved rounds on a machine that never counts as quiet (--load-max 0)"
nice -n 19 "$here/run" --smoke --rounds 2 --only tt8,train --allow-reference-blas --load-max 0 --wait-max 0 --wait-busy 0 \
  --out "$tmp/run.jsonl" >"$tmp/table.txt" 2>"$tmp/run.err"
cat "$tmp/table.txt"
grep -q "did not become quiet" "$tmp/run.err" || { echo "FAIL: no give-up warning while waiting"; exit 1; }
grep -q "WARNING: 16 of 16 measurements started on a machine that was not quiet" "$tmp/table.txt" || { echo "FAIL: table lacks the busy warning"; exit 1; }

echo "3. the table's medians recomputed from the raw records"
"$PYTHON" - "$tmp/run.jsonl" "$tmp/run.summary.json" <<'EOF'
import json, statistics, sys
records = [json.loads(l) for l in open(sys.argv[1])]
summary = json.load(open(sys.argv[2]))
rows = [r for r in records if r["record"] == "measurement"]
assert len(rows) == 2 * 2 * 2 * 2, len(rows)                     # rounds x configs x dtypes x sides
assert all(r["result"] for r in rows), [r for r in rows if not r["result"]]
for r in rows:                                                    # alternating order: ours first in odd rounds
    first = "vitok" if r["round"] % 2 == 1 else "pytorch"
    assert (r["order"] == 1) == (r["side"] == first), r
    assert r["result"]["side"] == r["side"] and r["result"]["dtype"] == r["dtype"]
parity = [r for r in records if r["record"] == "parity"]
assert len(parity) == 2 and all(p["params"]["total"] == p["vitok"]["total"] for p in parity)
checked = 0
for s in summary["rows"]:
    parts = [("train", "train_steps_per_s")] if s["train"] else [("encode", "encode_per_s"), ("decode", "decode_per_s")]
    for part, field in parts:
        ratios = []
        for rnd in (1, 2):
            pair = {r["side"]: r["result"][field] for r in rows if (r["config"], r["dtype"], r["round"]) == (s["config"], s["dtype"], rnd)}
            ratios.append(pair["vitok"] / pair["pytorch"])
        assert abs(statistics.median(ratios) - s["ratio"][part]) < 1e-12, (s, ratios)
        checked += 1
    side = [r["result"] for r in rows if (r["config"], r["dtype"], r["side"]) == (s["config"], s["dtype"], "pytorch")]
    if not s["train"]:
        want = statistics.median(x["encode_gmacs"] / x["matmul_gmacs"] for x in side)
        assert abs(want - s["sides"]["pytorch"]["to_matmul"]["encode"]) < 1e-12
        assert all(abs(x["encode_ratio"] - x["encode_gmacs"] / x["matmul_gmacs"]) < 1e-12 for x in side)
    else:
        macs = next(p["macs_per_item"] for p in parity if p["config"] == s["config"])
        want = statistics.median(3 * (macs["encoder"] + macs["decoder"]) * x["batch"] * x["train_steps_per_s"] / 1e9 / x["matmul_gmacs"] for x in side)
        assert abs(want - s["sides"]["pytorch"]["to_matmul"]["train"]) < 1e-12
        assert all(x["encode_per_s"] is None for x in side)       # --no-infer on training rows
assert checked == 6, checked
print(f"ok: {checked} medians of paired ratios and the x/matmul columns match the raw records")
EOF

echo "4. re-printing a table from a results file"
"$here/run" --summarise "$tmp/run.jsonl" | grep -q "training step" || { echo "FAIL: --summarise"; exit 1; }
echo "all runner tests passed"
