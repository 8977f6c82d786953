"""Training helpers: a wall-clock budget for ``model.fit`` and a learning-rate schedule that follows it."""

from __future__ import annotations

import math
import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stop ``model.fit`` once ``seconds`` of wall time have passed, validation included, and say so.

    Checked after every batch, so a workshop stays on time whatever the machine. Keras validates at the
    end of each epoch, also after training stops mid-epoch, so the budget keeps room for that pass: it
    times each validation and stops training early enough for the next one to fit (after a batch, when the
    time spent and one more validation reach the budget; at an epoch's end, when one more batch and its
    validation would). A validation that
    overruns the budget all the same (the first one, before any was timed, or one that takes twice as
    long as the last) is cut short: its ``val_`` values then cover the batches it reached, and the
    message says so.
    ``stopped_early`` tells afterwards whether the budget (rather than the epoch count) ended training;
    ``validation_cut`` whether it cut a validation pass.
    """

    def __init__(self, seconds: float, verbose: bool = True):
        super().__init__()
        self.seconds = float(seconds)
        self.verbose = verbose
        self.stopped_early = self.validation_cut = False
        self.start = None  # set while fit runs: validations outside fit are left alone
        self.validation_seconds = 0.0  # how long the latest complete validation pass took
        self.batch_seconds = self._batch_start = 0.0  # what a next epoch's first batch may take; when a batch began
        self._epoch = 0

    def _spent(self) -> float:
        return time.time() - self.start

    def _stop(self):
        self.stopped_early = True
        self.model.stop_training = True

    def on_train_begin(self, logs=None):
        self.start = time.time()
        self.stopped_early = self.validation_cut = False
        self.validation_seconds = self.batch_seconds = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.time()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # what the next epoch's first batch may cost: the first epoch's last batch (its first one also built the
        # computation), then each epoch's first, slower than the rest as the data pipeline starts again
        if self._epoch == 0 or batch == 0:
            self.batch_seconds = time.time() - self._batch_start
        if not self.stopped_early and self._spent() + self.validation_seconds >= self.seconds:
            self._stop()

    def on_epoch_end(self, epoch, logs=None):
        # after the epoch's validation: one more batch and its validation would overrun, so do not begin the next
        last = epoch + 1 >= (self.params or {}).get("epochs", epoch + 1)
        if not (self.stopped_early or last) and (self._spent() + self.batch_seconds + self.validation_seconds
                                                 >= self.seconds):
            self._stop()

    def on_test_begin(self, logs=None):
        self._validation_start, self._validation_batches = time.time(), 0

    def on_test_batch_end(self, batch, logs=None):
        self._validation_batches += 1
        # past the budget, a pass that was timed before may still take up to twice that time (it began a
        # moment late, or a busy laptop is slower) before it is cut; the first, with none to go by, is cut now
        late = time.time() - self._validation_start >= 2 * self.validation_seconds
        if self.start is not None and self._spent() >= self.seconds and late:
            self.validation_cut = True
            self._stop()
            self.model.stop_evaluating = True  # Keras then averages the batches evaluated so far

    def on_test_end(self, logs=None):
        if self.start is not None and not self.validation_cut:
            self.validation_seconds = time.time() - self._validation_start

    def on_train_end(self, logs=None):
        if self.stopped_early and self.verbose:
            cut = (f"; the last validation was cut short after {self._validation_batches} batch(es), so its val_ "
                   "values cover those only" if self.validation_cut else "")
            print(f"TimeBudget: stopped training after {self._spent():.1f} s (budget {self.seconds:.0f} s, "
                  f"validation included){cut}.")
        self.start = None


def cap_warning(seconds: float, what: str, done: int, planned: int, unit: str = "steps",
                consequence: str = "its results below are worse than a run that completes them") -> None:
    """Print the one line every notebook prints when a safety cap (a time limit that a planned budget of
    epochs or steps should never reach) has cut a run short: what was cut, where, and what that changes."""
    print(f"⚠ the {seconds:.0f} s safety cap stopped {what} after {done:,} of {planned:,} {unit}: this CPU is "
          f"slower (or busier) than the budget assumes, so {consequence}.")


class WarmupCosine(keras.callbacks.Callback):
    """Learning rate: linear warm-up over ``warmup_steps``, then a cosine decay from ``peak`` to ``floor`` × peak.

    The decay ends after ``steps`` optimizer steps or ``seconds`` of wall time, whichever comes first (give
    one or both): a run under ``TimeBudget(seconds)`` then ends with small, fine-tuning steps whatever the
    speed of the machine. The clock starts when the first step is done, since that step also builds (and
    compiles) the computation, and the time left is what the decay spreads over, so it ends with the budget.
    """

    def __init__(self, peak, seconds=None, steps=None, warmup_steps=100, floor=0.0):
        super().__init__()
        if seconds is None and steps is None:
            raise ValueError("give seconds, steps or both")
        self.peak, self.seconds, self.steps, self.warmup_steps, self.floor = peak, seconds, steps, warmup_steps, floor
        self.horizon = seconds  # seconds the decay spreads over: the budget less the first step
        self.begin = self.start = None
        self.step = 0

    def rate(self, step, elapsed):
        """The learning rate at optimizer step ``step``, ``elapsed`` seconds into the decay."""
        progress = step / self.steps if self.steps else 0.0
        if self.seconds:
            progress = max(progress, elapsed / max(self.horizon, 1e-3))
        warm = min(1.0, (step + 1) / self.warmup_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return self.peak * warm * (self.floor + (1 - self.floor) * cosine)

    def on_train_begin(self, logs=None):
        self.begin, self.start, self.step, self.horizon = time.time(), None, 0, self.seconds

    def on_train_batch_begin(self, batch, logs=None):
        elapsed = 0.0 if self.start is None else time.time() - self.start
        self.model.optimizer.learning_rate.assign(self.rate(self.step, elapsed))
        self.step += 1

    def on_train_batch_end(self, batch, logs=None):
        if self.start is None:
            self.start = time.time()
            if self.seconds:
                self.horizon = self.seconds - (self.start - self.begin)


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
