"""nginx front end: content sniffing, parsing with repairs, includes inside the given paths,
inheritance, version-dependent defaults, resources and their ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit_lint.engine import RunOptions, RunResult, run
from transit_lint.nginx.build import Level, effective_headers
from transit_lint.nginx.frontend import sniff
from transit_lint.nginx.hooks import network_of
from transit_lint.nginx.includes import snippet_prefix
from transit_lint.nginx.syntax import parse_nginx

TLS_SERVER = """server {
    listen 443 ssl;
    server_name %s;
    ssl_certificate /etc/ssl/x.pem;
    ssl_certificate_key /etc/ssl/x.key;
%s}
"""


def lint(root: Path, files: dict[str, str], profile: str = "baseline", select: list[str] | None = None,
         **options: object) -> RunResult:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return run(RunOptions(paths=[str(root)], profile=profile, select=select, base=root, options=dict(options)))


def sites(r: RunResult, rule: str | None = None) -> set[tuple[str, int, str]]:
    return {(f.path, f.span.line, f.rule_id) for f in r.findings if rule is None or f.rule_id == rule}


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize("text", [
    "server {\n  listen 80;\n}\n",
    "ssl_protocols TLSv1.2 TLSv1.3;\nssl_ciphers HIGH:!aNULL;\n",
    "upstream app { server 10.0.0.1:8080; }\n",
    "location / { proxy_pass http://app; }\n",
    "# comment only first\nuser nginx;\nworker_processes auto;\nevents {}\n",
])
def test_sniff_accepts_nginx(text: str) -> None:
    assert sniff(Path("x.conf"), text)


@pytest.mark.parametrize("text", [
    "[program:web]\ncommand=/usr/bin/web\nautostart=true\n",  # supervisord (INI)
    "Listen 80\n<VirtualHost *:80>\n  ServerName example.com\n</VirtualHost>\n",  # Apache
    'options {\n  directory "/var/cache/bind";\n  allow-query { any; };\n};\n',  # BIND
    "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n",  # logrotate
    "server {\n  listen {{ port }};\n}\n",  # Jinja template
    "net.ipv4.ip_forward = 1\n",  # sysctl
    "",
])
def test_sniff_rejects_other_formats(text: str) -> None:
    assert not sniff(Path("x.conf"), text)


# ---------------------------------------------------------------- parsing


def test_spans_cover_the_statement_and_blocks_end_at_their_brace() -> None:
    pf = parse_nginx("http {\n  server {\n    listen 80;\n    ssl_ciphers\n      HIGH;\n  }\n}\n", Path("x"), "x")
    http = pf.directives[0]
    server = http.block[0] if http.block else None
    assert server is not None and server.block is not None
    assert (http.span.line, http.span.end_line) == (1, 7)
    assert (server.span.line, server.span.column, server.span.end_line) == (2, 3, 6)
    listen, ciphers = server.block
    assert (listen.span.line, listen.span.column) == (3, 5)
    assert (ciphers.span.line, ciphers.span.end_line, ciphers.args) == (4, 5, ["HIGH"])
    assert not pf.problems


def test_missing_semicolon_is_reported_and_repaired(tmp_path: Path) -> None:
    r = lint(tmp_path, {"site.conf": "server {\n    listen 80\n    server_name a.example.com;\n    root /srv;\n}\n"})
    assert [(e.path, e.span.line, e.rule_id) for e in r.errors] == [("site.conf", 2, "TL000")]
    # the rest of the file is still judged: the server serves content on port 80
    assert ("site.conf", 2, "TL101") in sites(r)


def test_unclosed_block_is_reported_and_what_was_read_is_judged(tmp_path: Path) -> None:
    r = lint(tmp_path, {"site.conf": "server {\n    listen 80;\n    location / {\n        root /srv;\n"})
    assert [(e.span.line, e.rule_id) for e in r.errors] == [(3, "TL000")]
    assert ("site.conf", 2, "TL101") in sites(r)


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    r = lint(tmp_path, {"a.conf": "server {\n listen 80;\n", "b.conf": "server {\n listen 8080;\n root /srv;\n}\n"})
    assert {e.path for e in r.errors} == {"a.conf"}
    assert ("b.conf", 2, "TL101") in sites(r)


@pytest.mark.parametrize("text", [
    "}" * 50, "{" * 50, '"' * 7, "server { listen " + "8" * 5000 + "; }", "\x00\x01server", "if ( { } ) ;;;",
    "server { location / { location /a { location /b { " * 30, "map $a $b { default 0; }}}}",
    "server { listen [::; }", "server { listen unix:; proxy_pass http://[::1; }", "include ;",
])
def test_hostile_input_never_raises(tmp_path: Path, text: str) -> None:
    lint(tmp_path, {"x.conf": text})


# ---------------------------------------------------------------- includes


def test_includes_resolve_against_the_prefix_and_stay_inside_the_paths(tmp_path: Path) -> None:
    files = {
        "etc/nginx/nginx.conf": "events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n"
                                "  include /usr/share/nginx/modules/*.conf;\n  include ../../../outside.conf;\n}\n",
        "etc/nginx/conf.d/site.conf": "server {\n  listen 443 ssl;\n  include snippets/tls.conf;\n}\n",
        "etc/nginx/snippets/tls.conf": "ssl_protocols TLSv1 TLSv1.2;\n",
    }
    (tmp_path / "outside.conf").write_text("ssl_protocols TLSv1.3;\n")  # must never be read
    r = lint(tmp_path / "p", files)
    # tls.conf is read relative to the prefix, found in the server's context and reported at the
    # include that brings it in
    assert ("etc/nginx/conf.d/site.conf", 3, "TL201") in sites(r, "TL201")
    notes = "\n".join(r.notes)
    assert "read as etc/nginx/conf.d/*.conf" in notes
    outside = "not followed: outside the paths given"
    assert f"include /usr/share/nginx/modules/*.conf (etc/nginx/nginx.conf:4) {outside}" in notes
    assert f"include ../../../outside.conf (etc/nginx/nginx.conf:5) {outside}" in notes


def test_included_files_are_judged_in_context_only(tmp_path: Path) -> None:
    files = {
        "nginx.conf": "events {}\nhttp {\n  ssl_protocols TLSv1.2 TLSv1.3;\n  include conf.d/*.conf;\n}\n",
        "conf.d/a.conf": TLS_SERVER % ("a.example.com", ""),
    }
    r = lint(tmp_path, files)
    ids = [n.id for n in r.nodes if n.kind == "endpoint"]
    assert ids == ["nginx:server[a.example.com:443]"]  # once, with the http block's TLS versions
    assert not sites(r, "TL201")


def test_snippet_never_included_is_judged_alone_only_with_servers(tmp_path: Path) -> None:
    files = {
        "sites-available/old.conf": TLS_SERVER % ("old.example.com", "    ssl_protocols TLSv1;\n"),
        "snippets/headers.conf": "add_header X-Frame-Options DENY;\n",
    }
    r = lint(tmp_path, files)
    assert {n.id for n in r.nodes} == {"nginx:server[old.example.com:443]"}
    assert ("sites-available/old.conf", 6, "TL201") in sites(r)


def test_include_cycle_is_noted_not_followed_forever(tmp_path: Path) -> None:
    files = {"nginx.conf": "events {}\nhttp {\n  include a.conf;\n}\n",
             "a.conf": "include nginx.conf;\ninclude a.conf;\n"}
    r = lint(tmp_path, files)
    assert any("includes itself" in n for n in r.notes)


def test_unfollowed_include_makes_absent_values_unknown(tmp_path: Path) -> None:
    files = {"site.conf": TLS_SERVER % ("a.example.com", "    include /etc/letsencrypt/options-ssl-nginx.conf;\n")}
    r = lint(tmp_path, files, select=["TL201", "TL202", "TL430"])
    assert not r.findings
    assert r.unknown >= 3


def test_harmless_includes_do_not_make_values_unknown(tmp_path: Path) -> None:
    harmless = "    include fastcgi_params;\n    include /etc/nginx/mime.types;\n"
    files = {"site.conf": TLS_SERVER % ("a.example.com", harmless)}
    r = lint(tmp_path, files, select=["TL201"])
    assert sites(r) == {("site.conf", 1, "TL201")}  # the default ssl_protocols of the assumed 1.26


def test_snippet_prefix() -> None:
    assert snippet_prefix(Path("/r/etc/nginx/sites-enabled/a")) == Path("/r/etc/nginx")
    assert snippet_prefix(Path("/r/deploy/site.conf")) == Path("/r/deploy")


# ---------------------------------------------------------------- defaults and inheritance


@pytest.mark.parametrize(("version", "fires"), [(None, True), ("1.22.1", True), ("1.27.3", False), ("1.28", False)])
def test_ssl_protocols_default_depends_on_the_nginx_version(tmp_path: Path, version: str | None, fires: bool) -> None:
    opts = {"nginx_version": version} if version else {}
    r = lint(tmp_path, {"site.conf": TLS_SERVER % ("a.example.com", "")}, select=["TL201"], **opts)
    assert bool(sites(r)) is fires
    assert any("nginx 1.26.0" in n for n in r.notes) is (version is None)


def test_add_header_replaces_unless_merged() -> None:
    pf = parse_nginx("add_header A 1;\nlocation / { add_header B 2; }\nlocation /m { add_header_inherit merge;"
                     " add_header C 3; }\nlocation /o { add_header_inherit off; }\nlocation /i { }\n",
                     Path("x"), "x")
    top = Level("server", pf.directives)
    got = {}
    for loc in top.children("location"):
        found = effective_headers(top.child(loc))
        assert isinstance(found, list)
        got[loc.args[0]] = [d.args[0] for d in found]
    assert got == {"/": ["B"], "/m": ["A", "C"], "/o": [], "/i": ["A"]}


def test_listen_forms_and_ids(tmp_path: Path) -> None:
    text = ("server {\n  listen 80;\n  listen [::]:80;\n  listen 127.0.0.1:8081;\n  listen unix:/run/x.sock;\n"
            "  listen 10.0.0.5:8080;\n  listen 443 ssl;\n  listen [::]:443 ssl;\n  server_name a.example.com b;\n"
            "  return 301 https://$host$request_uri;\n}\n"
            "server {\n  listen 80;\n  server_name a.example.com;\n  return 444;\n}\n")
    r = lint(tmp_path, {"s.conf": text})
    ports = {n.id: (n.value("port"), n.value("protocol")) for n in r.nodes}
    assert ports == {
        "nginx:server[a.example.com:80]": (80, "HTTP"),
        "nginx:server[a.example.com:8080]": (8080, "HTTP"),
        "nginx:server[a.example.com:443]": (443, "HTTPS"),
        "nginx:server[a.example.com:80]@s.conf:12": (80, "HTTP"),
    }


# ---------------------------------------------------------------- upstream hops


def test_hops_to_local_sockets_are_not_connections(tmp_path: Path) -> None:
    text = ("server {\n listen 80;\n location /a { proxy_pass http://127.0.0.1:3000; }\n"
            " location /b { proxy_pass http://unix:/run/a.sock:/; }\n"
            " location /c { fastcgi_pass unix:/run/php.sock; }\n"
            " location /d { uwsgi_pass localhost:3031; }\n location /e { grpc_pass 10.1.2.3:50051; }\n}\n")
    r = lint(tmp_path, {"s.conf": text})
    conns = {n.id: (n.value("protocol"), n.value("network"), n.value("tls_mode")) for n in r.nodes
             if n.kind == "connection"}
    assert conns == {"nginx:server[_]/location[/e]/grpc_pass": ("GRPC", "internal", "plaintext")}


@pytest.mark.parametrize(("host", "network"), [
    ("api.example.com", "internet"), ("8.8.8.8", "internet"), ("10.0.0.1", "internal"), ("app", "internal"),
    ("users.default.svc.cluster.local", "internal"), ("db.internal", "internal"), ("fd00::1", "internal"),
    ("internal-app-123.eu-west-1.elb.amazonaws.com", "internal"), ("app.eu-west-1.elb.amazonaws.com", "internet"),
])
def test_network_of(host: str, network: str) -> None:
    assert network_of(host) == network


def test_upstream_group_is_internal_unless_a_member_is_a_public_address(tmp_path: Path) -> None:
    text = ("upstream pool { server app-1:8080; server app.example.com; }\n"
            "upstream ext { server 8.8.4.4:80; }\n"
            "server {\n listen 80;\n return 444;\n location /p { proxy_pass http://pool; }\n"
            " location /e { proxy_pass http://ext; }\n location /v { proxy_pass http://$target; }\n}\n")
    r = lint(tmp_path, {"s.conf": text})
    nets = {n.id.rsplit("[", 1)[-1]: n.value("network") for n in r.nodes if n.kind == "connection"}
    assert nets == {"/p]/proxy_pass": "internal", "/e]/proxy_pass": "internet", "/v]/proxy_pass": "unknown"}


def test_stream_proxying(tmp_path: Path) -> None:
    text = ("stream {\n  server {\n    listen 5432;\n    proxy_pass db.example.net:5432;\n  }\n"
            "  server {\n    listen 6380 ssl;\n    ssl_certificate /c.pem;\n    ssl_certificate_key /k.pem;\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n    proxy_pass cache.example.net:6379;\n  }\n}\n")
    r = lint(tmp_path, {"nginx.conf": text})
    conns = {n.id: (n.value("protocol"), n.value("plaintext")) for n in r.nodes if n.kind == "connection"}
    # a passthrough proxy sends what it receives; a TLS-terminating one sends plaintext on
    assert conns["nginx:stream_server[_]/proxy_pass"][1] is not True
    assert conns["nginx:stream_server[_]/proxy_pass@nginx.conf:11"] == ("TCP", True)
    assert ("nginx.conf", 11, "TL501") in sites(r)


def test_exposure_from_the_bound_address(tmp_path: Path) -> None:
    text = ("server {\n listen 10.0.0.5:8080;\n listen 93.184.215.14:80;\n listen 8081;\n listen [::]:8082;\n"
            " return 444;\n}\n")
    r = lint(tmp_path, {"s.conf": text})
    assert {n.value("port"): n.value("exposure") for n in r.nodes} == {
        8080: "internal", 80: "public", 8081: "unknown", 8082: "unknown"}


def test_upstream_group_in_another_snippet(tmp_path: Path) -> None:
    # a dotted group name would read as a public host name if the group were not known
    files = {"conf.d/upstreams.conf": "upstream shop.example.com { server 10.0.0.7:8080; }\n",
             "conf.d/site.conf": "server {\n listen 80;\n return 444;\n"
                                 " location / { proxy_pass http://shop.example.com; }\n}\n"}
    r = lint(tmp_path, files)
    hops = [(n.value("host"), n.value("network")) for n in r.nodes if n.kind == "connection"]
    assert hops == [("shop.example.com", "internal")]


def test_a_directive_reached_via_includes_keeps_every_other_field() -> None:
    """`Directive.reached_via` copies by constructor for speed: a field added later must not be
    dropped from the copy."""
    from dataclasses import fields

    from transit_lint.nginx.syntax import Directive
    from transit_lint.spans import Span

    values = {"name": "listen", "args": ["80"], "path": Path("/x/a.conf"), "rel": "a.conf", "span": Span(1, 2, 3, 4),
              "block": [], "via": (), "included": [], "unresolved": "not found"}
    assert set(values) == {f.name for f in fields(Directive)}, "a new field: give it a value here"
    original = Directive(**values)
    include = Directive("include", ["b.conf"], Path("/x/c.conf"), "c.conf", Span(5, 1, 5, 10))
    copy = original.reached_via((include,))
    assert copy.via == (include,)
    assert {f.name: getattr(copy, f.name) for f in fields(Directive) if f.name != "via"} == \
        {k: v for k, v in values.items() if k != "via"}
