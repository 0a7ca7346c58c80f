# Hand-written stubs of the native module (py/src/lib.rs). tests/test_typing.py checks them against the module.
from os import PathLike
from typing import Optional, Union

__version__: str

class CertpackError(Exception):
    """Any certpack error."""

    kind: str
    """Stable code: ``pem``, ``unknown-format``, ... (``internal`` for a certpack bug)."""
    message: str
    """What is wrong, in one sentence."""
    hint: str
    """How to fix it."""
    path: Optional[str]
    """The input the error concerns (its path, or ``<bytes #N>``)."""
    location: Optional[str]
    """Where in that input: ``line N`` or ``byte N``."""

class IoError(CertpackError):
    """A file could not be read or written."""

class UnknownFormatError(CertpackError):
    """The input is not a format certpack recognises."""

class PemError(CertpackError):
    """PEM armour or its base64 body is broken."""

class DerError(CertpackError):
    """DER/ASN.1 structure is broken or is not the structure its label claims."""

class JsonError(CertpackError):
    """JSON input (AWS CLI output) is malformed or lacks the expected fields."""

class UnsupportedKeyError(CertpackError):
    """A key type, curve or size certpack (or the chosen target) cannot handle."""

class PassphraseError(CertpackError):
    """An encrypted key needs a passphrase, or the passphrase is wrong."""

class TooLargeError(CertpackError):
    """An input or output exceeds a size limit."""

class TargetError(CertpackError):
    """An unknown target, or a target parameter that is missing or invalid."""

class MissingError(CertpackError):
    """The bundle lacks an item the operation needs."""

class ContainerError(CertpackError):
    """A binary container (AtPKI bin, NVS image, NONOS sector) is malformed."""

class CheckFailedError(CertpackError):
    """pack refused because check found errors (override with force)."""

class OutputExistsError(CertpackError):
    """An output file exists already, or would overwrite an input."""

class InvalidArgumentError(CertpackError):
    """An invalid argument to an API call."""

ERROR_KINDS: dict[str, type[CertpackError]]
"""Error kind code -> exception class."""

class Output:
    """What pack or convert produced."""

    def info_json(self) -> str: ...
    def data(self) -> list[bytes]: ...
    def names(self) -> list[str]: ...

class Bundle:
    """A loaded bundle."""

    def report_json(self) -> str: ...
    def certificate_id(self) -> Optional[str]: ...
    def key_matches_leaf(self) -> Optional[bool]: ...
    def check_json(
        self,
        target: Optional[str] = None,
        endpoint: Optional[str] = None,
        device_time: Optional[str] = None,
        now: Optional[int] = None,
        expiry_warning_days: Optional[int] = None,
    ) -> str: ...
    def pack(
        self,
        target: str,
        params: list[tuple[str, str]],
        check: bool,
        force: bool,
        now: Optional[int] = None,
        device_time: Optional[str] = None,
    ) -> Output: ...
    def convert(self, form: str, pem: bool, crlf: bool, final_newline: bool) -> Output: ...

def load(
    sources: list[Union[str, tuple[Optional[str], bytes]]], passphrase: Optional[str] = None
) -> Bundle: ...
def targets_json() -> str: ...
def write_files(
    directory: Union[str, PathLike[str]],
    files: list[tuple[str, bytes]],
    inputs: list[str],
    force: bool,
) -> list[Union[str, PathLike[str]]]: ...
def batch(
    fleet: Union[str, PathLike[str], list[str]],
    targets: list[str],
    out_dir: Union[str, PathLike[str]],
    params: list[tuple[str, str]],
    force: bool,
    passphrase: Optional[str] = None,
    now: Optional[int] = None,
    files: list[str] = ...,
) -> str: ...

class Fleet:
    def __init__(
        self,
        fleet: Union[str, PathLike[str], list[str]],
        targets: list[str],
        params: list[tuple[str, str]],
        force: bool,
        passphrase: Optional[str] = None,
        now: Optional[int] = None,
        files: list[str] = ...,
        chunk: int = 32,
    ) -> None: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Fleet: ...
    def __next__(
        self,
    ) -> list[
        tuple[str, Optional[str], Optional[str], list[str], Optional[CertpackError], tuple[str, ...], tuple[bytes, ...]]
    ]: ...
