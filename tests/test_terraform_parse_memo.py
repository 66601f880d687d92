"""The Terraform front end shares the syntax tree of identical .tf texts (bounded, least recently
used first out); a shared tree must be the one parse_hcl would build."""

from __future__ import annotations

from pathlib import Path

from transit_lint.parsers.hcl import parse_hcl
from transit_lint.terraform.frontend import TerraformFrontend, _ParseMemo

TEXT = 'resource "aws_lb_listener" "l" {\n  protocol = "HTTP" # plain\n  port = 80\n}\n'


def _wanted(rtype: str) -> bool:
    return True


def test_identical_texts_share_one_tree() -> None:
    memo = _ParseMemo(1_000_000)
    first = memo.parse(TEXT, _wanted)
    again = memo.parse("".join(list(TEXT)), _wanted)  # an equal text, another str object
    assert again is first
    assert repr(first) == repr(parse_hcl(TEXT, _wanted))
    other = memo.parse(TEXT, lambda rtype: False)  # another filter is another tree
    assert other is not first and other.body.blocks[0].shallow


def test_memo_is_bounded_by_source_size() -> None:
    memo = _ParseMemo(640)  # keeps texts of up to 40 chars, 640 chars in all
    texts = [f"a{i:02d} = {i:030d}\n" for i in range(40)]
    trees = [memo.parse(t, _wanted) for t in texts]
    assert memo._chars <= 640
    assert memo.parse(texts[-1], _wanted) is trees[-1]  # recent: kept
    assert memo.parse(texts[0], _wanted) is not trees[0]  # oldest: dropped
    big = "x = 1\n" * 20  # over 640 // 16 chars: parsed, never kept
    assert memo.parse(big, _wanted) is not memo.parse(big, _wanted)


def test_copies_of_a_module_get_their_own_paths_and_comments(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "main.tf").write_text(TEXT)
    fe = TerraformFrontend(tmp_path, (tmp_path,), 1_000_000)
    res = fe.run([tmp_path / "dev" / "main.tf", tmp_path / "prod" / "main.tf"], [])
    assert sorted(r.path for r in res.resources) == ["dev/main.tf", "prod/main.tf"]
    assert res.comments == {"dev/main.tf": [(2, "# plain")], "prod/main.tf": [(2, "# plain")]}
