"""The sample model: multinomial logistic regression trained at start-up on scikit-learn's iris.

Why numpy and not `sklearn.linear_model.LogisticRegression`: importing scikit-learn costs
about 2 s of CPU per process, and the local cluster's kubelet starts one server per pod, many
times per test. The data set is the CSV that ships inside scikit-learn, read without importing
it; the fit (full-batch gradient descent on standardised features, L2-regularised) takes a few
milliseconds, reaches ~97 % training accuracy, and agrees with scikit-learn's own fit (checked
by a unit test). Inference is a real matrix product and softmax on every request.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASS_NAMES: tuple[str, ...] = ("setosa", "versicolor", "virginica")
FEATURE_NAMES: tuple[str, ...] = ("sepal_length", "sepal_width", "petal_length", "petal_width")
N_FEATURES = len(FEATURE_NAMES)


def sklearn_data_dir() -> Path:
    """scikit-learn's `datasets/` directory, found without executing `import sklearn`."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed; the sample model trains on its iris data set")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets"


def load_iris_csv() -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from `sklearn/datasets/data/iris.csv` (header: n_samples, n_features, names…)."""
    raw = np.loadtxt(sklearn_data_dir() / "data" / "iris.csv", delimiter=",", skiprows=1)
    return raw[:, :N_FEATURES].astype(np.float64), raw[:, N_FEATURES].astype(np.int64)


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    probabilities: tuple[float, ...]
    wrong: bool  # deliberately wrong (WRONG_OUTPUT_RATE), for tests that check the knob


class IrisModel:
    """A trained classifier plus the knob that makes a fixed share of inputs come out wrong."""

    def __init__(
        self,
        weights: np.ndarray,
        bias: np.ndarray,
        mean: np.ndarray,
        scale: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        wrong_output_rate: float = 0.0,
        seed: int = 0,
    ):
        self.weights, self.bias, self.mean, self.scale = weights, bias, mean, scale
        self.low, self.high = low, high  # feature ranges, for hashing text to plausible inputs
        self.wrong_output_rate = wrong_output_rate
        self.seed = seed

    @classmethod
    def train(
        cls,
        *,
        wrong_output_rate: float = 0.0,
        seed: int = 0,
        iterations: int = 300,
        learning_rate: float = 0.5,
        l2: float = 1e-3,
    ) -> IrisModel:
        """Fit softmax regression by full-batch gradient descent; deterministic (no random init)."""
        x, y = load_iris_csv()
        mean, scale = x.mean(axis=0), x.std(axis=0)
        xs = (x - mean) / scale
        onehot = np.eye(len(CLASS_NAMES))[y]
        w = np.zeros((N_FEATURES, len(CLASS_NAMES)))
        b = np.zeros(len(CLASS_NAMES))
        for _ in range(iterations):
            p = _softmax(xs @ w + b)
            grad = (p - onehot) / len(xs)
            w -= learning_rate * (xs.T @ grad + l2 * w)
            b -= learning_rate * grad.sum(axis=0)
        return cls(
            w, b, mean, scale, x.min(axis=0), x.max(axis=0), wrong_output_rate=wrong_output_rate, seed=seed
        )

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for a (n, 4) batch."""
        return _softmax(((x - self.mean) / self.scale) @ self.weights + self.bias)

    def predict(self, rows: list[list[float]]) -> list[Prediction]:
        """Labels and probabilities; a deterministic share of inputs gets a wrong label."""
        x = np.asarray(rows, dtype=np.float64).reshape(-1, N_FEATURES)
        out = []
        for row, probs in zip(x, self.probabilities(x), strict=True):
            plist = [float(p) for p in probs]
            index = int(np.argmax(probs))
            wrong = is_wrong_input(row, self.wrong_output_rate, self.seed)
            if wrong:  # swap so the reported probabilities agree with the wrong label
                bad = (index + 1) % len(CLASS_NAMES)
                plist[index], plist[bad] = plist[bad], plist[index]
                index = bad
            out.append(Prediction(CLASS_NAMES[index], index, tuple(plist), wrong))
        return out

    def features_from_text(self, text: str) -> list[float]:
        """Hash text to a point inside the training data's range, so any string is an input."""
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=2 * N_FEATURES).digest()
        units = np.array(struct.unpack(f">{N_FEATURES}H", digest), dtype=np.float64) / 65535.0
        return [round(float(v), 3) for v in self.low + units * (self.high - self.low)]

    def accuracy(self) -> float:
        x, y = load_iris_csv()
        return float((np.argmax(self.probabilities(x), axis=1) == y).mean())


def is_wrong_input(row: np.ndarray | list[float], rate: float, seed: int) -> bool:
    """Whether this input is in the wrong-output share: a hash of the input, not a coin flip,
    so the same input is always wrong (as a real regression would be) and a judge comparing
    outputs sees a stable difference."""
    if rate <= 0:
        return False
    key = ",".join(f"{float(v):.6g}" for v in row) + f"|{seed}"
    h = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    return h / 2.0**64 < rate


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
