"""The trainer's input checks (gan_keras/checks.py): each bad input raises a ValueError saying what is wrong."""

import numpy as np
import pytest

from gan_keras.checks import check_images


@pytest.mark.parametrize("images,match", [
    (np.zeros((10, 64), np.float32), "4-D"),
    (np.zeros((10, 9, 8, 1), np.float32), "expect"),
    (np.zeros((0, 8, 8, 1), np.float32), "empty"),
    ((np.arange(640) % 256).astype(np.uint8).reshape(10, 8, 8, 1), r"\[0, 255\].*scale"),
    (np.full((10, 8, 8, 1), 0.5, np.float32) * np.array([np.nan] + [1] * 9).reshape(-1, 1, 1, 1), "NaN"),
    (np.full((10, 8, 8, 1), np.inf, np.float32), "NaN or infinite"),
    (np.array([[[["a"]]]]), "numeric"),
])
def test_bad_images_raise_value_error(images, match):
    with pytest.raises(ValueError, match=match):
        check_images(images, (8, 8, 1), (-1.0, 1.0), batch_size=4)


def test_batch_larger_than_data():
    with pytest.raises(ValueError, match="larger than the 3 images"):
        check_images(np.zeros((3, 8, 8, 1)), (8, 8, 1), (-1, 1), batch_size=4)


def test_sigmoid_generator_range_is_enforced():
    x = np.full((8, 8, 8, 1), -0.5, np.float32)  # fine for tanh, not for sigmoid
    with pytest.raises(ValueError, match=r"outputs \[0, 1\]"):
        check_images(x, (8, 8, 1), (0.0, 1.0), batch_size=4)
