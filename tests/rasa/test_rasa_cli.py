"""`rasa data validate` is clean and the test stories pass with the trained model."""
import subprocess


from ops.settings import ROOT, VENV_BIN, resolved


def rasa(*args, timeout=600):
    return subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=ROOT, env=resolved(), capture_output=True,
                          text=True, timeout=timeout)


def test_data_validate_has_no_warnings():
    p = rasa("data", "validate", "--fail-on-warnings")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "UserWarning" not in p.stderr


def test_test_stories_pass(trained_model, tmp_path):
    p = rasa("test", "core", "--model", str(trained_model), "--stories", "tests/stories",
             "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot")
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
