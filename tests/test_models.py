"""utils.models: the shared U-Net and MNIST classifier build, have the promised shapes, sizes and skips."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from utils.models import mnist_classifier, unet  # noqa: E402


def _conv_params(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def test_unet_shapes_and_any_size_input():
    model = unet(filters=(8, 16, 32))
    for h, w in [(32, 32), (16, 48)]:
        out = model(np.zeros((2, h, w, 3), "float32"))
        assert tuple(out.shape) == (2, h, w, 3)


def test_unet_parameter_count_matches_the_architecture():
    filters, c = (16, 32, 64, 128), 3
    expected, previous = 0, c
    for width in filters[:-1]:  # encoder: two 3×3 convolutions per level
        expected += _conv_params(3, previous, width) + _conv_params(3, width, width)
        previous = width
    expected += _conv_params(3, filters[-2], filters[-1]) + _conv_params(3, filters[-1], filters[-1])
    previous = filters[-1]
    for width in reversed(filters[:-1]):  # decoder: 2×2 transposed conv, concat with the skip, two convs
        expected += _conv_params(2, previous, width)
        expected += _conv_params(3, 2 * width, width) + _conv_params(3, width, width)
        previous = width
    expected += _conv_params(1, filters[0], c)
    model = unet(filters=filters, residual=True)
    assert model.count_params() == expected
    assert 300_000 < model.count_params() < 500_000  # the size notebook 04 trains in its time budget


def test_unet_has_one_skip_connection_per_level_that_concatenates_encoder_features():
    model = unet(filters=(8, 16, 32, 64))
    skips = [layer for layer in model.layers if layer.name.startswith("skip_")]
    assert len(skips) == 3
    for layer in skips:
        assert isinstance(layer, keras.layers.Concatenate)
        sources = [node.operation.name for node in layer._inbound_nodes[0].parent_nodes]
        assert any(name.startswith("upsample") for name in sources)
        assert any(name.startswith("down") for name in sources)  # the encoder's features of the same level


def test_unet_residual_starts_from_the_input():
    model = unet(filters=(8, 16), residual=True)
    to_output = model.get_layer("to_output")
    to_output.set_weights([np.zeros_like(w) for w in to_output.get_weights()])
    x = np.random.default_rng(0).random((1, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)), x, atol=1e-6)  # zero correction: output = input


def test_unet_residual_needs_matching_channels():
    with pytest.raises(ValueError, match="residual"):
        unet(out_channels=1, residual=True)


def test_unet_condition_input_changes_the_output():
    model = unet((16, 16, 1), out_channels=1, filters=(8, 16), condition_dim=4)
    assert [tuple(t.shape) for t in model.inputs] == [(None, 16, 16, 1), (None, 4)]
    x = np.random.default_rng(1).random((2, 16, 16, 1)).astype("float32")
    a = np.asarray(model([x, np.zeros((2, 4), "float32")]))
    b = np.asarray(model([x, np.ones((2, 4), "float32")]))
    assert a.shape == (2, 16, 16, 1) and not np.allclose(a, b)


def test_unet_output_stays_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = unet(filters=(8, 16), residual=True)
        assert model(np.zeros((1, 8, 8, 3), "float32")).dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_mnist_classifier_logits_features_and_size():
    model = mnist_classifier()
    logits = model(np.zeros((5, 28, 28, 1), "float32"))
    assert tuple(logits.shape) == (5, 10)
    assert model.get_layer("logits").activation is keras.activations.linear  # logits, not probabilities
    assert tuple(model.get_layer("features").output.shape) == (None, 128)
    # conv 1×32, conv 32×64 (3×3), dense 3136→128, dense 128→10
    assert model.count_params() == (9 * 32 + 32) + (9 * 32 * 64 + 64) + (7 * 7 * 64 * 128 + 128) + (128 * 10 + 10)
