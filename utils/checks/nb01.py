"""Exercise checker for notebook 01 (housing regression): one budgeted experiment.

The student's ``run_experiment(normalizer, train, x_valid, y_valid)`` builds one variant of the lecture's MLP,
trains it with the notebook's ``train`` (the baseline's budget) and returns what it measured on the validation
rows. The checker calls it with inputs of its own (never the notebook's, so the student version runs with the
exercise unsolved) and a stand-in ``train`` that records what it was given and trains nothing, so a check takes
a moment. It then looks at the experiment, not at the result: one fresh model, trained once at the given
budget, differing from the lecture's model in one thing, and a validation RMSE that this very model measures
on the validation rows it was handed (not the training loss, not the test set, not a number typed in).
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, short

N_FEATURES = 36  # the width of the notebook's x_train, so code that uses the notebook's own width still fits
N_ROWS = 48
SCALE = 100_000  # the notebook's targets are in $100k; val_rmse is in dollars
LECTURE = {"widths": [32, 32], "activations": ["relu", "relu"], "optimizer": "RMSprop", "learning_rate": 1e-3,
           "loss": "mse"}
_MSE_NAMES = {"mse", "mean_squared_error", "meansquarederror"}


class _History:
    """What ``model.fit`` returns, as far as a student uses it: ``history.history`` with per-epoch lists."""

    def __init__(self, history):
        self.history = history
        self.epoch = list(range(len(history["loss"])))


class _StandInTrain:
    """Records each call; "trains" nothing (the weights stay as built), returns a History-like object whose
    best ``val_loss`` is the model's true MSE on the checker's validation rows (as with the notebook's
    ``restore_best_weights``) and whose training ``loss`` is different, so either number can be told apart."""

    def __init__(self, x_valid, y_valid):
        self.x_valid, self.y_valid = x_valid, y_valid
        self.calls = []  # (model, args, kwargs, optimizer steps before training, compiled)

    def __call__(self, model, *args, **kwargs):
        optimizer = getattr(model, "optimizer", None)
        steps = _steps(optimizer)
        self.calls.append((model, args, kwargs, steps, optimizer is not None and getattr(model, "compiled", True)))
        mse = _validation_mse(model, self.x_valid, self.y_valid)
        if mse is None:
            mse = 1.0
        return _History({"loss": [3.0 * mse + 0.4, 2.0 * mse + 0.2, 1.5 * mse + 0.1],
                         "val_loss": [2.0 * mse + 0.3, mse, 1.2 * mse + 0.05]})


def _steps(optimizer):
    try:
        return int(np.asarray(optimizer.iterations))
    except Exception:  # noqa: BLE001 (no optimiser, or one not built yet: no step taken)
        return 0


def _validation_mse(model, x, y):
    import keras

    try:
        prediction = keras.ops.convert_to_numpy(model(x, training=False))
    except Exception:  # noqa: BLE001 (the model does not fit these rows: said later, more clearly)
        return None
    if prediction.shape != (len(y), 1):
        return None
    return float(np.mean((prediction[:, 0].astype(float) - y) ** 2))


def _name(thing):
    if isinstance(thing, str):
        return thing.lower()
    name = getattr(thing, "name", None) or getattr(thing, "__name__", None) or type(thing).__name__
    return str(name).lower()


def _changes(model, normalizer):
    """What differs from the lecture's model (hidden layers, optimiser, learning rate, loss), in words."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not any(layer is normalizer for layer in layers):
        raise Hint("the model does not use the `normalizer` it was given: put it first, right after keras.Input, as "
                   "in build_lecture_model (dropping it would be a second change, and a harmful one)")
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise Hint("the model has no Dense layers")
    output, hidden = dense[-1], dense[:-1]
    if output.units != 1 or _name(output.activation) != "linear":
        raise Hint(f"keep the output layer Dense(1) with no activation (one value in $100k), got "
                   f"Dense({output.units}, activation={_name(output.activation)!r})")
    changes = []
    widths, activations = [layer.units for layer in hidden], [_name(layer.activation) for layer in hidden]
    if len(hidden) != 2:
        changes.append(f"depth ({len(hidden)} hidden layers instead of 2)")
        if set(widths) - {32}:
            changes.append(f"width ({widths} units instead of 32)")
    elif widths != LECTURE["widths"]:
        changes.append(f"width ({widths} units instead of [32, 32])")
    if set(activations) - {"relu"}:
        changes.append(f"activation ({activations} instead of relu)")
    extra = sorted({type(layer).__name__ for layer in layers
                    if layer is not normalizer and not isinstance(layer, keras.layers.Dense)})
    if extra:
        changes.append(f"extra layers ({', '.join(extra)})")
    optimizer = model.optimizer
    if type(optimizer).__name__ != LECTURE["optimizer"]:
        changes.append(f"optimiser ({type(optimizer).__name__} instead of RMSprop)")
    try:
        rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except Exception:  # noqa: BLE001 (a schedule object: a change of its own)
        rate = None
    if rate is None or not np.isclose(rate, LECTURE["learning_rate"], rtol=1e-4):
        changes.append(f"learning rate ({short(rate) if rate is not None else 'a schedule'} instead of 0.001)")
    loss = getattr(model, "loss", None)
    if loss is None:
        raise Hint("the model has no loss: compile it with loss='mse' (or another loss, as your one change)")
    if _name(loss) not in _MSE_NAMES:
        changes.append(f"loss ({_name(loss)!r} instead of 'mse')")
    return changes


