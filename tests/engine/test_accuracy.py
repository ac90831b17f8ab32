"""Accuracy on the evaluation set stays at the targets (no timing here: see bench/)."""
import pytest

from bench.engine_eval import evaluate, load_cases


@pytest.fixture(scope="module")
def report(engine):
    return evaluate(engine, load_cases())


def test_set_size(report):
    assert report["messages"] >= 150


def test_emergency_sensitivity_is_perfect(report):
    missed = [e["text"] for e in report["errors"] if e["gold_level"] == "emergency" and e["level"] != "emergency"]
    assert report["emergency_sensitivity"] == 1.0, missed


def test_no_negation_errors(report):
    assert report["negation_errors"] == 0, report["negation_error_cases"]


def test_triage_accuracy(report):
    assert report["triage_accuracy"] >= 0.9


def test_symptom_f1(report):
    assert report["symptom_f1"] >= 0.9
