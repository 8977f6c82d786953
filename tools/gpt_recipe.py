"""Train notebook 06's mini-GPT recipe outside the notebook, on any Keras 3 backend, and report the result.

Notebook 06 needs TensorFlow (a ``tf.data`` stream, compiled generation loops). The GPU machines the project
borrows for checks have JAX and PyTorch but no TensorFlow and no internet, so this script checks the *recipe*
there: the same model (``utils.gpt.GPT``), vocabulary, 90/10 split, optimizer, schedule and evaluation as
section 6 of the notebook, with a NumPy stream of random windows instead of ``tf.data``. The settings below
copy the notebook's ``ctx.pick(...)`` lines; keep them in step.

    KERAS_BACKEND=jax python tools/gpt_recipe.py --mode full [--precision mixed_bfloat16] [--out result.json]

Prints the validation loss (nats per character, the whole validation text), the training throughput and a
sample, and writes them with the loss curve to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# mode: (context, batch, (width, heads, layers), dropout, peak learning rate, seconds, steps, target)
RECIPES = {
    "workshop": (64, 16, (128, 4, 4), 0.0, 2e-3, 300, 15_000, 1.62),
    "full": (256, 64, (384, 6, 6), 0.2, 1e-3, 3600, 2000, 1.50),
}
STEPS_PER_EPOCH, EVAL_BATCH, WARMUP, SEED = 250, 128, 100, 42


def random_batches(ids, context, batch, seed):
    """Endless (x, y) batches of random windows, y being x shifted by one: ``gpt.random_windows`` in NumPy."""
    rng = np.random.default_rng(seed)
    offsets = np.arange(context + 1)
    while True:
        chunk = ids[rng.integers(0, len(ids) - context - 1, batch)[:, None] + offsets]
        yield chunk[:, :-1], chunk[:, 1:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=sorted(RECIPES), default="full")
    parser.add_argument("--seconds", type=float, help="training time budget (default: the mode's)")
    parser.add_argument("--steps", type=int, help="optimizer steps (default: the mode's)")
    parser.add_argument("--precision", default="float32", help="a Keras dtype policy, e.g. mixed_bfloat16")
    parser.add_argument("--sample", type=int, default=300, help="characters to sample at the end")
    parser.add_argument("--finetune", type=int, default=0,
                        help="then train this many steps on Nietzsche, from scratch and from the Shakespeare model")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)

    import keras

    from utils import data, gpt
    from utils.training import TimeBudget, WarmupCosine

    context, batch, (width, heads, layers), dropout, peak, seconds, steps, target = RECIPES[args.mode]
    seconds = args.seconds or seconds
    steps = args.steps or steps
    keras.config.set_dtype_policy(args.precision)
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")  # the batches are random already
    keras.utils.set_random_seed(SEED)

    text, nietzsche = data.load_text("tinyshakespeare"), data.load_text("nietzsche")
    chars = sorted(set(text) | set(nietzsche))  # the notebook's vocabulary: both texts' characters

    def encode(string):  # character ids: positions in the sorted vocabulary
        return np.searchsorted(np.array(chars), np.array(list(string))).astype(np.int32)

    ids = encode(text)
    split = int(0.9 * len(text))
    train_ids, val_ids = ids[:split], ids[split:]

    def eval_windows(ids, count=None):
        x, y = gpt.fixed_windows(ids, context, count)
        keep = len(x) // EVAL_BATCH * EVAL_BATCH
        return x[:keep], y[:keep]

    def evaluate(ids):
        return float(model.evaluate(*eval_windows(ids), batch_size=EVAL_BATCH, verbose=0))

    model = gpt.GPT(len(chars), context, width, heads, layers, dropout)
    optimizer = keras.optimizers.AdamW(peak, beta_2=0.99, weight_decay=0.1, global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model(train_ids[None, :context])
    initial_weights = model.get_weights()
    print(f"Keras {keras.__version__} on {keras.backend.backend()}, policy {args.precision}: {args.mode} recipe, "
          f"{layers} blocks × {heads} heads, width {width}, context {context}, batch {batch}, "
          f"{model.count_params():,} parameters", flush=True)

    rows, clock = [], {}

    class Curve(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            clock["start"] = time.time()

        def on_train_batch_end(self, batch_index, logs=None):
            clock.setdefault("first_step", time.time() - clock["start"])

        def on_epoch_end(self, epoch, logs=None):
            rows.append({"seconds": time.time() - clock["start"], "steps": int(self.model.optimizer.iterations),
                         "loss": float(logs["loss"]), "val_loss": float(logs["val_loss"])})

    schedule = WarmupCosine(peak, seconds=seconds, steps=steps, warmup_steps=WARMUP, floor=0.1)
    per_epoch = min(STEPS_PER_EPOCH, steps)
    model.fit(random_batches(train_ids, context, batch, SEED), epochs=-(-steps // per_epoch),
              steps_per_epoch=per_epoch, validation_data=eval_windows(val_ids, EVAL_BATCH),
              validation_batch_size=EVAL_BATCH, verbose=2, callbacks=[TimeBudget(seconds), schedule, Curve()])
    train_seconds = time.time() - clock["start"]

    val_loss = evaluate(val_ids)
    first = rows[0] if len(rows) > 1 else {"steps": 0, "seconds": 0.0}  # the first epoch includes compiling
    throughput = (rows[-1]["steps"] - first["steps"]) * batch * context / (rows[-1]["seconds"] - first["seconds"])

    # a sample at temperature 0.8, one whole window per character (slow but backend-neutral)
    rng = np.random.default_rng(0)
    out = encode("ROMEO:\n").tolist()
    for _ in range(args.sample):
        window = np.zeros((1, context), np.int32)
        recent = out[-context:]
        window[0, : len(recent)] = recent
        logits = np.asarray(model.predict_on_batch(window)[0, len(recent) - 1], np.float64) / 0.8
        p = np.exp(logits - logits.max())
        out.append(int(rng.choice(len(chars), p=p / p.sum())))
    sample = "".join(chars[i] for i in out)

    result = {"mode": args.mode, "backend": keras.backend.backend(), "keras": keras.__version__,
              "precision": args.precision, "vocabulary": len(chars), "parameters": model.count_params(),
              "steps": rows[-1]["steps"],
              "train_seconds": train_seconds, "first_step_seconds": clock["first_step"],
              "throughput_chars_per_s": throughput, "val_loss": val_loss, "target": target,
              "val_characters": int(eval_windows(val_ids)[0].size), "curve": rows, "sample": sample}
    print(f"{result['steps']:,} steps in {train_seconds:.0f} s ({clock['first_step']:.0f} s for the first); "
          f"{throughput:,.0f} characters/s after the first epoch")
    print(f"validation loss {val_loss:.4f} nats/char on {result['val_characters']:,} characters "
          f"(target ≤ {target}): {'met' if val_loss <= target else 'NOT met'}")
    print(sample)
    if args.finetune:  # section 9: the same budget from scratch and from the Shakespeare model
        n_ids = encode(nietzsche)
        n_split = int(0.9 * len(n_ids))
        n_train, n_val = n_ids[:n_split], n_ids[n_split:]
        final_weights = model.get_weights()
        result["nietzsche_before"] = evaluate(n_val)
        for name, weights, rate, warmup in [("scratch", initial_weights, peak, 100),
                                            ("finetuned", final_weights, peak / 2, 20)]:
            model.set_weights(weights)
            for variable in model.optimizer.variables:
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
            every = min(100, args.finetune)  # steps between validation checks
            history = model.fit(random_batches(n_train, context, batch, 1), epochs=args.finetune // every,
                                steps_per_epoch=every, validation_data=eval_windows(n_val, EVAL_BATCH),
                                validation_batch_size=EVAL_BATCH, verbose=0,
                                callbacks=[WarmupCosine(rate, steps=args.finetune, warmup_steps=warmup, floor=0.1)])
            result[f"nietzsche_{name}"] = evaluate(n_val)
            result[f"nietzsche_{name}_curve"] = [round(v, 4) for v in history.history["val_loss"]]
            print(f"Nietzsche {name}: validation loss {result[f'nietzsche_{name}']:.4f}; every {every} steps "
                  f"(fixed windows): {result[f'nietzsche_{name}_curve']}")
        print(f"Nietzsche before fine-tuning: {result['nietzsche_before']:.4f}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
