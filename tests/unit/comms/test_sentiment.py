"""The sentiment classifier: shipped weights, both languages, the CLI's line format."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.comms.sentiment import LinearModel, Sentiment, char_ngrams, classify


def test_chinese_complaints_and_praise_are_told_apart() -> None:
    assert classify("送餐太慢了，饭都凉了，差评").label is Sentiment.NEGATIVE
    assert classify("骑手很快，味道很好，好评！").label is Sentiment.POSITIVE


def test_english_goes_through_vader() -> None:
    bad = classify("The food was cold and the rider was rude.")
    good = classify("Great food, super fast delivery, thank you!")
    assert bad.language == good.language == "en"
    assert bad.label is Sentiment.NEGATIVE and bad.score < 0
    assert good.label is Sentiment.POSITIVE and good.score > 0


def test_empty_text_is_neutral() -> None:
    assert classify("   ").label is Sentiment.NEUTRAL


def test_ngrams_are_the_distinct_one_to_three_grams() -> None:
    assert char_ngrams("好吃") == {"好", "吃", "好吃"}


def test_weights_survive_a_round_trip(tmp_path: Path) -> None:
    model = LinearModel(bias=0.25, neutral_band=0.1, weights={"好": 1.5, "差": -2.0})
    model.save(tmp_path / "w.tsv.gz")
    again = LinearModel.load(tmp_path / "w.tsv.gz")
    assert again == model
    assert again.score("差差") < 0 < again.score("好")


def test_cli_prints_one_json_object_per_line_in_order(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("太难吃了\nvery good, thanks\n\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["sentiment", str(source)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["label"] for r in rows] == ["negative", "positive", "neutral"]
    assert all(isinstance(r["score"], float) for r in rows)
