"""`import certpack` is cheap: under 50 ms (a stated goal), measured with `python -X importtime`."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import report

BUDGET_US = 50_000


def _certpack_import_us() -> int:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import certpack"], capture_output=True, text=True, check=True
    )
    # "import time: self [us] | cumulative | name"; the top-level line of the package.
    line = next(l for l in done.stderr.splitlines() if re.search(r"\|\s*certpack$", l))
    return int(line.split("|")[1])


def test_import_certpack_under_50_ms() -> None:
    _certpack_import_us()  # warm the file cache and write .pyc files
    runs = sorted(_certpack_import_us() for _ in range(5))
    best, median = runs[0], runs[len(runs) // 2]
    report(f"import certpack: best {best / 1000:.1f} ms, median {median / 1000:.1f} ms of 5 warm runs (budget 50 ms)")
    assert best < BUDGET_US, f"import certpack took {best} us"
