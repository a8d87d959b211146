"""The figure helpers: the grid of tiles and the arguments they refuse."""

import numpy as np
import pytest

from pgm_ebm import plotting


def test_tile_images_places_each_image_and_pads_with_nan():
    images = np.arange(6 * 4, dtype=float).reshape(6, 4)  # six 2 x 2 images
    grid = plotting.tile_images(images, n_cols=3, pad=1, normalize=False)
    assert grid.shape == (2 * 3 + 1, 3 * 3 + 1)
    for i, img in enumerate(images):
        r, c = divmod(i, 3)
        np.testing.assert_array_equal(grid[1 + 3 * r : 3 + 3 * r, 1 + 3 * c : 3 + 3 * c],
                                      img.reshape(2, 2))  # fmt: skip
    assert np.isnan(grid[0]).all() and np.isnan(grid[:, 3]).all()
    assert images[0, 0] == 0 and images[-1, -1] == 23  # not modified


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_cols": 0}, "n_cols"), ({"n_cols": -2}, "n_cols"), ({"n_cols": 1.5}, "n_cols"),
     ({"pad": -1}, "pad"), ({"shape": (3, 3)}, "shape"), ({"shape": (2, 2, 1)}, "shape")],
)  # fmt: skip
def test_tile_images_names_a_bad_argument(kwargs, match):
    # n_cols=0 was taken as "default" and n_cols=-2 or pad=-1 made a wrong-sized grid
    with pytest.raises(ValueError, match=match):
        plotting.tile_images(np.zeros((4, 4)), **kwargs)


@pytest.mark.parametrize("n", [0, -1, 2.5])
def test_plot_filters_names_a_bad_count(n):
    with pytest.raises(ValueError, match="n must be"):
        plotting.plot_filters(np.zeros((4, 4)), n=n)
