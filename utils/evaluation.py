"""Judging generated digits with a classifier trained in the course (shared by notebooks 05 and 07).

Papers score image generators with the Fréchet Inception Distance: features of an ImageNet Inception
network. Its weights cannot be downloaded here, and an ImageNet network knows little about 28×28 grey
digits anyway. A small CNN trained on MNIST by course code (``utils.models.mnist_classifier``) is the
honest substitute: its penultimate layer is a feature space made for digits, and its predictions say
which digit a sample looks like and how sure the classifier is. Numbers from it are comparable inside
this course, **not** with Inception FIDs in papers.

    import utils.evaluation as ev
    ev.classifier()                      # load (or train and cache) the classifier once
    ev.evaluate(samples, x_test)         # {'fid': ..., 'coverage': [...], 'min_coverage': ..., ...}

The classifier is cached as ``artifacts/_shared/mnist_classifier.keras`` (``COURSE_ARTIFACTS`` moves
``artifacts/``) and rebuilt when the file is missing or cannot be loaded. The functions below use the
classifier that ``classifier()`` loaded last, and call ``classifier()`` themselves on first use.
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
_state: dict = {}  # the active classifier and its feature extractor
_reference_fits: dict = {}  # Gaussian fits of recent reference sets, so evaluate() embeds each only once


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


def classifier(retrain: bool = False, quick: bool = False):
    """The evaluation classifier (a ``keras.Model`` returning logits), trained by course code on MNIST.

    Loads ``artifacts/_shared/mnist_classifier.keras``; trains it (2 epochs on 60,000 digits, about a
    minute on 2 CPU cores, ≥ 99 % test accuracy) when the file is missing, cannot be loaded, or
    ``retrain=True``. ``quick=True`` (smoke runs, tests) uses the full classifier if it is cached and
    otherwise a weaker one trained in seconds (1 epoch on 12,000 digits, ≈ 96 %), cached apart.
    The returned model becomes the one that ``features``, ``feature_fid``, ``class_coverage``,
    ``confidence`` and ``evaluate`` use. Prints whether it was loaded or trained, and its test accuracy.
    """
    import keras

    path = classifier_path()
    if quick and (retrain or not path.exists()):
        path = classifier_path(quick=True)
    if not retrain and _state.get("path") == path:
        return _state["model"]
    model = None
    if path.exists() and not retrain:
        try:
            model = keras.models.load_model(path)
            info = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}
            accuracy = info.get("test_accuracy")
            shown = f"{accuracy:.2%}" if accuracy is not None else "unknown"
            print(f"Loaded the evaluation classifier from {path} (test accuracy {shown}).")
        except Exception as error:  # damaged or written by an incompatible Keras: rebuild it
            print(f"Could not load {path} ({type(error).__name__}: {error}); training it again.")
            model = None
    if model is None:
        model, _ = _train(path, quick=path == classifier_path(quick=True))
    _reference_fits.clear()  # features from another classifier are not comparable
    _state.update(path=path, model=model,
                  extractor=keras.Model(model.input, [model.get_layer("features").output, model.output]))
    return model


def _features_and_probs(images) -> tuple[np.ndarray, np.ndarray]:
    if "extractor" not in _state:
        classifier()
    x = to_model_input(images)
    extractor = _state["extractor"]
    feats, probs = [], []
    for i in range(0, len(x), _BATCH):
        f, logits = extractor(x[i:i + _BATCH], training=False)
        feats.append(np.asarray(f, dtype="float64"))
        logits = np.asarray(logits, dtype="float64")
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs.append(e / e.sum(axis=1, keepdims=True))
    return np.concatenate(feats), np.concatenate(probs)


def features(images) -> np.ndarray:
    """Penultimate-layer features ``(N, 128)`` of the classifier for images (uint8 or floats in [0, 1])."""
    return _features_and_probs(images)[0]


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


def _gaussian(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def _reference_fit(reference) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian fit of a reference set's features, remembered for the active classifier."""
    if "extractor" not in _state:
        classifier()
    x = to_model_input(reference)
    key = (hashlib.sha1(x.tobytes()).hexdigest(), x.shape, _state.get("path"))
    if key not in _reference_fits:
        if len(_reference_fits) >= 4:
            _reference_fits.pop(next(iter(_reference_fits)))
        _reference_fits[key] = _gaussian(features(x))
    return _reference_fits[key]


def feature_fid(images_a, images_b) -> float:
    """Fréchet distance between Gaussian fits of the classifier features of two image sets.

    0 for identical sets; small for two samples of the same distribution; large when one set misses
    digits, is blurry or is noise. Use a few thousand images per set: the estimate is biased upwards
    for small sets. Not comparable with Inception FIDs in papers.
    """
    return frechet_distance(*_gaussian(features(images_a)), *_gaussian(features(images_b)))


def class_coverage(images) -> np.ndarray:
    """Share of each digit 0–9 among the classifier's predicted labels (sums to 1).

    A generator that covers the data gives ≈ 0.1 each; mode collapse shows as zeros and one large share.
    """
    probs = _features_and_probs(images)[1]
    return np.bincount(np.argmax(probs, axis=1), minlength=NUM_CLASSES) / len(probs)


def confidence(images) -> float:
    """Mean of the classifier's highest softmax probability: near 1 for clear digits, lower for smudges."""
    return float(np.mean(np.max(_features_and_probs(images)[1], axis=1)))


def evaluate(images, reference) -> dict:
    """Score generated ``images`` against real ``reference`` images in one pass.

    Returns ``{"fid", "coverage" (list of 10 shares), "min_coverage", "confidence", "n"}``.
    Score real held-out digits the same way to get the floor a perfect generator would reach.
    """
    feats, probs = _features_and_probs(images)
    coverage = np.bincount(np.argmax(probs, axis=1), minlength=NUM_CLASSES) / len(probs)
    return {
        "fid": frechet_distance(*_gaussian(feats), *_reference_fit(reference)),
        "coverage": [float(c) for c in coverage],
        "min_coverage": float(coverage.min()),
        "confidence": float(np.mean(probs.max(axis=1))),
        "n": int(len(feats)),
    }
