"""The exercise checkers of notebook 01: right answers pass, wrong ones get a specific message, nothing raises."""

import keras
import numpy as np
import pandas as pd
import pytest
from checking import _crash, _run, _stub

from utils.checks import nb01


def _fails(checker, answer, capsys, *expected):
    result, out = _run(checker, answer, capsys)
    assert result is False, out
    assert "✗" in out or "not yet solved" in out, out
    for phrase in expected:
        assert phrase in out, out
    return out


@pytest.mark.parametrize("checker", [nb01.check_rooms_per_person, nb01.check_rmse_in_dollars,
                                     nb01.check_deeper_model, nb01.check_compile_with_adam])
def test_stubs_and_none_are_not_yet_solved(checker, capsys):
    _fails(checker, _stub, capsys, "not yet solved")
    _fails(checker, None, capsys, "not yet solved")


@pytest.mark.parametrize("checker", [nb01.check_rooms_per_person, nb01.check_rmse_in_dollars,
                                     nb01.check_deeper_model, nb01.check_compile_with_adam])
def test_crashing_answers_are_reported(checker, capsys):
    _fails(checker, _crash, capsys, "ZeroDivisionError")


@pytest.mark.parametrize("checker", [nb01.check_rooms_per_person, nb01.check_rmse_in_dollars,
                                     nb01.check_deeper_model, nb01.check_compile_with_adam])
def test_a_value_instead_of_a_function(checker, capsys):
    _fails(checker, 42, capsys, "should be a function")


# ---------------------------------------------------------------- Exercise 1: rooms per person


def add_rooms_per_person(frame):
    return frame.assign(rooms_per_person=frame["total_rooms"] / frame["population"])


def test_rooms_per_person_correct(capsys):
    result, out = _run(nb01.check_rooms_per_person, add_rooms_per_person, capsys)
    assert result is True and "correct" in out


def test_rooms_per_person_copy_then_assign_is_fine(capsys):
    def answer(frame):
        out = frame.copy()
        out["rooms_per_person"] = out.total_rooms / out.population
        return out

    assert _run(nb01.check_rooms_per_person, answer, capsys)[0] is True


@pytest.mark.parametrize("answer, phrase", [
    (lambda f: f["total_rooms"] / f["population"], "DataFrame"),
    (lambda f: f.assign(rooms=f["total_rooms"] / f["population"]), "no column 'rooms_per_person'"),
    (lambda f: f.assign(rooms_per_person=f["population"] / f["total_rooms"]), "inverted"),
    (lambda f: f.assign(rooms_per_person=f["total_rooms"] / f["households"]), "rooms per household"),
    (lambda f: f.assign(rooms_per_person=f["total_rooms"] / f["population"] + 1), "is off"),
    (lambda f: f.assign(rooms_per_person=np.nan), "NaN"),
    (lambda f: pd.DataFrame({"rooms_per_person": f["total_rooms"] / f["population"]}), "keep the original columns"),
    (lambda f: f.assign(rooms_per_person=f["total_rooms"] / f["population"]).head(2), "keep all 5 rows"),
])
def test_rooms_per_person_wrong(answer, phrase, capsys):
    _fails(nb01.check_rooms_per_person, answer, capsys, phrase)


def test_rooms_per_person_changing_the_input(capsys):
    def in_place(frame):
        frame["rooms_per_person"] = frame["total_rooms"] / frame["population"]
        return frame

    def in_place_no_return(frame):
        frame["rooms_per_person"] = frame["total_rooms"] / frame["population"]

    _fails(nb01.check_rooms_per_person, in_place, capsys, "input DataFrame was changed")
    _fails(nb01.check_rooms_per_person, in_place_no_return, capsys, "returned None")


# ---------------------------------------------------------------- Exercise 2: RMSE in dollars


def rmse_in_dollars(y_true, y_pred):
    return float(100_000 * np.sqrt(np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2)))


def test_rmse_correct(capsys):
    result, out = _run(nb01.check_rmse_in_dollars, rmse_in_dollars, capsys)
    assert result is True and "correct" in out


def test_rmse_accepts_numpy_scalars_and_tensors(capsys):
    assert _run(nb01.check_rmse_in_dollars, lambda t, p: np.float32(rmse_in_dollars(t, p)), capsys)[0]
    assert _run(nb01.check_rmse_in_dollars, lambda t, p: keras.ops.convert_to_tensor(rmse_in_dollars(t, p)),
                capsys)[0]


@pytest.mark.parametrize("answer, phrase", [
    (lambda t, p: np.sqrt(np.mean((p - t) ** 2)), "multiply by 100,000"),
    (lambda t, p: 1e5 * np.mean((p - t) ** 2), "square root"),
    (lambda t, p: 1e10 * np.mean((p - t) ** 2), "square root"),
    (lambda t, p: 1e5 * np.mean(np.abs(p - t)), "mean absolute error"),
    (lambda t, p: 1e5 * np.sqrt(np.sum((p - t) ** 2)), "summed"),
    (lambda t, p: 1e5 * np.abs(p - t), "one number"),
    (lambda t, p: float("nan"), "NaN"),
    (lambda t, p: "48000", "should be a number"),
    (lambda t, p: 12345.0, "expected"),
])
def test_rmse_wrong(answer, phrase, capsys):
    _fails(nb01.check_rmse_in_dollars, answer, capsys, phrase)


