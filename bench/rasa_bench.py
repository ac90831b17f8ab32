"""Speed and accuracy of the assistant against Rasa's default configuration.

    .venv/bin/python -m bench.rasa_bench                  # ours, two variants, rasa init default
    .venv/bin/python -m bench.rasa_bench --configs ours   # one configuration
    .venv/bin/python -m bench.rasa_bench --json

For each configuration, on the same data and domain, in one run: full
training time (fresh, no cache), intent accuracy on tests/nlu/test_nlu.yml,
Rasa server ready time, REST latency p50/p95 and throughput with 1 and with
10 concurrent conversations, and the Rasa server's memory (RSS). All servers
are started first, then load-tested in turn for several rounds (medians
reported), so that the machine's speed drifting during the run affects every
configuration alike. Traffic only goes to 127.0.0.1 and every loop is bounded.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List

from legcare import bundle
from ops.servers import Stack, free_port, wait_http
from ops.settings import ROOT, VENV_BIN, resolved

CONFIGS = {
    "ours": "config.yml",
    "ours_rasa_featurizers": "bench/configs/ours_rasa_featurizers.yml",
    "ours_diet": "bench/configs/ours_diet.yml",
    "rasa_init": "bench/configs/rasa_init.yml",
}
SCRIPT = ["hello", "my legs have felt weak for a week", "it came on gradually", "no", "not sure",
          "what exercises can I do?", "no", "thanks"]


def _run(cmd: List[str], env: Dict[str, str], timeout: int = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def train(config: str, out: Path, env: Dict[str, str]) -> Dict[str, Any]:
    start = time.perf_counter()
    p = _run([str(VENV_BIN / "rasa"), "train", "--config", config, "--out", str(out), "--fixed-model-name",
              "bench", "--force"], env)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError(f"training {config} failed:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return {"train_seconds": round(seconds, 1), "model": out / "bench.tar.gz"}


def nlu_accuracy(model: Path, out: Path, env: Dict[str, str]) -> Dict[str, Any]:
    from ops.evaluate import intent_scores
    try:
        scores = intent_scores(model, out, plot=False, env=env)
    except RuntimeError:
        return {"intent_accuracy": None, "intent_f1": None}
    return {"intent_accuracy": scores["accuracy"], "intent_f1": scores["f1"]}


def rss_mb(pid: int) -> float:
    total = 0
    for child in [pid] + _children(pid):
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return round(total / 1024, 1)


def _children(pid: int) -> List[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        return []
    kids = [int(x) for x in out]
    return kids + [g for k in kids for g in _children(k)]


def converse(url: str, latencies: List[float], lock: threading.Lock, conversations: int) -> None:
    for _ in range(conversations):
        sender = "bench-" + uuid.uuid4().hex[:10]
        for text in SCRIPT:
            body = json.dumps({"sender": sender, "message": text}).encode()
            req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=120) as r:
                r.read()
            with lock:
                latencies.append(time.perf_counter() - t)


def load_test(url: str, concurrency: int, per_worker: int) -> Dict[str, Any]:
    latencies: List[float] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=converse, args=(url, latencies, lock, per_worker)) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"messages": len(latencies), "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1),
            "throughput": round(len(latencies) / wall, 1)}


def prepare(name: str, config: str, actions: Stack, workdir: Path) -> Dict[str, Any]:
    """Train the configuration, score its intents, start its Rasa server; returns the result and the server."""
    env = resolved(dict(os.environ, LEGCARE_VAR_DIR=str(workdir / name)))
    (workdir / name).mkdir(parents=True, exist_ok=True)
    result: Dict[str, Any] = {"config": config}
    result.update(train(config, workdir / name / "models", env))
    result.update(nlu_accuracy(result["model"], workdir / name / "nlu", env))
    env.update({"RASA_PORT": str(free_port()), "ACTION_PORT": actions.env["ACTION_PORT"],
                "ACTION_ENDPOINT_URL": actions.env["ACTION_ENDPOINT_URL"],
                "TRACKER_STORE_URL": f"sqlite:///{workdir / name / 'tracker.db'}"})
    env.pop("RASA_AUTH_TOKEN", None)
    # every configuration runs the same gated engine bundle (knowledge, engine code, detector): the active model's
    model = result.pop("model")
    shutil.copytree(bundle.bundle_for(actions.model), bundle.bundle_for(model))
    stack = Stack(model=model, env=env)
    start = time.perf_counter()
    stack.services["rasa"].start(stack.env)
    try:
        wait_http(stack.services["rasa"].ready_url(), 300, stack.services["rasa"].proc)
    except Exception:
        stack.stop(["rasa"])
        raise
    result["ready_seconds"] = round(time.perf_counter() - start, 1)
    converse(stack.rasa_url + "/webhooks/rest/webhook", [], threading.Lock(), 1)  # warm-up
    return {"result": result, "stack": stack, "rounds": []}


def median_round(rounds: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Per measure, the median over the rounds."""
    out: Dict[str, Any] = {key: round(statistics.median(r[key] for r in rounds), 1)
                           for key in ("p50_ms", "p95_ms", "throughput")}
    out["messages"] = sum(r["messages"] for r in rounds)
    return out


