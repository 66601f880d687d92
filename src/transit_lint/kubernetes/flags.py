"""Command lines of containers: which program runs, and its flags with where each one sits.

Kubernetes components and etcd take `--flag=value`, `--flag value` and bare boolean `--flag`
(Go's flag packages also accept a single dash); the last occurrence wins. Flags may sit in
`command`, in `args`, or in a `sh -c "..."` script, and a program may be started through
`hyperkube`. The program is named by the first token, or by the image when there is no command.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..spans import Span
from ..tree import Value
from .objects import K8sObject, containers, items, pod_specs, text

COMPONENTS = ("kube-apiserver", "kubelet", "etcd", "kube-controller-manager", "kube-scheduler")
_HYPERKUBE = {"apiserver": "kube-apiserver", "controller-manager": "kube-controller-manager",
              "scheduler": "kube-scheduler", "kubelet": "kubelet"}
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "busybox"}
_SHELL_OPERATORS = {"&&", "||", ";", "|", "&", ">", ">>", "<"}
_ARCH = re.compile(r"-(?:amd64|arm64|arm|ppc64le|s390x|386)$")

# flags that never take the next token as their value (Go booleans need `--flag=false`)
BOOLEAN_FLAGS = frozenset({
    "client-cert-auth", "peer-client-cert-auth", "auto-tls", "peer-auto-tls", "kubelet-https",
    "rotate-certificates", "rotate-server-certificates", "anonymous-auth", "allow-privileged",
    "enable-v2", "strict-reconfig-check", "debug", "profiling", "enable-bootstrap-token-auth",
    "leader-elect", "use-service-account-credentials", "insecure-skip-tls-verify", "v2-deprecated",
    "enable-ssl-passthrough", "serverstransport.insecureskipverify",
})


@dataclass
class Token:
    text: str
    value: Value  # the YAML value the token comes from (a whole script for `sh -c`)


@dataclass
class CommandLine:
    program: str  # kube-apiserver, kubelet, etcd, ... or the bare program name
    flags: dict[str, Value]
    header: Span  # the `command:` entry (or `args:` / `image:` when there is no command)


def _tokens(v: Value | None) -> list[Token]:
    if v is None:
        return []
    if isinstance(v.data, str):  # not valid Kubernetes, but seen: one string
        return [Token(v.data, v)]
    return [Token(str(x.data), x) for x in items(v) if isinstance(x.data, (str, int, float)) and
            not isinstance(x.data, bool)]


def _basename(s: str) -> str:
    return s.rstrip("/").rsplit("/", 1)[-1]


def image_program(image: str | None) -> str | None:
    """`registry.k8s.io/kube-apiserver-amd64:v1.29.0` -> `kube-apiserver`."""
    if not image:
        return None
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return _ARCH.sub("", last.split(":", 1)[0])


def _script(tok: Token) -> list[Token]:
    try:
        words = shlex.split(tok.text, comments=True)
    except ValueError:
        words = tok.text.split()
    return [Token(w, tok.value) for w in words if w.strip()]


def _first_line(entry: Value) -> Span:
    s = entry.anchor
    return Span(s.line, s.column, s.line, s.column + 1)


def command_line(container: Value) -> CommandLine | None:
    """The program a container runs and its flags; None when it runs nothing we can name."""
    cmd_v, args_v, image_v = container.get("command"), container.get("args"), container.get("image")
    seq = _tokens(cmd_v) + _tokens(args_v)
    header = _first_line(cmd_v or args_v or image_v or container)
    script = bool(seq) and _basename(seq[0].text) in _SHELLS and len(seq) >= 3 and seq[1].text == "-c"
    if script:
        seq = _script(seq[2])
    program: str | None = None
    rest: list[Token] = []
    for i, tok in enumerate(seq):
        if tok.text == "--":
            continue
        if tok.text.startswith("-"):
            if script:
                continue
            break  # flags start: the program was named before them, or by the image
        name = _basename(tok.text)
        if name == "hyperkube" and i + 1 < len(seq) and seq[i + 1].text in _HYPERKUBE:
            program, rest = _HYPERKUBE[seq[i + 1].text], seq[i + 2 :]
            break
        if name in COMPONENTS:
            program, rest = name, seq[i + 1 :]
            break
    if program is None:
        if cmd_v is None:
            program, rest = image_program(text(image_v)), seq
        elif seq:
            program, rest = _basename(seq[0].text), seq[1:]
    if program is None:
        return None
    cut = next((i for i, t in enumerate(rest) if t.text in _SHELL_OPERATORS), len(rest))
    return CommandLine(program, parse_flags(rest[:cut]), header)


def container_commands(obj: K8sObject) -> list[tuple[Value, CommandLine | None]]:
    """Each container of the object's pod specs with its command line (read once for all the
    readers that need it: control-plane components, TLS switches, ingress controllers)."""
    return [(c, command_line(c)) for spec, _meta in pod_specs(obj) for c in containers(spec)]


def parse_flags(tokens: list[Token]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if not tok.text.startswith("-") or tok.text in ("-", "--"):
            continue
        body = tok.text.lstrip("-")
        if "=" in body:
            name, val = body.split("=", 1)
            out[name.lower()] = Value(val, tok.value.span, tok.value.key_span)
        elif (body.lower() not in BOOLEAN_FLAGS and i < len(tokens) and not tokens[i].text.startswith("-")
              and tokens[i].text not in _SHELL_OPERATORS):
            nxt = tokens[i]
            i += 1
            s, e = tok.value.span, nxt.value.span
            out[body.lower()] = Value(nxt.text, Span(s.line, s.column, e.end_line, e.end_column))
        else:
            out[body.lower()] = Value("true", tok.value.span, tok.value.key_span)
    return out


def feature_gates(raw: Value | None) -> dict[str, Value]:
    """`A=true,B=false` (a flag) -> {A: "true", B: "false"}, every gate spanned by the flag."""
    if raw is None or not isinstance(raw.data, str):
        return {}
    out: dict[str, Value] = {}
    for part in raw.data.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = Value(v.strip(), raw.span, raw.key_span)
    return out
