"""Load and check the knowledge base in ``knowledge/*.yml``.

Every problem an educator can make (broken YAML, a missing field, an unknown
id, a duplicate id) stops loading with a :class:`KnowledgeError` that names
the file, the line, the entry and the field.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"

LEVELS = ("emergency", "urgent", "routine", "self_care")
CATEGORIES = (
    "neurological", "spinal", "vascular", "muscular", "metabolic/nutritional",
    "systemic", "medication", "lifestyle",
)
ONSETS = ("sudden", "rapid", "gradual")
SIDES = ("left", "right", "one", "both")
# What the timeline reader can tell of how things developed (legcare/reading/timeline.py, `story` in rules)
STORIES = ("passed_attack", "passed_attack_days_ago", "passed_long_ago", "recurring", "eases_at_rest", "worsening",
           "spreading_upwards", "new_on_background", "recovering")
PREVALENCE = ("common", "uncommon", "rare")
LANGUAGE_LISTS = {
    "negation": ("before", "pseudo", "after", "answer", "undone_after", "stop", "list_links", "body_well"),
    "context": ("relatives", "relative_verbs", "family_phrases", "first_person", "third_person", "past", "ongoing",
                "recent", "abrupt", "hypothetical", "not_hypothetical", "feared", "read_about", "sensation", "question_starts",
                "general_question_words"),
    "onset": ("sudden", "rapid", "gradual", "not_gradual_after", "not_gradual_before"),
    "side": ("left", "right", "not_side_after", "compared_with", "in_use", "both", "one", "plural_body", "singular_body",
             "arm_words", "leg_words", "regions", "placed_by", "whole_body", "follow_up_starts",
             "head_words"),
    "timeline": ("today", "days", "days_short", "worsening_fast", "not_worsening_fast_before", "worsening", "not_worsening_after",
                 "recovery", "not_recovery_after", "not_recovery_before", "stable", "repeated", "eases_at_rest", "activity_times",
                 "effort_times", "same_complaint", "contrast", "spread", "not_spread_after"),
    "reference": ("weather", "idiom_before"),
    "degree": ("complete",),
}
AGREEMENT_MIN_WORDS = 12  # screen.yml `agreement.min_words` when it is not given

# Sections whose names are the educator's own, in order (lowest part of the body first).
LANGUAGE_ORDERED = ("body_heights",)
RULE_TESTS = (
    "symptom", "all_symptoms", "none", "risk", "no_risk", "onset", "not_onset", "side", "not_side", "story",
    "max_days", "min_days", "unless",
)


class KnowledgeError(ValueError):
    """A problem in a knowledge file, with where it is and what to do."""

    def __init__(self, file: str, message: str, line: Optional[int] = None,
                 entry: Optional[str] = None, field_name: Optional[str] = None):
        self.file, self.line, self.entry, self.field = file, line, entry, field_name
        where = file + (f":{line}" if line else "")
        parts = [where]
        if entry:
            parts.append(f"entry '{entry}'")
        if field_name:
            parts.append(f"field '{field_name}'")
        super().__init__(f"{', '.join(parts)}: {message}")


class _LineDict(dict):
    line: int = 0


class _LineList(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """Safe YAML loader that remembers line numbers and refuses duplicate keys.

    Only true/false are booleans: plain YAML 1.1 would read the words
    no, yes, on and off (as in "no numbness") as booleans.
    """


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key '{key}' appears twice", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _LineList:
    result = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning syntax errors into KnowledgeError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(path.name, "the file is missing") from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(path.name, f"the file is not UTF-8 text ({exc.reason})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise KnowledgeError(path.name, f"broken YAML: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(path.name, f"broken YAML: {exc}") from None


# ---------------------------------------------------------------- data model

@dataclass(frozen=True)
class NearRule:
    words: Tuple[str, ...]
    with_words: Tuple[str, ...]
    within: int = 6
    words_first: bool = False  # only "hurt my back", not "my back hurts"


@dataclass(frozen=True)
class Term:
    """A symptom or risk factor and the ways people say it."""
    id: str
    name: str
    phrases: Tuple[str, ...]
    near: Tuple[NearRule, ...] = ()
    misspellings: Tuple[str, ...] = ()
    ask: Optional[str] = None
    sources: Tuple[str, ...] = ()
    generic_of: Tuple[str, ...] = ()
    not_phrases: Tuple[str, ...] = ()  # look-alikes that are not this ("fell asleep" is no fall)
    said_well: Tuple[str, ...] = ()  # parts that, said to be well ("arms fine"), deny this symptom
    history_counts: bool = False  # risk factors: one in the past still counts ("breast cancer 5 years ago")
    ages: Optional[Tuple[int, int]] = None  # risk factors: also present when the person's age is in this range
    abbreviations: Tuple[str, ...] = ()  # found only in capitals ("AF"; "tired af" is slang)


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    aliases: Tuple[str, ...]
    category: str
    prevalence: str
    description: str
    symptoms: Dict[str, int]
    onset: str
    side: str
    risk_factors: Dict[str, int]
    care_level: str
    care_timeframe: str
    self_care: Tuple[str, ...]
    seek_help: str
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    reason: str
    when: Tuple[Dict[str, Any], ...]
    suggests: Tuple[str, ...] = ()
    sources: Tuple[str, ...] = ()
    group: Optional[str] = None   # red flags only: what a clinician would worry about
    explains: Tuple[str, ...] = ()  # self-care rules only: the routine rules whose findings this cause accounts for


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    aliases: Tuple[str, ...]
    purpose: str
    steps: Tuple[str, ...]
    repetitions: str
    safety: str
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class HomeMeasure:
    id: str
    name: str
    advice: str
    check_first: str
    sources: Tuple[str, ...]


CUE_DIRECTIONS = ("forward", "backward", "both", "pseudo", "terminate")
CUE_ENDS = ("sentence", "clause", "segment", "stop_words", "first_person", "comma_unless_list")
CUE_NUMBERS = ("max_scope", "cue_reach", "list_reach", "reach_back")


@dataclass(frozen=True)
class CueRule:
    """How a language cue reaches the words around it (knowledge/language.yml), as in ConText."""
    direction: str = "both"
    max_scope: Optional[int] = None
    cue_reach: Optional[int] = None
    list_reach: Optional[int] = None
    reach_back: Optional[int] = None
    ends_at: Tuple[str, ...] = ()
    joined_by: Tuple[str, ...] = ()
    unless_near: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreenQuestion:
    id: str
    ask: str
    symptom: Optional[str] = None   # what a "yes" adds to the findings
    onset: Optional[str] = None


@dataclass(frozen=True)
class Screen:
    """The emergency screen (knowledge/screen.yml)."""
    intro: str
    closing: str
    language_note: str
    questions: Tuple[ScreenQuestion, ...]
    answers: Dict[str, Tuple[str, ...]]
    rules: Tuple[Rule, ...]
    nothing_found_level: str = "routine"
    nothing_found_reason: str = ""
    agreement_at_least: Optional[float] = None  # detector chance from which a screen rule + detector escalate
    agreement_min_words: int = AGREEMENT_MIN_WORDS  # ... in a message of at least this many words (a story)
    agreement_reason: str = ""


@dataclass
class Knowledge:
    symptoms: Dict[str, Term]
    risk_factors: Dict[str, Term]
    conditions: Dict[str, Condition]
    red_flags: List[Rule]
    red_flag_groups: Dict[str, str]
    levels: Dict[str, Dict[str, str]]
    urgent_rules: List[Rule]
    routine_rules: List[Rule]
    self_care_rules: List[Rule]
    exercises: Dict[str, Exercise]
    home_measures: Dict[str, HomeMeasure]
    general_safety: str
    general_safety_sources: Tuple[str, ...]
    language: Dict[str, Dict[str, Tuple[str, ...]]] = field(default_factory=dict)
    cue_rules: Dict[str, CueRule] = field(default_factory=dict)   # "negation.before" -> its reach
    word_groups: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    seed_titles: Dict[str, str] = field(default_factory=dict)
    questions: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    screen: Optional[Screen] = None
    translations: Dict[str, Dict[str, str]] = field(default_factory=dict)  # language -> phrase -> English
    shorthand: Dict[str, str] = field(default_factory=dict)  # "fel" -> "feel" (knowledge/shorthand.yml)
    directory: Path = field(default=DEFAULT_DIR)

    def education(self, item_id: str):
        return self.exercises.get(item_id) or self.home_measures.get(item_id)

    def source_label(self, source: str) -> str:
        """A readable name for a `sources` entry."""
        if source.startswith("clinical:"):
            return f"established clinical guidance ({source.split(':', 1)[1].replace('-', ' ')})"
        return self.seed_titles.get(source, source)


# ------------------------------------------------------------------ checking

class _Checker:
    """Helpers that read fields of one entry and raise precise errors."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, message: str, node: Any = None, entry: Optional[str] = None,
             field_name: Optional[str] = None) -> None:
        raise KnowledgeError(self.file, message, line=getattr(node, "line", None),
                             entry=entry, field_name=field_name)

    def mapping(self, node: Any, what: str, entry: Optional[str] = None) -> _LineDict:
        if not isinstance(node, dict):
            self.fail(f"{what} must be a mapping (key: value lines), found {type(node).__name__}",
                      node, entry)
        return node

    def seq(self, node: Any, what: str, entry: Optional[str] = None) -> list:
        if not isinstance(node, list):
            self.fail(f"{what} must be a list, found {type(node).__name__}", node, entry)
        return node

    def text(self, entry_node: dict, key: str, entry: str, required: bool = True) -> Optional[str]:
        value = entry_node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail("this field is missing or empty", entry_node, entry, key)
            return None
        if not isinstance(value, (str, int, float)):
            self.fail(f"must be text, found {type(value).__name__}", entry_node, entry, key)
        return str(value).strip()

    def texts(self, entry_node: dict, key: str, entry: str, required: bool = True) -> Tuple[str, ...]:
        value = entry_node.get(key)
        if value is None:
            if required:
                self.fail("this field is missing", entry_node, entry, key)
            return ()
        if not isinstance(value, list):
            self.fail("must be a list like [a, b]", entry_node, entry, key)
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
                self.fail(f"every item must be non-empty text, found {item!r}", entry_node, entry, key)
            out.append(str(item).strip())
        if required and not out:
            self.fail("the list is empty", entry_node, entry, key)
        return tuple(out)

    def choice(self, entry_node: dict, key: str, entry: str, allowed: Sequence[str]) -> str:
        value = self.text(entry_node, key, entry)
        if value not in allowed:
            self.fail(f"'{value}' is not one of: {', '.join(allowed)}", entry_node, entry, key)
        return value

    def weights(self, entry_node: dict, key: str, entry: str, known: Dict[str, Any],
                kind: str, required: bool = True) -> Dict[str, int]:
        value = entry_node.get(key)
        if value is None:
            if required:
                self.fail("this field is missing", entry_node, entry, key)
            return {}
        if not isinstance(value, dict):
            self.fail("must be a mapping like {id: weight}", entry_node, entry, key)
        out = {}
        for item_id, weight in value.items():
            if item_id not in known:
                self.fail(f"unknown {kind} id '{item_id}'", entry_node, entry, key)
            if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 3:
                self.fail(f"weight of '{item_id}' must be a whole number from 1 to 3", entry_node, entry, key)
            out[item_id] = weight
        return out

    def sources(self, entry_node: dict, entry: str, seeds: Optional[set]) -> Tuple[str, ...]:
        items = self.texts(entry_node, "sources", entry)
        for src in items:
            if src.startswith("clinical:"):
                continue
            if seeds is not None and src not in seeds:
                self.fail(f"source '{src}' is neither a seed file name nor 'clinical:<reference>'",
                          entry_node, entry, "sources")
        return items

    def unique(self, seen: Dict[str, Any], item_id: str, node: Any) -> None:
        if item_id in seen:
            self.fail(f"duplicate id '{item_id}' (ids must be unique)", node, item_id, "id")


