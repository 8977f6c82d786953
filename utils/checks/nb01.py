"""Exercise checkers for notebook 01 (housing regression): a ratio feature, RMSE in dollars, a deeper
network, and compiling with another optimiser and loss.

Each checker calls the student's function on fixed inputs of its own (never on the notebook's results, so
the student version runs with every exercise unsolved), compares with the right answer and, when it is
wrong, recognises the usual slips (an inverted ratio, a forgotten square root or unit conversion, the wrong
number of layers or units, a missing activation) to say what to look at.
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, ReturnedNone, as_array, call, exercise, short

# ---------------------------------------------------------------- Exercise 1: rooms per person


def _small_housing_frame():
    import pandas as pd

    return pd.DataFrame({
        "total_rooms": [880.0, 7099.0, 1467.0, 1274.0, 1627.0],
        "total_bedrooms": [129.0, 1106.0, 190.0, 235.0, np.nan],
        "population": [322.0, 2401.0, 496.0, 558.0, 565.0],
        "households": [126.0, 1138.0, 177.0, 219.0, 259.0],
        "ocean_proximity": ["NEAR BAY", "NEAR BAY", "INLAND", "<1H OCEAN", "NEAR OCEAN"],
    })


@exercise("Exercise 1 · rooms per person")
def check_rooms_per_person(add_rooms_per_person):
    import pandas as pd

    frame = _small_housing_frame()
    original = frame.copy()
    try:  # the checker's own frame (not a copy): it looks below whether the student changed it
        result = call(add_rooms_per_person, frame, what="add_rooms_per_person", copy=False)
    except ReturnedNone:
        if "rooms_per_person" in frame.columns:
            raise Hint("you added the column to the input frame but returned None: "
                       "return a new DataFrame (e.g. frame.assign(rooms_per_person=...))") from None
        raise
    if not isinstance(result, pd.DataFrame):
        raise Hint(f"add_rooms_per_person should return a pandas DataFrame, got {type(result).__name__}; "
                   "did you return only the new column?")
    if "rooms_per_person" not in result.columns:
        raise Hint(f"the returned DataFrame has no column 'rooms_per_person' (columns: {list(result.columns)})")
    missing = [c for c in original.columns if c not in result.columns]
    if missing:
        raise Hint(f"keep the original columns too; missing: {missing}")
    if len(result) != len(original):
        raise Hint(f"the result should keep all {len(original)} rows, got {len(result)}")
    got = as_array(result["rooms_per_person"].to_numpy(), "the rooms_per_person column")
    want = (original["total_rooms"] / original["population"]).to_numpy()
    if np.allclose(got, 1 / want):
        raise Hint("rooms_per_person is inverted: divide total_rooms by population, not the other way round")
    if np.allclose(got, (original["total_rooms"] / original["households"]).to_numpy()):
        raise Hint("that is rooms per household: divide by population (people), not households")
    if not np.allclose(got, want, rtol=1e-6):
        raise Hint(f"rooms_per_person is off: expected {np.round(want, 3)}, got {np.round(got, 3)}")
    if "rooms_per_person" in frame.columns or not frame.equals(original):
        raise Hint("the input DataFrame was changed: work on a copy (frame.copy() or frame.assign(...))")


# ---------------------------------------------------------------- Exercise 2: RMSE in dollars

_Y_TRUE = np.array([1.5, 2.25, 0.8, 4.1, 5.00001, 3.3])  # values in $100k
_Y_PRED = np.array([1.7, 2.0, 1.1, 3.6, 4.2, 3.0])


@exercise("Exercise 2 · RMSE in dollars")
def check_rmse_in_dollars(rmse_in_dollars):
    got = as_array(call(rmse_in_dollars, _Y_TRUE, _Y_PRED, what="rmse_in_dollars"),
                   "the value rmse_in_dollars returned")
    if got.ndim != 0:
        raise Hint(f"rmse_in_dollars should return one number, got an array of shape {got.shape}; "
                   "average over all blocks with np.mean")
    value = float(got)
    diff = _Y_PRED - _Y_TRUE
    mse, mae = np.mean(diff**2), np.mean(np.abs(diff))
    want = 100_000 * np.sqrt(mse)
    if np.isclose(value, want, rtol=1e-5):
        return
    if np.isclose(value, np.sqrt(mse), rtol=1e-5):
        raise Hint(f"{short(value)} is the RMSE in $100k: multiply by 100,000 to get dollars")
    if np.isclose(value, 100_000 * mse, rtol=1e-5) or np.isclose(value, mse, rtol=1e-5) \
            or np.isclose(value, 1e10 * mse, rtol=1e-5):
        raise Hint("that is the mean squared error: take the square root (the R in RMSE)")
    if np.isclose(value, 100_000 * mae, rtol=1e-5) or np.isclose(value, mae, rtol=1e-5):
        raise Hint("that is the mean absolute error: square the errors, average, then take the square root")
    if np.isclose(value, 100_000 * np.sqrt(np.sum(diff**2)), rtol=1e-5):
        raise Hint("you summed the squared errors: take their mean (divide by the number of blocks)")
    raise Hint(f"expected ${want:,.0f} for this test input, got {short(value)}")


# ---------------------------------------------------------------- Exercise 3: a deeper, wider network


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def _adapted_normalizer_width(function):
    """The number of columns of an adapted ``Normalization`` layer the function uses (a global of the notebook,
    like section 7's ``normalizer``, or a closure variable); ``None`` when it uses none."""
    import keras

    code = getattr(function, "__code__", None)
    if code is None:
        return None
    names, stack = set(), [code]
    while stack:  # the names used by the function and by the functions and lambdas inside it
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if hasattr(c, "co_names"))
    values = [getattr(function, "__globals__", {}).get(name) for name in names]
    for cell in getattr(function, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    for value in values:
        if isinstance(value, keras.layers.Normalization) and getattr(value, "mean", None) is not None:
            shape = tuple(keras.ops.shape(value.mean))
            if shape and shape[-1]:
                return int(shape[-1])
    return None


@exercise("Exercise 3 · 3 hidden layers of 64 units")
def check_deeper_model(build_deeper_model):
    import keras

    # A model that starts with the notebook's adapted normalizer can only take the columns it was adapted on
    # (36 in section 7); otherwise any width works, and 7 catches a width typed in instead of n_features.
    n_features = _adapted_normalizer_width(build_deeper_model) or 7
    model = call(build_deeper_model, n_features, what="build_deeper_model")
    if not isinstance(model, keras.Model):
        raise Hint(f"build_deeper_model should return a keras model (keras.Sequential([...])), "
                   f"got {type(model).__name__}")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    others = [type(layer).__name__ for layer in layers
              if not isinstance(layer, (keras.layers.Dense, keras.layers.Normalization))]
    if others:
        raise Hint(f"use only Dense layers (and optionally a Normalization layer first); found {others}")
    if not dense:
        raise Hint("the model has no Dense layers")
    hidden, output = dense[:-1], dense[-1]
    if output.units != 1:
        raise Hint(f"the last layer should have 1 unit (one predicted value), it has {output.units}")
    if _activation_name(output) != "linear":
        raise Hint(f"the output layer should have no activation (a value can be any number), "
                   f"it uses {_activation_name(output)!r}")
    if len(hidden) != 3:
        raise Hint(f"expected 3 hidden Dense layers before the output, found {len(hidden)}")
    units = [layer.units for layer in hidden]
    if units != [64, 64, 64]:
        raise Hint(f"each hidden layer should have 64 units, found {units}")
    activations = [_activation_name(layer) for layer in hidden]
    if activations != ["relu"] * 3:
        raise Hint(f"each hidden layer should use activation='relu', found {activations}")
    try:
        prediction = model(np.zeros((2, n_features), dtype="float32"))
    except Exception as error:
        raise Hint(f"the model cannot take {n_features} input features: {type(error).__name__}: {error}; "
                   "start it with keras.Input(shape=(n_features,))") from None
    shape = tuple(keras.ops.shape(prediction))
    if shape != (2, 1):
        raise Hint(f"for 2 blocks the model should output shape (2, 1), got {shape}")
    input_shape = tuple(model.inputs[0].shape) if getattr(model, "inputs", None) else None
    if input_shape is not None and input_shape[-1] != n_features:
        raise Hint(f"the model's input should have n_features = {n_features} columns, it has {input_shape[-1]}: "
                   "use keras.Input(shape=(n_features,)), not a fixed number")


# ---------------------------------------------------------------- Exercise 4: Adam and the MAE loss

_MAE_NAMES = {"mae", "mean_absolute_error", "meanabsoluteerror"}


def _loss_name(loss):
    if isinstance(loss, str):
        return loss.lower()
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name).lower()