# ---------------------------------------------------------------- Exercise 3: deeper model


def build_deeper_model(n_features):
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(1),
    ])


def _model(n_features, units=(64, 64, 64), activation="relu", output_units=1, output_activation=None):
    layers = [keras.Input(shape=(n_features,))]
    layers += [keras.layers.Dense(u, activation=activation) for u in units]
    layers.append(keras.layers.Dense(output_units, activation=output_activation))
    return keras.Sequential(layers)


def test_deeper_model_correct(capsys):
    result, out = _run(nb01.check_deeper_model, build_deeper_model, capsys)
    assert result is True and "correct" in out


def test_deeper_model_with_normalization_first(capsys):
    def answer(n_features):
        return keras.Sequential([keras.Input(shape=(n_features,)), keras.layers.Normalization(),
                                 *[keras.layers.Dense(64, activation="relu") for _ in range(3)],
                                 keras.layers.Dense(1)])

    assert _run(nb01.check_deeper_model, answer, capsys)[0] is True


normalizer = keras.layers.Normalization()  # as in section 7: a global of the notebook, adapted on its 36 columns
normalizer.adapt(np.random.default_rng(0).normal(size=(40, 36)).astype("float32"))


def build_with_adapted_normalizer(n_features):
    return keras.Sequential([keras.Input(shape=(n_features,)), normalizer,
                             *[keras.layers.Dense(64, activation="relu") for _ in range(3)], keras.layers.Dense(1)])


def test_deeper_model_with_the_notebooks_adapted_normalizer(capsys):
    """The text says the checker accepts the model that starts with section 7's adapted normalizer."""
    result, out = _run(nb01.check_deeper_model, build_with_adapted_normalizer, capsys)
    assert result is True, out


def test_deeper_model_with_a_normalizer_still_checks_the_layers(capsys):
    def answer(n_features):
        return keras.Sequential([keras.Input(shape=(n_features,)), normalizer, keras.layers.Dense(64, "relu"),
                                 keras.layers.Dense(1)])

    _fails(nb01.check_deeper_model, answer, capsys, "found 1")


@pytest.mark.parametrize("answer, phrase", [
    (lambda n: "model", "keras model"),
    (lambda n: _model(n, units=(32, 32)), "3 hidden Dense layers"),
    (lambda n: _model(n, units=(64, 64)), "found 2"),
    (lambda n: _model(n, units=(64, 64, 64, 64)), "found 4"),
    (lambda n: _model(n, units=(64, 32, 64)), "64 units"),
    (lambda n: _model(n, activation=None), "relu"),
    (lambda n: _model(n, output_units=3), "1 unit"),
    (lambda n: _model(n, output_activation="relu"), "no activation"),
    (lambda n: _model(9), "cannot take 7 input features"),
    (lambda n: keras.Sequential([keras.Input(shape=(n,)), keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dropout(0.2), keras.layers.Dense(1)]), "Dropout"),
])
def test_deeper_model_wrong(answer, phrase, capsys):
    _fails(nb01.check_deeper_model, answer, capsys, phrase)


# ---------------------------------------------------------------- Exercise 4: compile with Adam


def compile_with_adam(model):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=5e-4), loss="mae", metrics=["mse"])
    return model


def test_compile_correct(capsys):
    result, out = _run(nb01.check_compile_with_adam, compile_with_adam, capsys)
    assert result is True and "correct" in out


def test_compile_accepts_loss_and_metric_objects(capsys):
    def answer(model):
        model.compile(optimizer=keras.optimizers.Adam(5e-4), loss=keras.losses.MeanAbsoluteError(),
                      metrics=[keras.metrics.MeanSquaredError()])
        return model

    assert _run(nb01.check_compile_with_adam, answer, capsys)[0] is True


def _compile(optimizer=None, loss="mae", metrics=("mse",)):
    def answer(model):
        model.compile(optimizer=optimizer or keras.optimizers.Adam(learning_rate=5e-4), loss=loss,
                      metrics=list(metrics))
        return model

    return answer


@pytest.mark.parametrize("answer, phrase", [
    (lambda m: m, "not compiled"),
    (lambda m: keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)]), "same model"),
    (lambda m: m.compile(optimizer="adam", loss="mae"), "returned None"),
    (lambda m: _compile(optimizer=keras.optimizers.RMSprop(5e-4))(m), "should be Adam"),
    (lambda m: _compile(optimizer="adam")(m), "0.0005"),
    (lambda m: _compile(optimizer=keras.optimizers.Adam(0.01))(m), "0.0005"),
    (lambda m: _compile(loss="mse")(m), "mean absolute error"),
    (lambda m: _compile(metrics=["mae"])(m), "metrics=['mse']"),
])
def test_compile_wrong(answer, phrase, capsys):
    _fails(nb01.check_compile_with_adam, answer, capsys, phrase)
