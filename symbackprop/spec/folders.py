"""Files found by searching a folder: read only when they are inside it.

A folder given on the command line (``check DIR``, ``grade``'s submissions) is searched for
files; a file found there that is a symbolic link (or under a linked folder) resolving outside
the folder is not read, lest a student's ``answers/evil.toml -> /etc/passwd`` quote another
file in a report.  A file named on the command line is read wherever it is: the person who
runs the command chose it.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> (folder / "outside.toml").write_text("x = 1\\n")
6
>>> (folder / "class").mkdir()
>>> (folder / "class" / "evil.toml").symlink_to(folder / "outside.toml")
>>> refuse_link_out(folder / "class" / "evil.toml", folder / "class")
Traceback (most recent call last):
...
symbackprop.errors.SpecError: .../evil.toml: a symbolic link out of the folder '...class'; \
not read (name the file itself to read it)
"""

from __future__ import annotations

from pathlib import Path as FilePath

from ..errors import SpecError

__all__ = ["refuse_link_out"]


def refuse_link_out(path: FilePath, folder: FilePath) -> None:
    """Refuse ``path``, found by searching ``folder``, when it resolves outside the folder.

    The folder itself may be a link (a mounted share): both are resolved before they are
    compared.

    Raises
    ------
    SpecError
        Naming the file and the folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a.toml").write_text("x = 1\\n")
    6
    >>> (folder / "b.toml").symlink_to(folder / "a.toml")   # a link inside the folder is read
    >>> refuse_link_out(folder / "b.toml", folder) is None
    True
    """
    if not path.resolve().is_relative_to(folder.resolve()):
        raise SpecError(f"{path}: a symbolic link out of the folder {str(folder)!r}; not read "
                        "(name the file itself to read it)")
