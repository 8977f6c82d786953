"""Shared building blocks that several notebooks reuse: a small U-Net and a small MNIST classifier.

Both are written with Keras 3 layers and ``keras.ops`` only, so they are backend-neutral. The notebooks
explain the ideas (convolutions, skip connections, logits); this module only saves rewriting them.
"""

from __future__ import annotations

import keras
from keras import layers


def conv_block(x, filters: int, convs: int = 2, name: str = "block", condition=None):
    """``convs`` × (3×3 convolution + ReLU), keeping the spatial size.

    ``condition`` (optional, shape ``(batch, d)``, e.g. a diffusion time embedding) is projected to
    ``filters`` channels and added to the features after the first convolution, the way DDPM's U-Net
    injects the time step.
    """
    for i in range(convs):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv{i + 1}")(x)
        if i == 0 and condition is not None:
            shift = layers.Dense(filters, name=f"{name}_cond")(condition)
            x = layers.Add(name=f"{name}_add_cond")([x, layers.Reshape((1, 1, filters))(shift)])
    return x


def unet(
    input_shape=(None, None, 3),
    out_channels: int | None = None,
    filters=(32, 64, 128),
    convs_per_level: int = 2,
    residual: bool = False,
    condition_dim: int | None = None,
    out_activation=None,
    name: str = "unet",
) -> keras.Model:
    """A small U-Net: an encoder that halves the resolution ``len(filters) - 1`` times, a decoder that
    doubles it back, and a skip connection (concatenation) from each encoder level to the decoder level
    of the same resolution.

    * ``filters``: channels per level, finest first; height and width must be divisible by
      ``2 ** (len(filters) - 1)``.
    * ``residual=True``: the network predicts a correction that is added to the input
      (``output = input + f(input)``), e.g. minus the noise for a denoiser. Needs
      ``out_channels == input channels``.
    * ``condition_dim``: if given, the model takes ``[image, condition]`` and adds a learned projection of
      the condition vector in every block (for a time-conditioned diffusion model).
    * ``out_activation``: e.g. ``"sigmoid"`` to keep outputs in [0, 1]; linear by default.

    Under a mixed-precision policy (``keras.mixed_precision``) the output layers stay float32.
    With ``filters=(16, 32, 64, 128)`` the model has 482,067 parameters.
    Skip concatenations are named ``skip_<level>`` so a test (or a curious learner) can find them.
    """
    channels = input_shape[-1]
    out_channels = out_channels or channels
    if residual and out_channels != channels:
        raise ValueError("residual=True needs out_channels equal to the input channels")
    image = keras.Input(shape=input_shape, name="image")
    inputs = [image]
    condition = None
    if condition_dim is not None:
        condition = keras.Input(shape=(condition_dim,), name="condition")
        inputs.append(condition)

    x = image
    skips = []
    for level, width in enumerate(filters[:-1]):  # encoder: features, keep them for the skip, halve
        x = conv_block(x, width, convs_per_level, name=f"down{level}", condition=condition)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = conv_block(x, filters[-1], convs_per_level, name="bottleneck", condition=condition)
    for level in reversed(range(len(filters) - 1)):  # decoder: double, concatenate the skip, refine
        width = filters[level]
        x = layers.Conv2DTranspose(width, 2, strides=2, padding="same", name=f"upsample{level}")(x)
        x = layers.Concatenate(name=f"skip_{level}")([x, skips[level]])
        x = conv_block(x, width, convs_per_level, name=f"up{level}", condition=condition)
    # The last layers stay in float32 under a mixed-precision policy, so outputs keep full precision.
    out = layers.Conv2D(out_channels, 1, activation=out_activation, dtype="float32", name="to_output")(x)
    if residual:
        out = layers.Add(dtype="float32", name="add_input")([image, out])
    return keras.Model(inputs if condition is not None else image, out, name=name)


def mnist_classifier(num_classes: int = 10, filters=(32, 64), dense: int = 128, dropout: float = 0.3,
                     name: str = "mnist_classifier") -> keras.Model:
    """A small CNN for 28×28 grey digits in [0, 1]: two conv + max-pool stages, a dense layer, logits.

    Returns **logits** (train with ``from_logits=True``). The dense layer is named ``features`` so that
    later notebooks can use it as an embedding (e.g. for a Fréchet distance between real and generated
    digits): ``keras.Model(model.input, model.get_layer("features").output)``.
    """
    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = inputs
    for i, width in enumerate(filters):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, activation="relu", name="features")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    logits = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, logits, name=name)
