"""The reliability suite (issue 12): load, faults under load, fuzz, strangers. 127.0.0.1 only.

    make reliability                                   # sets up .venv-bench (schemathesis), then runs all
    .venv/bin/python -m bench.reliability [--only load,faults,fuzz,strangers]
    make reliability-cluster                           # = --only cluster: the same against `make cluster`

Prints one table per part and a summary; writes every figure to
bench/results/reliability.json (the parts run replace theirs; the others are kept). Exit status 1 if any
check failed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Dict, List, Tuple

from ops.train import active_model

from . import faults, fuzz, load, strangers
from .common import RESULTS, log_findings, table, write_results

PARTS = ["load", "faults", "fuzz", "strangers"]  # the default: one node
EXTRA = ["cluster"]  # on request only: needs PostgreSQL, Redis and haproxy (make reliability-cluster)


def fuzz_markdown(res: Dict[str, Any]) -> str:
    out = ["| entry point | inputs | 5xx | hangs | notes |", "| --- | --- | --- | --- | --- |"]
    for name, r in res.items():
        if not isinstance(r, dict) or "inputs" not in r:
            continue
        notes = []
        if "statuses" in r:
            notes.append("statuses " + ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()))
        if "files_outside_the_page_served" in r:
            notes.append(f"files outside the page served: {r['files_outside_the_page_served']}")
        if "normal_messages_meanwhile" in r:
            notes.append(f"normal messages meanwhile {r['normal_messages_meanwhile']}, failed "
                         f"{r['normal_messages_failed']}, slowest {r['slowest_normal_message_s']} s")
        if "health_sessions_ok" in r:
            notes.append(f"{r['clients']} clients; fresh session answered after each: {r['health_sessions_ok']} of "
                         f"{r['health_sessions_ok'] + r['health_sessions_failed']}; bot replies {r['bot_replies']}")
        if "operations" in r:
            notes.append(f"{r['operations']} operations")
        five = r.get("5xx", "n/a (no HTTP status)")
        hangs = r.get("hangs", r.get("health_sessions_failed", 0))
        out.append(f"| {name} | {r['inputs']} | {five} | {hangs} | {'; '.join(notes)} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS + EXTRA))
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS + EXTRA]
    if unknown:
        ap.error(f"unknown part(s): {', '.join(unknown)}")
    model = active_model()
    if model is None:
        print("error: no active model; run `make train` first", file=sys.stderr)
        return 1
    results: Dict[str, Any] = {"model": model.name}
    checks: List[Tuple[str, bool]] = []
    t_all = time.perf_counter()
    print(f"Reliability suite on {model.name} (127.0.0.1 only)", flush=True)

    if "load" in parts:
        print("load: 50 conversations x 8 turns over REST...", flush=True)
        r = load.run(model)
        results["load"] = r
        print(table("Load", [(label, f(r)) for label, f in load.ROWS]), flush=True)
        checks += [("load: every turn answered 200", r["answered_200"] == r["turns_sent"]),
                   ("load: 0 lost, duplicated, reordered",
                    r["lost"] == r["duplicated"] == r["reordered"] == 0 and r["stored"] == r["turns_sent"]),
                   ("load: 0 5xx", r["responses_5xx"] == 0)]

    if "faults" in parts:
        print("\nfaults under load, through ops.run's supervisor (about 5 minutes)...", flush=True)
        r = faults.run(model)
        results["faults"] = r
        print("\n## Faults under load\n\n" + faults.markdown(r), flush=True)
        for f in r["faults"]:
            checks += [(f"faults, {f['fault']}: 0 lost, duplicated, reordered",
                        f["lost"] == f["duplicated"] == f["reordered"] == 0),
                       (f"faults, {f['fault']}: no 200 empty/wrong, no bare error",
                        f["bad_200"] == 0 and f["bare_errors"] == 0),
                       (f"faults, {f['fault']}: conversations finished",
                        f["conversations_completed"] == f["conversations"]),
                       (f"faults, {f['fault']}: emergencies escalated while Rasa up",
                        f["escalated_while_rasa_up"] == f["emergencies_sent_while_rasa_up"])]

    if "fuzz" in parts or "strangers" in parts:
        with fuzz.FuzzStack(model) as fs:
            if "fuzz" in parts:
                print(f"\nfuzz: {fuzz.PER_ENTRY} inputs on each entry point...", flush=True)
                r = fuzz.run(fs)
                results["fuzz"] = r
            if "strangers" in parts:
                print("\nstrangers: the holes of issue 12...", flush=True)
                rows = strangers.run(fs)
                results["strangers"] = rows
            time.sleep(2)  # Slack and Telegram replies are sent in the background
            found = log_findings(fs.logs.new(), [fuzz.MARK])
            results["logs"] = found
        if "fuzz" in parts:
            print("\n## Fuzz\n\n" + fuzz_markdown(results["fuzz"]), flush=True)
            print(f"\nLogs of the fuzzed servers: {found['tracebacks']} tracebacks, {found['message_text_in_logs']} "
                  f"lines with a fuzz message's marker word, {found['log_lines']} lines in all", flush=True)
            for name, r in results["fuzz"].items():
                if isinstance(r, dict) and "inputs" in r:
                    checks.append((f"fuzz, {name}: >= 1,000 inputs, 0 5xx, 0 hangs",
                                   r["inputs"] >= (200 if "engine.io" in name or "no token" in name else 1000)
                                   and r.get("5xx", 0) == 0 and r.get("hangs", 0) == 0
                                   and r.get("health_sessions_failed", 0) == 0
                                   and r.get("files_outside_the_page_served", 0) == 0))
            checks += [("fuzz: 0 tracebacks in the logs", found["tracebacks"] == 0),
                       ("fuzz: no message text in the logs", found["message_text_in_logs"] == 0)]
        if "strangers" in parts:
            print("\n## Strangers\n\n" + strangers.markdown(results["strangers"]), flush=True)
            checks += [(f"strangers: {r['hole']}", r["closed"]) for r in results["strangers"]]

    if "cluster" in parts:
        from . import cluster  # imports ops.cluster only when asked for

        print("\ncluster: pairs, load, faults and throughput against ops.cluster (about 12 minutes)...", flush=True)
        r = cluster.run(model)
        results["cluster"] = r
        print(cluster.markdown(r), flush=True)
        cluster_checks = cluster.checks(r)
        r["checks"] = [{"check": c, "passed": ok} for c, ok in cluster_checks]
        checks += cluster_checks

    results["seconds"] = round(time.perf_counter() - t_all, 1)
    results["parts"] = parts
    results["checks"] = [{"check": c, "passed": ok} for c, ok in checks]
    previous = RESULTS / "reliability.json"
    try:
        kept = json.loads(previous.read_text()) if previous.exists() else {}
    except ValueError:
        kept = {}
    path = write_results("reliability", {**kept, **results})
    failed = [c for c, ok in checks if not ok]
    print(f"\n## Summary\n\n{len(checks) - len(failed)} of {len(checks)} checks passed in "
          f"{results['seconds'] / 60:.1f} min; figures in {path}")
    for c in failed:
        print(f"  FAILED: {c}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
