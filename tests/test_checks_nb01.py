"""The exercise checker of notebook 01 (a budgeted experiment): fair experiments pass whatever they change, unfair
ones (another budget, two changes, the training or test error, a number not measured) get a specific message."""

import keras
import numpy as np
import pytest
from checking import _crash, _run, _stub

from utils.checks import nb01

check = nb01.check_experiment


def _fails(answer, capsys, *expected):
    result, out = _run(check, answer, capsys)
    assert result is False, out
    assert "✗" in out or "not yet solved" in out, out
    for phrase in expected:
        assert phrase in out, out
    return out


def _variant(normalizer, width=32, depth=2, optimizer=None, loss="mse", dropout=0.0, first=None):
    layers = [keras.Input(shape=(nb01.N_FEATURES,))]
    if normalizer is not None:
        layers.append(normalizer)
    for _ in range(depth):
        layers.append(keras.layers.Dense(width, activation="relu"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    model = keras.Sequential([*layers, keras.layers.Dense(1)])
    model.compile(loss=loss, optimizer=optimizer or keras.optimizers.RMSprop(learning_rate=1e-3))
    return model


def _rmse(model, x, y):
    predictions = keras.ops.convert_to_numpy(model(x))[:, 0]
    return float(100_000 * np.sqrt(np.mean((predictions - y) ** 2)))


def experiment(**change):
    def run_experiment(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, **change)
        train(model)
        return {"model": model, "change": str(change), "val_rmse": _rmse(model, x_valid, y_valid)}
    return run_experiment


@pytest.mark.parametrize("answer", [_stub, None])
def test_stubs_and_none_are_not_yet_solved(answer, capsys):
    _fails(answer, capsys, "not yet solved")


def test_crash_and_value_instead_of_a_function(capsys):
    _fails(_crash, capsys, "ZeroDivisionError")
    _fails(42, capsys, "should be a function")


@pytest.mark.parametrize("change", [dict(width=64), dict(depth=3), dict(dropout=0.2),
                                   dict(optimizer=keras.optimizers.RMSprop(learning_rate=3e-3)),
                                   dict(optimizer=keras.optimizers.Adam()), dict(loss="mae")])
def test_any_one_change_passes(change, capsys):
    result, out = _run(check, experiment(**change), capsys)
    assert result is True and "correct" in out, out


def test_rmse_from_the_best_validation_loss_passes(capsys):
    """With restore_best_weights the best val_loss is the model's validation MSE: that number was measured."""
    def answer(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        history = train(model)
        return {"model": model, "change": "64", "val_rmse": 100_000 * np.sqrt(min(history.history["val_loss"]))}

    assert _run(check, answer, capsys)[0] is True


def test_the_experiment_itself_must_be_fair(capsys):
    _fails(experiment(), capsys, "the lecture's model itself")
    _fails(experiment(width=64, depth=3), capsys, "you changed 2 things", "depth", "width")
    _fails(experiment(width=64, optimizer=keras.optimizers.Adam()), capsys, "changed 2 things")

    def fits_itself(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        model.fit(x_valid, y_valid, epochs=1, verbose=0)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(fits_itself, capsys, "never called")

    def trains_twice(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        train(model)
        train(model)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(trains_twice, capsys, "called 2 times")

    def own_epochs(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        train(model, 500)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(own_epochs, capsys, "model only")

    def head_start(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        model.fit(x_valid, y_valid, epochs=1, verbose=0)  # e.g. the notebook's trained model, reused
        train(model)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(head_start, capsys, "head start")

    def no_normalizer(normalizer, train, x_valid, y_valid):
        model = _variant(None, width=64)
        train(model)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(no_normalizer, capsys, "normalizer")

    def not_compiled(normalizer, train, x_valid, y_valid):
        model = keras.Sequential([keras.Input(shape=(x_valid.shape[1],)), normalizer,
                                  keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        train(model)
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_valid, y_valid)}

    _fails(not_compiled, capsys, "not compiled")


def _reporting(value_of):
    def answer(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        history = train(model)
        predictions = keras.ops.convert_to_numpy(model(x_valid))[:, 0]
        return {"model": model, "change": "64", "val_rmse": value_of(predictions - y_valid, history)}
    return answer


@pytest.mark.parametrize("value_of, phrase", [
    (lambda e, h: np.sqrt(np.mean(e**2)), "multiply by 100,000"),
    (lambda e, h: np.mean(e**2), "square root"),
    (lambda e, h: 1e10 * np.mean(e**2), "square root"),
    (lambda e, h: 1e5 * np.sqrt(min(h.history["loss"])), "training loss"),
    (lambda e, h: 1e5 * np.sqrt(h.history["loss"][-1]), "training loss"),
    (lambda e, h: 1e5 * np.mean(np.abs(e)), "mean absolute error"),
    (lambda e, h: 48_000.0, "not what the trained model measures"),
    (lambda e, h: 1e5 * np.sqrt(np.mean(e[:10] ** 2)), "not what the trained model measures"),
    (lambda e, h: 1e5 * np.sqrt(e**2), "one number"),
    (lambda e, h: float("nan"), "NaN"),
])
def test_the_number_must_be_the_validation_rmse_measured(value_of, phrase, capsys):
    _fails(_reporting(value_of), capsys, phrase)


def test_the_result_must_be_the_dict_of_the_trained_model(capsys):
    def other_model(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        train(model)
        other = _variant(normalizer, width=64)
        return {"model": other, "change": "64", "val_rmse": _rmse(other, x_valid, y_valid)}

    def measured_elsewhere(normalizer, train, x_valid, y_valid):  # e.g. on the notebook's test rows
        model = _variant(normalizer, width=64)
        train(model)
        x_test = np.random.default_rng(5).normal(size=x_valid.shape).astype("float32")
        return {"model": model, "change": "64", "val_rmse": _rmse(model, x_test, y_valid)}

    def run(normalizer, train, x_valid, y_valid):
        model = _variant(normalizer, width=64)
        train(model)
        return model, _rmse(model, x_valid, y_valid)

    _fails(other_model, capsys, "not the model that was trained")
    _fails(measured_elsewhere, capsys, "not the test rows")
    _fails(run, capsys, "should return a dict")
    _fails(lambda *a: {k: v for k, v in experiment(width=64)(*a).items() if k != "change"}, capsys, "['change']")
    _fails(lambda *a: {**experiment(width=64)(*a), "change": ""}, capsys, "in words")
