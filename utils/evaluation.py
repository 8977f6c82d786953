"""Judging generated digits with a classifier trained in the course (shared by notebooks 06 and 09).

Papers score image generators with the Fréchet Inception Distance: features of an ImageNet Inception
network. Its weights cannot be downloaded here, and an ImageNet network knows little about 28×28 grey
digits anyway. A small CNN trained on MNIST by course code (``utils.models.mnist_classifier``) is the
honest substitute: its penultimate layer is a feature space made for digits, and its predictions say
which digit a sample looks like and how sure the classifier is. Numbers from it are comparable inside
this course, **not** with Inception FIDs in papers.

    from utils.evaluation import Evaluator
    judge = Evaluator.load()             # load (or train and cache) the classifier
    judge.evaluate(samples, x_test)      # {'fid': ..., 'coverage': [...], 'min_coverage': ..., ...}

The classifier is cached as ``artifacts/_shared/mnist_classifier.keras`` (``COURSE_ARTIFACTS`` moves
``artifacts/``) and rebuilt when the file is missing or cannot be loaded. Every measurement is a method of
the ``Evaluator`` that holds the classifier, so which classifier scored a number is never in doubt.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

from .env import artifacts_dir

NUM_CLASSES = 10
_BATCH = 1000


def classifier_path(quick: bool = False) -> Path:
    """Where the classifier is cached: ``artifacts/_shared/mnist_classifier[_quick].keras``."""
    base = artifacts_dir() / "_shared"
    return base / ("mnist_classifier_quick.keras" if quick else "mnist_classifier.keras")


def to_model_input(images) -> np.ndarray:
    """The one place inputs are normalised: float32 ``(N, 28, 28, 1)`` in [0, 1].

    Accepts uint8 images (0–255) or floats in [0, 1], shaped ``(N, 28, 28)``, ``(N, 28, 28, 1)`` or a
    single ``(28, 28)`` image. Floats outside [0, 1] (e.g. a tanh generator's [-1, 1]) are refused with a
    message rather than silently scored wrong.
    """
    x = np.asarray(images)
    if x.dtype == np.uint8:
        x = x.astype("float32") / 255.0
    else:
        x = x.astype("float32")
        if x.size and (np.nanmin(x) < -0.01 or np.nanmax(x) > 1.01):
            raise ValueError(
                f"float images must lie in [0, 1], got [{np.nanmin(x):.2f}, {np.nanmax(x):.2f}]: "
                "rescale tanh outputs with (x + 1) / 2, or pass uint8 images"
            )
        x = np.clip(x, 0.0, 1.0)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[1:] != (28, 28, 1):
        raise ValueError(f"expected images of shape (N, 28, 28) or (N, 28, 28, 1), got {np.shape(images)}")
    return x


def _train(path: Path, quick: bool) -> tuple:
    """Train ``utils.models.mnist_classifier`` on MNIST, save it (atomically) and return (model, accuracy)."""
    import keras

    from .data import load_mnist
    from .models import mnist_classifier

    (x_train, y_train), (x_test, y_test) = load_mnist()
    epochs, n_train = (1, 12_000) if quick else (2, len(x_train))
    x_train, y_train = to_model_input(x_train[:n_train]), y_train[:n_train]
    keras.utils.set_random_seed(0)  # the same classifier on every machine, whatever ran before
    model = mnist_classifier()
    batch_size = 64
    steps = epochs * -(-n_train // batch_size)
    # a learning rate that decays to zero over training buys the last few tenths of a percent
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    start = time.time()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0)
    accuracy = float(np.mean(np.argmax(_predict(model, to_model_input(x_test)), axis=1) == y_test))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.tmp{os.getpid()}.keras")  # another process may train at the same time
    model.save(partial)
    os.replace(partial, path)
    path.with_suffix(".json").write_text(json.dumps({"test_accuracy": accuracy, "epochs": epochs,
                                                     "train_images": int(n_train)}))
    print(f"Trained the evaluation classifier ({epochs} epoch(s) on {n_train:,} digits, "
          f"{time.time() - start:.0f} s): test accuracy {accuracy:.2%}; saved to {path}")
    return model, accuracy


def _predict(model, x: np.ndarray) -> np.ndarray:
    """Logits in batches (``model.predict`` without its progress bar and callbacks)."""
    return np.concatenate([np.asarray(model(x[i:i + _BATCH], training=False)) for i in range(0, len(x), _BATCH)])


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _gaussian(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


class Evaluator:
    """The evaluation classifier and everything measured with it: features, feature FID, class coverage,
    confidence. Each notebook holds its own ``Evaluator``; nothing is shared through module state.

        judge = Evaluator.load()              # the cached classifier, trained first if it is missing
        judge.evaluate(samples, x_test)       # {'fid', 'coverage', 'min_coverage', 'confidence', 'n'}

    ``Evaluator(model)`` wraps any classifier built like ``utils.models.mnist_classifier`` (a layer named
    ``features``, logits out). Reference sets passed to ``evaluate`` or ``fid`` are embedded once per
    evaluator and remembered (the last four), so scoring many sample sets against one reference is cheap.
    """

    def __init__(self, model, path: Path | None = None):
        import keras

        self.model, self.path = model, path
        self._extractor = keras.Model(model.input, [model.get_layer("features").output, model.output])
        self._reference_fits: dict = {}

    @classmethod
    def load(cls, retrain: bool = False, quick: bool = False) -> Evaluator:
        """Load ``artifacts/_shared/mnist_classifier.keras``; train it (2 epochs on 60,000 digits, about a
        minute on 2 CPU cores, ≥ 99 % test accuracy) when the file is missing, cannot be loaded, or
        ``retrain=True``. ``quick=True`` (smoke runs, tests) uses the full classifier if it is cached and
        otherwise a weaker one trained in seconds (1 epoch on 12,000 digits, ≈ 96 %), cached apart.
        Prints whether it was loaded or trained, and its test accuracy."""
        import keras

        path = classifier_path()
        if quick and (retrain or not path.exists()):
            path = classifier_path(quick=True)
        model = None
        if path.exists() and not retrain:
            try:
                model = keras.models.load_model(path)
                note = path.with_suffix(".json")
                accuracy = json.loads(note.read_text()).get("test_accuracy") if note.exists() else None
                shown = f"{accuracy:.2%}" if accuracy is not None else "unknown"
                print(f"Loaded the evaluation classifier from {path} (test accuracy {shown}).")
            except Exception as error:  # damaged or written by an incompatible Keras: rebuild it
                print(f"Could not load {path} ({type(error).__name__}: {error}); training it again.")
                model = None
        if model is None:
            model, _ = _train(path, quick=path == classifier_path(quick=True))
        return cls(model, path)

    def features_and_probabilities(self, images) -> tuple[np.ndarray, np.ndarray]:
        """Penultimate features ``(N, 128)`` and class probabilities ``(N, 10)``, in one pass."""
        x = to_model_input(images)
        feats, probs = [], []
        for i in range(0, len(x), _BATCH):
            f, logits = self._extractor(x[i:i + _BATCH], training=False)
            feats.append(np.asarray(f, dtype="float64"))
            probs.append(_softmax(np.asarray(logits, dtype="float64")))
        return np.concatenate(feats), np.concatenate(probs)

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features ``(N, 128)`` for images (uint8 or floats in [0, 1])."""
        return self.features_and_probabilities(images)[0]

    def probabilities(self, images) -> np.ndarray:
        """The classifier's softmax probabilities ``(N, 10)``."""
        return self.features_and_probabilities(images)[1]

    def reference_fit(self, reference) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian fit (mean, covariance) of a reference set's features, remembered for next time."""
        x = to_model_input(reference)
        key = (hashlib.sha1(x.tobytes()).hexdigest(), x.shape)
        if key not in self._reference_fits:
            if len(self._reference_fits) >= 4:
                self._reference_fits.pop(next(iter(self._reference_fits)))
            self._reference_fits[key] = _gaussian(self.features(x))
        return self._reference_fits[key]

    def fid(self, images, reference) -> float:
        """Feature FID of ``images`` against ``reference`` (whose fit is remembered).

        0 for identical sets; small for two samples of the same distribution; large when one set misses
        digits, is blurry or is noise. Biased upwards for small sets: compare at the same number of images.
        Not comparable with Inception FIDs in papers.
        """
        return frechet_distance(*_gaussian(self.features(images)), *self.reference_fit(reference))

    def class_coverage(self, images) -> np.ndarray:
        """Share of each digit 0–9 among the predicted labels (sums to 1): ≈ 0.1 each for a generator that
        covers the data; mode collapse shows as zeros and one large share."""
        probs = self.probabilities(images)
        return np.bincount(np.argmax(probs, axis=1), minlength=NUM_CLASSES) / len(probs)

    def confidence(self, images) -> float:
        """Mean of the highest softmax probability: near 1 for clear digits, lower for smudges."""
        return float(np.mean(np.max(self.probabilities(images), axis=1)))

    def evaluate(self, images, reference) -> dict:
        """Score generated ``images`` against real ``reference`` images in one pass.

        Returns ``{"fid", "coverage" (list of 10 shares), "min_coverage", "confidence", "n"}``.
        Score real held-out digits the same way (as many) to get the floor a perfect generator would reach.
        """
        feats, probs = self.features_and_probabilities(images)
        coverage = np.bincount(np.argmax(probs, axis=1), minlength=NUM_CLASSES) / len(probs)
        return {
            "fid": frechet_distance(*_gaussian(feats), *self.reference_fit(reference)),
            "coverage": [float(c) for c in coverage],
            "min_coverage": float(coverage.min()),
            "confidence": float(np.mean(probs.max(axis=1))),
            "n": int(len(feats)),
        }


def frechet_distance(mu_a, cov_a, mu_b, cov_b) -> float:
    """Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b):
    ``|mu_a - mu_b|² + Tr(cov_a + cov_b - 2 (cov_a cov_b)^{1/2})``."""
    from scipy import linalg

    with warnings.catch_warnings():  # dead ReLU units make the covariances singular; handled below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(cov_a @ cov_b)
        if not np.all(np.isfinite(covmean)):  # nearly singular product: nudge both diagonals
            offset = 1e-6 * np.eye(len(cov_a))
            covmean = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    if np.iscomplexobj(covmean):
        # round-off gives tiny imaginary parts; large ones mean something is wrong with the inputs
        if np.max(np.abs(covmean.imag)) > 1e-3 * max(1.0, np.max(np.abs(covmean.real))):
            print(f"Warning: sqrtm returned imaginary parts up to {np.max(np.abs(covmean.imag)):.3g}")
        covmean = covmean.real
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean)
    return float(max(distance, 0.0))  # a distance; round-off can make it a hair below zero