def _seed_titles(directory: Path) -> Optional[Dict[str, str]]:
    """Seed article file names and titles, from ``knowledge/seeds.txt``."""
    manifest = directory / "seeds.txt"
    if not manifest.is_file():
        return None
    titles = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, title = line.partition("|")
        titles[name.strip()] = title.strip() or name.strip()
    return titles


def _load_terms(path: Path, top_key: str, groups: Dict[str, Tuple[str, ...]],
                seeds: Optional[set]) -> Dict[str, Term]:
    chk = _Checker(path.name)
    doc = chk.mapping(read_yaml(path), "the file")
    body = chk.mapping(doc.get(top_key), f"'{top_key}'")
    terms: Dict[str, Term] = {}
    for term_id, node in body.items():
        if not isinstance(term_id, str) or not term_id.replace("_", "").isalnum() or term_id != term_id.lower():
            chk.fail("ids must be lower_case_with_underscores", body, str(term_id), "id")
        node = chk.mapping(node, "the entry", term_id)
        name = chk.text(node, "name", term_id)
        ages = _age_range(chk, node, term_id)
        # a term is found by its phrases, its near rules or (risk factors) an age range
        phrases = chk.texts(node, "phrases", term_id,
                            required=ages is None and not node.get("near") and not node.get("abbreviations"))
        misspellings = chk.texts(node, "misspellings", term_id, required=False)
        abbreviations = chk.texts(node, "abbreviations", term_id, required=False)
        if any(not a.isupper() or " " in a for a in abbreviations):
            chk.fail("abbreviations are single words in capitals (\"AF\")", node, term_id, "abbreviations")
        near = []
        for rule in node.get("near") or []:
            rule = chk.mapping(rule, "a near rule", term_id)
            words = _expand(chk, rule, "words", term_id, groups)
            with_words = _expand(chk, rule, "with", term_id, groups)
            within = rule.get("within", 8)
            if not isinstance(within, int) or not 1 <= within <= 15:
                chk.fail("'within' must be a whole number from 1 to 15", rule, term_id, "near")
            words_first = rule.get("words_first", False)
            if not isinstance(words_first, bool):
                chk.fail("'words_first' must be true or false", rule, term_id, "near")
            unknown = set(rule) - {"words", "with", "within", "words_first"}
            if unknown:
                chk.fail(f"unknown field(s) {sorted(unknown)} in a near rule", rule, term_id, "near")
            near.append(NearRule(words, with_words, within, words_first))
        terms[term_id] = Term(
            id=term_id, name=name, phrases=phrases, misspellings=misspellings, near=tuple(near),
            ask=chk.text(node, "ask", term_id, required=False),
            sources=chk.sources(node, term_id, seeds),
            generic_of=chk.texts(node, "generic_of", term_id, required=False),
            not_phrases=chk.texts(node, "not_phrases", term_id, required=False),
            said_well=chk.texts(node, "said_well", term_id, required=False),
            history_counts=_flag(chk, node, "history_counts", term_id), ages=ages, abbreviations=abbreviations)
        unknown = set(node) - {"name", "phrases", "misspellings", "near", "ask", "sources", "generic_of",
                               "not_phrases", "said_well", "history_counts", "ages", "abbreviations"}
        if unknown:
            chk.fail(f"unknown field(s) {sorted(unknown)}", node, term_id)
    return terms


