"""The knowledge base: required content, and clear errors for broken files."""
import shutil
from pathlib import Path

import pytest

from legcare.knowledge import DEFAULT_DIR, KnowledgeError, load

REQUIRED_CONDITIONS = """stroke transient_ischemic_attack sciatica herniated_disc spinal_stenosis
degenerative_disc_disease cauda_equina_syndrome spinal_cord_compression peripheral_artery_disease
acute_limb_ischemia varicose_veins peripheral_neuropathy diabetes multiple_sclerosis als
guillain_barre_syndrome myasthenia_gravis muscular_dystrophy polymyositis dermatomyositis hypokalemia
hypocalcemia electrolyte_imbalance vitamin_d_deficiency nutritional_deficiency dehydration anemia
hypothyroidism chronic_fatigue_syndrome rhabdomyolysis medication_side_effect arthritis deconditioning
overexertion post_surgery_recovery infection anxiety""".split()
REQUIRED_SYMPTOMS = """leg_weakness arm_weakness paralysis ascending_weakness facial_droop drooping_eyelids
slurred_speech vision_problems balance_problems difficulty_walking difficulty_standing_up falls numbness
tingling burning_sensation saddle_numbness leg_pain back_pain pain_when_walking muscle_pain muscle_cramps
twitching stiffness joint_pain swelling redness cold_pale_leg visible_veins leg_heaviness fatigue dizziness
confusion severe_headache breathing_difficulty swallowing_difficulty palpitations bladder_bowel_problems
dark_urine weight_gain cold_intolerance pale_skin rash dry_mouth""".split()
REQUIRED_RISKS = """diabetes smoking statins recent_surgery cancer recent_infection heavy_exercise little_sun heat
vomiting_diarrhoea older_age""".split()


def test_required_content(kb):
    assert set(REQUIRED_CONDITIONS) <= set(kb.conditions)
    assert set(REQUIRED_SYMPTOMS) <= set(kb.symptoms)
    assert set(REQUIRED_RISKS) <= set(kb.risk_factors)


def test_every_condition_is_complete(kb):
    for c in kb.conditions.values():
        assert c.description and c.symptoms and c.care_timeframe and c.seek_help and c.sources, c.id
        assert c.care_level in ("emergency", "urgent", "routine", "self_care")


def test_exercises_have_numbered_steps_reps_and_safety(kb):
    assert {"side_leg_raise", "seated_leg_extension"} <= set(kb.exercises)  # the two from the seeds
    for ex in kb.exercises.values():
        assert len(ex.steps) >= 3 and ex.repetitions and ex.safety and ex.sources


def test_home_measures_say_who_should_check_first(kb):
    for mid in ("walking", "hydration", "vitamin_d", "healthy_diet", "massage", "rest_and_sleep"):
        assert kb.home_measures[mid].check_first


def test_every_fact_names_a_seed_or_clinical_source(kb):
    seeds = set(kb.seed_titles)
    assert len(seeds) == 5
    items = list(kb.conditions.values()) + list(kb.symptoms.values()) + list(kb.red_flags) + \
        list(kb.exercises.values()) + list(kb.home_measures.values())
    for item in items:
        for s in item.sources:
            assert s in seeds or s.startswith("clinical:"), (item.id, s)


def test_seed_manifest_matches_shared_seeds(kb):
    shared = DEFAULT_DIR.parent.parent / "shared" / "seeds"
    if shared.is_dir():  # present in this workplace and in CI, next to the clone
        assert {p.name for p in shared.iterdir()} == set(kb.seed_titles)


@pytest.fixture
def kdir(tmp_path):
    d = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, d)
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_missing_field_names_file_entry_and_field(kdir):
    _edit(kdir / "conditions.yml", "    seek_help: Numbness around the bottom", "    unused: Numbness around the bottom")
    with pytest.raises(KnowledgeError) as err:
        load(kdir)
    e = err.value
    assert (e.file, e.entry, e.field) == ("conditions.yml", "herniated_disc", "seek_help")
    assert e.line and "conditions.yml:" in str(e)


def test_unknown_symptom_id(kdir):
    _edit(kdir / "conditions.yml", "symptoms: {leg_pain: 3, back_pain: 2, tingling: 2",
          "symptoms: {leg_pian: 3, back_pain: 2, tingling: 2")
    with pytest.raises(KnowledgeError, match="unknown symptom id 'leg_pian'") as err:
        load(kdir)
    assert err.value.entry == "sciatica" and err.value.field == "symptoms"


def test_unknown_symptom_in_red_flag(kdir):
    _edit(kdir / "red_flags.yml", "      - symptom: [facial_droop]\n", "      - symptom: [face_droop]\n")
    with pytest.raises(KnowledgeError, match="unknown symptom id 'face_droop'") as err:
        load(kdir)
    assert err.value.file == "red_flags.yml" and err.value.entry == "facial_droop"


def test_a_self_care_rule_can_only_explain_routine_rules(kdir):
    _edit(kdir / "triage.yml", "    explains: [nerve_symptoms, warning_signs, walking_or_standing_problems, one_sided_weakness]",
          "    explains: [nerve_symptoms, cannot_walk]")
    with pytest.raises(KnowledgeError, match="'cannot_walk' is not a rule under 'routine'") as err:
        load(kdir)
    assert (err.value.file, err.value.entry, err.value.field) == ("triage.yml", "pressure_on_a_nerve_passed", "explains")
    assert err.value.line