@exercise("Exercise 1 · a budgeted experiment", points=4)
def check_experiment(run_experiment):
    import keras

    rng = np.random.default_rng(1)
    x_valid = rng.normal(size=(N_ROWS, N_FEATURES)).astype("float32")
    y_valid = rng.uniform(0.5, 5.0, size=N_ROWS).astype("float32")  # house values in $100k
    normalizer = keras.layers.Normalization(mean=np.zeros(N_FEATURES), variance=np.ones(N_FEATURES))
    train = _StandInTrain(x_valid.copy(), y_valid.astype(float))
    result = call(run_experiment, normalizer, train, x_valid, y_valid, what="run_experiment")

    # same budget: one fresh model, trained once by `train` exactly as the baseline was
    if not train.calls:
        raise Hint("`train` was never called: train the variant with train(model), the very run the baseline had "
                   "(model.fit with epochs of your own would give it a different budget)")
    if len(train.calls) > 1:
        raise Hint(f"`train` was called {len(train.calls)} times: train the variant once; every extra run is extra "
                   "budget the baseline did not get")
    model, args, kwargs, steps_before, compiled = train.calls[0]
    if args or kwargs:
        raise Hint("call train(model) with the model only: anything else changes the budget or the data")
    if not isinstance(model, keras.Model):
        raise Hint(f"train(...) should get a keras model, got {type(model).__name__}")
    if not compiled:
        raise Hint("the model given to train(...) is not compiled: call model.compile(optimizer=..., loss=...) first")
    if steps_before:
        raise Hint(f"the model had already taken {steps_before} training steps before train(...): build a fresh "
                   "model, or the variant gets a head start the baseline did not have")
    try:
        prediction = keras.ops.convert_to_numpy(model(x_valid, training=False))
    except Exception as error:  # noqa: BLE001
        raise Hint(f"the model cannot take {N_FEATURES} input features: {type(error).__name__}: {str(error)[:120]}; "
                   "start it with keras.Input(shape=(x_valid.shape[1],))") from None
    if prediction.shape != (N_ROWS, 1):
        raise Hint(f"for {N_ROWS} blocks the model should output shape ({N_ROWS}, 1), got {prediction.shape}")
    changes = _changes(model, normalizer)
    if not changes:
        raise Hint("this is the lecture's model itself (2 × Dense(32, relu), RMSprop 0.001, mse): change one thing, "
                   "e.g. the width, the depth, the learning rate or a Dropout layer")
    if len(changes) > 1:
        raise Hint(f"you changed {len(changes)} things: {'; '.join(changes)}. Change one, or a better (or worse) "
                   "result cannot be put down to either")

    # what comes back: the trained model, what changed, and a validation RMSE this model measured
    if not isinstance(result, dict):
        raise Hint(f"run_experiment should return a dict with 'model', 'change' and 'val_rmse', got "
                   f"{type(result).__name__}")
    missing = [key for key in ("model", "change", "val_rmse") if key not in result]
    if missing:
        raise Hint(f"the dict returned has no {missing}: return {{'model': ..., 'change': ..., 'val_rmse': ...}}")
    if result["model"] is not model:
        raise Hint("result['model'] is not the model that was trained: return the model you passed to train(...)")
    if not isinstance(result["change"], str) or not result["change"].strip():
        raise Hint("result['change'] should say in words what you changed, e.g. '64 units per hidden layer'")
    value = as_array(result["val_rmse"], "result['val_rmse']")
    if value.size != 1:
        raise Hint(f"result['val_rmse'] should be one number, got an array of shape {value.shape}")
    value = float(value.reshape(()))
    errors = prediction[:, 0].astype(float) - y_valid.astype(float)
    mse = float(np.mean(errors**2))
    want = SCALE * np.sqrt(mse)
    if np.isclose(value, want, rtol=1e-4):
        return
    if np.isclose(value, np.sqrt(mse), rtol=1e-4):
        raise Hint(f"{short(value)} is the RMSE in $100k: multiply by 100,000 for dollars")
    if any(np.isclose(value, candidate, rtol=1e-4) for candidate in (mse, SCALE * mse, SCALE**2 * mse)):
        raise Hint("that is a mean squared error: take its square root (the R in RMSE), in dollars")
    if any(np.isclose(value, SCALE * np.sqrt(v), rtol=1e-4) or np.isclose(value, v, rtol=1e-4)
           for v in (1.5 * mse + 0.1, 3.0 * mse + 0.4, 2.0 * mse + 0.2)):
        raise Hint("that number comes from the training loss (history.history['loss']): judge the variant on the "
                   "validation rows, the ones it was not fitted on")
    if np.isclose(value, SCALE * np.mean(np.abs(errors)), rtol=1e-4):
        raise Hint("that is the mean absolute error: square the errors, average, take the square root")
    raise Hint(f"result['val_rmse'] = {short(value)} is not what the trained model measures on the validation rows "
               f"it was given (x_valid, y_valid): ${want:,.0f} here. Measure it, on x_valid (not the test rows, not "
               "a number typed in)")