def _age_range(chk: _Checker, node: dict, entry: str) -> Optional[Tuple[int, int]]:
    """`ages: [low, high]`: the risk factor holds for a person whose age (in years) is in that range."""
    value = node.get("ages")
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not 0 <= value[0] <= value[1] <= 120):
        chk.fail("'ages' must be two whole numbers [low, high] from 0 to 120, low first", node, entry, "ages")
    return (value[0], value[1])


def _flag(chk: _Checker, node: dict, key: str, entry: str) -> bool:
    value = node.get(key, False)
    if not isinstance(value, bool):
        chk.fail("must be true or false", node, entry, key)
    return value


def _expand(chk: _Checker, rule: dict, key: str, entry: str,
            groups: Dict[str, Tuple[str, ...]]) -> Tuple[str, ...]:
    value = rule.get(key)
    if isinstance(value, str) and value.startswith("@"):
        if value[1:] not in groups:
            chk.fail(f"unknown word group '{value}'", rule, entry, f"near.{key}")
        return groups[value[1:]]
    if isinstance(value, list) and value:
        out: List[str] = []
        for item in value:
            if isinstance(item, str) and item.startswith("@"):
                if item[1:] not in groups:
                    chk.fail(f"unknown word group '{item}'", rule, entry, f"near.{key}")
                out.extend(groups[item[1:]])
            else:
                out.append(str(item))
        return tuple(out)
    chk.fail("must be a list of words or @group", rule, entry, f"near.{key}")
    return ()


