import math

import numpy as np
import pytest

from gan_keras import data, evaluation

from .helpers import official_test_split


def gaussian_log_density(x, mean, sigma):
    d = x.shape[1]
    return -((x - mean) ** 2).sum(1) / (2 * sigma ** 2) - d * math.log(sigma * math.sqrt(2 * math.pi))


def test_parzen_with_one_centre_is_a_gaussian():
    rng = np.random.default_rng(0)
    centre = rng.uniform(0, 1, (1, 784))
    queries = centre + rng.normal(0, 0.3, (50, 784))
    got = evaluation.parzen_log_likelihood(centre, queries, [0.2, 0.5])
    for row, sigma in zip(got, (0.2, 0.5)):
        np.testing.assert_allclose(row, gaussian_log_density(queries, centre, sigma), rtol=1e-4)


def test_parzen_mixture_and_sigma_choice():
    rng = np.random.default_rng(1)
    centres = rng.normal(0, 1, (2, 5))
    x = centres[0] + rng.normal(0, 0.01, (3, 5))
    got = evaluation.parzen_log_likelihood(centres, x, [0.5])[0]
    both = np.stack([gaussian_log_density(x, c, 0.5) for c in centres])
    expected = np.log(np.exp(both).mean(0))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # samples spread like the data with a std of 0.3: the chosen sigma is near 0.3, not at the ends
    samples = rng.normal(0.5, 0.3, (2000, 2))
    result = evaluation.parzen_evaluate(samples, rng.normal(0.5, 0.3, (300, 2)), rng.normal(0.5, 0.3, (500, 2)),
                                        sigmas=[0.01, 0.1, 1.0, 10.0])
    assert result["sigma"] == 0.1
    assert result["sem"] == pytest.approx(result["per_image"].std() / math.sqrt(500))


def test_frechet_distance_known_answers():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (20000, 4))
    assert evaluation.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shift = np.array([1.0, 2.0, 0.0, 0.0])
    assert evaluation.frechet_distance(a, a + shift) == pytest.approx(5.0, rel=1e-6)
    # N(0, I) vs N(0, 4 I) in 4 dims: 4 * (1 + 4 - 2 * 2) = 4
    b = rng.normal(0, 2, (20000, 4))
    assert evaluation.frechet_distance(a, b) == pytest.approx(4.0, rel=0.05)
    assert evaluation.frechet_distance(a, a + 0.5 * shift) < evaluation.frechet_distance(a, a + shift)


def test_kid_is_unbiased_near_zero_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, (3000, 8)), rng.normal(0, 1, (3000, 8))
    same, same_std = evaluation.kernel_inception_distance(a, b, subset_size=500, subsets=10)
    assert abs(same) < 3 * same_std + 1e-3
    shifted, _ = evaluation.kernel_inception_distance(a, b + 1.0, subset_size=500, subsets=10)
    assert shifted > 10 * abs(same) + 0.01


def test_mode_coverage_of_a_collapsed_and_a_balanced_generator():
    collapsed = np.zeros((100, 10)); collapsed[:, 3] = 1.0
    c = evaluation.mode_coverage(collapsed)
    assert c["covered"] == 1 and c["kl_to_uniform"] == pytest.approx(math.log(10)) and c["confidence"] == 1.0
    balanced = np.eye(10)[np.arange(1000) % 10] * 0.9 + 0.01
    b = evaluation.mode_coverage(balanced)
    assert b["covered"] == 10 and b["kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)
    assert b["confidence"] == pytest.approx(0.91)


def test_density_and_coverage():
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, (2000, 3))
    same = evaluation.density_coverage(real, rng.normal(0, 1, (2000, 3)))
    assert same["coverage"] > 0.9 and 0.8 < same["density"] < 1.2
    one_mode = evaluation.density_coverage(real, real[:1] + rng.normal(0, 0.01, (2000, 3)))
    assert one_mode["coverage"] < 0.02


def test_nearest_training_finds_copies():
    rng = np.random.default_rng(0)
    train = rng.uniform(size=(300, 4, 4, 1))
    dist, idx = evaluation.nearest_training(train[[5, 17]], train)
    np.testing.assert_allclose(dist, 0, atol=1e-6)
    assert idx.tolist() == [5, 17]
    dist, _ = evaluation.nearest_training(rng.uniform(size=(10, 4, 4, 1)), train)
    assert np.all(dist > 0.1)


