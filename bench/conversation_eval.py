"""The corpus at conversation level: the running assistant, over REST, with a simulated person.

    .venv/bin/python -m bench.conversation_eval                # held-out part (figures only)
    .venv/bin/python -m bench.conversation_eval --set dev

Starts the active model's servers (the gated engine bundle) as the safety
gate does (ops.gate.isolated_stack), then, like the gate
(ops.gate.check_corpus): every emergency message is sent as the first
message of a new conversation; when the assistant asks the emergency screen,
the simulated person answers it truthfully from the labels
(legcare.corpus.truthful_screen_reply); it counts whether the emergency reply
came within the first two replies. Every calm (self-care or routine) message
is sent once, counting emergency replies. Only figures are printed. Traffic
goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from legcare import corpus
from ops.gate import check_corpus, isolated_stack
from ops.train import active_model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["dev", "heldout"], default="heldout")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    model = active_model()
    if model is None:
        print("error: no active model; run `make train` first", file=sys.stderr)
        return 1
    rows = corpus.load(corpus.CORPUS / args.set)
    with isolated_stack(model, prefix="legcare-conv-") as stack:
        t0 = time.perf_counter()
        result = check_corpus(stack.rasa_url, rows)
        seconds = time.perf_counter() - t0
    figures = {
        "set": args.set, "model": model.name, "emergencies": result.emergencies,
        "escalated_within_two_replies": result.emergencies - len(result.missed),
        "sensitivity_within_two_replies": round(1 - len(result.missed) / result.emergencies, 4),
        "calm_messages": result.calm, "calm_escalated": len(result.false_alarms),
        "false_alarm_rate": round(result.false_alarm_rate, 4), "seconds": round(seconds, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:<32} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
