"""utils.diffusion: schedules, the forward process, the samplers (checked against an oracle denoiser), the
model, the training tool, and the committed checkpoint of notebook 09."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from utils import diffusion as D


@pytest.mark.parametrize("make", [D.linear_schedule, D.cosine_schedule])
def test_schedules(make):
    s = make(200)
    assert s.T == 200 and s.betas.shape == s.alpha_bars.shape == (201,)
    assert s.betas[0] == 0 and s.alpha_bars[0] == 1
    assert np.all(np.diff(s.alpha_bars) < 0), "ᾱ_t must fall with t"
    assert s.alpha_bars[-1] < 1e-3, "x_T must be (almost) pure noise"
    assert np.all(s.betas[1:] > 0) and np.all(s.betas <= 0.999)
    assert np.allclose(s.alpha_bars, np.cumprod(1 - s.betas))
    assert s.posterior_variance(1) == 0 and np.all(s.posterior_variance(np.arange(2, 201)) <= s.betas[2:])


def test_linear_schedule_matches_ho_et_al_for_T_1000():
    s = D.linear_schedule(1000)
    assert math.isclose(s.betas[1], 1e-4) and math.isclose(s.betas[-1], 0.02)


def test_cosine_keeps_more_signal_midway():
    linear, cosine = D.linear_schedule(250), D.cosine_schedule(250)
    assert cosine.alpha_bars[125] > 2 * linear.alpha_bars[125]


def test_q_sample_statistics_and_broadcasting():
    s = D.cosine_schedule(100)
    rng = np.random.default_rng(0)
    x0 = np.full((20_000, 2), 0.8, dtype="float32")
    x_t = D.q_sample(x0, 30, rng.standard_normal(x0.shape), s.alpha_bars)
    assert np.allclose(x_t.mean(), math.sqrt(s.alpha_bars[30]) * 0.8, atol=0.02)
    assert np.allclose(x_t.var(), 1 - s.alpha_bars[30], atol=0.02)
    batch = D.q_sample(np.ones((3, 4, 4, 1)), np.array([0, 50, 100]), np.zeros((3, 4, 4, 1)), s.alpha_bars)
    assert batch.shape == (3, 4, 4, 1) and np.allclose(batch[0], 1) and np.all(batch[2] < 0.05)


def test_to_and_from_diffusion():
    digits = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28)).astype("uint8")
    x = D.to_diffusion(digits, 14)
    assert x.shape == (5, 14, 14, 1) and x.min() >= -1 and x.max() <= 1
    assert np.isclose(x[0, 0, 0, 0], digits[0, :2, :2].mean() / 255 * 2 - 1, atol=1e-6)
    back = D.from_diffusion(x)
    assert back.shape == (5, 28, 28, 1) and back.min() >= 0 and back.max() <= 1
    soft = D.from_diffusion(x, sharpen=False)
    assert np.all(np.abs(back - 0.5) >= np.abs(soft - 0.5) - 1e-6), "sharpening pushes pixels away from grey"
    assert np.allclose(D.from_diffusion(D.to_diffusion(digits, 28)), digits[..., None] / 255, atol=1e-6)


def _oracle_sampling(steps, eta, T=100):
    """Run the sampling loop with a perfect denoiser for a data set of one image: it must land on it."""
    s = D.cosine_schedule(T)
    rng = np.random.default_rng(1)
    x0 = np.clip(rng.normal(size=(3, 6, 6, 1)), -1, 1).astype("float32")
    x = rng.standard_normal(x0.shape).astype("float32")
    times = D.sampling_times(T, steps)
    for t, s_ in zip(times, [*times[1:], 0]):
        ab = s.alpha_bars[t]
        eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
        v = math.sqrt(ab) * eps - math.sqrt(1 - ab) * x0
        x = D.sampling_step(x, v, t, s_, s.alpha_bars, eta, rng)
    return x, x0


@pytest.mark.parametrize("steps, eta", [(100, 1.0), (10, 0.0), (3, 0.5)])
def test_sampler_recovers_the_image_an_oracle_predicts(steps, eta):
    x, x0 = _oracle_sampling(steps, eta)
    assert np.allclose(x, x0, atol=1e-4)


def test_sampling_times():
    assert list(D.sampling_times(10, 10)) == list(range(10, 0, -1))
    times = D.sampling_times(250, 20)
    assert len(times) == 20 and times[0] == 250 and times[-1] == 12 and np.all(np.diff(times) < 0)


def test_ddpm_step_is_algorithm_2_only_without_clipping():
    """With s = t − 1 and η = 1 the generalised step is Algorithm 2 with σ_t² = β̃_t exactly when x̂₀ is not
    clipped; where the unclipped x̂₀ leaves [-1, 1], clipping changes the step."""

    class Zeros:  # an rng whose noise is zero, to compare the means
        def standard_normal(self, shape):
            return np.zeros(shape)

    s = D.linear_schedule(50)
    rng = np.random.default_rng(2)
    x_t = rng.normal(scale=1.5, size=(40, 3)).astype("float32")
    v = rng.normal(scale=0.5, size=(40, 3)).astype("float32")
    t = 20
    eps, x0 = D.split_prediction(v, x_t, s.alpha_bars[t], clip=False)  # the network's own ε̂, as Algorithm 2 uses
    algorithm_2 = (x_t - s.betas[t] / np.sqrt(1 - s.alpha_bars[t]) * eps) / np.sqrt(s.alphas[t])
    unclipped = D.sampling_step(x_t, v, t, t - 1, s.alpha_bars, 1.0, Zeros(), clip=False)
    assert np.allclose(unclipped, algorithm_2, atol=1e-5)
    outside = np.abs(x0) > 1
    assert 0 < outside.mean() < 1, "the test needs some x̂₀ inside [-1, 1] and some outside"
    clipped = D.sampling_step(x_t, v, t, t - 1, s.alpha_bars, 1.0, Zeros())
    assert np.allclose(clipped[~outside], algorithm_2[~outside], atol=1e-5)
    assert np.all(np.abs(clipped[outside] - algorithm_2[outside]) > 1e-3)
    # and the noise it adds has variance β̃_t
    sigma = math.sqrt((1 - s.alpha_bars[t - 1]) / (1 - s.alpha_bars[t]) * (1 - s.alpha_bars[t] / s.alpha_bars[t - 1]))
    assert math.isclose(sigma**2, s.posterior_variance(t), rel_tol=1e-9)


def test_split_prediction_clips_x0_and_stays_consistent():
    rng = np.random.default_rng(3)
    x_t, v = rng.normal(size=(2, 50))
    eps, x0 = D.split_prediction(v, x_t, 0.3)
    assert x0.min() >= -1 and x0.max() <= 1
    assert np.allclose(math.sqrt(0.3) * x0 + math.sqrt(0.7) * eps, x_t)


@pytest.fixture(scope="module")
def model():
    return D.Diffusion()


def test_model_shapes_and_size(model):
    net = model.network
    assert 50_000 < net.count_params() < 1_000_000
    out = net([np.zeros((2, 14, 14, 1), "float32"), np.array([[0.1], [0.9]], "float32"), np.array([[3], [10]])])
    assert tuple(out.shape) == (2, 14, 14, 1)
    assert net.get_layer("unet").get_layer("skip_0") is not None  # the shared U-Net from utils.models


def test_sample_shapes_and_range(model):
    images = model.sample(3, labels=[1, 2, 3], steps=3, guidance=1.5)
    assert images.shape == (3, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    assert model.sample(2, steps=2, native=True).shape == (2, 14, 14, 1)


def test_train_step_runs_and_loss_is_finite(model):
    from utils.data import load_mnist

    (x, y), _ = load_mnist()
    trainer = model.trainer(total_steps=4)
    history = trainer.fit(model.dataset(x[:256], y[:256]), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][-1])


def test_checkpoint_is_committed_small_and_loads_into_the_current_model():
    assert D.CHECKPOINT.exists(), "checkpoints/09_diffusion_mnist.weights.h5 is missing: run tools/train_diffusion.py"
    assert D.CHECKPOINT.stat().st_size < 5e6
    note = json.loads(D.CHECKPOINT.with_name("09_diffusion_mnist.json").read_text())
    recipe = {k: tuple(v) if isinstance(v, list) else v for k, v in note["recipe"].items()}
    assert recipe == D.RECIPE, "the checkpoint was trained with another recipe: retrain it"
    dm = D.Diffusion().load()  # raises if a layer or a shape differs
    images = dm.sample(2, labels=[0, 7], steps=4)
    assert images.shape == (2, 28, 28, 1) and np.isfinite(images).all()


def test_training_tool_quick_run(tmp_path):
    out = tmp_path / "tiny.weights.h5"
    result = subprocess.run([sys.executable, str(D.ROOT / "tools" / "train_diffusion.py"), "--steps", "3",
                             "--save-every", "2", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.exists() and json.loads((tmp_path / "tiny.json").read_text())["steps"] == 3
    D.Diffusion().load(out)
