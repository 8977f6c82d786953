import numpy as np
import pytest

from utils import plots, training


def test_time_budget_stops_training(capsys):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    budget = training.TimeBudget(0.0)
    history = model.fit(np.ones((64, 3)), np.ones(64), batch_size=8, epochs=50, verbose=0, callbacks=[budget])
    assert budget.stopped_early and len(history.history["loss"]) == 1
    assert "TimeBudget: stopped training" in capsys.readouterr().out


def test_time_budget_silent_when_not_reached(capsys):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    budget = training.TimeBudget(600)
    history = model.fit(np.ones((16, 3)), np.ones(16), epochs=3, verbose=0, callbacks=[budget])
    assert not budget.stopped_early and len(history.history["loss"]) == 3
    assert "TimeBudget" not in capsys.readouterr().out


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for TimeBudget: ``clock[0]`` is the time it reads, moved on only by ``_slow_model``'s
    batches, so the budget's rules are checked exactly, however busy the machine (real sleeps on a loaded
    CI machine made a 10 s budget measure 18.7 s)."""
    from types import SimpleNamespace

    now = [0.0]
    monkeypatch.setattr(training, "time", SimpleNamespace(time=lambda: now[0]))
    return now


def _slow_model(clock=None, train_seconds=0.0, validation_seconds=0.0):
    """A tiny model whose every training / validation batch moves ``clock`` on by the given seconds (run
    eagerly, so that happens each time): a stand-in for a big data set."""
    import keras

    class Pause(keras.layers.Layer):
        def call(self, x, training=None):
            if clock is not None:
                clock[0] += train_seconds if training else validation_seconds
            return x

    model = keras.Sequential([keras.Input((3,)), Pause(), keras.layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=True)
    return model


def _fit_seconds(model, budget, clock, *args, **kwargs):
    """``model.fit(...)`` under ``budget``: (history, the seconds ``clock`` moved on, only batches move it)."""
    began = clock[0]
    history = model.fit(*args, callbacks=[budget], verbose=0, **kwargs)
    return history, clock[0] - began


def _rows(batches, batch_size=8):
    return np.ones((batches * batch_size, 3), "float32"), np.ones((batches * batch_size, 1), "float32")


def test_time_budget_covers_a_long_validation(capsys, clock):
    # training would take 20 s and one validation pass 20 s; the budget is 1 s for all of it
    model, budget = _slow_model(clock, 0.05, 0.05), training.TimeBudget(1)
    history, took = _fit_seconds(model, budget, clock, *_rows(400), validation_data=_rows(400), batch_size=8,
                                 epochs=3)
    # training stops at 1 s; the first validation, with no earlier pass to go by, is cut after one batch
    # (without the budget covering validation: 1 s of training + 20 s of validation)
    assert took == pytest.approx(1 + 0.05)
    assert budget.stopped_early and budget.validation_cut
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["val_loss"][0])
    assert "the last validation was cut short after 1 batch(es)" in capsys.readouterr().out


def test_time_budget_keeps_room_for_the_last_validation(clock):
    # epochs of 0.25 s of training and 2 s of validation: training stops early enough for a whole last pass
    model, budget = _slow_model(clock, 0.05, 0.1), training.TimeBudget(10)
    history, took = _fit_seconds(model, budget, clock, *_rows(5), validation_data=_rows(20), batch_size=8,
                                 epochs=100)
    assert budget.stopped_early and not budget.validation_cut
    assert budget.validation_seconds == pytest.approx(2) and budget.batch_seconds == pytest.approx(0.05)
    # four whole epochs end at 9 s; a fifth would end its first batch and validation at 11.05 s, so it is not
    # begun: fit ends within the budget
    assert len(history.history["val_loss"]) == 4 and took == pytest.approx(4 * 2.25)


def test_time_budget_stops_mid_epoch_with_room_for_the_validation(clock):
    # epochs of 5 s of training and 2 s of validation (batch times exact in binary): the first ends at 7 s, so
    # the second is begun and stopped after its 16th batch (8 s + a 2 s validation reach the budget): the
    # validation then ends at 10 s exactly
    model, budget = _slow_model(clock, 1 / 16, 1 / 8), training.TimeBudget(10)
    history, took = _fit_seconds(model, budget, clock, *_rows(80), validation_data=_rows(16), batch_size=8,
                                 epochs=10)
    assert budget.stopped_early and not budget.validation_cut
    assert len(history.history["val_loss"]) == 2 and took == pytest.approx(10)


def test_time_budget_does_not_claim_the_last_epoch(clock):
    # the same epochs, but only four of them: the fourth ends at 9 s, where the budget would stop a fifth
    model, budget = _slow_model(clock, 0.05, 0.1), training.TimeBudget(10)
    history, took = _fit_seconds(model, budget, clock, *_rows(5), validation_data=_rows(20), batch_size=8,
                                 epochs=4)
    assert len(history.history["val_loss"]) == 4 and took == pytest.approx(9)
    assert not budget.stopped_early  # the epoch count ended training, so no cap message or warning


def test_time_budget_lets_a_short_validation_finish_past_the_budget(clock):
    # the epoch ends a moment before the budget, so its 1 s validation ends a moment after it: not cut
    # (seen in notebook 01: a 2-batch validation cut after 1 batch for 0.05 s over); a first, untimed pass is
    from types import SimpleNamespace

    model = SimpleNamespace(stop_training=False, stop_evaluating=False)
    budget = training.TimeBudget(10, verbose=False)
    budget.set_model(model)

    def at(t, event, *args):
        clock[0] = t
        getattr(budget, event)(*args)

    at(0, "on_train_begin")
    at(1, "on_test_begin"), at(1.5, "on_test_batch_end", 0), at(2, "on_test_end")  # the first pass: 1 s
    at(8.9, "on_train_batch_end", 0)
    assert not model.stop_training  # 8.9 s + 1 s of validation still fits
    at(8.95, "on_test_begin"), at(10.05, "on_test_batch_end", 0)
    assert not model.stop_evaluating and not budget.validation_cut
    at(10.3, "on_test_end")
    assert budget.validation_seconds == 10.3 - 8.95
    at(11.0, "on_test_begin"), at(13.8, "on_test_batch_end", 1)  # twice as long as the last pass: cut
    assert model.stop_evaluating and budget.validation_cut and model.stop_training

    first = training.TimeBudget(1, verbose=False)
    first.set_model(SimpleNamespace(stop_training=False, stop_evaluating=False))
    budget = first
    at(20, "on_train_begin"), at(21.5, "on_test_begin"), at(21.6, "on_test_batch_end", 0)
    assert first.validation_cut and first.model.stop_evaluating


def test_time_budget_leaves_evaluation_outside_fit_alone():
    model, budget = _slow_model(), training.TimeBudget(0)
    model.fit(*_rows(2), batch_size=8, verbose=0, callbacks=[budget])
    counted = []
    import keras

    counter = keras.callbacks.LambdaCallback(on_test_batch_end=lambda batch, logs: counted.append(batch))
    model.evaluate(*_rows(5), batch_size=8, verbose=0, callbacks=[budget, counter])
    assert len(counted) == 5  # the spent budget of an earlier fit does not cut a later evaluate


def test_plot_history_draws_train_and_validation():
    ax = plots.plot_history({"loss": [3, 2, 1], "val_loss": [3.5, 2.5, 2]}, title="t", ylabel="MSE")
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    assert ax.get_title() == "t" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "MSE"


def test_image_grid_and_heatmap():
    fig = plots.image_grid(np.random.rand(10, 8, 8, 1), labels=list(range(10)), ncols=4, title="digits")
    assert len(fig.axes) == 12 and fig.axes[0].get_title() == "0"
    ax = plots.heatmap(np.array([[5, 1], [0, 7]]), ["a", "b"], ["a", "b"], title="confusion", xlabel="pred")
    assert ax.get_title() == "confusion" and len(ax.texts) == 4


def test_heatmap_numbers_readable_on_light_and_dark_colormaps():
    """Each number's colour follows its cell's brightness: Blues is dark at the top, magma at the bottom."""
    matrix = np.array([[0.0, 1.0]])
    blues = [t.get_color() for t in plots.heatmap(matrix, fmt=".1f", cmap="Blues").texts]
    magma = [t.get_color() for t in plots.heatmap(matrix, fmt=".1f", cmap="magma").texts]
    assert blues == ["black", "white"]  # pale low end, dark high end
    assert magma == ["white", "black"]  # black low end, pale yellow high end
    plots.plt.close("all")


def test_as_dataset_batches_and_reshuffles():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    plain = [b[1].numpy().tolist() for b in training.as_dataset(x, y, 4)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shuffled = training.as_dataset(x, y, 10, shuffle=True, seed=0)
    first, second = (next(iter(shuffled))[1].numpy().tolist() for _ in range(2))
    assert sorted(first) == list(range(10)) and first != second  # a new order every epoch


def test_warmup_cosine():
    steps = training.WarmupCosine(1.0, steps=100, warmup_steps=10, floor=0.1)
    assert np.isclose(steps.rate(0, 0), 0.1)  # warming up
    assert np.isclose(steps.rate(9, 0), 1.0 * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * 0.09))))
    assert np.isclose(steps.rate(100, 0), 0.1) and np.isclose(steps.rate(500, 0), 0.1)
    timed = training.WarmupCosine(1.0, seconds=60, warmup_steps=1, floor=0.1)
    assert np.isclose(timed.rate(50, 30), 0.55) and np.isclose(timed.rate(50, 60), 0.1)
    with pytest.raises(ValueError):
        training.WarmupCosine(1.0)
    both = training.WarmupCosine(1.0, seconds=60, steps=100, warmup_steps=1)  # whichever ends first
    assert np.isclose(both.rate(50, 0), 0.5) and np.isclose(both.rate(10, 30), 0.5)
    assert np.isclose(both.rate(100, 1), 0.0)


def test_cap_warning_says_what_was_cut_and_what_it_changes(capsys):
    training.cap_warning(150, "the U-Net", 312, 400, consequence="its PSNR below is lower than a full run's")
    training.cap_warning(60.4, "training", 12_345, 20_000, unit="epochs")
    first, second = capsys.readouterr().out.splitlines()
    assert first == ("⚠ the 150 s safety cap stopped the U-Net after 312 of 400 steps: this CPU is slower (or busier) "
                     "than the budget assumes, so its PSNR below is lower than a full run's.")
    assert second.startswith("⚠ the 60 s safety cap stopped training after 12,345 of 20,000 epochs:")
    assert second.endswith("so its results below are worse than a run that completes them.")
