"""PlatformIO `extra_scripts`: package the device's certificates with certpack before every build.

platformio.ini::

    [env:esp32dev]
    platform = espressif32
    framework = arduino
    extra_scripts = pre:platformio_certpack.py
    custom_certpack_bundle = certs/thing-1          ; folder of the cloud console download (or files, one a line)
    custom_certpack_target = der                    ; any name from `certpack targets`
    custom_certpack_output = data/certs             ; e.g. the LittleFS/SPIFFS data folder
    custom_certpack_params =                        ; target parameters, NAME=VALUE one a line
        key-format=pkcs8

It runs `certpack check` through `pack` (a bundle whose key does not match its certificate stops the build with
certpack's message and fix), writes the files, and defines CERTPACK_CERTIFICATE_ID for the firmware.
Needs `pip install certpack` in PlatformIO's Python (`pio pkg exec -- pip install certpack` or `penv/bin/pip`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import certpack


class Env(Protocol):
    """The part of PlatformIO's SCons construction environment this script uses."""

    def subst(self, text: str) -> str: ...

    def GetProjectOption(self, name: str, default: Any = None) -> Any: ...  # noqa: N802 (PlatformIO's name)

    def Append(self, **kwargs: Any) -> None: ...  # noqa: N802

    def Exit(self, code: int) -> None: ...  # noqa: N802


def _lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def package(env: Env) -> list[Path]:
    """Pack the configured bundle into the configured folder; returns the files written."""
    project = Path(env.subst("$PROJECT_DIR"))
    sources = [project / s for s in _lines(env.GetProjectOption("custom_certpack_bundle"))]
    target = env.GetProjectOption("custom_certpack_target", "der")
    output = project / env.GetProjectOption("custom_certpack_output", "data/certs")
    params = dict(line.split("=", 1) for line in _lines(env.GetProjectOption("custom_certpack_params", "")))
    if not sources:
        print("certpack: set custom_certpack_bundle in platformio.ini (the folder with the certificate and key)")
        env.Exit(1)
        return []
    try:
        bundle = certpack.load(*sources)
        artifacts = bundle.pack(target, params=params)
        written = artifacts.write(output, force=True)
    except certpack.CertpackError as e:
        print(f"certpack: error[{e.kind}]: {e.message}\n  fix: {e.hint}" + (f"\n  input: {e.path}" if e.path else ""))
        env.Exit(1)
        return []
    for finding in artifacts.findings:
        print(f"certpack: {finding.severity} {finding.code}: {finding.message} (fix: {finding.hint})")
    if bundle.certificate_id:
        env.Append(CPPDEFINES=[("CERTPACK_CERTIFICATE_ID", f'\\"{bundle.certificate_id}\\"')])
    print(f"certpack: {target} -> {output} ({len(written)} files)")
    return written


# PlatformIO runs this file with SCons, which provides Import(); `Import("env")` binds `env` in this module.
if "Import" in globals():
    globals()["Import"]("env")
    package(globals()["env"])
