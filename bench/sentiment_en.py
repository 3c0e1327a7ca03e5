"""Labelled English texts for the English half of the sentiment watch (VADER), from a package.

No English set lives under ``shared/data``, and NLTK's corpora cannot be downloaded here, but
vaderSentiment's source distribution on PyPI ships the ground truth of its paper (Hutto and
Gilbert, ICWSM 2014: ``additional_resources/hutto_ICWSM_2014.tar.gz``): sentence-level snippets,
each with the mean of about 20 human ratings on -4..4. Four sets: 3,708 snippets of Amazon
product reviews (Hu and Liu 2004: the nearest to customers' comments), 4,200 tweet-like texts,
10,605 snippets of movie reviews, 5,190 of New York Times editorials.

A snippet is labelled by the sign of its human mean (a mean of exactly 0 is left out), and a
"clearly polar" view keeps only |mean| >= 1 (at least "slightly" on the raters' scale). tiffin
tuned nothing on these: ``classify`` runs VADER with its documented 0.05 neutral band.

    pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d DIR
    python bench/sentiment.py --english DIR/vaderSentiment-3.3.2.tar.gz
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

from sentiment_data import Labelled

SETS = {
    "amazonReviewSnippets": "Amazon review snippets",
    "tweets": "tweets",
    "movieReviewSnippets": "movie review snippets",
    "nytEditorialSnippets": "NYT editorial snippets",
}
CACHE = Path(__file__).resolve().parent / ".cache"


def fetch_sdist() -> Path:
    """The installed vaderSentiment's source distribution, downloaded once into bench/.cache
    with pip (the package index is the one place this machine may fetch from)."""
    version = metadata.version("vaderSentiment")
    target = CACHE / f"vaderSentiment-{version}.tar.gz"
    if not target.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps"),
                *("--no-binary", ":all:", f"vaderSentiment=={version}", "-d", str(CACHE)),
            ],
            check=True,
        )
    return target


def where(given: str | None, fetch: bool) -> Path | None:
    """The sdist (or an unpacked ground-truth folder) from the argument, the environment,
    the cache, or a fresh download when ``fetch``; None when there is none."""
    named = given or os.environ.get("TIFFIN_SENTIMENT_EN_DATA")
    if named:
        return Path(named)
    cached = sorted(CACHE.glob("vaderSentiment-*.tar.gz"))
    if cached:
        return cached[-1]
    return fetch_sdist() if fetch else None


def _ground_truth_files(path: Path) -> dict[str, str]:
    """{set name: file text}, from the sdist's nested tarball or an unpacked folder."""
    if path.is_dir():
        return {
            name: (path / f"{name}_GroundTruth.txt").read_text(encoding="utf-8", errors="replace")
            for name in SETS
        }
    with tarfile.open(path) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        inner_bytes = outer.extractfile(member).read()  # type: ignore[union-attr]
    found: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for m in inner.getmembers():
            stem = Path(m.name).name.removesuffix("_GroundTruth.txt")
            if stem in SETS and m.name.endswith("_GroundTruth.txt"):
                raw = inner.extractfile(m).read()  # type: ignore[union-attr]
                found[stem] = raw.decode("utf-8", errors="replace")
    return found


def english_sets(path: Path, *, min_abs: float = 0.0) -> dict[str, Labelled]:
    """Each set's snippets labelled by the sign of their human mean, kept when
    |mean| >= ``min_abs`` (and never when it is exactly 0)."""
    sets = {}
    for name, text in _ground_truth_files(path).items():
        texts, labels = [], []
        for line in text.splitlines():
            parts = line.rstrip("\r").split("\t")
            if len(parts) < 3:
                continue
            mean = float(parts[1])
            if mean == 0 or abs(mean) < min_abs:
                continue
            texts.append("\t".join(parts[2:]))
            labels.append(1 if mean > 0 else 0)
        sets[SETS[name]] = Labelled(texts, labels, [name] * len(texts))
    return {label: sets[label] for label in SETS.values() if label in sets}
