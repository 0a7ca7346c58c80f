"""certpack: cloud IoT certificate bundles in every form a device or module expects."""

from certpack._native import __version__, convert

__all__ = ["__version__", "convert"]
