"""CI's smoke run of the fuzz harnesses (fuzz/): a bounded number of mutated inputs per parser,
derandomized so a failure reproduces. Longer runs: `python fuzz/run.py --seconds 300`."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fuzz"))
from harness import FORMATS, check, mutate, seeds


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_inputs_never_escape(fmt: str, seed: int) -> None:
    rng = random.Random(seed)
    check(fmt, mutate(rng.choice(seeds(fmt)), rng))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_escape(fmt: str, data: bytes) -> None:
    check(fmt, data)
