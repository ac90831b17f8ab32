"""Read symptoms, side, onset, duration and risk factors from free text.

A blank English spaCy pipeline tokenises the text; phrase matchers built from
``knowledge/symptoms.yml`` and ``risk_factors.yml`` find mentions; the cues in
``knowledge/language.yml`` decide whether each mention is the person's present
state, negated ("no numbness"), or context (family history, a long-past
episode, a general question).
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple


def _import_spacy():
    """Import spaCy without letting thinc pull in TensorFlow (5 s, unused here).

    Only when TensorFlow is not loaded yet; inside Rasa it already is, and
    then nothing changes.
    """
    import sys
    blocked = "tensorflow" not in sys.modules
    if blocked:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        import spacy as _spacy
    finally:
        if blocked and sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]
    return _spacy


spacy = _import_spacy()
from spacy.matcher import PhraseMatcher  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

from .knowledge import Knowledge

MAX_CHARS = 20_000  # longer text is cut here; the rest is reported as ignored

BODY_GROUPS = ("legs", "arms", "face", "eyes", "back", "body", "saddle")
INABILITY = {"ca", "can", "could", "wo", "would"}
LIST_CLOSERS = {"or", "nor", "no", "any", "neither"}
HARD_BOUNDARIES = {".", "!", "?", ";", "\n", "\n\n", ":", "…"}
SOFT_BOUNDARIES = {",", "and", "or", "-", "–", "—", "/", "&", "nor"}
CLAUSE_WORDS = {"but", "however", "although", "though", "whereas", "except", "yet"}
# Real words that a one-letter typo fix must never rewrite.
PROTECTED_WORDS = {
    "raising", "failing", "talked", "walker", "spitting", "sitting", "feelings", "stiffen",
    "weekly", "weekend", "weekends", "trying", "tingle", "tinkling", "burnt", "crashed",
    "pained", "palate", "pallet", "number", "numbers", "swallow", "swallows", "thinking",
    "drinking", "shaking", "breaking", "standing", "stranding", "sleeping", "slipping",
    "lifting", "shifting", "hurting", "hunting", "feeling", "healing", "heating", "heavier",
    "hearing", "wearing", "dealing", "reading", "leading", "loading", "sealing", "selling",
    "telling", "yelling", "calling", "rolling", "filling", "killing", "willing", "billing",
    "cramped", "clamped", "stamped", "fainted", "painted", "pointed", "printed", "blurted",
    "faints", "paints", "rising", "still", "fewer", "spell", "start", "stare", "stars", "weird",
    "sweat", "swear", "means", "meant", "bleed", "blood", "worse", "worst", "brain", "drain",
    "train", "trail", "tried", "tries", "fired", "wired", "hired", "faint", "paint", "point",
    "pains", "palms", "plain", "stays", "stair", "steps", "stops", "sleep", "steep", "sheep",
    "lower", "lover", "power", "tower", "later", "water", "wafer", "leave", "lease", "least",
    "heavy", "heads", "hears", "heals", "feels", "fells", "falls", "calls", "walls", "balls",
    "halls", "tells", "sells", "cells", "wells", "knees", "kneel", "needs", "seeds", "weeds",
    "weeks", "seeks", "peeks", "cheek", "check", "chest", "cheat", "sweet", "swept", "slept",
    "limbs", "lamps", "lumps", "bumps", "jumps", "dumps", "pumps", "thigh", "thing", "think",
    "thank", "stiff", "staff", "stuff", "sniff", "numbs", "dumb", "since", "wince", "mince",
    "scale", "stale", "shale", "whole", "while", "white", "write", "wrote", "quite", "quiet",
    "spine", "spin", "shine", "swine", "swing", "sting", "thing", "fling", "sling", "cling",
}
WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "few": 3, "a few": 3,
    "couple": 2, "a couple": 2, "couple of": 2, "a couple of": 2, "several": 4, "some": 3,
}
UNIT_DAYS = {
    "minute": 1 / 1440, "min": 1 / 1440, "hour": 1 / 24, "hr": 1 / 24, "day": 1.0,
    "night": 1.0, "week": 7.0, "wk": 7.0, "fortnight": 14.0, "month": 30.0, "year": 365.0,
    "yr": 365.0,
}
_NUM = r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|(?:a )?few|(?:a )?couple(?: of)?|several|some)"
_UNIT = r"(minute|min|hour|hr|day|night|week|wk|fortnight|month|year|yr)s?"
DURATION_PATTERNS = [
    re.compile(rf"\b(?:for|over|in)\s+(?:about|around|nearly|almost|over|roughly|maybe|like|the\s+(?:past|last))?\s*{_NUM}\s+{_UNIT}\b"),
    re.compile(rf"\b(?:the\s+)?(?:past|last)\s+{_NUM}\s+{_UNIT}\b"),
    re.compile(rf"\b{_NUM}\s+{_UNIT}\s+(?:ago|now|back)\b"),
    re.compile(rf"\b(?:the\s+)?(?:past|last)\s+{_UNIT}\b"),
    re.compile(rf"\bfor\s+(?:a|the)\s+{_UNIT}\b"),
]
SINCE_PATTERN = re.compile(
    r"\bsince\s+(yesterday|last night|this morning|this afternoon|this evening|today|tonight|"
    r"last week|last month|last year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"the weekend|christmas|new year|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|(?:my|the) (?:op|operation|surgery|fall|accident))\b")
SINCE_DAYS = {
    "yesterday": 1, "last night": 1, "this morning": 0.3, "this afternoon": 0.2, "this evening": 0.1,
    "today": 0.3, "tonight": 0.1, "last week": 7, "last month": 30, "last year": 365,
    "the weekend": 3, "christmas": 60, "new year": 60,
}
VAGUE_DURATIONS = [
    (re.compile(r"\bfor (?:ages|a long time|a while now|years and years|as long as i can remember)\b"), 180.0),
    (re.compile(r"\bfor (?:years|decades)\b"), 730.0),
    (re.compile(r"\bfor (?:months)\b"), 90.0),
    (re.compile(r"\bfor (?:weeks)\b"), 21.0),
    (re.compile(r"\bfor (?:days)\b"), 4.0),
    (re.compile(r"\b(?:all day|all morning|since i woke up|since waking)\b"), 0.4),
]
AGE_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|yr)[\s-]*old\b"),
    re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)\b"),
    re.compile(r"\b(?:i am|i'm|im|aged|age|age:)\s+(\d{1,3})\b(?!\s*(?:%|kg|lb|lbs|cm|percent|minutes|hours|days|weeks|months|times))"),
    re.compile(r"\bin (?:my|his|her) (\d)0s\b"),
]
CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalize_text(text: object) -> str:
    """Unicode-normalise, drop control/invisible characters, unify quotes."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00b4", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL_RE.sub(" ", text)
    # surrogate halves cannot be encoded and would break logging/JSON
    text = text.encode("utf-8", "replace").decode("utf-8")
    return re.sub(r"[ \t]+", " ", text).strip()


