"""list_readable (one listing per folder) must agree with readable_inside (one check per file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from transit_lint.discover import list_readable, readable_inside


def test_list_readable_agrees_with_readable_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    d = root / "mod"
    d.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text("a = 1\n")
    (d / "main.tf").write_text("a = 1\n")
    (d / ".hidden.tf").write_text("a = 1\n")
    (d / "x.auto.tfvars").write_text("a = 1\n")
    (d / "dir.tf").mkdir()
    (root / "sibling.tf").write_text("a = 1\n")
    os.symlink(outside / "secret.tf", d / "escape.tf")
    os.symlink(root / "sibling.tf", d / "inside_link.tf")
    os.symlink(tmp_path / "missing.tf", d / "dangling.tf")
    os.symlink(root, d / "dirlink.tf")

    listing = list_readable(d, (root,))
    assert listing.names == sorted(os.listdir(d))
    assert listing.readable == {n for n in listing.names if readable_inside(d / n, (root,))}
    assert listing.readable == {"main.tf", ".hidden.tf", "x.auto.tfvars", "inside_link.tf"}
    # a folder outside the roots (reached through a link) holds nothing readable
    assert list_readable(outside, (root,)).readable == set()
    assert list_readable(tmp_path / "nowhere", (root,)).names == []


def test_inside_is_equality_or_ancestry() -> None:
    from transit_lint.discover import inside

    cases = ["/", "/a", "/a/b", "/a/bc", "/ab", "/a/b/c/d", "a", "a/b", ".", "/a/../a/b", "..", "../a", "//a"]
    for p in cases:
        for r in cases:
            assert inside(Path(p), (Path(r),)) == (Path(p) == Path(r) or Path(r) in Path(p).parents), (p, r)


def test_terraform_rel_is_display_path() -> None:
    from transit_lint.discover import display_path
    from transit_lint.terraform.frontend import TerraformFrontend

    paths = ["/", "/a", "/a/b", "/a/bc", "/ab", "/a/b/c.tf", "a/b.tf", "a", "./x", "//a/b", "/a/../b", "a/../b"]
    for base in ["/", "//", "/a", "/a/b", "a", ".", "//a"]:
        fe = TerraformFrontend(Path(base), (), 100)
        for p in paths:
            assert fe.rel(Path(p)) == display_path(Path(p), Path(base)), (base, p)


def test_realpath_is_os_realpath(tmp_path: Path) -> None:
    from transit_lint.discover import realpath

    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "f.tf").write_text("")
    os.symlink(tmp_path / "a" / "b", tmp_path / "link")
    os.symlink(tmp_path / "link", tmp_path / "a" / "hop")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink("loop", tmp_path / "loop")
    t = str(tmp_path)
    for p in ["/", "", ".", "a", "a/b", t, t + "/", t + "//a", t + "/a/b/c", t + "/link/c", t + "/a/hop/c",
              t + "/a/../link", t + "/a/./b", t + "/missing/x", t + "/a/f.tf", t + "/a/f.tf/x", t + "/dangling",
              t + "/dangling/x", t + "/loop", t + "/loop/x", t + "/.hidden", "//", "//a", "/a/..", "/proc/self"]:
        assert realpath(p) == os.path.realpath(p), p


@pytest.mark.parametrize(("path", "base"), [
    ("/a/b/c", "/a/b"), ("/a/b", "/a/b"), ("/a/bc", "/a/b"), ("/x", "/a"), ("/a/b", "/"), ("/", "/"),
    ("a/b", "a"), ("a", "."), ("../x", "."), ("/a", "."), ("ab/c", "a"), ("a/b", "/a"),
])
def test_display_path_is_relative_to_as_posix(path: str, base: str) -> None:
    from transit_lint.discover import display_path

    try:
        expected = Path(path).relative_to(Path(base)).as_posix()
    except ValueError:
        expected = Path(path).as_posix()
    assert display_path(Path(path), Path(base)) == expected


def test_realpath_learns_links_afresh_in_each_recorded_block(tmp_path: Path) -> None:
    """Inside `recording_reads` the folders found not to be links are remembered; a folder that
    became a link since the last block is seen as one by the next."""

    from transit_lint.discover import realpath, recording_reads

    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "other" / "sub").mkdir(parents=True)
    for d in ("real", "other"):
        (tmp_path / d / "sub" / "x.tf").write_text("")
    path = str(tmp_path / "real" / "sub" / "x.tf")
    with recording_reads():
        assert realpath(path) == path
        assert realpath(path) == path  # from the remembered folders
    os.rename(tmp_path / "real", tmp_path / "gone")
    os.symlink(tmp_path / "other", tmp_path / "real")
    with recording_reads():
        assert realpath(path) == str(tmp_path / "other" / "sub" / "x.tf")
    assert realpath(path) == os.path.realpath(path)


def test_display_paths_answers_as_display_path() -> None:
    from transit_lint.discover import display_path, display_paths

    cases = ["/", "/a", "/a/b", "/a/bc", "/ab", "/a/b/c/d", "//a", "//a/b"]
    for b in cases:
        shown = display_paths(Path(b))
        for p in cases:
            assert shown(Path(p)) == display_path(Path(p), Path(b)), (p, b)