def _load_rules(chk: _Checker, nodes: Any, what: str, level: Optional[str],
                symptoms: Dict[str, Term], risks: Dict[str, Term],
                conditions: Dict[str, Condition], seeds: Optional[set],
                seen: Dict[str, Any], groups: Optional[Dict[str, str]] = None,
                explainable: Optional[Sequence[str]] = None) -> List[Rule]:
    rules = []
    for node in chk.seq(nodes, what):
        node = chk.mapping(node, "a rule")
        rule_id = chk.text(node, "id", "?")
        chk.unique(seen, rule_id, node)
        seen[rule_id] = node
        rule_level = chk.choice(node, "level", rule_id, ("emergency", "urgent")) if level is None else level
        when = chk.seq(node.get("when"), "'when'", rule_id)
        if not when:
            chk.fail("needs at least one test", node, rule_id, "when")
        tests = tuple(_check_test(chk, t, rule_id, symptoms, risks) for t in when)
        suggests = chk.texts(node, "suggests", rule_id, required=False)
        for cid in suggests:
            if cid not in conditions:
                chk.fail(f"unknown condition id '{cid}'", node, rule_id, "suggests")
        group = None
        if groups is not None:
            group = chk.choice(node, "group", rule_id, tuple(groups))
        fields = {"id", "level", "reason", "when", "suggests", "sources", "group"}
        explains: Tuple[str, ...] = ()
        if level == "self_care":
            fields.add("explains")
            explains = chk.texts(node, "explains", rule_id, required=False)
            for rid in explains:
                if rid not in (explainable or ()):
                    chk.fail(f"'{rid}' is not a rule under 'routine'", node, rule_id, "explains")
        unknown = set(node) - fields
        if unknown:
            chk.fail(f"unknown field(s) {sorted(unknown)}", node, rule_id)
        rules.append(Rule(id=rule_id, level=rule_level, reason=chk.text(node, "reason", rule_id),
                          when=tests, suggests=suggests, sources=chk.sources(node, rule_id, seeds), group=group,
                          explains=explains))
    return rules


