"""`make validate`: Rasa's data validation plus the project's own checks."""
from __future__ import annotations

import subprocess
import sys

from .settings import ROOT, VENV_BIN, resolved


def main() -> int:
    ok = True
    try:
        from legcare.knowledge import KnowledgeError, load
        kb = load()
        print(f"knowledge: OK ({len(kb.conditions)} conditions, {len(kb.symptoms)} symptoms, "
              f"{len(kb.red_flags)} red flags)")
    except KnowledgeError as exc:
        print(f"knowledge: ERROR {exc}")
        ok = False
    p = subprocess.run([str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"], cwd=ROOT,
                       env=resolved(), capture_output=True, text=True)
    problems = [ln for ln in (p.stdout + p.stderr).splitlines()
                if "UserWarning" in ln or "ERROR" in ln or "error" in ln.lower() and "rasa.validator" in ln]
    if p.returncode == 0:
        print("training data: OK")
    else:
        ok = False
        print("training data: problems found")
        for ln in problems or (p.stdout + p.stderr).splitlines()[-20:]:
            print("  " + ln.strip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
