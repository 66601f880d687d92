"""Mutation fuzzing of every parser through the whole pipeline (issue 12).

Seeds are the repository's own fixtures of each format; a mutation deletes, duplicates or
truncates a stretch, or inserts tokens each grammar is sensitive to (braces, tags, anchors,
aliases, interpolations, NUL and invalid UTF-8 bytes). Every input goes through the real engine
(discover -> parse -> normalize -> evaluate); the property is that `run()` returns normally and
every problem comes back as a finding. Used by `fuzz/run.py` (time-boxed, by hand) and by
`tests/test_fuzz_smoke.py` (a bounded smoke run in CI).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# format -> (file name the input is written as, fixture glob)
FORMATS: dict[str, tuple[str, str]] = {
    "terraform": ("main.tf", "**/*.tf"),
    "cloudformation": ("template.cfn.yaml", "**/*.cfn.yaml"),
    "kubernetes": ("manifest.k8s.yaml", "**/*.k8s.yaml"),
    "nginx": ("nginx.conf", "**/*.nginx.conf"),
    "terraform-plan": ("plan.json", "**/*-plan.json"),
}

TOKENS = [
    "{", "}", "[", "]", "(", ")", ":", ";", ",", "=", '"', "'", "\n", "\t", "  ", "#", "//", "/*",
    "${", "%{", "<<EOT\n", "EOT\n", "!Ref ", "!Sub ", "!GetAtt ", "!If ", "!Rain::Module ", "&a ", "*a ",
    "<<: *a\n", "---\n", "- ", "? ", "|\n", ">\n", "\\", "\x00", "\ufeff", "\u2028", "include ", "server {",
    "location / {", "listen 443 ssl;", "proxy_pass http://", "$host", "apiVersion: v1\n", "kind: List\n",
    "Resources:\n", "Type: AWS::", "resource \"aws_lb_listener\" \"x\" {", "var.", "local.", "module.",
    "jsonencode(", "file(\"../../etc/passwd\")", "0" * 40, "9" * 400, "ü", "😀",
]


def seeds(fmt: str) -> list[str]:
    pattern = FORMATS[fmt][1]
    out = [p.read_text("utf-8", "replace") for p in sorted(FIXTURES.glob(pattern)) if p.is_file()]
    return out or [""]


def mutate(text: str, rng: random.Random, rounds: int = 3) -> str:
    for _ in range(rng.randint(1, rounds)):
        n = len(text)
        i = rng.randint(0, n)
        j = min(n, i + rng.randint(0, 80))
        op = rng.random()
        if op < 0.25:
            text = text[:i] + text[j:]
        elif op < 0.45:
            text = text[:j] + text[i:j] * rng.randint(2, 6) + text[j:]
        elif op < 0.55:
            text = text[:i]
        else:
            text = text[:i] + rng.choice(TOKENS) * rng.randint(1, 3) + text[i:]
    return text


def check(fmt: str, data: str | bytes) -> int:
    """Lint one input of the format; return the number of findings and errors. Raises only when
    transit-lint breaks its contract (an exception escapes, or a result is not a finding)."""
    from transit_lint.engine import RunOptions, run
    from transit_lint.findings import Finding

    with tempfile.TemporaryDirectory(prefix="tl-fuzz-") as tmp:
        path = Path(tmp) / FORMATS[fmt][0]
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        result = run(RunOptions(paths=[tmp], base=Path(tmp), max_file_size=200_000))
        items = result.findings + result.errors
        assert all(isinstance(f, Finding) and f.span.line >= 1 for f in items)
        return len(items)