def _check_test(chk: _Checker, test: Any, rule_id: str, symptoms: Dict[str, Term],
                risks: Dict[str, Term]) -> Dict[str, Any]:
    test = chk.mapping(test, "a test", rule_id)
    for key, value in test.items():
        if key not in RULE_TESTS:
            chk.fail(f"unknown test '{key}'; use one of {', '.join(RULE_TESTS)}", test, rule_id, "when")
        if key in ("symptom", "all_symptoms", "none"):
            for s in chk.seq(value, key, rule_id):
                if s not in symptoms:
                    chk.fail(f"unknown symptom id '{s}' (not in symptoms.yml)", test, rule_id, f"when.{key}")
        elif key in ("risk", "no_risk"):
            for r in chk.seq(value, key, rule_id):
                if r not in risks:
                    chk.fail(f"unknown risk factor id '{r}' (not in risk_factors.yml)", test, rule_id, f"when.{key}")
        elif key in ("onset", "not_onset"):
            for o in chk.seq(value, key, rule_id):
                if o not in ONSETS:
                    chk.fail(f"'{o}' is not one of {', '.join(ONSETS)}", test, rule_id, f"when.{key}")
        elif key == "story":
            for s in chk.seq(value, key, rule_id):
                if s not in STORIES:
                    chk.fail(f"'{s}' is not one of {', '.join(STORIES)}", test, rule_id, "when.story")
        elif key in ("side", "not_side"):
            for s in chk.seq(value, key, rule_id):
                if s not in SIDES:
                    chk.fail(f"'{s}' is not one of {', '.join(SIDES)}", test, rule_id, f"when.{key}")
        elif key in ("max_days", "min_days"):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                chk.fail("must be a number of days", test, rule_id, f"when.{key}")
        elif key == "unless":
            _check_test(chk, value, rule_id, symptoms, risks)
    # a test that can never hold is a mistake, not a rule
    clashes = [("onset", "not_onset", "the same onset is both required and excluded"),
               ("symptom", "none", "the same symptom is both required and excluded"),
               ("all_symptoms", "none", "the same symptom is both required and excluded"),
               ("risk", "no_risk", "the same risk factor is both required and excluded"),
               ("side", "not_side", "the same side is both required and excluded")]
    for a, b, why in clashes:
        if a in test and b in test and set(test[a]) & set(test[b]):
            chk.fail(f"{why} ({', '.join(sorted(set(test[a]) & set(test[b])))}), so the rule can never fire",
                     test, rule_id, "when")
    if "min_days" in test and "max_days" in test and test["min_days"] > test["max_days"]:
        chk.fail("min_days is larger than max_days, so the rule can never fire", test, rule_id, "when")
    return dict(test)


def _load_screen(path: Path, symptoms: Dict[str, Term], risks: Dict[str, Term],
                 conditions: Dict[str, Condition], seeds: Optional[set], seen: Dict[str, Any]) -> Screen:
    chk = _Checker(path.name)
    doc = chk.mapping(read_yaml(path), "the file")
    questions = []
    ids: Dict[str, Any] = {}
    for node in chk.seq(doc.get("questions"), "'questions'"):
        node = chk.mapping(node, "a question")
        qid = chk.text(node, "id", "?")
        chk.unique(ids, qid, node)
        ids[qid] = node
        means = chk.mapping(node.get("yes_means"), "'yes_means'", qid)
        unknown = set(means) - {"symptom", "onset"}
        if unknown or not means:
            chk.fail("give 'symptom: <id>' or 'onset: <sudden|rapid|gradual>'", node, qid, "yes_means")
        symptom, onset = means.get("symptom"), means.get("onset")
        if symptom is not None and symptom not in symptoms:
            chk.fail(f"unknown symptom id '{symptom}' (not in symptoms.yml)", node, qid, "yes_means")
        if onset is not None and onset not in ONSETS:
            chk.fail(f"'{onset}' is not one of {', '.join(ONSETS)}", node, qid, "yes_means")
        questions.append(ScreenQuestion(qid, chk.text(node, "ask", qid), symptom, onset))
    if not questions:
        chk.fail("needs at least one question", doc, "questions")
    answers_node = chk.mapping(doc.get("answers"), "'answers'", "answers")
    answers = {kind: chk.texts(answers_node, kind, "answers") for kind in ("yes", "no", "unsure")}
    rules = _load_rules(chk, doc.get("when"), "'when'", "screen", symptoms, risks, conditions, seeds, seen)
    nothing = chk.mapping(doc.get("nothing_found"), "'nothing_found'", "nothing_found")
    at_least, agreement_reason, min_words = None, "", AGREEMENT_MIN_WORDS
    if doc.get("agreement") is not None:
        agreement = chk.mapping(doc.get("agreement"), "'agreement'", "agreement")
        at_least = agreement.get("at_least")
        if isinstance(at_least, bool) or not isinstance(at_least, (int, float)) or not 0.5 <= at_least < 1:
            chk.fail("must be a number from 0.5 to below 1 (the detector's chance of an emergency)",
                     agreement, "agreement", "at_least")
        agreement_reason = chk.text(agreement, "reason", "agreement")
        at_least = float(at_least)
        min_words = agreement.get("min_words", AGREEMENT_MIN_WORDS)
        if isinstance(min_words, bool) or not isinstance(min_words, int) or not 1 <= min_words <= 200:
            chk.fail("must be a whole number of words from 1 to 200", agreement, "agreement", "min_words")
    return Screen(nothing_found_level=chk.choice(nothing, "level", "nothing_found", LEVELS),
                  nothing_found_reason=chk.text(nothing, "reason", "nothing_found"),
                  agreement_at_least=at_least, agreement_reason=agreement_reason,
                  agreement_min_words=min_words,
                  intro=chk.text(doc, "intro", "intro"), closing=chk.text(doc, "closing", "closing"),
                  language_note=chk.text(doc, "language_note", "language_note"),
                  questions=tuple(questions), answers=answers, rules=tuple(rules))


