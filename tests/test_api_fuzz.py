"""The whole OpenAPI document, fuzzed by schemathesis against a real server on the demo data:
its examples, coverage and fuzzing phases, as an administrator (who may call every operation).

It must find no server error, no answer that breaks the document's own schema, no status code
or content type the document does not declare, and a correct answer (405 with Allow) to methods
a path does not serve. Two checks are left out, on purpose (docs/security.md, "API fuzzing"):
`positive_data_acceptance` (a schema cannot say every business rule: a USCC's check digit, a
month that exists) and `negative_data_rejection` (Pydantic's lax reading accepts 0 for false and
a number of seconds for a date, on purpose).

The run is bounded (examples per operation) and its seed is fixed, so that CI
is repeatable; set HIGHLAND_FUZZ_SEED, HIGHLAND_FUZZ_EXAMPLES to search wider.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.live import BIN, live_server
from tests.pg import BACKENDS, fresh_database

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
    "missing_required_header",
    "ignored_auth",
]


def _fuzz(base: str, token: str, work: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(BIN / "st"), "run", f"{base}/openapi.json",
            "--header", f"Authorization: Bearer {token}",
            "--phases", "examples,coverage,fuzzing",
            "--checks", ",".join(CHECKS),
            "--max-examples", os.environ.get("HIGHLAND_FUZZ_EXAMPLES", "12"),
            "--seed", os.environ.get("HIGHLAND_FUZZ_SEED", "20261207"),
            "--workers", "1",
            "--generation-database", "none",
            "--no-color",
        ],
        cwd=work, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_whole_api_survives_schemathesis(tmp_path: Path, backend: str) -> None:
    with fresh_database(backend, tmp_path, "fuzz") as url, live_server(tmp_path, url) as live:
        done = _fuzz(live.base, live.token, tmp_path)
        server_log = live.log.read_text(errors="replace")
    out = done.stdout + done.stderr
    tested = next((line for line in out.splitlines() if "Tested:" in line), "")
    assert done.returncode == 0, f"{out[-12000:]}\n--- server log ---\n{server_log[-4000:]}"
    assert "Traceback" not in server_log, server_log[-4000:]
    assert tested and int(tested.split()[-1]) >= 80, out[-3000:]  # every operation was tried
