"""The label taxonomy and the starter corpus, shipped as package data.

They are read through :mod:`importlib.resources`, so an installed wheel (``pip``, ``pipx``) finds them from any
working folder, offline, exactly as a checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """The file or folder ``parts`` inside this package, as a real path.

    A regular install (a wheel unpacked into site-packages, or an editable checkout) keeps package data as plain
    files; the model loader, the corpus reader and error messages need real paths, so a zipped install that has
    none is refused here rather than half-working later.
    """
    resource = files(__name__).joinpath(*parts)
    path = Path(str(resource))
    if not path.exists():
        raise FileNotFoundError(f"{path}: package data missing from the installed moderator (reinstall it)")
    return path
