import numpy as np
import pytest

from gan_keras import theory

X = np.linspace(-12, 12, 6001)


def test_integrals_of_densities():
    assert theory.integrate(theory.normal_pdf(X, 1, 0.5), X) == pytest.approx(1.0, abs=1e-6)


def test_optimal_discriminator():
    p, q = theory.normal_pdf(X, -1), theory.normal_pdf(X, 1)
    d = theory.optimal_discriminator(p, q)
    assert d[np.argmin(abs(X))] == pytest.approx(0.5)
    assert d[0] > 0.99 and d[-1] < 0.01
    assert np.all(theory.optimal_discriminator(p, p) == 0.5)
    # D* maximises V(., G): any other D does worse
    assert theory.value(d, p, q, X) > theory.value(np.clip(d + 0.05, 0, 1), p, q, X)


def test_theorem_1():
    p = theory.normal_pdf(X, 0, 1)
    for shift in (0.0, 0.5, 2.0, 5.0):
        q = theory.normal_pdf(X, shift, 1)
        c = theory.virtual_criterion(p, q, X)
        assert c == pytest.approx(-theory.LOG4 + 2 * theory.jsd(p, q, X), abs=1e-9)
        assert c >= -theory.LOG4 - 1e-9
    assert theory.virtual_criterion(p, p, X) == pytest.approx(-np.log(4), abs=1e-9)


def test_jsd_bounds_and_kl_closed_form():
    p, q = theory.normal_pdf(X, 0, 1), theory.normal_pdf(X, 1, 1)
    assert theory.kl(p, q, X) == pytest.approx(0.5, abs=1e-6)  # (mu1 - mu2)^2 / 2 for unit variances
    far = theory.normal_pdf(X, 7, 0.3)
    assert theory.jsd(p, p, X) == pytest.approx(0.0, abs=1e-12)
    assert theory.jsd(theory.normal_pdf(X, -6, 0.3), far, X) == pytest.approx(np.log(2), abs=1e-6)


def test_density_estimate():
    samples = np.random.default_rng(0).normal(1.0, 0.5, 20000)
    est = theory.density(samples, X)
    assert np.max(np.abs(est - theory.normal_pdf(X, 1.0, 0.5))) < 0.05
    np.testing.assert_allclose(theory.density(samples, X, chunk=20000), est, rtol=1e-12)  # chunks change nothing


def test_generator_gradients():
    mm, ns = theory.generator_gradients(np.array([0.001, 0.5, 0.999]))
    np.testing.assert_allclose(mm, [-0.001, -0.5, -0.999])
    np.testing.assert_allclose(ns, [-0.999, -0.5, -0.001])
