"""The red-flag detector (legcare/reading/detector.py): trained here, saved without pickle, independent of the rules."""
import json

import numpy as np
import pytest

from legcare.reading import detector as det

ROWS = [
    {"text": "her face dropped and she slurs", "level": "emergency", "red_flags": ["face", "speech"]},
    {"text": "he cannot move his legs at all since lunch", "level": "emergency", "red_flags": ["paralysis"]},
    {"text": "pee like cola after the marathon, thighs agony", "level": "emergency", "red_flags": ["rhabdo"]},
    {"text": "my face looks lopsided and my words are wrong", "level": "emergency", "red_flags": ["face", "speech"]},
    {"text": "sore calves after my first run", "level": "self_care", "red_flags": []},
    {"text": "heavy legs after a long shift on the till", "level": "self_care", "red_flags": []},
    {"text": "knees stiff after the drive", "level": "self_care", "red_flags": []},
    {"text": "cramp in the night now and then", "level": "routine", "red_flags": []},
]


@pytest.fixture(scope="module")
def trained():
    return det.Detector.train(ROWS, {"min_df": 1})


def test_it_separates_what_it_was_taught(trained):
    assert trained.detect("her face dropped and she slurs").probability > trained.detect(
        "sore calves after my first run").probability


def test_save_and_load_give_the_same_answers_without_pickle(trained, tmp_path):
    trained.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(det.FILES)
    json.loads((tmp_path / "detector.json").read_text())  # plain JSON
    with np.load(tmp_path / "detector.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"word_idf", "char_idf", "coef", "intercept"}
    loaded = det.Detector.load(tmp_path)
    texts = ["my face is drooping", "legs ache after football", ""]
    assert np.allclose(loaded.probabilities(texts), trained.probabilities(texts))


def test_training_is_deterministic():
    a, b = det.Detector.train(ROWS, {"min_df": 1}), det.Detector.train(ROWS, {"min_df": 1})
    assert a.fingerprint == b.fingerprint
    assert np.allclose(a.coef, b.coef)


def test_groups_are_named_when_flagged(trained):
    found = trained.detect("her face dropped and she slurs")
    assert found.flagged and set(found.possible_flags) & {"face", "speech"}


def test_engine_uses_the_detector_only_for_the_screen(kb, trained):
    from legcare.engine import Engine

    engine = Engine(kb, detector=trained)
    # an emergency the rules confirm needs no second opinion
    assert engine.assess("her face dropped and she slurs")["detector"] is None
    # otherwise the detector gives its opinion, and can only ask for the screen, never set the level
    out = engine.assess("he just seems off today and wobbly")
    assert out["detector"] is not None
    if out["detector"]["flagged"]:
        assert out["screen"]["needed"] and any(r.startswith("detector:") for r in out["screen"]["rules"])
    calm = engine.assess("sore calves after my first run")
    assert calm["triage"]["level"] != "emergency"


def test_the_fast_transform_gives_scikit_learns_tfidf(trained):
    # the detector computes TF-IDF on the sparse arrays itself (for speed): it must equal scikit-learn's
    from scipy.sparse import hstack

    texts = ["her face dropped and she slurs", "legs ache after football", "", "!!!", "pee like cola " * 30]
    prepared = [det.prepare(t) for t in texts]
    features = hstack([trained.word.transform(prepared), trained.char.transform(prepared)]).tocsr()
    expected = 1.0 / (1.0 + np.exp(-np.asarray(features @ trained.coef.T + trained.intercept)))
    assert np.allclose(trained.probabilities(texts), expected, atol=1e-6)
    assert np.allclose(trained.features(texts).toarray(), features.toarray(), atol=1e-6)