@dataclass
class Mention:
    kind: str          # "S" symptom, "R" risk factor, "C" condition
    id: str
    start: int         # token index
    end: int           # token index (exclusive)
    parts: Tuple[Tuple[int, int], ...]  # word spans that make the mention
    status: str = "present"  # present | negated | family | past | hypothetical


@dataclass
class Findings:
    symptoms: List[str] = field(default_factory=list)
    negated: List[str] = field(default_factory=list)
    context: List[Dict[str, str]] = field(default_factory=list)
    side: Optional[str] = None
    onset: Optional[str] = None
    duration: Optional[Dict[str, object]] = None
    risk_factors: List[str] = field(default_factory=list)
    negated_risk_factors: List[str] = field(default_factory=list)
    age: Optional[int] = None
    conditions_mentioned: List[Dict[str, str]] = field(default_factory=list)
    evidence: Dict[str, List[str]] = field(default_factory=dict)
    spans: Dict[str, List[Tuple[int, int]]] = field(default_factory=dict)
    truncated: bool = False

    @property
    def duration_days(self) -> Optional[float]:
        return None if self.duration is None else float(self.duration["days"])


def _osa_distance_le1(a: str, b: str) -> bool:
    """True when a and b differ by at most one edit (incl. a swap of neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


class Extractor:
    """Turns text into :class:`Findings`. Build once, call :meth:`extract` many times."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.nlp = spacy.blank("en")
        self.lang = kb.language
        self._build_matchers()

    # ------------------------------------------------------------ set-up
    def _docs(self, phrases: Iterable[str]) -> List[Doc]:
        return [self.nlp.make_doc(p.lower()) for p in dict.fromkeys(phrases) if p.strip()]

    def _build_matchers(self) -> None:
        kb, vocab = self.kb, self.nlp.vocab
        self.terms = PhraseMatcher(vocab, attr="LOWER")
        self.near_words = PhraseMatcher(vocab, attr="LOWER")
        self.caps = PhraseMatcher(vocab, attr="ORTH")
        self.near_rules: Dict[str, Tuple[str, int, int]] = {}
        typo_vocab: Dict[str, int] = {}

        def learn(phrases: Iterable[str]) -> None:
            for p in phrases:
                for tok in self.nlp.make_doc(p.lower()):
                    if tok.is_alpha and len(tok.text) >= 4:
                        typo_vocab[tok.text] = typo_vocab.get(tok.text, 0) + 1

        for kind, table in (("S", kb.symptoms), ("R", kb.risk_factors)):
            for term in table.values():
                self.terms.add(f"{kind}|{term.id}", self._docs(term.phrases + term.misspellings))
                learn(term.phrases * 3 + term.misspellings)  # prefer real words when fixing typos
                for i, rule in enumerate(term.near):
                    key = f"{term.id}|{i}"
                    self.near_rules[key] = (term.id, rule.within, i)
                    self.near_words.add(f"A|{key}", self._docs(rule.words))
                    self.near_words.add(f"B|{key}", self._docs(rule.with_words))
                    learn(rule.words + rule.with_words)
        for cond in kb.conditions.values():
            loose = [a for a in cond.aliases if not (a.isupper() and len(a) <= 4)]
            strict = [a for a in cond.aliases if a.isupper() and len(a) <= 4]
            if loose:
                self.terms.add(f"C|{cond.id}", self._docs(loose))
                learn(loose)
            if strict:
                self.caps.add(f"C|{cond.id}", [self.nlp.make_doc(a) for a in strict])

        # generic symptom -> the specific ones that replace it on the same words
        self.specific = {sid: set(t.generic_of) for sid, t in kb.symptoms.items() if t.generic_of}
        self.body_matcher = PhraseMatcher(vocab, attr="LOWER")
        body_words = [w for g in BODY_GROUPS for w in kb.word_groups.get(g, ())]
        self.body_matcher.add("BODY", self._docs(body_words))

        cues = PhraseMatcher(vocab, attr="LOWER")
        for section, lists in self.lang.items():
            for name, phrases in lists.items():
                cues.add(f"{section}.{name}", self._docs(phrases))
        self.cues = cues
        # single-edit typo index: every word with one letter removed -> words
        self.typo_vocab = typo_vocab
        self.typo_index: Dict[str, Set[str]] = {}
        for w in typo_vocab:
            for key in {w} | {w[:i] + w[i + 1:] for i in range(len(w))}:
                self.typo_index.setdefault(key, set()).add(w)

    # --------------------------------------------------------- utilities
    def _fix_typo(self, word: str) -> str:
        if len(word) < 5 or not word.isalpha() or word in self.typo_vocab or word in PROTECTED_WORDS:
            return word
        keys = {word} | {word[:i] + word[i + 1:] for i in range(len(word))}
        found = set()
        for k in keys:
            for cand in self.typo_index.get(k, ()):
                if cand[0] == word[0] and _osa_distance_le1(word, cand):
                    found.add(cand)
        if not found:
            return word
        # several lexicon words are one letter away: take the most used one
        ranked = sorted(found, key=lambda w: -self.typo_vocab[w])
        if len(ranked) > 1 and self.typo_vocab[ranked[0]] == self.typo_vocab[ranked[1]]:
            return word
        return ranked[0]

    def _prepare(self, text: str) -> Tuple[Doc, Doc]:
        doc = self.nlp.make_doc(text)
        words, changed = [], False
        for tok in doc:
            low = tok.lower_
            fixed = self._fix_typo(low)
            if low == "week" and _looks_like_weak(doc, tok.i):
                fixed = "weak"
            if fixed != low:
                changed = True
                words.append(fixed)
            else:
                words.append(tok.text)
        if not changed:
            return doc, doc
        fixed_doc = Doc(self.nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
        return doc, fixed_doc

    # ------------------------------------------------------------- main
    def extract(self, text: object) -> Findings:
        clean = normalize_text(text)
        truncated = len(clean) > MAX_CHARS
        if truncated:
            clean = clean[:MAX_CHARS]
        findings = Findings(truncated=truncated)
        if not clean:
            return findings
        doc, fixed = self._prepare(clean)
        lower = [t.lower_ for t in doc]

        cues: Dict[str, List[Tuple[int, int]]] = {}
        for key, s, e in self.cues(doc):
            cues.setdefault(self.nlp.vocab.strings[key], []).append((s, e))

        sentence_of, clause_of, segment_of = _segments(lower)
        mentions = self._find_mentions(doc, fixed, clause_of)
        ctx = _Context(self, lower, cues, sentence_of, clause_of, segment_of, mentions, [t.idx for t in doc])
        for m in mentions:
            m.status = ctx.status(m)

        present: Dict[str, List[str]] = {}
        char_spans: Dict[str, List[Tuple[int, int]]] = {}
        negated: Set[str] = set()
        context: Dict[Tuple[str, str], None] = {}
        risks: List[str] = []
        neg_risks: Set[str] = set()
        conds: Dict[str, str] = {}
        family_mentions = False
        for m in mentions:
            span_text = doc[m.start:m.end].text
            if m.kind == "S":
                if m.status == "present":
                    present.setdefault(m.id, []).append(span_text)
                    last = doc[m.end - 1]
                    char_spans.setdefault(m.id, []).append((doc[m.start].idx, last.idx + len(last.text)))
                elif m.status == "negated":
                    negated.add(m.id)
                else:
                    context[(m.id, m.status)] = None
                    family_mentions |= m.status == "family"
            elif m.kind == "R":
                if m.status == "present":
                    if m.id not in risks:
                        risks.append(m.id)
                elif m.status == "negated":
                    neg_risks.add(m.id)
                elif m.status == "family":
                    family_mentions = True
            else:
                if m.status == "family":
                    family_mentions = True
                if m.id not in conds or m.status == "present":
                    conds[m.id] = m.status
        if family_mentions and "family_history" not in risks and "family_history" in self.kb.risk_factors:
            risks.append("family_history")

        order = list(self.kb.symptoms)
        findings.symptoms = sorted(present, key=order.index)
        findings.evidence = {k: present[k] for k in findings.symptoms}
        findings.spans = {k: char_spans[k] for k in findings.symptoms}
        findings.negated = sorted((negated - set(present)), key=order.index)
        findings.context = [{"symptom": s, "kind": k} for (s, k) in context if s not in present]
        findings.risk_factors = risks
        findings.negated_risk_factors = sorted(neg_risks - set(risks))
        findings.conditions_mentioned = [{"id": c, "status": st} for c, st in conds.items()]

        present_clauses = {clause_of[m.start] for m in mentions if m.status == "present"}
        findings.side = ctx.side(doc, present_clauses)
        findings.onset = ctx.onset()
        findings.duration = ctx.duration(clean)
        findings.age = _age(clean.lower())
        if findings.age is not None and findings.age >= 65 and "older_age" not in risks:
            risks.append("older_age")
        return findings

    def _find_mentions(self, doc: Doc, fixed: Doc, clause_of: List[int]) -> List[Mention]:
        strings = self.nlp.vocab.strings
        raw: List[Mention] = []
        for key, s, e in self.terms(fixed):
            kind, ident = strings[key].split("|", 1)
            raw.append(Mention(kind, ident, s, e, ((s, e),)))
        for key, s, e in self.caps(doc):
            kind, ident = strings[key].split("|", 1)
            raw.append(Mention(kind, ident, s, e, ((s, e),)))
        # Longest phrase wins, except that two different symptoms may share
        # words ("legs gave way" is weakness and a fall); generic symptoms
        # give way to specific ones afterwards (see `generic_of`).
        raw.sort(key=lambda m: (-(m.end - m.start), m.start))
        kept: List[Mention] = []
        for m in raw:
            clash = False
            for k in kept:
                if not (m.start < k.end and k.start < m.end):
                    continue
                if k.kind == m.kind and k.id == m.id:
                    clash = True  # the same id already covers these words
                elif not (k.kind == m.kind == "S") and (k.start, k.end) != (m.start, m.end):
                    clash = True  # a longer phrase of another kind owns them
                if clash:
                    break
            if not clash:
                kept.append(m)

        # near rules: a word from `words` attaches to the closest body word
        # from `with` in the same clause (and to words joined to it by
        # "and"/"or"/commas: "weak legs and arms").
        hits: Dict[str, Dict[str, List[Tuple[int, int]]]] = {}
        for key, s, e in self.near_words(fixed):
            side, rule_key = strings[key].split("|", 1)
            hits.setdefault(rule_key, {}).setdefault(side, []).append((s, e))
        candidates: Dict[Tuple[int, int], List[Tuple[int, Tuple[int, int], str]]] = {}
        for rule_key, sides in hits.items():
            if "A" not in sides or "B" not in sides:
                continue
            term_id, within, _ = self.near_rules[rule_key]
            for a in sides["A"]:
                for b in sides["B"]:
                    if (a[0] < b[1] and b[0] < a[1]) or clause_of[a[0]] != clause_of[b[0]]:
                        continue
                    gap = b[0] - a[1] if b[0] >= a[1] else a[0] - b[1]
                    if gap <= within:
                        candidates.setdefault(a, []).append((gap, b, term_id))
        lower = [t.lower_ for t in fixed]
        body_tokens = {i for key, s, e in self.body_matcher(fixed) for i in range(s, e)}
        covering: Dict[int, List[Mention]] = defaultdict(list)  # token -> phrases over it, in `kept` order
        for k in kept:
            for i in range(k.start, k.end):
                covering[i].append(k)
        found: Dict[Tuple[str, str], Mention] = {}
        for a, cands in candidates.items():
            # "feel the cold" is cold intolerance, not a cold leg
            owner = next((k for k in covering[a[0]] if k.kind == "S" and a[1] <= k.end
                          and (k.end - k.start) > (a[1] - a[0])
                          and not body_tokens.intersection(range(k.start, k.end))), None)
            body = [c for c in cands if c[1][0] in body_tokens]
            nearest = min(body, key=lambda c: c[0])[1] if body else None
            for gap, b, term_id in sorted(cands, key=lambda c: c[0]):
                if owner is not None and owner.id != term_id and term_id not in self.kb.symptoms[owner.id].generic_of:
                    continue
                if b[0] in body_tokens and b != nearest and not _coordinated(lower, b, nearest):
                    continue  # the word belongs to a closer body part
                kind = "S" if term_id in self.kb.symptoms else "R"
                start, end = min(a[0], b[0]), max(a[1], b[1])
                if any(k.kind == kind and k.id == term_id and end <= k.end for k in covering[start]):
                    continue
                key2 = (term_id, f"{a}")
                if key2 in found:
                    continue
                found[key2] = Mention(kind, term_id, start, end, tuple(sorted((a, b))))
        kept.extend(found.values())

        # a generic symptom gives way to a specific one on the same words
        words_of: Dict[str, Set[int]] = defaultdict(set)  # symptom id -> tokens of its mentions' words
        for k in kept:
            if k.kind == "S":
                for ps, pe in k.parts:
                    words_of[k.id].update(range(ps, pe))
        kept = [m for m in kept if not (m.kind == "S" and m.id in self.specific and any(
            i in words_of[sid] for sid in self.specific[m.id] for ps, pe in m.parts for i in range(ps, pe)))]
        kept.sort(key=lambda m: (m.start, m.end))
        return kept


COORDINATION = {"and", "or", ",", "&", "/", "both", "my", "the", "his", "her", "their", "left", "right", "also", "plus", "n"}


def _coordinated(lower: Sequence[str], b1: Tuple[int, int], b2: Tuple[int, int]) -> bool:
    """Body words joined only by and/or/commas: 'legs and arms', 'back, hips'."""
    lo, hi = (b1[1], b2[0]) if b1[0] < b2[0] else (b2[1], b1[0])
    between = lower[lo:hi]
    return bool(between) and len(between) <= 4 and all(w in COORDINATION for w in between)


def _looks_like_weak(doc: Doc, i: int) -> bool:
    """'my legs feel week' -> weak; 'for a week' stays a week."""
    prev = doc[i - 1].lower_ if i > 0 else ""
    if prev in {"a", "one", "per", "last", "this", "next", "that", "the", "each", "every", "whole", "a+"} or prev.isdigit():
        return False
    return prev in {"feel", "feels", "felt", "feeling", "so", "very", "really", "are", "is", "was", "were",
                    "been", "go", "goes", "went", "gone", "getting", "bit", "quite", "too", "super", "and", "&"}


def _segments(lower: Sequence[str]) -> Tuple[List[int], List[int], List[int]]:
    """Sentence, clause and comma-segment index of every token."""
    sentence_of, clause_of, segment_of = [], [], []
    sent = clause = seg = 0
    for i, w in enumerate(lower):
        if w in CLAUSE_WORDS:
            clause += 1
            seg += 1
        sentence_of.append(sent)
        clause_of.append(clause)
        segment_of.append(seg)
        if w == ",":
            seg += 1
        if w in HARD_BOUNDARIES or "\n" in w or (w == "." * len(w) and w):
            sent += 1
            clause += 1
            seg += 1
    return sentence_of, clause_of, segment_of


def _age(text: str) -> Optional[int]:
    for pat in AGE_PATTERNS:
        m = pat.search(text)
        if m:
            value = int(m.group(1))
            if pat.pattern.startswith(r"\bin (?:my"):
                value *= 10
            if 1 <= value <= 115:
                return value
    return None


class _Context:
    """Decides the status of each mention and reads side, onset and duration."""

    def __init__(self, ex: Extractor, lower: List[str], cues: Dict[str, List[Tuple[int, int]]],
                 sentence_of: List[int], clause_of: List[int], segment_of: List[int],
                 mentions: List[Mention], offsets: List[int]):
        self.ex, self.lower, self.cues = ex, lower, cues
        self.sentence_of, self.clause_of, self.segment_of = sentence_of, clause_of, segment_of
        self.offsets = offsets  # character offset of each token
        self.mention_starts = {m.start for m in mentions}
        self.mention_tokens = set()  # tokens that belong to a matched phrase
        for m in mentions:
            for ps, pe in m.parts:
                self.mention_tokens.update(range(ps, pe))
        self.n = len(lower)
        pseudo = self.cues.get("negation.pseudo", [])
        self.neg_triggers = [
            (s, e) for s, e in self.cues.get("negation.before", [])
            if not any(ps <= s and e <= pe for ps, pe in pseudo)
            and not any(i in self.mention_tokens for i in range(s, e))
            # "can't get up", "won't move": inability, not absence
            and not (lower[s] in {"n't", "nt", "not"} and s > 0 and lower[s - 1] in INABILITY)
        ]
        self.stop_tokens = set()
        for s, e in self.cues.get("negation.stop", []):
            self.stop_tokens.update(range(s, e))
        self.link_tokens = set()
        for s, e in self.cues.get("negation.list_links", []):
            self.link_tokens.update(range(s, e))
        self.first_person = set()
        for s, e in self.cues.get("context.first_person", []):
            self.first_person.update(range(s, e))
        self._family = self._family_scopes()
        self._past = self._past_scopes()
        self._hypothetical = self._hypothetical_sentences()
        self._context_tokens = set()
        for scopes in (self._family, self._past):
            for s, e in scopes:
                self._context_tokens.update(range(s, e))
        for i in range(self.n):
            if self.sentence_of[i] in self._hypothetical:
                self._context_tokens.add(i)

    # ------------------------------------------------------------ scopes
    def _in_sentence_with(self, cue: str, sentence: int) -> bool:
        return any(self.sentence_of[s] == sentence for s, _ in self.cues.get(cue, []))

    def _in_segment_with(self, cue: str, segment: int) -> bool:
        return any(self.segment_of[s] == segment for s, _ in self.cues.get(cue, []))

    def _segment_bounds(self, i: int) -> Tuple[int, int]:
        seg = self.segment_of[i]
        start, end = i, i
        while start > 0 and self.segment_of[start - 1] == seg:
            start -= 1
        while end < self.n and self.segment_of[end] == seg:
            end += 1
        return start, end

    def _family_scopes(self) -> List[Tuple[int, int]]:
        scopes = []
        verbs = self.cues.get("context.relative_verbs", [])
        for s, e in self.cues.get("context.relatives", []):
            verb = next(((vs, ve) for vs, ve in verbs if e <= vs <= e + 3
                         and self.clause_of[vs] == self.clause_of[s]), None)
            if verb is None or self._in_sentence_with("context.recent", self.sentence_of[s]):
                continue
            if self.lower[verb[0]] in {"has", "lives"}:
                # "my dad has MS" is family history only for named conditions
                scopes.append((verb[1], self._scope_end(verb[1]), "conditions"))
            else:
                scopes.append((verb[1], self._scope_end(verb[1]), "all"))
        for s, e in self.cues.get("context.family_phrases", []):
            if not self._in_sentence_with("context.recent", self.sentence_of[s]):
                scopes.append((max(0, s - 6), self._scope_end(e), "all"))
        self._family_kinds = scopes
        return [(s, e) for s, e, _ in scopes]

    def _scope_end(self, i: int) -> int:
        seg = self.segment_of[min(i, self.n - 1)] if self.n else 0
        while i < self.n and self.segment_of[i] == seg:
            if i in self.first_person:
                break
            i += 1
        return i

    def _past_scopes(self) -> List[Tuple[int, int]]:
        scopes = []
        for s, _ in self.cues.get("context.past", []):
            seg = self.segment_of[s]
            if self._in_segment_with("context.ongoing", seg) or self._in_segment_with("context.recent", seg):
                continue
            scopes.append(self._segment_bounds(s))
        return scopes

    def _hypothetical_sentences(self) -> Set[int]:
        out = {self.sentence_of[s] for s, _ in self.cues.get("context.hypothetical", [])}
        starts = self.cues.get("context.question_starts", [])
        general = self.cues.get("context.general_question_words", [])
        by_sentence: Dict[int, List[int]] = defaultdict(list)
        for i, sent in enumerate(self.sentence_of):
            by_sentence[sent].append(i)
        start_positions = {s for s, _ in starts}
        general_sentences = {self.sentence_of[s] for s, _ in general}
        for sent in sorted(by_sentence):
            toks = by_sentence[sent]
            is_question = self.lower[toks[-1]] == "?" or toks[0] in start_positions
            if not is_question:
                continue
            if any(i in self.first_person for i in toks):
                continue
            # a general question, or a follow-on question right after one
            if sent in general_sentences or (sent - 1) in out:
                out.add(sent)
        return out

    # ------------------------------------------------------------ status
    def status(self, m: Mention) -> str:
        if self.sentence_of[m.start] in self._hypothetical:
            return "hypothetical"
        for s, e, kind in self._family_kinds:
            if s <= m.start < e and (kind == "all" or m.kind == "C"):
                return "family"
        if any(s <= m.start < e for s, e in self._past):
            return "past"
        if self._negated(m):
            return "negated"
        return "present"

    def _negated(self, m: Mention) -> bool:
        last_part_start = m.parts[-1][0]
        for ts, te in self.neg_triggers:
            if self.sentence_of[ts] != self.sentence_of[m.start]:
                continue
            if te <= m.start:
                if m.start - te > 8 or not self._scope_reaches(te, m.start):
                    continue
                return True
            if m.start <= ts and te <= last_part_start:
                # "face is not drooping": the negation sits between the words
                return True
        # "numbness: no", "fever - none"
        for ts, te in self.cues.get("negation.after", []):
            if ts >= m.end and ts - m.end <= 2:
                between = self.lower[m.end:ts]
                if between and all(w in {":", "-", "=", "–"} for w in between):
                    return True
        return False

    def _scope_reaches(self, i: int, target: int) -> bool:
        """Does a negation ending at token i still cover token `target`?

        It stops at sentence ends and words like "but". It crosses a comma
        or "and"/"or" only to carry on a list of symptoms: "no numbness,
        tingling or pain", not "not drinking much, legs feel weak".
        """
        saw_mention = False
        while i < target:
            w = self.lower[i]
            if w in HARD_BOUNDARIES or i in self.stop_tokens or self.clause_of[i] != self.clause_of[target]:
                return False
            if i in self.mention_tokens:
                saw_mention = True
            if w in SOFT_BOUNDARIES:
                j = i + 1
                while j < target and (j in self.link_tokens or self.lower[j] in SOFT_BOUNDARIES):
                    j += 1
                if not saw_mention or j not in self.mention_starts:
                    return False
                # a list: "no X or Y", "no X, no Y", "no X, Y or Z"
                linked = any(self.lower[k] in LIST_CLOSERS for k in range(i, j)) or any(
                    self.lower[k] in {"or", "nor"} and self.clause_of[k] == self.clause_of[j]
                    for k in range(j, min(self.n, j + 12)))
                if not linked:
                    return False
                i = j
                continue
            i += 1
        return True

    # -------------------------------------------------- side/onset/time
    def _valid_cue(self, s: int, e: int) -> bool:
        if s in self._context_tokens:
            return False
        for ts, te in self.neg_triggers:
            if te <= s and s - te <= 3 and self._scope_reaches(te, s):
                return False
        return True

    def onset(self) -> Optional[str]:
        for level in ("sudden", "rapid", "gradual"):
            if any(self._valid_cue(s, e) for s, e in self.cues.get(f"onset.{level}", [])):
                return level
        return None

    def side(self, doc: Doc, clauses: Set[int]) -> Optional[str]:
        if not clauses:
            return None
        lang = self.ex.lang["side"]
        body = set(lang["singular_body"]) | set(lang["plural_body"]) | {"side", "body", "half"}
        not_after = set(lang["not_side_after"])
        found: Set[str] = set()
        for kind in ("both", "one"):
            if any(self.clause_of[s] in clauses and self._valid_cue(s, e) for s, e in self.cues.get(f"side.{kind}", [])):
                found.add(kind)
        for kind in ("left", "right"):
            for s, _ in self.cues.get(f"side.{kind}", []):
                if self.clause_of[s] not in clauses or not self._valid_cue(s, s + 1):
                    continue
                nxt = self.lower[s + 1] if s + 1 < self.n else ""
                prev = self.lower[s - 1] if s > 0 else ""
                near_body = any(self.lower[j] in body for j in range(s + 1, min(self.n, s + 4)))
                if nxt in not_after and not near_body:
                    continue
                if near_body or prev in {"the", "my", "his", "her", "on", "to"}:
                    found.add(kind)
        if "both" in found or {"left", "right"} <= found:
            return "both"
        for kind in ("left", "right", "one"):
            if kind in found:
                return kind
        plural = set(lang["plural_body"])
        if any(self.lower[i] in plural and self.clause_of[i] in clauses and i not in self._context_tokens
               for i in range(self.n)):
            return "both"
        return None

    def duration(self, text: str) -> Optional[Dict[str, object]]:
        low = text.lower()
        best: Optional[Tuple[float, str]] = None
        spans = []
        for pat in DURATION_PATTERNS:
            for m in pat.finditer(low):
                groups = [g for g in m.groups() if g]
                unit = groups[-1].rstrip("s") if groups else ""
                if unit not in UNIT_DAYS:
                    continue
                qty = 1.0
                if len(groups) >= 2:
                    raw = groups[-2].strip()
                    qty = float(raw) if re.fullmatch(r"\d+(\.\d+)?", raw) else WORD_NUMBERS.get(raw, 1)
                spans.append((m.start(), m.group(0), qty * UNIT_DAYS[unit]))
        for m in SINCE_PATTERN.finditer(low):
            spans.append((m.start(), m.group(0), float(SINCE_DAYS.get(m.group(1), 3))))
        for pat, days in VAGUE_DURATIONS:
            for m in pat.finditer(low):
                spans.append((m.start(), m.group(0), days))
        for start, phrase, days in spans:
            tok = bisect.bisect_left(self.offsets, start)  # tokens that start before the match
            if tok in self._context_tokens:
                continue
            if best is None or days > best[0]:
                best = (days, phrase)
        if best is None:
            return None
        return {"text": best[1], "days": round(best[0], 3)}
