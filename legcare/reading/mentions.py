"""Find what a message mentions: symptoms, risk factors and conditions.

Three kinds of rule, all data in ``knowledge/``: exact phrases (any case,
typos fixed), "near" rules (a word from one list close to a word from another
in the same clause, attached to the closest body part), and condition
names. Overlaps are resolved here: the longest phrase wins, two symptoms may
share words, and a generic symptom gives way to a specific one read from the
same words.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterable, List, Sequence, Set, Tuple

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ..knowledge import Knowledge
from .findings import Mention
from .nlp import lemmatize
from .reference import resolve_pronouns
from .spelling import Speller

BODY_GROUPS = ("legs", "arms", "face", "eyes", "back", "body", "saddle")
FEELING_GROUPS = ("weak", "numb", "pain")
SPOKEN = {"speech", "voice", "talking", "words"}  # "her speech is fine now but this morning it was nonsense"
NOT_ANTECEDENTS = {"everywhere", "all over", "body", "half", "when i wipe", "toilet paper", "down there"}


class MentionFinder:
    """Phrase and near-rule matchers built once from the knowledge base."""

    def __init__(self, kb: Knowledge, nlp, speller: Speller):
        self.kb, self.nlp, self.speller = kb, nlp, speller
        self._idioms = set(kb.language["reference"]["idiom_before"])
        side = kb.language["side"]
        self._regions, self._placed_by, self._whole_body = (set(side["regions"]), set(side["placed_by"]),
                                                            set(side["whole_body"]))
        self._build_matchers()

    def _docs(self, phrases: Iterable[str]) -> List[Doc]:
        return [lemmatize(self.nlp.make_doc(p.lower())) for p in dict.fromkeys(phrases) if p.strip()]

    def _build_matchers(self) -> None:
        kb, vocab = self.kb, self.nlp.vocab
        # phrases match on lemmas: "knees buckle" also reads "knee buckling", "buckled knees"
        self.terms = PhraseMatcher(vocab, attr="NORM")
        self.near_words = PhraseMatcher(vocab, attr="NORM")
        self.caps = PhraseMatcher(vocab, attr="ORTH")
        self.look_alikes = PhraseMatcher(vocab, attr="LOWER")  # "fell asleep" is not a fall (word for word)
        self.near_rules: Dict[str, Tuple[str, int, int]] = {}

        def learn(phrases: Iterable[str]) -> None:
            self.speller.learn(tok.text for p in phrases for tok in self.nlp.make_doc(p.lower()))

        for kind, table in (("S", kb.symptoms), ("R", kb.risk_factors)):
            for term in table.values():
                self.terms.add(f"{kind}|{term.id}", self._docs(term.phrases + term.misspellings))
                if term.abbreviations:  # "AF" in capitals only
                    self.caps.add(f"{kind}|{term.id}", [self.nlp.make_doc(a) for a in term.abbreviations])
                if term.not_phrases:
                    self.look_alikes.add(f"{kind}|{term.id}", [self.nlp.make_doc(p.lower()) for p in term.not_phrases])
                    learn(term.not_phrases)  # a look-alike's own words are words ("bulgy" is not a typo of "bulge")
                learn(term.phrases * 3 + term.misspellings)  # prefer real words when fixing typos
                for i, rule in enumerate(term.near):
                    key = f"{term.id}|{i}"
                    self.near_rules[key] = (term.id, rule.within, rule.words_first)
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

        # a part said to be well -> the symptoms that denies ("arms fine": no arm weakness)
        self.well_parts: Dict[str, List[str]] = defaultdict(list)
        for term in kb.symptoms.values():
            for part in term.said_well:
                self.well_parts[part.lower()].append(term.id)
        # generic symptom -> the specific ones that replace it on the same words
        self.specific = {sid: set(t.generic_of) for sid, t in kb.symptoms.items() if t.generic_of}
        self.body_matcher = PhraseMatcher(vocab, attr="NORM")
        body_words = [w for g in BODY_GROUPS for w in kb.word_groups.get(g, ())]
        self.body_matcher.add("BODY", self._docs(body_words))
        self._body_key = vocab.strings.add("BODY")
        # how a body feels or works, said without naming the part ("he's all wobbly", "gone numb")
        self.body_matcher.add("FEEL", self._docs([w for g in FEELING_GROUPS for w in kb.word_groups.get(g, ())]))
        self.speller.build()

    def _said_well(self, lower: Sequence[str], well: Sequence[int]) -> List[Mention]:
        """Denials told as health: the parts right before a "fine"-word (negation.body_well), with the
        parts listed with them: "her arms and legs are fine", "grip fine", "peeing is fine"."""
        out: List[Mention] = []
        for w in well:
            i = w - 1
            while i >= 0 and lower[i] in WELL_LINKS and i >= w - 2:
                i -= 1  # "legs all fine", "face still fine"
            while i >= 0 and lower[i] in self.well_parts:
                for sid in self.well_parts[lower[i]]:
                    out.append(Mention("S", sid, i, w, ((i, i + 1),), well=True))
                j = i - 1
                while j >= 0 and lower[j] in COORDINATION and j >= i - 2:
                    j -= 1  # "arms and legs", "face, speech"
                if j == i - 1:
                    break
                i = j
        return out

    def _placed(self, lower: Sequence[str], b: Tuple[int, int]) -> bool:
        """A region word ("side", "half") that a few words before it place ("on the same side")."""
        return (lower[b[1] - 1] in self._regions
                and any(w in self._placed_by for w in lower[max(0, b[0] - 3):b[0]]))

    def _side_of_a_part(self, lower: Sequence[str], b: Tuple[int, int], body_tokens: Set[int]) -> bool:
        """A region word followed by "of" and a named part ("side of his mouth"), not "of my body";
        or a side said right before a named part ("sciatica down the left leg")."""
        if (lower[b[1] - 1] in SIDE_WORDS and b[1] < len(lower) and b[1] in body_tokens
                and lower[b[1]] not in self._whole_body):
            return True
        if lower[b[1] - 1] not in self._regions or b[1] >= len(lower) or lower[b[1]] != "of":
            return False
        return any(i in body_tokens and lower[i] not in self._whole_body for i in range(b[1] + 1, b[1] + 4))

    def has_body_words(self, fixed: Doc) -> bool:
        """Does the text name a part of the body, or how it feels or works (after `find` lemmatised it)?"""
        return bool(self.body_matcher(fixed))

    def find(self, doc: Doc, fixed: Doc, clause_of: List[int], sentence_of: List[int],
             weather: Sequence[int] = (), well: Sequence[int] = ()) -> List[Mention]:
        """`weather`, `well`: where weather words and "is fine"-words (negation.body_well) start."""
        strings = self.nlp.vocab.strings
        lemmatize(fixed)
        resolve_pronouns(fixed, [(s, e) for key, s, e in self.body_matcher(fixed) if key == self._body_key]
                         + [(t.i, t.i + 1) for t in fixed if t.lower_ in SPOKEN], sentence_of, NOT_ANTECEDENTS, weather,
                         self._idioms, well)
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
                elif (not (k.kind == m.kind == "S") and (k.start, k.end) != (m.start, m.end)
                      and not (k.kind == "R" and m.kind == "S")):
                    # a longer phrase of another kind owns them; a risk factor never hides a symptom
                    # ("sciatica down both legs" is a disc problem and leg pain; look-alikes such as
                    # "coach trip" are each symptom's not_phrases)
                    clash = True
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
        aside = _bracketed(fixed)  # "my arm and leg on the same side (left) feel weak": an aside adds no distance
        for rule_key, sides in hits.items():
            if "A" not in sides or "B" not in sides:
                continue
            term_id, within, words_first = self.near_rules[rule_key]
            for a in sides["A"]:
                for b in sides["B"]:
                    if (a[0] < b[1] and b[0] < a[1]) or clause_of[a[0]] != clause_of[b[0]]:
                        continue
                    if words_first and a[0] > b[0]:
                        continue
                    lo, hi = (a[1], b[0]) if b[0] >= a[1] else (b[1], a[0])
                    gap = hi - lo - sum(1 for i in range(lo, hi) if i in aside)
                    if gap <= within:
                        candidates.setdefault(a, []).append((gap, b, term_id))
        lower = [t.lower_ for t in fixed]
        body_tokens = {i for key, s, e in self.body_matcher(fixed) if key == self._body_key for i in range(s, e)}
        # "arms fine", "my legs are strong": a part said to be well is no place for a near symptom word
        well_parts = {b for b in body_tokens if any(0 < w - b <= 2 for w in well)}
        # ... nor is a part that names a symptom's own place ("bladder fine, nothing came on suddenly")
        well_parts |= {i for i, word in enumerate(lower) if word in self.well_parts and any(0 < w - i <= 2 for w in well)}
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
            if well_parts.intersection(range(a[0], a[1])):
                continue  # a part said to be well on either side of the rule: "legs are fine, nothing in..."
            cands = [c for c in cands if not well_parts.intersection(range(c[1][0], c[1][1]))]
            body = [c for c in cands if c[1][0] in body_tokens]
            # "my arm and leg on the same side feel weak": a side placed by "on" says where, the limbs
            # are what is weak (the side still counts when no limb is named)
            limbs = [c for c in body if not self._placed(lower, c[1])]
            if limbs:
                cands = [c for c in cands if not self._placed(lower, c[1])]
                body = limbs
            # "the left side of his mouth isn't going up": that side is the mouth's, not the body's
            cands = [c for c in cands if not self._side_of_a_part(lower, c[1], body_tokens)]
            body = [c for c in body if not self._side_of_a_part(lower, c[1], body_tokens)]
            # at the same distance the longer place wins: "between my legs" (the saddle) over "legs"
            nearest = min(body, key=lambda c: (c[0], c[1][0] - c[1][1]))[1] if body else None
            for gap, b, term_id in sorted(cands, key=lambda c: c[0]):
                # a longer symptom phrase owns its words for other symptoms; a risk factor may share them
                # ("fell off a ladder onto my back": a fall, and an injury to the back)
                if (owner is not None and owner.id != term_id and term_id in self.kb.symptoms
                        and term_id not in self.kb.symptoms[owner.id].generic_of):
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
                found[key2] = Mention(kind, term_id, start, end, tuple(sorted((a, b))),
                                      via_side=lower[b[1] - 1] in self._regions)
        kept.extend(found.values())
        kept.extend(self._said_well(lower, well))

        # a generic symptom gives way to a specific one on the same words
        words_of: Dict[str, Set[int]] = defaultdict(set)  # symptom id -> tokens of its mentions' words
        for k in kept:
            if k.kind == "S":
                for ps, pe in k.parts:
                    words_of[k.id].update(range(ps, pe))
        kept = [m for m in kept if not (m.kind == "S" and m.id in self.specific and any(
            i in words_of[sid] for sid in self.specific[m.id] for ps, pe in m.parts for i in range(ps, pe)))]
        # a look-alike phrase ("fell asleep", "confused about whether") cancels its symptom on those words
        alike: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
        for key, s, e in self.look_alikes(fixed):
            alike[strings[key].split("|", 1)[1]].append((s, e))
        if alike:
            kept = [m for m in kept if not any(s < pe and ps < e for s, e in alike.get(m.id, ())
                                               for ps, pe in m.parts)]
        kept.sort(key=lambda m: (m.start, m.end))
        return kept



SIDE_WORDS = {"left", "right"}
WELL_LINKS = {"all", "still", "both", "now", "otherwise", "absolutely", "totally", "completely", "perfectly"}
ASIDE_MAX = 5  # tokens inside a short bracketed aside: "(left)", "(80)", "(the bad one)"


def _bracketed(doc: Doc) -> Set[int]:
    """Token indices of short bracketed asides, brackets included."""
    out: Set[int] = set()
    opened = None
    for t in doc:
        if t.text == "(":
            opened = t.i
        elif t.text == ")" and opened is not None:
            if t.i - opened - 1 <= ASIDE_MAX:
                out.update(range(opened, t.i + 1))
            opened = None
    return out


COORDINATION = {"and", "or", ",", "&", "/", "both", "my", "the", "his", "her", "their", "left", "right", "also", "plus", "n"}


def _coordinated(lower: Sequence[str], b1: Tuple[int, int], b2: Tuple[int, int]) -> bool:
    """Body words joined only by and/or/commas: 'legs and arms', 'back, hips'."""
    lo, hi = (b1[1], b2[0]) if b1[0] < b2[0] else (b2[1], b1[0])
    between = lower[lo:hi]
    return bool(between) and len(between) <= 4 and all(w in COORDINATION for w in between)

