"""tiffin's sentiment classifier beside SnowNLP's, on labelled sets neither was tuned on.

Accuracy (balanced: the mean of the positive and negative recalls; tiffin's "neutral" counts as
wrong) and throughput (texts per second, one process, one thread) on:

- ``chnsenticorp``: ChnSentiCorp hotel reviews, never trained or tuned on (out of domain);
- ``hotel``: the hotel category of online_shopping_10_cats, never trained or tuned on;
- ``test``: the held-out 10 % of the other nine categories (in domain), per category;
- English (VADER, which tiffin runs for any text without Chinese): the ground truth of VADER's
  paper, which vaderSentiment's source distribution ships (``bench/sentiment_en.py``), when
  it is at hand (``--english``, ``TIFFIN_SENTIMENT_EN_DATA``, ``bench/.cache``, or
  ``--fetch-english`` to download it with pip).

SnowNLP runs on a fixed sample (it is slow); tiffin on the same sample and on the full sets.

    python bench/sentiment.py [--data DIR] [--sample 1000] [--english SDIST | --fetch-english]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sentiment_data import SEED, Labelled, balanced_accuracy, data_dir, splits  # noqa: E402
from sentiment_en import english_sets, where  # noqa: E402

from tiffin.comms.sentiment import chinese_model, classify  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment.md"


def run_tiffin(texts: list[str]) -> tuple[list[str], float]:
    """Labels and texts per second (the models are loaded before the clock starts)."""
    chinese_model()
    classify("warm up VADER too")
    started = time.perf_counter()
    labels = [classify(t).label.value for t in texts]
    return labels, len(texts) / (time.perf_counter() - started)


def run_snownlp(texts: list[str]) -> tuple[list[str], float]:
    """SnowNLP's own classifier: sentiments >= 0.5 is positive (how it is meant to be read)."""
    from snownlp import SnowNLP

    _ = SnowNLP("预热").sentiments  # load its model before the clock starts
    started = time.perf_counter()
    labels = ["positive" if SnowNLP(t).sentiments >= 0.5 else "negative" for t in texts]
    return labels, len(texts) / (time.perf_counter() - started)


def sample(data: Labelled, n: int) -> Labelled:
    """A fixed random sample (seed 17)."""
    pick = np.random.default_rng(SEED).permutation(len(data.texts))[:n]
    return Labelled(
        [data.texts[i] for i in pick],
        [data.labels[i] for i in pick],
        [data.categories[i] for i in pick],
    )


def per_category(data: Labelled, predicted: list[str]) -> dict[str, float]:
    """Balanced accuracy per category."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, cat in enumerate(data.categories):
        groups[cat].append(i)
    return {
        cat: balanced_accuracy([data.labels[i] for i in idx], [predicted[i] for i in idx])
        for cat, idx in sorted(groups.items())
    }


def main() -> None:
    """Measure, print, write bench/results/sentiment.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--english", help="vaderSentiment's sdist (or its unpacked data)")
    parser.add_argument("--fetch-english", action="store_true", help="download it with pip")
    args = parser.parse_args()
    parts = splits(data_dir(args.data))
    rows = []
    probe = sample(parts["chnsenticorp"], args.sample)
    t_labels, t_rate = run_tiffin(probe.texts)
    s_labels, s_rate = run_snownlp(probe.texts)
    name = f"chnsenticorp sample ({len(probe.texts)})"
    rows.append((name, "tiffin", balanced_accuracy(probe.labels, t_labels), t_rate))
    rows.append((name, "snownlp", balanced_accuracy(probe.labels, s_labels), s_rate))
    for part in ("chnsenticorp", "hotel", "test"):
        data = parts[part]
        labels, rate = run_tiffin(data.texts)
        rows.append(
            (f"{part} ({len(data.texts)})", "tiffin", balanced_accuracy(data.labels, labels), rate)
        )
        if part == "test":
            categories = per_category(data, labels)
    lines = [
        "# Sentiment: tiffin beside SnowNLP (same run, one core)",
        "",
        "| set (texts) | classifier | balanced accuracy | texts/s |",
        "|---|---|---:|---:|",
    ]
    lines += [f"| {s} | {c} | {a:.3f} | {r:,.0f} |" for s, c, a, r in rows]
    lines += ["", *english(where(args.english, args.fetch_english))]
    lines += ["", "tiffin, held-out test split per category (balanced accuracy):", ""]
    lines += ["| category | balanced accuracy |", "|---|---:|"]
    lines += [f"| {cat} | {acc:.3f} |" for cat, acc in categories.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


def english(path: Path | None) -> list[str]:
    """The English table: each set of VADER's ground truth, all of it and the clearly polar."""
    if path is None:
        return [
            "English (VADER): not measured, no labelled English set at hand (pass --english "
            "or --fetch-english; see bench/sentiment_en.py)."
        ]
    lines = [
        "English (VADER as tiffin runs it), on the ground truth of VADER's paper "
        "(label: the sign of the mean human rating; neutral counts as wrong):",
        "",
        "| set (texts) | which texts | balanced accuracy | called neutral | "
        "balanced accuracy where it took a side | texts/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for which, min_abs in (("every non-zero mean", 0.0), ("clearly polar, abs(mean) >= 1", 1.0)):
        for name, data in english_sets(path, min_abs=min_abs).items():
            labels, rate = run_tiffin(data.texts)
            accuracy = balanced_accuracy(data.labels, labels)
            sided = [(y, p) for y, p in zip(data.labels, labels, strict=True) if p != "neutral"]
            neutral = 1 - len(sided) / len(labels)
            taken = balanced_accuracy([y for y, _ in sided], [p for _, p in sided])
            lines.append(
                f"| {name} ({len(data.texts):,}) | {which} | {accuracy:.3f} | {neutral:.1%} | "
                f"{taken:.3f} | {rate:,.0f} |"
            )
    return lines


if __name__ == "__main__":
    main()
