"""Train notebook 09's MNIST diffusion model with the recipe in ``utils.diffusion.RECIPE`` and save its weights.

    python tools/train_diffusion.py                        # the full run that made the committed checkpoint
    python tools/train_diffusion.py --steps 200 --out /tmp/test.weights.h5   # a quick try

It trains exactly what the notebook's full mode trains (same model, data, loss, optimiser and EMA), stops
by itself after ``--steps`` optimiser steps or ``--max-minutes`` of wall time, whichever comes first, and
saves the EMA weights (``.weights.h5``, about 0.6 MB) to ``checkpoints/09_diffusion_mnist.weights.h5``
with a JSON note beside it (steps, minutes, final loss, recipe, library versions). A snapshot is written
every ``--save-every`` steps too, so a run that is stopped early still leaves a usable checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from utils import diffusion  # noqa: E402
from utils.data import load_mnist  # noqa: E402
from utils.training import TimeBudget  # noqa: E402

FULL_STEPS = 20_000  # the notebook's full mode trains the same number of steps


class SaveEMA(keras.callbacks.Callback):
    """Every ``every`` steps, write the EMA weights (not the raw ones) without disturbing training."""

    def __init__(self, dm: diffusion.Diffusion, path: Path, every: int, note: dict):
        super().__init__()
        self.dm, self.path, self.every, self.note = dm, path, every, note
        self.start = time.time()

    def save(self, loss=None):
        variables = self.model.trainable_variables
        backup = [v.numpy() for v in variables]
        self.model.optimizer.finalize_variable_values(variables)  # EMA values into the variables
        self.dm.save(self.path)
        for variable, value in zip(variables, backup):
            variable.assign(value)
        write_note(self.path, {**self.note, "steps": int(self.model.optimizer.iterations.numpy()),
                               "minutes": round((time.time() - self.start) / 60, 1), "loss": loss})

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.every == 0:
            self.save(float(logs["loss"]) if logs and "loss" in logs else None)


def write_note(path: Path, note: dict) -> None:
    path.with_name(path.name.replace(".weights.h5", ".json")).write_text(json.dumps(note, indent=2))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=FULL_STEPS, help="optimiser steps (default %(default)s)")
    parser.add_argument("--max-minutes", type=float, default=120, help="stop after this wall time")
    parser.add_argument("--save-every", type=int, default=1000, help="snapshot the EMA weights every N steps")
    parser.add_argument("--out", type=Path, default=diffusion.CHECKPOINT, help="where the weights go")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), _ = load_mnist()
    dm = diffusion.Diffusion()
    trainer = dm.trainer(total_steps=args.steps, seed=args.seed)
    note = {"recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in dm.recipe.items()},
            "planned_steps": args.steps, "seed": args.seed, "trained_by": "tools/train_diffusion.py",
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__}}
    saver = SaveEMA(dm, args.out, args.save_every, note)
    per_epoch = min(500, args.steps)
    print(f"Training {dm.network.count_params():,} parameters for {args.steps:,} steps "
          f"(at most {args.max_minutes:g} min); weights go to {args.out}")
    history = trainer.fit(dm.dataset(x_train, y_train, seed=args.seed), epochs=-(-args.steps // per_epoch),
                          steps_per_epoch=per_epoch, verbose=2, shuffle=False,
                          callbacks=[TimeBudget(args.max_minutes * 60), saver])
    # fit() has copied the EMA weights into the network at its end: save those
    dm.save(args.out)
    loss = history.history["loss"][-1] if history.history.get("loss") else None
    write_note(args.out, {**note, "steps": int(trainer.optimizer.iterations.numpy()),
                          "minutes": round((time.time() - saver.start) / 60, 1), "loss": loss})
    print(f"Saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) after "
          f"{int(trainer.optimizer.iterations.numpy()):,} steps.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
