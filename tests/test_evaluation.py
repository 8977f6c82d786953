"""Tests of utils.evaluation: the classifier-based FID, coverage and confidence used by 06 and 09.

The classifier is loaded (or, on a fresh clone such as CI, trained in its quick variant) once per module, into
one ``Evaluator`` that every test uses.
"""

import numpy as np
import pytest

import utils.evaluation as ev
from utils.data import load_mnist

N = 2000


@pytest.fixture(scope="module")
def judge():
    return ev.Evaluator.load(quick=True)  # the full classifier if it is cached, else a quick one trained in seconds


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    return x_train[:N], y_train[:N], x_test[:N], y_test[:N]


@pytest.fixture(scope="module")
def fids(judge, digits):
    x_train, y_train, x_test, _ = digits
    (all_train, all_labels), _ = load_mnist()
    ones = all_train[all_labels == 1][:N]
    noise = np.random.default_rng(0).random((N, 28, 28))
    return {
        "self": judge.fid(x_test, x_test),
        "real": judge.fid(x_test, x_train),
        "noise": judge.fid(noise, x_train),
        "ones": judge.fid(ones, x_train),
    }


def test_fid_of_a_set_with_itself_is_zero(fids):
    assert fids["self"] == pytest.approx(0.0, abs=1e-3)


def test_real_vs_real_is_small_and_noise_or_one_digit_is_large(fids):
    assert fids["real"] > 0
    assert fids["noise"] > 10 * fids["real"], fids
    assert fids["ones"] > 10 * fids["real"], fids


def test_coverage_of_real_digits_is_balanced(judge, digits):
    _, _, x_test, _ = digits
    coverage = judge.class_coverage(x_test)
    assert coverage.shape == (10,)
    assert coverage.sum() == pytest.approx(1.0)
    assert coverage.min() >= 0.05


def test_coverage_of_one_class_flags_collapse(judge, digits):
    x_train, y_train, _, _ = digits
    coverage = judge.class_coverage(x_train[y_train == 7])
    assert coverage[7] > 0.9
    assert np.sum(coverage < 0.02) >= 8  # almost every other digit is missing


def test_confidence_is_high_for_digits_and_lower_for_noise(judge, digits):
    _, _, x_test, _ = digits
    noise = np.random.default_rng(1).random((500, 28, 28))
    assert 0.9 < judge.confidence(x_test) <= 1.0
    assert judge.confidence(noise) < judge.confidence(x_test)


def test_evaluate_reports_every_number(judge, digits):
    x_train, _, x_test, _ = digits
    result = judge.evaluate(x_test[:500], x_train)
    assert set(result) == {"fid", "coverage", "min_coverage", "confidence", "n"}
    assert result["n"] == 500 and len(result["coverage"]) == 10
    assert result["min_coverage"] == pytest.approx(min(result["coverage"]))
    assert result["fid"] == pytest.approx(judge.fid(x_test[:500], x_train), rel=1e-6)


def test_inputs_are_normalised_in_one_place(judge, digits):
    x = digits[2][:64]
    as_uint8 = judge.features(x)
    assert as_uint8.shape == (64, 128)
    np.testing.assert_allclose(judge.features(x / 255.0), as_uint8, atol=1e-5)
    np.testing.assert_allclose(judge.features(x[..., None] / 255.0), as_uint8, atol=1e-5)
    assert judge.features(x[0]).shape == (1, 128)
    with pytest.raises(ValueError, match="rescale"):
        judge.features(x / 127.5 - 1.0)  # a tanh generator's range must be mapped to [0, 1] first
    with pytest.raises(ValueError, match="shape"):
        judge.features(np.zeros((4, 32, 32), "uint8"))


def test_frechet_distance_matches_the_closed_form():
    mu_a, mu_b = np.array([0.0, 1.0]), np.array([2.0, 1.0])
    cov_a, cov_b = np.diag([1.0, 4.0]), np.diag([4.0, 9.0])
    # diagonal covariances: |mu_a - mu_b|² + Σ (σ_a - σ_b)²
    expected = 4.0 + (1 - 2) ** 2 + (2 - 3) ** 2
    assert ev.frechet_distance(mu_a, cov_a, mu_b, cov_b) == pytest.approx(expected)
    assert ev.frechet_distance(mu_a, cov_a, mu_a, cov_a) == pytest.approx(0.0, abs=1e-9)


def test_two_evaluators_do_not_share_state(judge, digits):
    """Each Evaluator scores with its own classifier: a second one, untrained, changes nothing in the first."""
    from utils.models import mnist_classifier

    _, _, x_test, _ = digits
    before = judge.fid(x_test[:500], x_test[500:1500])
    other = ev.Evaluator(mnist_classifier())  # random weights: a useless judge
    assert other.model is not judge.model
    assert other.fid(x_test[:500], x_test[500:1500]) != pytest.approx(before, rel=1e-3)
    assert judge.fid(x_test[:500], x_test[500:1500]) == pytest.approx(before, rel=1e-9)
    assert not hasattr(ev, "_state"), "no module-level classifier state"


def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch, capsys):
    from utils.models import mnist_classifier

    trained = []

    def fake_train(path, quick):  # stands in for the real training, which takes seconds to a minute
        model = mnist_classifier()
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        trained.append(path)
        return model, 0.0

    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    monkeypatch.setattr(ev, "_train", fake_train)
    path = ev.classifier_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a keras file")
    rebuilt = ev.Evaluator.load()
    assert trained == [path] and "Could not load" in capsys.readouterr().out
    assert rebuilt.path == path
    ev.Evaluator.load()  # the rebuilt file loads: not trained again
    assert trained == [path] and "Loaded the evaluation classifier" in capsys.readouterr().out
    assert ev.Evaluator.load(quick=True).path == path  # the full classifier exists, so quick uses it
    assert trained == [path]
    ev.Evaluator.load(retrain=True)  # asked to retrain: trains
    assert trained == [path, path]
