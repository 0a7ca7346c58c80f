"""The hand-written stubs match the native module, and the package plus the examples type-check strictly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import certpack
from certpack import _native
from conftest import DATA, ROOT

STUB = Path(certpack.__file__).with_name("_native.pyi")


def _stub_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def test_stub_lists_exactly_the_native_names() -> None:
    tree = ast.parse(STUB.read_text())
    runtime = {n for n in dir(_native) if not n.startswith("_") or n == "__version__"}
    assert _stub_names(tree.body) == runtime
    for name in ("Bundle", "Output"):
        stub = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
        native = getattr(_native, name)
        assert _stub_names(stub.body) == {n for n in dir(native) if not n.startswith("_")}, name


def test_package_stubs_and_examples_type_check_strictly(tmp_path: Path) -> None:
    checked = [
        str(DATA / "typed_usage.py"),
        str(ROOT / "docs/examples/platformio_certpack.py"),
        str(ROOT / "docs/examples/factory_provision.py"),
    ]
    for what in (["-p", "certpack"], checked):  # the installed package (stubs, py.typed), then its users
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), *what],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Success: no issues found" in done.stdout
