"""Audit the pinned set (constraints.txt) for known vulnerabilities with pip-audit.

Fails when a pinned version has a known vulnerability that docs/security.md does not name and
argue (its "Known vulnerabilities" list, one `- PACKAGE ID: why` line each). Where the
vulnerability service cannot be reached (a machine without access to PyPI's JSON API or to
OSV), it says so loudly and how many packages went unaudited, and does not fail: that is a
gap of the machine, not of the pinned set.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def accepted() -> set[tuple[str, str]]:
    """The (package, vulnerability id) pairs docs/security.md names and argues."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("## Known vulnerabilities", 1)[-1].split("\n## ", 1)[0]
    return {(m[0].lower(), m[1]) for m in re.findall(r"^- `?([\w.-]+)`? `?([\w-]+)`?:", section, re.M)}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        done = subprocess.run(
            [str(Path(sys.executable).parent / "pip-audit"), "--requirement", "constraints.txt",
             "--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off",
             "--output", str(report)],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if not report.exists():
            print(done.stdout + done.stderr)
            print("!!! pip-audit wrote no report")
            return 1
        deps = json.loads(report.read_text())["dependencies"]
    skipped = [d for d in deps if "skip_reason" in d]
    found = [(d["name"], d["version"], v) for d in deps for v in d.get("vulns", [])]
    ok = accepted()
    open_ones = [(n, ver, v) for n, ver, v in found if (n.lower(), v["id"]) not in ok]
    for name, version, vuln in found:
        mark = "accepted in docs/security.md" if (name, version, vuln) not in open_ones else "OPEN"
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"{name} {version}: {vuln['id']} (fixed in {fixes}) — {mark}")
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {len(deps)} pinned packages, {audited} audited, {len(found)} known "
          f"vulnerabilities, {len(open_ones)} not accepted")  # fmt: skip
    if skipped and not audited:
        print("!!!!!!!! the vulnerability service could not be reached from this machine: "
              f"none of the {len(skipped)} pinned packages was audited !!!!!!!!")  # fmt: skip
    elif skipped:
        print(f"not audited: {', '.join(d['name'] for d in skipped)}")
    return 1 if open_ones else 0


if __name__ == "__main__":
    sys.exit(main())
