"""CloudFormation front end: templates (YAML, JSON, SAM) -> native resources (+ TL000).

Detection is by content: `AWSTemplateFormatVersion`, or a top-level `Resources` map with
`Type: AWS::...` entries. A template is evaluated on its own, or, when another template of the
run nests it (a local `TemplateURL`), through that parent with the parameters it passes
(nested.py). A value that comes from another stack (`Fn::ImportValue`) is unknown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..findings import parse_error
from ..frontends import FrontendResult, LoadContext, SourceFile
from ..parsers.yamltree import CallFree
from ..spans import Span
from ..tree import Value
from .intrinsics import Problem

FORMAT = "cloudformation"

_YAML_VERSION = re.compile(r"^AWSTemplateFormatVersion\s*:", re.M)
_JSON_VERSION = re.compile(r'(?<!\\)"AWSTemplateFormatVersion"\s*:')
_YAML_RESOURCES = re.compile(r"^Resources\s*:", re.M)
_JSON_RESOURCES = re.compile(r'(?<!\\)"Resources"\s*:\s*\{')
_AWS_TYPE = re.compile(r"""(?<!\\)["']?Type["']?\s*:\s*["']?AWS::""")


def sniff(path: Path, text: str) -> bool:
    """Cheap text checks only (no parsing): the format marker, or AWS resources."""
    # the substring tests only skip searches that cannot match (the regexes scan every position;
    # every candidate file of the run, Kubernetes manifests too, is sniffed in the main process)
    if "AWSTemplateFormatVersion" in text and (_YAML_VERSION.search(text) or _JSON_VERSION.search(text)):
        return True
    if "Resources" not in text or "AWS::" not in text:
        return False
    return bool((_YAML_RESOURCES.search(text) or _JSON_RESOURCES.search(text)) and _AWS_TYPE.search(text))


def load(files: list[SourceFile], ctx: LoadContext) -> FrontendResult:
    from . import hooks  # noqa: F401  (registers the table hooks)
    from .nested import StackLoader, Template
    from .parser import parse_template
    from .template import TemplateResult, load_template

    result = FrontendResult()
    overrides: dict[str, Any] = dict(ctx.options.get("cfn_parameters") or {})

    def parse(f: SourceFile) -> Template | None:
        parsed = parse_template(f.text)
        if parsed.root is None:
            first = parsed.problems[0]
            extra = f" (and {len(parsed.problems) - 1} more)" if len(parsed.problems) > 1 else ""
            result.errors.append(parse_error(f.rel, first.span, first.message + extra))
            return None
        result.files_parsed += 1
        result.comments[f.rel] = parsed.comments
        return Template(f.path, f.rel, parsed.root, parsed.call_free)

    def evaluate(root: Value, rel: str, passed: dict[str, tuple[Any, str]] | None,
                 call_free: CallFree | None) -> TemplateResult:
        try:
            return load_template(root, rel, overrides, passed, call_free)
        except RecursionError:
            return TemplateResult(problems=[Problem(Span.point(1), "template is nested too deeply to evaluate")])
        except Exception as e:  # noqa: BLE001 - one template must never stop the run
            return TemplateResult(problems=[Problem(Span.point(1), f"template could not be evaluated: "
                                                                   f"{type(e).__name__}: {e}")])

    StackLoader(ctx, result, evaluate, parse, overrides).run(files)
    return result
