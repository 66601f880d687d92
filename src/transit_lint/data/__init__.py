"""Data tables shipped with transit-lint, read through importlib.resources.

Each file names its source in a header (CSV/YAML comments) or an `_about` key (JSON).
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path
from typing import Any


def read_text(name: str) -> str:
    """The text of one data file in this package."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_yaml(name: str) -> Any:
    """The data of one YAML file in this package (from the JSON bundle when it is current)."""
    from .. import yamlio

    return yamlio.load_file(Path(__file__).resolve().parent / name)


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a data CSV; lines starting with `#` are the file's notes, not data."""
    lines = [line for line in read_text(name).splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))