def _cue_rule(chk: _Checker, node: dict, entry: str) -> CueRule:
    unknown = set(node) - {"phrases", "direction", "ends_at", "joined_by", "unless_near", *CUE_NUMBERS}
    if unknown:
        chk.fail(f"unknown field(s) {sorted(unknown)}", node, entry)
    direction = chk.choice(node, "direction", entry, CUE_DIRECTIONS)
    numbers = {}
    for key in CUE_NUMBERS:
        value = node.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30):
            chk.fail("must be a whole number of words from 1 to 30", node, entry, key)
        numbers[key] = value
    ends = chk.texts(node, "ends_at", entry, required=False)
    for end in ends:
        if end not in CUE_ENDS:
            chk.fail(f"'{end}' is not one of: {', '.join(CUE_ENDS)}", node, entry, "ends_at")
    return CueRule(direction=direction, ends_at=ends, joined_by=chk.texts(node, "joined_by", entry, required=False),
                   unless_near=chk.texts(node, "unless_near", entry, required=False), **numbers)


def _load_translations(path: Path) -> Dict[str, Dict[str, str]]:
    """knowledge/translations.yml: per language, phrases people write and the plain English for them."""
    if not path.exists():
        return {}
    chk = _Checker(path.name)
    doc = chk.mapping(read_yaml(path), "the file")
    languages = chk.mapping(doc.get("languages"), "'languages'", "languages")
    out: Dict[str, Dict[str, str]] = {}
    for lang in languages:
        node = chk.mapping(languages[lang], f"language '{lang}'", str(lang))
        chk.text(node, "name", str(lang))
        phrases = chk.mapping(node.get("phrases"), "'phrases'", str(lang))
        table: Dict[str, str] = {}
        for source in phrases:
            english = phrases[source]
            if (not isinstance(source, (str, int)) or not str(source).strip() or isinstance(english, bool)
                    or not isinstance(english, (str, int)) or not str(english).strip()):
                chk.fail(f"'{source}: {english}' must be text on both sides", phrases, str(lang), "phrases")
            table[str(source).strip()] = str(english).strip()
        if not table:
            chk.fail("the list of phrases is empty", node, str(lang), "phrases")
        out[str(lang)] = table
    return out


def _load_shorthand(path: Path) -> Dict[str, str]:
    """knowledge/shorthand.yml: a shorthand word people write and the one word (or contraction) it means."""
    if not path.exists():
        return {}
    chk = _Checker(path.name)
    doc = chk.mapping(read_yaml(path), "the file")
    if not isinstance(doc.get("words"), dict):  # (a plain value carries no line: give the file's first entry)
        chk.fail("'words' must be a mapping of `what people write: the word they mean` lines", doc, "words")
    words = doc["words"]
    out: Dict[str, str] = {}
    for written in words:
        meant = words[written]
        if (not isinstance(written, (str, int)) or isinstance(written, bool) or isinstance(meant, bool)
                or not isinstance(meant, str) or not re.fullmatch(r"[a-z0-9]+", str(written))
                or not re.fullmatch(r"[a-z]+(?:'[a-z]+)?", meant)):
            chk.fail(f"'{written}: {meant}' must be one word written in lower case letters or digits, "
                     "and the one word it means", words, str(written), "words")
        out[str(written)] = meant
    return out


