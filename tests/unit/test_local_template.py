"""The local stack's template reader: parsed once per version of the file, a fresh copy per caller."""

from __future__ import annotations

from pathlib import Path

from local.template import load


def test_each_caller_gets_its_own_copy_of_the_template() -> None:
    first = load()
    first["Resources"].clear()
    assert load()["Resources"], "a caller's change leaked into the next caller's template"


def test_a_changed_template_is_read_again(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Parameters:\n  Stage: {Type: String, Default: dev}\nResources: {}\n")
    assert load(template)["Parameters"]["Stage"]["Default"] == "dev"
    template.write_text("Parameters:\n  Stage: {Type: String, Default: production}\nResources: {}\n")
    assert load(template)["Parameters"]["Stage"]["Default"] == "production"