def test_only_self_care_rules_explain(kdir):
    _edit(kdir / "triage.yml", "  - id: nerve_symptoms\n", "  - id: nerve_symptoms\n    explains: [palpitations]\n")
    with pytest.raises(KnowledgeError, match="unknown field") as err:
        load(kdir)
    assert err.value.entry == "nerve_symptoms"


def test_a_near_rule_with_a_wrong_order_flag_names_its_entry(kdir):
    _edit(kdir / "risk_factors.yml", "within: 2, words_first: true}", "within: 2, words_first: yes please}")
    with pytest.raises(KnowledgeError, match="'words_first' must be true or false") as err:
        load(kdir)
    assert (err.value.file, err.value.entry) == ("risk_factors.yml", "back_injury") and err.value.line


def test_duplicate_id(kdir):
    _edit(kdir / "conditions.yml", "  - id: herniated_disc", "  - id: sciatica")
    with pytest.raises(KnowledgeError, match="duplicate id 'sciatica'"):
        load(kdir)


def test_duplicate_key_in_mapping(kdir):
    _edit(kdir / "symptoms.yml", "  arm_weakness:\n", "  leg_weakness:\n")
    with pytest.raises(KnowledgeError, match="appears twice") as err:
        load(kdir)
    assert err.value.file == "symptoms.yml" and err.value.line


def test_broken_yaml(kdir):
    _edit(kdir / "education.yml", "    name: Standing side leg raise", "    name: [Standing side leg raise")
    with pytest.raises(KnowledgeError, match="broken YAML") as err:
        load(kdir)
    assert err.value.file == "education.yml" and err.value.line


def test_bad_source(kdir):
    _edit(kdir / "education.yml", "    sources: [001_1e1601699f93fa28.txt]\n", "    sources: [some_blog.txt]\n")
    with pytest.raises(KnowledgeError, match="some_blog.txt"):
        load(kdir)


def test_missing_file(kdir):
    (kdir / "triage.yml").unlink()
    with pytest.raises(KnowledgeError, match="triage.yml: the file is missing"):
        load(kdir)


def test_yes_and_no_stay_words(kdir):
    kb = load(kdir)
    assert "no" in kb.language["negation"]["before"]


def test_an_age_range_must_be_two_ordered_numbers(kdir):
    _edit(kdir / "risk_factors.yml", "    ages: [1, 12]", "    ages: [12, 1]")
    with pytest.raises(KnowledgeError, match="'ages' must be two whole numbers") as err:
        load(kdir)
    assert (err.value.file, err.value.entry, err.value.field) == ("risk_factors.yml", "child", "ages")
    assert err.value.line


def test_a_risk_factor_without_phrases_needs_near_rules_or_an_age_range(kdir):
    _edit(kdir / "risk_factors.yml", "    ages: [1, 12]\n", "")
    with pytest.raises(KnowledgeError, match="phrases") as err:
        load(kdir)
    assert err.value.entry == "child" and err.value.line


def test_a_rule_cannot_require_and_exclude_the_same_risk_factor(kdir):
    _edit(kdir / "triage.yml", "no_risk: [smoking, diabetes, older_age, high_cholesterol]",
          "no_risk: [heavy_exercise, diabetes]")
    with pytest.raises(KnowledgeError, match="the same risk factor is both required and excluded") as err:
        load(kdir)
    assert err.value.entry == "circulation_signs" and err.value.line


def test_an_unknown_risk_factor_in_no_risk_is_named(kdir):
    _edit(kdir / "triage.yml", "no_risk: [smoking, diabetes, older_age, high_cholesterol]", "no_risk: [smokin]")
    with pytest.raises(KnowledgeError, match="unknown risk factor id 'smokin'") as err:
        load(kdir)
    assert err.value.field == "when.no_risk"


@pytest.mark.parametrize("value", ["1.2", "high", "0.2"])
def test_an_agreement_threshold_outside_its_range_is_named_with_its_line(kdir, value):
    _edit(kdir / "screen.yml", "  at_least: 0.8", f"  at_least: {value}")
    with pytest.raises(KnowledgeError, match="must be a number from 0.5 to below 1") as err:
        load(kdir)
    assert (err.value.file, err.value.entry, err.value.field) == ("screen.yml", "agreement", "at_least")
    assert err.value.line


def test_without_an_agreement_block_the_detector_never_escalates(kdir):
    text = (kdir / "screen.yml").read_text()
    start = text.index("agreement:\n")
    end = text.index("\n\n", start)
    (kdir / "screen.yml").write_text(text[:start] + text[end + 2:])
    assert load(kdir).screen.agreement_at_least is None


def test_an_agreement_minimum_of_words_that_is_not_a_whole_number_is_named(kdir):
    _edit(kdir / "screen.yml", "  min_words: 12", "  min_words: twelve")
    with pytest.raises(KnowledgeError, match="whole number of words") as err:
        load(kdir)
    assert (err.value.entry, err.value.field) == ("agreement", "min_words") and err.value.line