def load(directory: Optional[os.PathLike] = None) -> Knowledge:
    """Load and cross-check every knowledge file in ``directory``."""
    directory = Path(directory or os.environ.get("LEGCARE_KNOWLEDGE_DIR") or DEFAULT_DIR)
    seed_titles = _seed_titles(directory)
    seeds = set(seed_titles) if seed_titles is not None else None

    sym_path = directory / "symptoms.yml"
    chk = _Checker(sym_path.name)
    sym_doc = chk.mapping(read_yaml(sym_path), "the file")
    raw_groups = chk.mapping(sym_doc.get("word_groups") or _LineDict(), "'word_groups'")
    groups = {name: chk.texts(raw_groups, name, f"word_groups.{name}") for name in raw_groups}
    symptoms = _load_terms(sym_path, "symptoms", groups, seeds)
    risks = _load_terms(directory / "risk_factors.yml", "risk_factors", groups, seeds)
    chk = _Checker(sym_path.name)
    for term in symptoms.values():
        for other in term.generic_of:
            if other not in symptoms:
                chk.fail(f"unknown symptom id '{other}'", None, term.id, "generic_of")

    # conditions
    cpath = directory / "conditions.yml"
    chk = _Checker(cpath.name)
    cdoc = chk.mapping(read_yaml(cpath), "the file")
    conditions: Dict[str, Condition] = {}
    pending_self_care: List[Tuple[str, Any, Tuple[str, ...]]] = []
    for node in chk.seq(cdoc.get("conditions"), "'conditions'"):
        node = chk.mapping(node, "a condition")
        cid = chk.text(node, "id", "?")
        chk.unique(conditions, cid, node)
        care = chk.mapping(node.get("care"), "'care'", cid) if node.get("care") is not None else None
        if care is None:
            chk.fail("this field is missing", node, cid, "care")
        self_care = chk.texts(node, "self_care", cid, required=False)
        if "self_care" not in node:
            chk.fail("this field is missing (use [] when there is none)", node, cid, "self_care")
        pending_self_care.append((cid, node, self_care))
        conditions[cid] = Condition(
            id=cid, name=chk.text(node, "name", cid),
            aliases=chk.texts(node, "aliases", cid, required=False),
            category=chk.choice(node, "category", cid, CATEGORIES),
            prevalence=chk.choice(node, "prevalence", cid, PREVALENCE),
            description=chk.text(node, "description", cid),
            symptoms=chk.weights(node, "symptoms", cid, symptoms, "symptom"),
            onset=chk.choice(node, "onset", cid, ONSETS + ("any",)),
            side=chk.choice(node, "side", cid, ("one", "both", "any")),
            risk_factors=chk.weights(node, "risk_factors", cid, risks, "risk factor"),
            care_level=chk.choice(care, "level", cid, LEVELS),
            care_timeframe=chk.text(care, "timeframe", cid),
            self_care=self_care,
            seek_help=chk.text(node, "seek_help", cid),
            sources=chk.sources(node, cid, seeds))
        if not conditions[cid].symptoms:
            chk.fail("needs at least one symptom", node, cid, "symptoms")

    # education
    epath = directory / "education.yml"
    chk = _Checker(epath.name)
    edoc = chk.mapping(read_yaml(epath), "the file")
    exercises: Dict[str, Exercise] = {}
    for node in chk.seq(edoc.get("exercises"), "'exercises'"):
        node = chk.mapping(node, "an exercise")
        eid = chk.text(node, "id", "?")
        chk.unique(exercises, eid, node)
        exercises[eid] = Exercise(
            id=eid, name=chk.text(node, "name", eid), aliases=chk.texts(node, "aliases", eid),
            purpose=chk.text(node, "purpose", eid), steps=chk.texts(node, "steps", eid),
            repetitions=chk.text(node, "repetitions", eid), safety=chk.text(node, "safety", eid),
            sources=chk.sources(node, eid, seeds))
    measures: Dict[str, HomeMeasure] = {}
    for node in chk.seq(edoc.get("home_measures"), "'home_measures'"):
        node = chk.mapping(node, "a home measure")
        mid = chk.text(node, "id", "?")
        if mid in exercises:
            chk.fail(f"duplicate id '{mid}' (already an exercise)", node, mid, "id")
        chk.unique(measures, mid, node)
        measures[mid] = HomeMeasure(
            id=mid, name=chk.text(node, "name", mid), advice=chk.text(node, "advice", mid),
            check_first=chk.text(node, "check_first", mid), sources=chk.sources(node, mid, seeds))
    general_safety = chk.text(edoc, "general_safety", "general_safety")
    general_sources = chk.texts(edoc, "general_safety_sources", "general_safety")

    chk = _Checker(cpath.name)
    for cid, node, items in pending_self_care:
        for item in items:
            if item not in exercises and item not in measures:
                chk.fail(f"unknown education id '{item}' (not in education.yml)", node, cid, "self_care")

    # red flags and triage rules
    seen: Dict[str, Any] = {}
    rpath = directory / "red_flags.yml"
    chk = _Checker(rpath.name)
    rdoc = chk.mapping(read_yaml(rpath), "the file")
    groups_node = chk.mapping(rdoc.get("groups"), "'groups'", "groups")
    red_flag_groups = {str(g): chk.text(groups_node, g, "groups") for g in groups_node}
    red_flags = _load_rules(chk, rdoc.get("red_flags"), "'red_flags'", None, symptoms, risks,
                            conditions, seeds, seen, red_flag_groups)
    tpath = directory / "triage.yml"
    chk = _Checker(tpath.name)
    tdoc = chk.mapping(read_yaml(tpath), "the file")
    levels_node = chk.mapping(tdoc.get("levels"), "'levels'")
    levels = {}
    for lvl in LEVELS:
        node = chk.mapping(levels_node.get(lvl), f"level '{lvl}'", lvl)
        levels[lvl] = {"label": chk.text(node, "label", lvl), "timeframe": chk.text(node, "timeframe", lvl)}
    urgent = _load_rules(chk, tdoc.get("urgent"), "'urgent'", "urgent", symptoms, risks, conditions, seeds, seen)
    routine = _load_rules(chk, tdoc.get("routine"), "'routine'", "routine", symptoms, risks, conditions, seeds, seen)
    self_care_rules = _load_rules(chk, tdoc.get("self_care"), "'self_care'", "self_care", symptoms, risks,
                                  conditions, seeds, seen, explainable=[r.id for r in routine])

    lpath = directory / "language.yml"
    chk = _Checker(lpath.name)
    ldoc = chk.mapping(read_yaml(lpath), "the file")
    language: Dict[str, Dict[str, Tuple[str, ...]]] = {}
    cue_rules: Dict[str, CueRule] = {}
    for section, lists in LANGUAGE_LISTS.items():
        node = chk.mapping(ldoc.get(section), f"section '{section}'", section)
        language[section] = {}
        for name in lists:
            if isinstance(node.get(name), dict):
                rule = node[name]
                language[section][name] = chk.texts(rule, "phrases", f"{section}.{name}")
                cue_rules[f"{section}.{name}"] = _cue_rule(chk, rule, f"{section}.{name}")
            else:
                language[section][name] = chk.texts(node, name, section)
    for key, rule in cue_rules.items():
        for other in rule.unless_near:
            section, _, name = other.partition(".")
            if name not in LANGUAGE_LISTS.get(section, ()):
                chk.fail(f"unknown cue list '{other}'", None, key, "unless_near")
    for section in LANGUAGE_ORDERED:
        node = chk.mapping(ldoc.get(section), f"section '{section}'", section)
        language[section] = {str(name): chk.texts(node, name, section) for name in node}

    ipath = directory / "interview.yml"
    chk = _Checker(ipath.name)
    qnode = chk.mapping(chk.mapping(read_yaml(ipath), "the file").get("questions"), "'questions'")
    questions: Dict[str, Dict[str, Any]] = {}
    for qid in ("onset", "side", "duration_days", "risk_check"):
        node = chk.mapping(qnode.get(qid), f"question '{qid}'", qid)
        buttons = []
        for b in chk.seq(node.get("buttons") or _LineList(), "'buttons'", qid):
            b = chk.mapping(b, "a button", qid)
            buttons.append({"title": chk.text(b, "title", qid), "payload": chk.text(b, "payload", qid)})
        questions[qid] = {"text": chk.text(node, "text", qid), "buttons": buttons}

    screen = _load_screen(directory / "screen.yml", symptoms, risks, conditions, seeds, seen)
    translations = _load_translations(directory / "translations.yml")
    shorthand = _load_shorthand(directory / "shorthand.yml")

    return Knowledge(translations=translations, shorthand=shorthand, cue_rules=cue_rules, red_flag_groups=red_flag_groups, screen=screen, questions=questions, seed_titles=seed_titles or {}, language=language, word_groups=groups, symptoms=symptoms, risk_factors=risks, conditions=conditions,
                     red_flags=red_flags, levels=levels, urgent_rules=urgent, routine_rules=routine,
                     self_care_rules=self_care_rules, exercises=exercises, home_measures=measures,
                     general_safety=general_safety, general_safety_sources=general_sources,
                     directory=directory)
