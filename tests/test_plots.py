import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_keras import plots  # noqa: E402


def history(n=300):
    rng = np.random.default_rng(0)
    return {"step": list(range(1, n + 1)), "d_loss": list(1 + rng.random(n)),
            "g_loss": list(2 + rng.random(n)), "d_real": list(rng.random(n)),
            "d_fake": list(rng.random(n))}


def test_image_grid_layout_and_range():
    images = np.stack([np.full((4, 5, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)])
    grid = plots.image_grid(images, ncols=2, pad=1)
    assert grid.shape == (2 * 4 + 1, 2 * 5 + 1, 1)
    assert grid[0, 0, 0] == 0.0 and grid[0, 6, 0] == 0.5 and grid[5, 0, 0] == 1.0
    assert grid[4, 0, 0] == 1.0  # padding is white


def test_save_image_grid_writes_png(tmp_path):
    path = plots.save_image_grid(np.zeros((4, 8, 8, 3)), tmp_path / "g" / "x.png", value_range=(0, 1))
    import matplotlib.pyplot as plt

    img = plt.imread(path)
    assert img.shape[:2] == (3 * (2 * 8 + 1), 3 * (2 * 8 + 1))


def test_moving_average():
    np.testing.assert_allclose(plots.moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(plots.moving_average([1, 2, 3], 1), [1, 2, 3])


def test_figures(tmp_path):
    h = history()
    for fn, name in ((plots.plot_losses, "l.png"), (plots.plot_d_outputs, "d.png"),
                     (plots.plot_training, "t.png")):
        fig = fn(h, path=tmp_path / name)
        assert (tmp_path / name).stat().st_size > 1000 and fig.axes
    p = np.array([0.2, 0.6, 0.5, 0.9])
    fig = plots.plot_probability_bars(p, 1 - p, path=tmp_path / "bars.png")
    colors = [tuple(np.round(b.get_facecolor(), 3)) for b in fig.axes[0].patches]
    green = tuple(np.round(matplotlib.colors.to_rgba("tab:green"), 3))
    assert [c == green for c in colors] == [False, True, True, True]  # >= 0.5 is green
    fig = plots.plot_d_histograms(p, np.linspace(0.01, 0.49, 40))
    assert "4 real (mean 0.55)" in fig.axes[0].get_legend().get_texts()[0].get_text()
    for bars in fig.axes[0].containers:  # densities: 4 and 40 images each integrate to 1
        assert sum(b.get_height() * b.get_width() for b in bars) == pytest.approx(1.0)


def test_interpolation_paths():
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    path = plots.interpolate(z0, z1, 5)
    np.testing.assert_allclose(path[0], z0, atol=1e-6)
    np.testing.assert_allclose(path[-1], z1, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-6)  # stays on the circle
    line = plots.interpolate(z0, z1, 3, spherical=False)
    np.testing.assert_allclose(line[1], [0.5, 0.5])


def test_gif_from_frames(tmp_path):
    from PIL import Image

    paths = [plots.save_image_grid(np.full((4, 8, 8, 1), v), tmp_path / f"{i}.png")
             for i, v in enumerate((-1.0, 0.0, 1.0))]
    gif = Image.open(plots.make_gif(paths, tmp_path / "a.gif"))
    assert gif.n_frames == 3


def test_figure1_panels(tmp_path):
    x = np.linspace(-1, 1, 50)
    p = np.exp(-x ** 2)
    fig = plots.plot_figure1(x, p, [("a", p, np.full(50, 0.5)), ("b", p, np.full(50, 0.5), p / (2 * p))],
                             path=tmp_path / "f.png")
    assert len(fig.axes) == 2 and (tmp_path / "f.png").is_file()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # one legend for all panels, D* (panel b) in it
    assert labels == ["p_data", "p_g (generator)", "D(x)", "D* = p_data/(p_data+p_g)"]


def test_figure1_draws_the_z_to_x_mapping(tmp_path):
    x = np.linspace(-1, 1, 50)
    p = np.exp(-x ** 2)
    z = np.linspace(-2, 2, 9)
    fig = plots.plot_figure1(x, p, [("a", p, np.full(50, 0.5))] * 2, mappings=[(z, 0.1 * z + 0.3), None])
    def arrows(ax):
        return [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]

    assert len(arrows(fig.axes[0])) == 9 and not arrows(fig.axes[1])
    assert fig.axes[0].get_ylim()[0] < 0


def test_loss_plot_cuts_off_a_spike_and_says_so():
    h = history()
    h["g_loss"][100] = 75.0
    ax = plots.plot_losses(h).axes[0]
    assert ax.get_ylim()[1] < 10
    assert any("1 values off the axis" in t.get_text() and "75" in t.get_text() for t in ax.texts)
    assert not plots.plot_losses(history()).axes[0].texts  # nothing cut: nothing said
