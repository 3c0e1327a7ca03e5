"""Sentiment of short customer texts, Chinese and English, with models shipped in the package.

Chinese texts go through tiffin's own linear model over character 1-3-grams (weights in
``sentiment_zh.tsv.gz``, trained by ``bench/train_sentiment.py``); other texts through VADER's
lexicon. Nothing is downloaded at run time: both models are files on disk.
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

WEIGHTS_PATH = Path(__file__).with_name("sentiment_zh.tsv.gz")
NGRAM_SIZES = (1, 2, 3)
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")


class Sentiment(StrEnum):
    """The three labels the watch counts."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A label and a score in [-1, 1] (negative below zero, like VADER's compound)."""

    label: Sentiment
    score: float
    language: str

    def as_json(self) -> dict[str, Any]:
        """The CLI's one-line shape."""
        return {"label": self.label.value, "score": round(self.score, 4)}


def normalise(text: str) -> str:
    """Lower-case and collapse white space so n-grams match the training text's."""
    return _SPACE.sub(" ", text.strip().lower())


def char_ngrams(text: str) -> set[str]:
    """The distinct character 1-3-grams of a normalised text (presence, not counts)."""
    grams: set[str] = set()
    for n in NGRAM_SIZES:
        grams.update(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


def is_chinese(text: str) -> bool:
    """A text with any CJK ideograph goes to the Chinese model."""
    return _CJK.search(text) is not None


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression over n-gram presence: score = tanh of half the logit."""

    bias: float
    neutral_band: float
    weights: dict[str, float]

    def score(self, text: str) -> float:
        """In [-1, 1]: 2 * P(positive) - 1."""
        get = self.weights.get
        logit = self.bias + sum(get(g, 0.0) for g in char_ngrams(normalise(text)))
        return math.tanh(logit / 2.0)

    def save(self, path: Path) -> None:
        """Write the weights as gzip'd TSV, sorted so the file is reproducible byte for byte."""
        lines = [f"#bias\t{self.bias:.6f}", f"#neutral_band\t{self.neutral_band:.4f}"]
        lines += [f"{g}\t{w:.4f}" for g, w in sorted(self.weights.items())]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with path.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as gz:
            gz.write(data)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read weights written by `save`."""
        bias, band = 0.0, 0.1
        weights: dict[str, float] = {}
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.rstrip("\n").rpartition("\t")
                if key == "#bias":
                    bias = float(value)
                elif key == "#neutral_band":
                    band = float(value)
                else:
                    weights[key] = float(value)
        return cls(bias=bias, neutral_band=band, weights=weights)


@lru_cache(maxsize=1)
def chinese_model() -> LinearModel:
    """The shipped Chinese model, read once per process."""
    return LinearModel.load(WEIGHTS_PATH)


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def label_for(score: float, band: float) -> Sentiment:
    """Scores within the band around zero are neutral."""
    if score <= -band:
        return Sentiment.NEGATIVE
    if score >= band:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def classify(text: str) -> Verdict:
    """Label one text; empty or unreadable text is neutral."""
    if not text.strip():
        return Verdict(Sentiment.NEUTRAL, 0.0, "none")
    if is_chinese(text):
        model = chinese_model()
        score = model.score(text)
        return Verdict(label_for(score, model.neutral_band), score, "zh")
    score = float(_vader().polarity_scores(text)["compound"])
    return Verdict(label_for(score, 0.05), score, "en")


def classify_many(texts: list[str]) -> list[Verdict]:
    """Label texts in order."""
    return [classify(text) for text in texts]
