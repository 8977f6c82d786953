"""Train notebook 08's mini-GPT recipe outside the notebook, on any Keras 3 backend, and report the result.

Notebook 08 needs TensorFlow (a ``tf.data`` stream, compiled generation loops). The GPU machines the project
borrows for checks have JAX and PyTorch but no TensorFlow and no internet, so this script checks the *recipe*
there: the same model (``utils.gpt.GPT``), vocabulary, 90/10 split, optimizer, schedule and evaluation as
section 6 of the notebook, with a NumPy stream of random windows instead of ``tf.data``. The settings are
``utils.gpt.RECIPE[mode]``, the ones the notebook reads, and so are the optimizer (``gpt.compile_gpt``) and the
learning-rate schedule (``gpt.learning_rate_schedule``).

    KERAS_BACKEND=jax python tools/gpt_recipe.py --mode full [--precision mixed_bfloat16] [--out result.json]
    python tools/gpt_recipe.py --mode workshop --xla --set d_model=128 --set peak_lr=2e-3   # compare a variant

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

from utils import gpt  # noqa: E402  (after the path line above)

SEED = 42


def random_batches(ids, context, batch, seed):
    """Endless (x, y) batches of random windows, y being x shifted by one: ``gpt.random_windows`` in NumPy."""
    rng = np.random.default_rng(seed)
    offsets = np.arange(context + 1)
    while True:
        chunk = ids[rng.integers(0, len(ids) - context - 1, batch)[:, None] + offsets]
        yield chunk[:, :-1], chunk[:, 1:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=sorted(gpt.RECIPE), default="full")
    parser.add_argument("--seconds", type=float, help="training time budget (default: the mode's)")
    parser.add_argument("--steps", type=int, help="optimizer steps (default: the mode's)")
    parser.add_argument("--precision", default="float32", help="a Keras dtype policy, e.g. mixed_bfloat16")
    parser.add_argument("--xla", action="store_true",
                        help="compile the train step with XLA, as the notebook does (Keras's default on TensorFlow "
                             "without a GPU is not to)")
    parser.add_argument("--sample", type=int, default=300, help="characters to sample at the end")
    parser.add_argument("--finetune", type=int, default=0,
                        help="then train this many steps on Nietzsche, from scratch and from the Shakespeare model")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change one entry of the recipe for this run (e.g. d_model=128), to compare variants")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)

    import keras

    from utils import data
    from utils.training import TimeBudget

    recipe = dict(gpt.RECIPE[args.mode])
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in recipe:
            parser.error(f"--set {item}: the recipe has no {key!r} (it has {', '.join(recipe)})")
        recipe[key] = type(recipe[key])(float(value)) if isinstance(recipe[key], (int, float)) else value
    context, batch, eval_batch = recipe["context"], recipe["batch"], recipe["eval_batch"]
    seconds = args.seconds or recipe["seconds"]
    steps = args.steps or recipe["steps"]
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
        keep = len(x) // eval_batch * eval_batch
        return x[:keep], y[:keep]

    def evaluate(ids):
        return float(model.evaluate(*eval_windows(ids), batch_size=eval_batch, verbose=0))

    model = gpt.GPT(len(chars), context, recipe["d_model"], recipe["heads"], recipe["layers"], recipe["dropout"])
    gpt.compile_gpt(model, recipe, jit_compile=True if args.xla else "auto")
    model(train_ids[None, :context])
    initial_weights = model.get_weights()
    print(f"Keras {keras.__version__} on {keras.backend.backend()}, policy {args.precision}: {args.mode} recipe, "
          f"{recipe['layers']} blocks × {recipe['heads']} heads, width {recipe['d_model']}, context {context}, "
          f"batch {batch}, {model.count_params():,} parameters", flush=True)

    rows, clock = [], {"cpu": time.process_time()}

    class Curve(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            clock["start"] = time.time()

        def on_train_batch_end(self, batch_index, logs=None):
            clock.setdefault("first_step", time.time() - clock["start"])

        def on_epoch_end(self, epoch, logs=None):
            rows.append({"seconds": time.time() - clock["start"], "steps": int(self.model.optimizer.iterations),
                         "loss": float(logs["loss"]), "val_loss": float(logs["val_loss"])})

    schedule = gpt.learning_rate_schedule(recipe, seconds, steps)
    per_epoch = min(recipe["steps_per_epoch"], steps)
    model.fit(random_batches(train_ids, context, batch, SEED), epochs=-(-steps // per_epoch),
              steps_per_epoch=per_epoch, validation_data=eval_windows(val_ids, eval_batch),
              validation_batch_size=eval_batch, verbose=2, callbacks=[TimeBudget(seconds), schedule, Curve()])
    train_seconds = time.time() - clock["start"]
    cpu_seconds = time.process_time() - clock["cpu"]  # all threads: less sensitive than wall time to a busy machine

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
              "precision": args.precision, "recipe": recipe, "seconds": seconds, "steps_limit": steps,
              "vocabulary": len(chars), "parameters": model.count_params(),
              "steps": rows[-1]["steps"],
              "train_seconds": train_seconds, "first_step_seconds": clock["first_step"],
              "throughput_chars_per_s": throughput, "cpu_ms_per_step": 1000 * cpu_seconds / max(rows[-1]["steps"], 1),
              "val_loss": val_loss, "target": recipe["target"],
              "val_characters": int(eval_windows(val_ids)[0].size), "curve": rows, "sample": sample}
    print(f"{result['steps']:,} steps in {train_seconds:.0f} s ({clock['first_step']:.0f} s for the first); "
          f"{throughput:,.0f} characters/s after the first epoch; {result['cpu_ms_per_step']:.0f} ms of CPU time per "
          "step (all threads, compiling included)")
    print(f"validation loss {val_loss:.4f} nats/char on {result['val_characters']:,} characters "
          + (f"(target ≤ {recipe['target']}): {'met' if val_loss <= recipe['target'] else 'NOT met'}"
             if recipe["target"] else "(no target in this mode)"))
    print(sample)
    if args.finetune:  # section 9: the same budget from scratch and from the Shakespeare model
        n_ids = encode(nietzsche)
        n_split = int(0.9 * len(n_ids))
        n_train, n_val = n_ids[:n_split], n_ids[n_split:]
        final_weights = model.get_weights()
        result["nietzsche_before"] = evaluate(n_val)
        for name, weights, finetune in [("scratch", initial_weights, False), ("finetuned", final_weights, True)]:
            model.set_weights(weights)
            for variable in model.optimizer.variables:
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
            every = min(100, args.finetune)  # steps between validation checks
            history = model.fit(random_batches(n_train, context, batch, 1), epochs=args.finetune // every,
                                steps_per_epoch=every, validation_data=eval_windows(n_val, eval_batch),
                                validation_batch_size=eval_batch, verbose=0,
                                callbacks=[gpt.learning_rate_schedule(recipe, None, args.finetune, finetune)])
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
