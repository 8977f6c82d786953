"""Training helpers: a wall-clock budget for ``model.fit``."""

from __future__ import annotations

import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of wall time have passed, and say so.

    Checked after every batch, so a workshop stays on time whatever the machine. ``stopped_early``
    tells afterwards whether the budget (rather than the epoch count) ended training.
    """

    def __init__(self, seconds: float, verbose: bool = True):
        super().__init__()
        self.seconds = float(seconds)
        self.verbose = verbose
        self.stopped_early = False
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.time()
        self.stopped_early = False

    def on_train_batch_end(self, batch, logs=None):
        if not self.stopped_early and time.time() - self.start >= self.seconds:
            self.stopped_early = True
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_early and self.verbose:
            print(f"TimeBudget: stopped training after {time.time() - self.start:.1f} s (budget {self.seconds:.0f} s).")


def as_dataset(x, y, batch_size: int, shuffle: bool = False, seed: int | None = None):
    """A cached, batched, prefetched ``tf.data`` pipeline from arrays or DataFrames.

    With ``shuffle=True`` the rows are reshuffled every epoch (pass ``shuffle=False`` to ``fit``).
    For small data sets this is much faster per epoch than handing NumPy arrays to ``fit``.
    """
    import numpy as np
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((np.asarray(x), np.asarray(y))).cache()
    if shuffle:
        data = data.shuffle(len(y), seed=seed)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
