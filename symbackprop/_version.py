"""The package's version, from its one source: the installed distribution's metadata.

The number itself is written once, in ``pyproject.toml``; everything that prints or embeds it
(``symbackprop --version``, the header of generated code) reads it from here.

Examples
--------
>>> from symbackprop._version import __version__
>>> isinstance(__version__, str)
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("symbackprop")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
