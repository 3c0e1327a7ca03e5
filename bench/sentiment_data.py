"""The labelled Chinese reviews under shared/data/sentiment, split the same way every time.

The data is never copied into the repository: scripts read it from ``--data``, the
``TIFFIN_SENTIMENT_DATA`` environment variable, or ``../shared/data/sentiment`` beside the repo.
Splits (seed 17): the nine non-hotel categories of ``online_shopping_10_cats.csv`` shuffled into
80 % train, 10 % validation (the only data any choice was tuned on), 10 % test. The hotel category
and ``ChnSentiCorp_htl_all.csv`` (hotel reviews) are never trained or tuned on: they are the
out-of-domain test sets.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 17
HELD_OUT_CATEGORY = "酒店"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Labelled:
    """Texts with labels (1 positive, 0 negative) and their category."""

    texts: list[str]
    labels: list[int]
    categories: list[str]


def data_dir(given: str | None = None) -> Path:
    """Where the labelled data lives: argument, then environment, then the CI layout."""
    path = Path(
        given
        or os.environ.get("TIFFIN_SENTIMENT_DATA")
        or REPO_ROOT.parent / "shared" / "data" / "sentiment"
    )
    if not (path / "online_shopping_10_cats.csv").exists():
        raise SystemExit(f"no sentiment data at {path}: pass --data or TIFFIN_SENTIMENT_DATA")
    return path


def _read(path: Path, has_category: bool) -> Labelled:
    texts, labels, cats = [], [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("review") or "").lstrip("\ufeff").strip()
            if not text or row["label"] not in ("0", "1"):
                continue
            texts.append(text)
            labels.append(int(row["label"]))
            cats.append(row["cat"] if has_category else "ChnSentiCorp")
    return Labelled(texts, labels, cats)


def _take(data: Labelled, index: np.ndarray) -> Labelled:
    return Labelled(
        [data.texts[i] for i in index],
        [data.labels[i] for i in index],
        [data.categories[i] for i in index],
    )


def splits(directory: Path) -> dict[str, Labelled]:
    """train / validation / test (in-domain) and hotel / chnsenticorp (out-of-domain)."""
    shopping = _read(directory / "online_shopping_10_cats.csv", has_category=True)
    in_domain = np.array([i for i, c in enumerate(shopping.categories) if c != HELD_OUT_CATEGORY])
    hotel = np.array([i for i, c in enumerate(shopping.categories) if c == HELD_OUT_CATEGORY])
    order = np.random.default_rng(SEED).permutation(in_domain)
    n_train, n_val = int(len(order) * 0.8), int(len(order) * 0.1)
    return {
        "train": _take(shopping, order[:n_train]),
        "validation": _take(shopping, order[n_train : n_train + n_val]),
        "test": _take(shopping, order[n_train + n_val :]),
        "hotel": _take(shopping, hotel),
        "chnsenticorp": _read(directory / "ChnSentiCorp_htl_all.csv", has_category=False),
    }


def balanced_accuracy(labels: list[int], predicted: list[str]) -> float:
    """Mean of the positive and negative recalls; a neutral answer counts as wrong."""
    recalls = []
    for truth, name in ((1, "positive"), (0, "negative")):
        rows = [p for y, p in zip(labels, predicted, strict=True) if y == truth]
        recalls.append(sum(p == name for p in rows) / len(rows) if rows else 0.0)
    return sum(recalls) / 2
