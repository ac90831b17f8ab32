"""Which part of the body "it" and "them" stand for.

People name a limb once and then go on with pronouns: "my legs just stopped
working, I can't move them", "my right foot went cold, it's pale and it
hurts". The near rules look for a body word close to a symptom word, so a
pronoun that stands for a body part takes that part's word (its NORM), and
the rules read "can't move them" as "can't move legs".

A pronoun takes the last part of the body named before it, in its own
sentence or the two before, when the number agrees: "it" a single part
("my foot"), "them" and "they" several ("my legs", "my arm and leg").
Anything else ("it started on Monday", "they said it's sciatica") keeps its
own word, and so does "it" when the weather follows ("it was cold outside";
"the cold weather set it off"; the words are ``reference.weather`` in
knowledge/language.yml) or an idiom ("didn't make it to the toilet",
``reference.idiom_before``).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc

SINGULAR = {"it", "its"}
PLURAL = {"them", "they", "their"}
JOINERS = {"and", "or", "&", "/", ",", "my", "the", "his", "her", "their", "left", "right", "both"}
SIDE_WORDS = {"on", "of", "down", "the", "my", "his", "her", "left", "right", "same", "one", "whole"}
REACH_SENTENCES = 2  # the pronoun's own sentence and the two before
WEATHER_REACH = 4  # "it was so cold outside", "the cold weather set it off": this many words either side


def resolve_pronouns(doc: Doc, body: Sequence[Tuple[int, int]], sentence_of: List[int],
                     not_antecedents: Set[str], weather: Sequence[int] = (),
                     idioms: Set[str] = frozenset(), well: Sequence[int] = ()) -> int:
    """Give each body pronoun its antecedent's NORM; returns how many were resolved.

    `doc` is lemmatised (NORM is the lemma, so "legs" and "feet" are plural
    where NORM differs); `body`: token spans of body words; `weather`: where
    weather words start; `idioms`: words right before "it" that make it no
    pronoun ("didn't make it to the toilet"); `well`: where "is fine"-words start. A part said
    right there to be well ("Her right leg went numb at tea. Her right arm is fine. It is still numb") is the
    antecedent only when no other part is in reach ("my leg was fine, now it's numb" says "was").
    """
    spans = sorted((s, e) for s, e in body if doc[s:e].text.lower() not in not_antecedents)
    if not spans:
        return 0
    resolved = 0
    starts = {s for s, _ in spans}
    well_at = set(well)
    not_well = [sp for sp in spans if sp[1] not in well_at]
    for tok in doc:
        word = tok.lower_
        if tok.i in starts or (word not in SINGULAR and word not in PLURAL):
            continue
        if word in SINGULAR and tok.i > 0 and doc[tok.i - 1].lower_ in idioms:
            continue
        if word in SINGULAR and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "all":
            continue  # "it all went off", "it all came back": the whole episode, not a part of the body
        if word in SINGULAR and any(abs(w - tok.i) <= WEATHER_REACH and sentence_of[w] == sentence_of[tok.i]
                                    for w in weather):
            continue
        antecedent = _antecedent(doc, not_well, tok.i, sentence_of) \
            or _antecedent(doc, spans, tok.i, sentence_of)
        if antecedent is None:
            continue
        s, e, several = antecedent
        if several != (word in PLURAL):
            continue
        tok.norm_ = doc[e - 1].norm_
        resolved += 1
    return resolved


def _antecedent(doc: Doc, spans: Sequence[Tuple[int, int]], i: int,
                sentence_of: List[int]) -> Optional[Tuple[int, int, bool]]:
    """The last body word before token i (within reach), and whether it names several parts."""
    before = [(s, e) for s, e in spans if e <= i and sentence_of[i] - sentence_of[s] <= REACH_SENTENCES]
    if not before:
        return None
    if len(before) >= 2 and _qualifies_side(doc, before[-1], before[-2]):
        before = before[:-1]  # "my arm and leg on the left side ... them": the limbs, not the side
    s, e = before[-1]
    head = doc[e - 1]
    several = head.lower_ != head.norm_ or _joined(doc, before)
    return s, e, several


def _qualifies_side(doc: Doc, last: Tuple[int, int], previous: Tuple[int, int]) -> bool:
    """'side' in 'my leg on the left side': a place of the body word just before, not a part of its own."""
    s, e = last
    if doc[s:e].text.lower() not in ("side", "half"):
        return False
    between = [t.lower_ for t in doc[previous[1]:s]]
    return 1 <= len(between) <= 3 and between[0] in ("on", "of", "down") and all(w in SIDE_WORDS for w in between)


def _joined(doc: Doc, before: Sequence[Tuple[int, int]]) -> bool:
    """'my arm and leg': two body words joined only by small words count as several."""
    if len(before) < 2:
        return False
    (_, e1), (s2, _) = before[-2], before[-1]
    between = [t.lower_ for t in doc[e1:s2]]
    return bool(between) and len(between) <= 3 and all(w in JOINERS for w in between) and "and" in between
