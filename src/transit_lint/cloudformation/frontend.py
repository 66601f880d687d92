"""CloudFormation front end: templates (YAML, JSON, SAM) -> native resources (+ TL000).

Detection is by content: `AWSTemplateFormatVersion`, or a top-level `Resources` map with
`Type: AWS::...` entries. Each template is its own unit (no cross-stack resolution): a value that
comes from another stack (`Fn::ImportValue`) is unknown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..spans import Span

FORMAT = "cloudformation"

_YAML_VERSION = re.compile(r"^AWSTemplateFormatVersion\s*:", re.M)
_JSON_VERSION = re.compile(r'(?<!\\)"AWSTemplateFormatVersion"\s*:')
_YAML_RESOURCES = re.compile(r"^Resources\s*:", re.M)
_JSON_RESOURCES = re.compile(r'(?<!\\)"Resources"\s*:\s*\{')
_AWS_TYPE = re.compile(r"""(?<!\\)["']?Type["']?\s*:\s*["']?AWS::""")


def sniff(path: Path, text: str) -> bool:
    """Cheap text checks only (no parsing): the format marker, or AWS resources."""
    if _YAML_VERSION.search(text) or _JSON_VERSION.search(text):
        return True
    return bool((_YAML_RESOURCES.search(text) or _JSON_RESOURCES.search(text)) and _AWS_TYPE.search(text))


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    from . import hooks  # noqa: F401  (registers the table hooks)
    from .parser import parse_template
    from .template import load_template

    result = FrontendResult()
    overrides: dict[str, Any] = dict(ctx.options.get("cfn_parameters") or {})
    for f in files:
        parsed = parse_template(f.text)
        if parsed.root is None:
            first = parsed.problems[0]
            extra = f" (and {len(parsed.problems) - 1} more)" if len(parsed.problems) > 1 else ""
            result.errors.append(parse_error(f.rel, first.span, first.message + extra))
            continue
        result.files_parsed += 1
        result.comments[f.rel] = parsed.comments
        try:
            loaded = load_template(parsed.root, f.rel, overrides)
        except RecursionError:
            result.errors.append(parse_error(f.rel, Span.point(1), "template is nested too deeply to evaluate"))
            continue
        except Exception as e:  # noqa: BLE001 - one template must never stop the run
            result.errors.append(parse_error(f.rel, Span.point(1), f"template could not be evaluated: "
                                                                    f"{type(e).__name__}: {e}"))
            continue
        if loaded.problems:
            problem = loaded.problems[0]
            extra = f" (and {len(loaded.problems) - 1} more)" if len(loaded.problems) > 1 else ""
            result.errors.append(parse_error(f.rel, problem.span, problem.message + extra))
        result.resources.extend(loaded.resources)
    return result
