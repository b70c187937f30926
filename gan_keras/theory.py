"""Section 4 of Goodfellow et al. (2014), computed on a 1-D grid instead of asserted.

All densities are float64 arrays sampled on an evenly spaced grid ``x`` (M,); integrals
are trapezoid sums over it, in nats.

* ``optimal_discriminator``: D*(x) = p_data / (p_data + p_g)   (Proposition 1)
* ``value``: V(D, G) = E_data[log D] + E_g[log(1 - D)]
* ``virtual_criterion``: C(G) = V(D*, G) = -log 4 + 2 JSD(p_data || p_g)   (Theorem 1)
"""

import numpy as np

LOG4 = float(np.log(4.0))


def integrate(f, x):
    """Trapezoid integral of f sampled on the grid x."""
    f, x = np.asarray(f, np.float64), np.asarray(x, np.float64)
    return float(np.sum((f[1:] + f[:-1]) * np.diff(x)) / 2.0)


def normal_pdf(x, mean=0.0, std=1.0):
    """Density of N(mean, std^2) at x."""
    x = np.asarray(x, np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g); 1/2 where both densities vanish."""
    p_data, p_g = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def _xlogy(a, b):
    """a * log(b) with 0 * log(0) = 0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.where(a > 0, a * np.log(np.where(a > 0, b, 1.0)), 0.0)


def kl(p, q, x):
    """KL(p || q) in nats; q must be > 0 wherever p is."""
    return integrate(_xlogy(p, p) - _xlogy(p, q), x)


def jsd(p, q, x):
    """Jensen-Shannon divergence in nats, between 0 (p = q) and log 2 (disjoint)."""
    m = 0.5 * (np.asarray(p, np.float64) + np.asarray(q, np.float64))
    return 0.5 * kl(p, m, x) + 0.5 * kl(q, m, x)


def value(d, p_data, p_g, x):
    """V(D, G) = integral of p_data log D + p_g log(1 - D) dx, D given on the grid.

    D is kept inside [1e-300, 1 - 1e-16] so that log(1 - D) stays finite where D rounds
    to 1 but p_g is not exactly 0 (its contribution there is p_g * 37 at most, negligible).
    """
    d = np.clip(np.asarray(d, np.float64), 1e-300, 1.0 - 1e-16)
    return integrate(_xlogy(p_data, d) + _xlogy(p_g, 1.0 - d), x)


def virtual_criterion(p_data, p_g, x):
    """C(G) = max_D V(D, G) = V(D*, G); equals -log 4 + 2 JSD(p_data || p_g).

    Written as p_data log(p_data / s) + p_g log(p_g / s), s = p_data + p_g, so that
    1 - D* is never rounded to 0 where p_g is tiny but positive.
    """
    p_data, p_g = np.asarray(p_data, np.float64), np.asarray(p_g, np.float64)
    s = p_data + p_g
    return integrate(_xlogy(p_data, p_data) + _xlogy(p_g, p_g) - _xlogy(p_data, s) - _xlogy(p_g, s), x)


def density(samples, x, bandwidth=None, chunk=2000):
    """Gaussian kernel density estimate of 1-D samples on the grid x (Silverman's bandwidth).

    Sums over ``chunk`` samples at a time, so memory stays at len(x) * chunk floats.
    """
    samples = np.asarray(samples, np.float64).ravel()
    if bandwidth is None:
        bandwidth = 1.06 * samples.std() * len(samples) ** (-1 / 5)
    bandwidth = max(float(bandwidth), 1e-3)
    x = np.asarray(x, np.float64)[:, None]
    total = np.zeros(len(x))
    for start in range(0, len(samples), chunk):
        total += np.exp(-0.5 * ((x - samples[None, start:start + chunk]) / bandwidth) ** 2).sum(axis=1)
    return total / (len(samples) * bandwidth * np.sqrt(2 * np.pi))


def generator_gradients(d):
    """Slopes with respect to D's logit of the two generator losses, at D(G(z)) = d.

    minimax:        d/dl log(1 - sigmoid(l)) = -d        (vanishes as d -> 0)
    non-saturating: d/dl -log sigmoid(l)     = -(1 - d)  (largest as d -> 0)
    Returns (minimax, non_saturating) arrays.
    """
    d = np.asarray(d, np.float64)
    return -d, -(1.0 - d)