def measure(servers: Dict[str, Dict[str, Any]], rounds: int, per_worker: int) -> None:
    """Load-test every server in turn, `rounds` times, so a slower or faster spell of the machine
    affects all configurations alike; idle servers use no CPU meanwhile."""
    for i in range(rounds):
        for name, server in servers.items():
            print(f"round {i + 1}/{rounds}: {name}", file=sys.stderr, flush=True)
            url = server["stack"].rasa_url + "/webhooks/rest/webhook"
            server["rounds"].append({"c1": load_test(url, 1, 10 * per_worker),  # as many messages as at 10
                                     "c10": load_test(url, 10, per_worker)})
    for server in servers.values():
        result = server["result"]
        for level in ("c1", "c10"):
            result[level] = median_round([r[level] for r in server["rounds"]])
        result["rss_mb"] = rss_mb(server["stack"].services["rasa"].proc.pid)


def table(results: Dict[str, Dict[str, Any]]) -> str:
    rows = [
        ("full training (s)", lambda r: r["train_seconds"]),
        ("server ready (s)", lambda r: r["ready_seconds"]),
        ("intent accuracy / F1 (test set)", lambda r: f"{r['intent_accuracy']} / {r['intent_f1']}"),
        ("p50 / p95 latency, 1 conversation (ms)", lambda r: f"{r['c1']['p50_ms']} / {r['c1']['p95_ms']}"),
        ("p50 / p95 latency, 10 conversations (ms)", lambda r: f"{r['c10']['p50_ms']} / {r['c10']['p95_ms']}"),
        ("throughput, 1 conversation (msg/s)", lambda r: r["c1"]["throughput"]),
        ("throughput, 10 conversations (msg/s)", lambda r: r["c10"]["throughput"]),
        ("Rasa server memory (RSS, MB)", lambda r: r["rss_mb"]),
    ]
    names = list(results)
    lines = ["| measure | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for label, get in rows:
        lines.append(f"| {label} | " + " | ".join(str(get(results[n])) for n in names) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated: " + ", ".join(CONFIGS))
    ap.add_argument("--conversations", type=int, default=3, help="conversations per worker (8 messages each)")
    ap.add_argument("--rounds", type=int, default=3, help="load tests per configuration, taken in turn")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="legcare-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, LEGCARE_VAR_DIR=str(work / "actions"), ACTION_PORT=str(free_port()),
                   RASA_PORT=str(free_port()))
        from ops.train import ensure_model
        actions = Stack(model=ensure_model(quiet=True), env=env)
        actions.start(["actions"])
        servers: Dict[str, Dict[str, Any]] = {}
        try:
            for name in names:
                print(f"training and starting {name} ({CONFIGS[name]})...", file=sys.stderr, flush=True)
                servers[name] = prepare(name, CONFIGS[name], actions, work)
            measure(servers, args.rounds, args.conversations)
        finally:
            for server in servers.values():
                server["stack"].stop(["rasa"])
            actions.stop(["actions"])
        results = {name: server["result"] for name, server in servers.items()}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results))
        if "ours" in results and "rasa_init" in results:
            o, d = results["ours"], results["rasa_init"]
            print(f"\np95 latency, ours/default: at 1 conversation {o['c1']['p95_ms'] / d['c1']['p95_ms']:.2f}, "
                  f"at 10 {o['c10']['p95_ms'] / d['c10']['p95_ms']:.2f} (target <= 0.5); throughput at 10: "
                  f"ours/default = {o['c10']['throughput'] / d['c10']['throughput']:.1f}x (target >= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