def test_committed_classifier_recognises_test_digits():
    x, y = official_test_split()   # never the classifier's own training digits
    model = evaluation.classifier("mnist")
    pick = np.random.default_rng(0).permutation(len(x))[:2000]
    x, y = x[pick], y[pick]
    features, probs = evaluation.classify(model, x)
    assert features.shape == (2000, 128) and probs.shape == (2000, 10)
    assert np.mean(probs.argmax(1) == y) > 0.98  # 99.02 % on all 10,000 (benchmarks/train_classifier.py)
    coverage = evaluation.mode_coverage(probs)
    assert coverage["covered"] == 10 and coverage["kl_to_uniform"] < 0.05


def test_missing_classifier_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="train_classifier.py"):
        evaluation.classifier("no_such_dataset")


def test_evaluate_samples_row_ranks_real_digits_above_noise():
    (train, _), (held, _) = data.holdout_split(*data.load_mnist(verbose=False), n_holdout=400)
    rng = np.random.default_rng(0)
    held, train = held[rng.permutation(len(held))], train[rng.permutation(len(train))]  # both sorted by class
    test, valid = held[:200], held[200:]
    real_row = evaluation.evaluate_samples(train[:300], test=test, validation=valid, train=train[300:])
    noise = rng.uniform(-1, 1, (300, 28, 28, 1)).astype("float32")
    noise_row = evaluation.evaluate_samples(noise, test=test, validation=valid, train=train[300:],
                                            p_real_test=np.full(200, 0.7), p_real_samples=np.full(300, 0.2))
    assert real_row["parzen"] > noise_row["parzen"]
    assert real_row["frechet"] < noise_row["frechet"]
    assert real_row["coverage"] > noise_row["coverage"]
    assert real_row["classes_covered"] == 10
    assert noise_row["d_real_test"] == pytest.approx(0.7) and noise_row["d_fake"] == pytest.approx(0.2)
    # samples in [0, 1] are rescaled: the same digits give the same Parzen score
    unit_row = evaluation.evaluate_samples((train[:300] + 1) / 2, test=test, validation=valid,
                                           train=train[300:], value_range=(0, 1))
    assert unit_row["parzen"] == pytest.approx(real_row["parzen"], rel=1e-4)


def test_class_agreement_counts_samples_of_the_requested_class():
    from gan_keras.evaluation import class_agreement

    probs = np.eye(10)[[0, 1, 2, 3, 3]]
    assert class_agreement(probs, [0, 1, 2, 3, 4]) == pytest.approx(0.8)
    assert class_agreement(np.eye(10)[[7] * 10], np.arange(10)) == pytest.approx(0.1)  # collapsed: chance


def test_code_purity_of_a_perfect_a_collapsed_and_an_ignored_code():
    from gan_keras.evaluation import code_purity

    codes = np.repeat(np.arange(10), 20)
    perfect = code_purity(np.eye(10)[(codes + 3) % 10], codes, 10)  # code c always makes digit c + 3
    assert perfect["purity"] == 1.0 and perfect["classes"] == 10 and perfect["mapping"][0] == 3
    collapsed = code_purity(np.eye(10)[np.full(200, 5)], codes, 10)  # one digit whatever the code
    assert collapsed["purity"] == 1.0 and collapsed["classes"] == 1
    ignored = code_purity(np.eye(10)[np.tile(np.arange(10), 20)], codes, 10)  # every code: all digits
    assert ignored["purity"] == pytest.approx(0.1) and ignored["confusion"].sum() == 200


def test_matched_accuracy_finds_the_best_one_to_one_assignment():
    import itertools

    rng = np.random.default_rng(0)
    for n in (2, 4, 6):
        labels = rng.integers(0, n, 300)
        predicted = np.where(rng.random(300) < 0.7, (labels + 1) % n, rng.integers(0, n, 300))
        result = evaluation.matched_accuracy(predicted, labels, n)
        brute = max(np.mean(np.array(p)[predicted] == labels) for p in itertools.permutations(range(n)))
        assert result["accuracy"] == pytest.approx(brute)
        assert sorted(result["mapping"]) == list(range(n))  # one class per cluster id
        assert np.mean(np.array(result["mapping"])[predicted] == labels) == pytest.approx(brute)
    labels = np.arange(1000) % 10
    assert evaluation.matched_accuracy((labels + 3) % 10, labels, 10)["accuracy"] == 1.0  # renamed clusters
    assert evaluation.matched_accuracy(np.zeros(1000, int), labels, 10)["accuracy"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="one shape"):
        evaluation.matched_accuracy(labels[:5], labels, 10)
