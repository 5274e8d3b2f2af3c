"""``make train`` and ``socialdesk refit --base-data`` with a data set absent: a clear refusal, not a
traceback and not a silently different model; ``--allow-missing`` trains from what is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from training import __main__ as train_command
from training import corpus


@pytest.fixture
def absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every ../shared data set moved out of reach."""
    paths = {
        name: tmp_path / "shared" / "datasets" / f"{name}.csv"
        for name in ("airline", "bitext", "head", "sample")
    }
    monkeypatch.setattr(corpus, "AIRLINE", paths["airline"])
    monkeypatch.setattr(corpus, "BITEXT", paths["bitext"])
    monkeypatch.setattr(corpus, "TWCS_HEAD", paths["head"])
    monkeypatch.setattr(corpus, "TWCS_SAMPLE", paths["sample"])
    monkeypatch.setattr(
        corpus,
        "DATASET_FILES",
        {
            paths["airline"]: "airline",
            paths["bitext"]: "bitext",
            paths["head"]: "twcs-weak",
            paths["sample"]: "twcs-weak",
        },
    )
    return paths


def test_training_data_with_a_data_set_absent_is_refused_naming_it(absent: dict[str, Path]) -> None:
    with pytest.raises(corpus.DatasetsAbsent) as refused:
        corpus.base_examples()
    assert set(refused.value.missing) == set(absent.values())
    assert str(absent["head"]) in str(refused.value)
    assert "--allow-missing" in str(refused.value)


def test_make_train_exits_2_with_the_reason_and_writes_no_model(
    absent: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "models"
    out.mkdir()
    assert train_command.main(["--out", str(out)]) == 2
    assert "absent" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_allow_missing_trains_from_the_sets_that_are_there(absent: dict[str, Path]) -> None:
    examples = corpus.base_examples(allow_missing=True)
    sources = {e.source for e in examples}
    assert examples
    assert not sources & {"airline", "bitext", "twcs-weak"}
    assert "twcs-hand" in sources  # the repository's own labelled set is always there