def _metric_name(metric):
    if isinstance(metric, dict):  # a serialised metric object: {"class_name": ..., "config": {"name": ...}}
        config = metric.get("config")
        name = config if isinstance(config, str) else (config or {}).get("name")
        return str(name or metric.get("class_name", "")).lower()
    return _loss_name(metric)


@exercise("Exercise 4 · compile with Adam and the MAE loss")
def check_compile_with_adam(compile_with_adam):
    import keras

    # not built (no keras.Input): compiling needs no weights, and building would take most of the check's time
    model = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    try:
        returned = call(compile_with_adam, model, what="compile_with_adam")
    except ReturnedNone:
        if getattr(model, "compiled", False):
            raise Hint("the model is compiled, but compile_with_adam returned None: end with `return model` "
                       "(model.compile(...) itself returns None)") from None
        raise
    if returned is not model:
        raise Hint("compile_with_adam should compile the model it was given and return that same model")
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", True):
        raise Hint("the model is not compiled: call model.compile(optimizer=..., loss=..., metrics=...)")
    if not isinstance(optimizer, keras.optimizers.Adam):
        raise Hint(f"the optimiser should be Adam (keras.optimizers.Adam), got {type(optimizer).__name__}")
    learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    if not np.isclose(learning_rate, 5e-4, rtol=1e-4):
        raise Hint(f"the learning rate should be 0.0005, got {learning_rate:g}: "
                   "keras.optimizers.Adam(learning_rate=5e-4)")
    loss = getattr(model, "loss", None)
    if loss is None:
        raise Hint("the model has no loss: compile it with loss='mae'")
    if _loss_name(loss) not in _MAE_NAMES:
        raise Hint(f"the loss should be the mean absolute error ('mae'), got {_loss_name(loss)!r}")
    metrics = model.get_compile_config().get("metrics") or []
    names = {_metric_name(m) for m in (metrics if isinstance(metrics, (list, tuple)) else [metrics])}
    if not names & {"mse", "mean_squared_error", "meansquarederror"}:
        raise Hint("also track the mean squared error: metrics=['mse']")
