"""certpack: cloud IoT certificate bundles in every form a device or module expects, checked first.

Three lines::

    import certpack
    bundle = certpack.load("downloads/aws-thing")          # files, folders, bytes
    bundle.pack("esp32-at").write("out")                   # or "der", "pem", ... (certpack.targets())

Everything is computed by the same Rust core as the ``certpack`` command line, so the bytes are identical.
Errors are :class:`CertpackError` subclasses with ``.kind``, ``.message``, ``.hint`` (the fix) and ``.path``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone

from certpack import _native
from certpack._native import (
    CertpackError,
    CheckFailedError,
    ContainerError,
    DerError,
    InvalidArgumentError,
    IoError,
    JsonError,
    MissingError,
    OutputExistsError,
    PassphraseError,
    PemError,
    TargetError,
    TooLargeError,
    UnknownFormatError,
    UnsupportedKeyError,
    __version__,
)

TYPE_CHECKING = False  # not `from typing import ...`: importing typing costs `import certpack` a few ms
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Union

    from typing_extensions import TypeAlias

    Source: TypeAlias = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, "tuple[str, bytes]"]
    """A path (file or folder), raw bytes, or ``(name, bytes)``."""
    TimeLike: TypeAlias = Union[datetime, int, float, str]
    """A ``datetime`` (naive means UTC), Unix seconds, or text such as ``2024-05-01`` / ``2024-05-01T12:00:00Z``."""

__all__ = [
    "Artifact",
    "Artifacts",
    "BatchSummary",
    "Bundle",
    "CertpackError",
    "CheckFailedError",
    "ContainerError",
    "DeviceOutputs",
    "DerError",
    "Finding",
    "Flash",
    "InvalidArgumentError",
    "IoError",
    "Item",
    "JsonError",
    "MissingError",
    "OutputExistsError",
    "ParamInfo",
    "PassphraseError",
    "PemError",
    "TargetError",
    "TargetInfo",
    "TooLargeError",
    "UnknownFormatError",
    "UnsupportedKeyError",
    "__version__",
    "batch",
    "load",
    "pack_fleet",
    "targets",
]


def _json(text: str) -> Any:
    import json  # imported on first use: keeps `import certpack` fast

    return json.loads(text)


def _time(value: datetime | int | float | str) -> datetime:
    """RFC 3339 UTC text from the core (``2049-12-31T23:59:59Z``) or Unix seconds as an aware ``datetime``."""
    if isinstance(value, str):
        v = value
        if len(v) == 20 and v[4] == v[7] == "-" and v[10] == "T" and v[13] == v[16] == ":" and v[19] == "Z":
            # The core's fixed layout, read directly (strptime costs ~20 us; a bundle has several dates).
            return datetime(
                int(v[0:4]), int(v[5:7]), int(v[8:10]), int(v[11:13]), int(v[14:16]), int(v[17:19]),
                tzinfo=timezone.utc,
            )
        return datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(value, timezone.utc)


def _seconds(value: datetime | int | float) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp())
    return int(value)


def _time_text(value: TimeLike | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(_seconds(value))


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Item:
    """One certificate or key of a bundle, as ``certpack inspect`` reports it."""

    __slots__ = (
        "path",
        "role",
        "encoding",
        "label",
        "line",
        "key_algorithm",
        "key_form",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "sha256",
        "sha1",
        "is_ca",
        "notes",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.path: str = data["path"]
        """Input path or name (``<bytes #N>`` for unnamed bytes)."""
        self.role: str = data["role"]
        """``leaf``, ``intermediate``, ``root``, ``private-key`` or ``public-key``."""
        self.encoding: str = data["encoding"]
        """How it was encoded in the input: ``pem``, ``der``, ``aws-json``, ..."""
        self.label: str | None = data.get("label")
        """PEM label, JSON field or container entry."""
        self.line: int | None = data.get("line")
        """Line where it starts (text inputs)."""
        self.key_algorithm: str = data["key_algorithm"]
        """``RSA 2048``, ``EC P-256``, ..."""
        self.key_form: str | None = data.get("key_form")
        """Private key container: ``pkcs1``, ``sec1``, ``pkcs8`` or ``encrypted-pkcs8``."""
        self.subject: str | None = data.get("subject")
        """Certificate subject."""
        self.issuer: str | None = data.get("issuer")
        """Certificate issuer."""
        self.serial: str | None = data.get("serial")
        """Serial number, hex."""
        nb, na = data.get("not_before"), data.get("not_after")
        self.not_before: datetime | None = _time(nb) if nb else None
        """Start of validity (UTC)."""
        self.not_after: datetime | None = _time(na) if na else None
        """End of validity (UTC)."""
        self.sha256: str | None = data.get("sha256")
        """SHA-256 of the certificate DER: the AWS IoT certificate ID."""
        self.sha1: str | None = data.get("sha1")
        """SHA-1 of the certificate DER: the Azure thumbprint."""
        self.is_ca: bool | None = data.get("is_ca")
        """Basic constraints CA flag (certificates)."""
        self.notes: list[str] = list(data["notes"])
        """Repairs and remarks."""

    def __repr__(self) -> str:
        what = self.subject or self.key_algorithm
        return f"<certpack.Item {self.role} {what!r} from {self.path!r}>"


class Finding:
    """One ``check`` diagnostic: a stable code, a severity, what is wrong and the concrete fix."""

    __slots__ = ("code", "severity", "message", "hint", "path")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.code: str = data["code"]
        """Stable code, e.g. ``CP101``."""
        self.severity: str = data["severity"]
        """``error``, ``warning`` or ``info``."""
        self.message: str = data["message"]
        """What is wrong, in one line."""
        self.hint: str = data["hint"]
        """The concrete fix."""
        self.path: str | None = data.get("path")
        """The input the finding concerns."""

    def __repr__(self) -> str:
        return f"<certpack.Finding {self.code} {self.severity}: {self.message}>"


class Flash:
    """Where a partition image is flashed."""

    __slots__ = ("partition", "offset", "size")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.partition: str = data["partition"]
        """Partition name."""
        self.offset: int = data["offset"]
        """Flash offset in bytes."""
        self.size: int = data["size"]
        """Partition size in bytes."""

    def __repr__(self) -> str:
        return f"<certpack.Flash {self.partition} at 0x{self.offset:x}, {self.size} bytes>"


class Artifact:
    """One output file: its exact bytes and what it is."""

    __slots__ = ("name", "data", "description", "secret", "is_text", "sha256", "flash", "at_command", "meta")

    def __init__(self, info: Mapping[str, Any], data: bytes) -> None:
        self.name: str = info["name"]
        """Relative path with ``/`` separators, e.g. ``client.crt.der``."""
        self.data: bytes = data
        """The exact bytes, identical to what ``certpack pack`` writes."""
        self.description: str = info["description"]
        """One line: what the file is."""
        self.secret: bool = info["secret"]
        """True when the file contains private key material."""
        self.is_text: bool = info["text"]
        """True when the file is text worth showing (UTF-8, no control characters but tab/CR/LF)."""
        self.sha256: str = info["sha256"]
        """SHA-256 of the bytes, lowercase hex."""
        flash = info.get("flash")
        self.flash: Flash | None = Flash(flash) if flash else None
        """Flash placement, for partition images."""
        self.at_command: str | None = info.get("at_command")
        """The AT command that uploads or uses this file."""
        self.meta: dict[str, str] = dict(info.get("meta", {}))
        """Further values: integrity values a module echoes, symbol names, ..."""

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def text(self) -> str:
        """The content as text (UTF-8)."""
        return self.data.decode("utf-8")

    def __repr__(self) -> str:
        secret = ", secret" if self.secret else ""
        return f"<certpack.Artifact {self.name} ({self.size} bytes{secret})>"


class Artifacts(Mapping[str, bytes]):
    """What ``pack`` or ``convert`` produced: a mapping of file name to bytes, plus metadata.

    ``pack`` results include ``manifest.json`` and ``README.txt``, exactly as the command line writes them.
    """

    def __init__(self, native: _native.Output, inputs: list[str]) -> None:
        # Metadata and bytes stay in the native object until first asked for: a factory loop that only writes
        # or only reads a few files pays for nothing else.
        self._native = native
        self._inputs = inputs
        self._info: dict[str, Any] | None = None
        self._files: list[Artifact] | None = None
        self._bytes: dict[str, bytes] | None = None

    def _by_name(self) -> dict[str, bytes]:
        if self._bytes is None:
            self._bytes = dict(zip(self._native.names(), self._native.data()))
        return self._bytes

    def _metadata(self) -> dict[str, Any]:
        if self._info is None:
            self._info = _json(self._native.info_json())
        return self._info

    @property
    def target(self) -> str:
        """Target name (``der``, ``esp32-at``, ``convert-pkcs8``, ...)."""
        target: str = self._metadata()["target"]
        return target

    @property
    def files(self) -> list[Artifact]:
        """Every file, in writing order."""
        if self._files is None:
            data = self._by_name()
            self._files = [Artifact(f, data[f["name"]]) for f in self._metadata()["files"]]
        return self._files

    @property
    def readme(self) -> str:
        """How to use the files (the target's part of ``README.txt``)."""
        readme: str = self._metadata()["readme"]
        return readme

    @property
    def notes(self) -> list[str]:
        """Remarks: choices made, defaults applied, items skipped."""
        return list(self._metadata()["notes"])

    @property
    def findings(self) -> list[Finding]:
        """What ``check`` found before packing (empty when it did not run)."""
        return [Finding(f) for f in self._metadata()["findings"]]

    def __getitem__(self, name: str) -> bytes:
        return self._by_name()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name())

    def __len__(self) -> int:
        return len(self._by_name())

    def write(self, directory: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
        """Write every file under ``directory`` (created if needed), atomically, never over an input file.

        Existing files are refused with :class:`OutputExistsError` unless ``force``. Returns the paths written.
        """
        from pathlib import Path

        files = list(self._by_name().items())
        return [Path(p) for p in _native.write_files(os.fspath(directory), files, self._inputs, force)]

    def __repr__(self) -> str:
        return f"<certpack.Artifacts {self.target}: {', '.join(self)}>"


class Bundle:
    """A device credential bundle: leaf certificate, chain, roots and private key, with roles assigned by content.

    Create one with :func:`load`.
    """

    def __init__(self, native: _native.Bundle, inputs: list[str]) -> None:
        self._native = native
        self._inputs = inputs
        # The report is built and parsed on first use: loading, matching and packing never need it.
        self._report: dict[str, Any] | None = None
        self._items: list[Item] | None = None

    @property
    def report(self) -> dict[str, Any]:
        """The full inspection report, as ``certpack inspect --json`` prints it (plus item positions)."""
        if self._report is None:
            self._report = _json(self._native.report_json())
        return self._report

    @property
    def items(self) -> list[Item]:
        """Every item, in input order."""
        if self._items is None:
            self._items = [Item(i) for i in self.report["items"]]
        return self._items

    @property
    def certificate_id(self) -> str | None:
        """AWS IoT certificate ID of the leaf (SHA-256 of its DER)."""
        return self._native.certificate_id()

    @property
    def key_matches_leaf(self) -> bool | None:
        """Whether the private key belongs to the leaf; ``None`` when either is missing."""
        return self._native.key_matches_leaf()

    @property
    def notes(self) -> list[str]:
        """Assembly notes and repairs."""
        return list(self.report["notes"])

    def _at(self, index: int | None) -> Item | None:
        return None if index is None else self.items[index]

    @property
    def leaf(self) -> Item | None:
        """The device certificate."""
        return self._at(self.report["leaf"])

    @property
    def key(self) -> Item | None:
        """The private key in use."""
        return self._at(self.report["key"])

    @property
    def chain(self) -> list[Item]:
        """Intermediate CA certificates, issuing order (the leaf's issuer first)."""
        return [self.items[i] for i in self.report["chain"]]

    @property
    def roots(self) -> list[Item]:
        """Root certificates: the server's trust anchors first, then the root of the device's own chain."""
        return [self.items[i] for i in self.report["roots"]]

    def check(
        self,
        target: str | None = None,
        *,
        endpoint: str | None = None,
        device_time: TimeLike | None = None,
        now: datetime | int | float | None = None,
        expiry_warning_days: int | None = None,
    ) -> list[Finding]:
        """Run every check (for ``target`` and ``endpoint`` when given); errors first.

        ``now`` defaults to the current time; ``device_time`` is the device's clock when it differs.
        """
        text = self._native.check_json(
            target,
            endpoint,
            _time_text(device_time),
            _seconds(time.time() if now is None else now),
            expiry_warning_days,
        )
        return [Finding(f) for f in _json(text)]

    def pack(
        self,
        target: str,
        *,
        check: bool = True,
        force: bool = False,
        now: datetime | int | float | None = None,
        device_time: TimeLike | None = None,
        params: Mapping[str, object] | None = None,
        **kwargs: object,
    ) -> Artifacts:
        """The files for ``target`` (see :func:`targets`), plus ``manifest.json`` and ``README.txt``.

        Target parameters are keyword arguments (``client_id="thing-1"`` is ``--param client-id=thing-1``) or a
        ``params`` mapping (``{"client-id": "thing-1"}``). Runs ``check`` first and raises
        :class:`CheckFailedError` on errors unless ``force`` (or ``check=False``).
        """
        merged = {**(params or {}), **kwargs}
        pairs = [(name, _param(value)) for name, value in merged.items() if value is not None]
        parts = self._native.pack(
            target,
            pairs,
            check,
            force,
            _seconds(time.time() if now is None else now),
            _time_text(device_time),
        )
        return Artifacts(parts, self._inputs)

    def convert(
        self, form: str, *, pem: bool = False, crlf: bool = False, final_newline: bool = True
    ) -> Artifacts:
        """Every item in one form: ``der``, ``pem``, ``pkcs1``, ``pkcs8``, ``sec1`` or ``spki``.

        ``pem`` writes PEM for the key forms; ``crlf`` and ``final_newline`` shape PEM text (as ``certpack convert``).
        """
        return Artifacts(self._native.convert(form, pem, crlf, final_newline), self._inputs)

    def __repr__(self) -> str:
        roles = ", ".join(i.role for i in self.items)
        return f"<certpack.Bundle [{roles}]>"


class ParamInfo:
    """A parameter a target accepts."""

    __slots__ = ("name", "help", "default")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.name: str = data["name"]
        """Name, kebab-case (pass it to ``pack`` with ``_``: ``client_id=...``)."""
        self.help: str = data["help"]
        """One line of help."""
        self.default: str | None = data.get("default")
        """Default value, when there is one."""

    def __repr__(self) -> str:
        return f"<certpack.ParamInfo {self.name} (default {self.default!r})>"


class TargetInfo:
    """An output target, as ``certpack targets`` lists it."""

    __slots__ = ("name", "family", "summary", "params")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.name: str = data["name"]
        """Name to pass to :meth:`Bundle.pack`."""
        self.family: str = data["family"]
        """``files``, ``espressif``, ``source`` or ``module``."""
        self.summary: str = data["summary"]
        """One line: what it writes and for which device."""
        self.params: list[ParamInfo] = [ParamInfo(p) for p in data["params"]]
        """Parameters it accepts."""

    def __repr__(self) -> str:
        return f"<certpack.TargetInfo {self.name}: {self.summary}>"


def targets() -> list[TargetInfo]:
    """Every output target with its parameters, in listing order."""
    return [TargetInfo(t) for t in _json(_native.targets_json())]


def load(*sources: Source, passphrase: str | None = None) -> Bundle:
    """Load a bundle from files, folders (every file inside), raw bytes or ``(name, bytes)`` pairs.

    Inputs are recognised by content (PEM, DER, AWS CLI JSON, device containers), never by file name.
    ``passphrase`` decrypts an encrypted PKCS#8 key.
    """
    native_sources: list[str | tuple[str | None, bytes]] = []
    inputs: list[str] = []
    for source in sources:
        if isinstance(source, (bytes, bytearray, memoryview)):
            native_sources.append((None, bytes(source)))
        elif isinstance(source, tuple):
            name, data = source
            native_sources.append((str(name), bytes(data)))
        elif isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            native_sources.append(path)
            inputs.append(path)
        else:
            raise TypeError(
                f"certpack.load takes paths, bytes or (name, bytes) pairs, not {type(source).__name__}"
            )
    return Bundle(_native.load(native_sources, passphrase), inputs)


class BatchSummary:
    """What :func:`batch` did: counts, and one record per device (as in ``summary.json``)."""

    __slots__ = ("written", "unchanged", "failed", "devices")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.written: int = data["written"]
        """Devices whose outputs were written."""
        self.unchanged: int = data["unchanged"]
        """Devices whose folder already held exactly what this run would write, byte for byte (left as they were)."""
        self.failed: int = data["failed"]
        """Devices that failed; the others are complete."""
        self.devices: list[dict[str, Any]] = list(data["devices"])
        """Per device: ``device``, ``status``, ``certificate_id``, ``expiry``, ``findings``, ``outputs``,
        ``error``, ``error_kind``."""

    def __repr__(self) -> str:
        return f"<certpack.BatchSummary {self.written} written, {self.unchanged} unchanged, {self.failed} failed>"


def batch(
    fleet: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    targets: Sequence[str],
    out_dir: str | os.PathLike[str],
    *,
    params: Mapping[str, object] | None = None,
    force: bool = False,
    passphrase: str | None = None,
    files: Sequence[str] = (),
) -> BatchSummary:
    """Pack a whole fleet, as ``certpack batch`` does (see docs/batch.md).

    ``fleet`` is a folder of device folders or a CSV/JSONL manifest, or a list of device folders (in the order
    given, each folder's name its device id); one output folder per device is written under ``out_dir`` with
    ``summary.csv`` and ``summary.json``. A bad device is reported in the summary and
    never stops the others; a device whose folder already holds exactly what this run would write is left as it is
    (``unchanged``).

    ``files`` writes only the outputs matching one of the patterns (``"<target>/<file>"`` or a bare file name,
    ``*`` and ``?`` as in the shell), like ``certpack batch --files``; by default every file is written.

    Ctrl-C stops the batch: devices under way finish, no other starts, no summary is written and
    ``KeyboardInterrupt`` is raised. Every device folder written is complete; calling ``batch`` again keeps them
    and writes the rest.
    """
    pairs = [(str(k).replace("_", "-"), _param(v)) for k, v in (params or {}).items()]
    patterns = [files] if isinstance(files, str) else list(files)
    text = _native.batch(
        _fleet_source(fleet), list(targets), os.fspath(out_dir), pairs, force, passphrase, int(time.time()), patterns
    )
    return BatchSummary(_json(text))


class DeviceOutputs(Mapping[str, bytes]):
    """One device of :func:`pack_fleet`: its files by path (``"esp32-at/client_cert.bin"``), the bytes
    ``certpack batch`` would write into the device's folder."""

    # The paths are a tuple shared by every device of the fleet (same names, same order) and the contents a tuple
    # in the same order: a device costs no dict of its own.
    __slots__ = ("device", "certificate_id", "_expiry", "findings", "error", "_paths", "_contents")

    def __init__(
        self,
        native: tuple[str, str | None, str | None, list[str], CertpackError | None, tuple[str, ...], tuple[bytes, ...]],
    ) -> None:
        device, certificate_id, expiry, findings, error, paths, contents = native
        self.device: str = device
        """Device id (the folder name, or the manifest's ``device_id``)."""
        self.certificate_id: str | None = certificate_id
        """AWS IoT certificate ID of the leaf."""
        self._expiry = expiry
        self.findings: list[str] = findings
        """Codes of the check's warnings and errors (docs/checks.md)."""
        self.error: CertpackError | None = error
        """Why the device failed (then it has no files), as the exception ``load`` or ``pack`` would raise."""
        self._paths = paths
        self._contents = contents

    @property
    def expiry(self) -> datetime | None:
        """When the leaf expires (read from the core's text when asked: most loops never look)."""
        return _time(self._expiry) if self._expiry else None

    @property
    def ok(self) -> bool:
        """True when the device was packed."""
        return self.error is None

    def __getitem__(self, path: str) -> bytes:
        try:
            return self._contents[self._paths.index(path)]
        except ValueError:
            raise KeyError(path) from None

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __repr__(self) -> str:
        state = f"{len(self._paths)} files" if self.error is None else f"failed: {self.error.kind}"
        return f"<certpack.DeviceOutputs {self.device}: {state}>"


def pack_fleet(
    fleet: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    targets: Sequence[str],
    *,
    params: Mapping[str, object] | None = None,
    force: bool = False,
    passphrase: str | None = None,
    files: Sequence[str] = (),
    chunk: int = 32,
) -> Iterator[DeviceOutputs]:
    """Pack a whole fleet in memory: for each device, in fleet order, the files :func:`batch` would write
    into its folder (same checks, ``files`` selection, manifests and READMEs, byte for byte), without writing
    anything. For factory scripts that send the outputs on (a programmer, a database) rather than to disk.

    ``fleet`` is a folder of device folders or a CSV/JSON Lines manifest, as for :func:`batch`, or the device
    folders themselves (a list of paths, packed in the order given, each folder's name its device id): for a
    script that already holds the list, from its database or a selection of a fleet.

    Devices are packed ``chunk`` at a time on all cores with the GIL released, the next two chunks while your
    loop handles the current one, so a fleet of any size needs the memory of three chunks. A bad device is
    yielded with ``error`` set and never stops the others. An unknown target, file pattern or parameter raises
    here, before any device runs.
    """
    if chunk < 1:
        raise ValueError(f"chunk is the number of devices packed at a time: give 1 or more, not {chunk}")
    pairs = [(str(k).replace("_", "-"), _param(v)) for k, v in (params or {}).items()]
    patterns = [files] if isinstance(files, str) else list(files)
    native = _native.Fleet(
        _fleet_source(fleet), list(targets), pairs, force, passphrase, int(time.time()), patterns, chunk
    )
    return _devices(native)


def _fleet_source(fleet: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> str | list[str]:
    """A fleet folder or manifest as its path, device folders as a list of paths."""
    if isinstance(fleet, (str, bytes, os.PathLike)):
        return os.fspath(fleet)
    return [os.fspath(p) for p in fleet]


def _devices(native: _native.Fleet) -> Iterator[DeviceOutputs]:
    for chunk in native:
        for device in chunk:
            yield DeviceOutputs(device)
