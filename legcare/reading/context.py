"""Is a mention the person's present state? Negation, family history, the past, hypotheticals.

The cue words come from ``knowledge/language.yml``; this module decides their
reach: a negation covers the words after it up to the end of its clause, and
carries on through a list of symptoms ("no numbness, tingling or pain") but
not past a comma into something else; "can't walk" is inability, not
negation; a relative with "had" starts family history; "years ago" makes a
comma segment past unless something says it still goes on.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ..knowledge import CueRule
from .findings import Mention

NO_RULE = CueRule()

INABILITY = {"ca", "can", "could", "wo", "would"}
LIST_CLOSERS = {"or", "nor", "no", "any", "neither"}
PAST_VERBS = {"died", "passed"}  # a relative's "died of", "passed away with": history, whatever follows
RECOVERY_REACH = 2  # words from an ongoing word ("have been") to a recovery ("completely fine")
HARD_BOUNDARIES = {".", "!", "?", ";", "\n", "\n\n", ":", "…"}
SOFT_BOUNDARIES = {",", "and", "or", "-", "–", "—", "/", "&", "nor"}
CLAUSE_WORDS = {"but", "however", "although", "though", "whereas", "except", "yet"}
# What may follow a "no" that answers a question: nothing more, or a new sentence ("no she says");
# not "no idea", "no better".
ANSWER_FOLLOWERS = {",", "i", "he", "she", "they", "we", "it", "that", "thats", "that's", "nothing"}
ITEM_REACH = 8  # "numb / tingly / pins and needles - N": how far one answer reaches back along its line
ITEM_LINKS = {"/", "&", "or", "and", ","}
LABEL_REACH = 3  # "A:", "Sis:", "Mum says:": a speaker's label before an answer
UNDO_REACH = 4  # "I haven't lost control of my bowels - well, I have": how far a correction may follow


def says_cannot(lower: Sequence[str], j: int) -> bool:
    """Is token j the "can't" of an inability ("cannot", "unable", the "n't" of "can't", "couldn't", "won't")?"""
    w = lower[j]
    return w in {"cannot", "unable"} or (w in {"n't", "nt", "not"} and j > 0 and lower[j - 1] in INABILITY)


def _after_inability(lower: Sequence[str], i: int, reach: int = 10) -> bool:
    """Is there a "can't"/"unable" within `reach` words before token i, in the same sentence?"""
    for j in range(i - 1, max(-1, i - 1 - reach), -1):
        if lower[j] in HARD_BOUNDARIES:
            return False
        if says_cannot(lower, j):
            return True
    return False


def _pictures_only(w: str) -> bool:
    """An emoji or other picture sign ("😢", "🙏"): people end a sentence with one instead of a full stop."""
    return bool(w) and all(unicodedata.category(c) == "So" for c in w)


def segments(lower: Sequence[str]) -> Tuple[List[int], List[int], List[int]]:
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
        if w in HARD_BOUNDARIES or "\n" in w or (w == "." * len(w) and w) or _pictures_only(w):
            sent += 1
            clause += 1
            seg += 1
    return sentence_of, clause_of, segment_of



def cue_matcher(nlp, language: Dict[str, Dict[str, Tuple[str, ...]]]) -> PhraseMatcher:
    """One matcher for every cue list, keyed "section.name" (e.g. "negation.before").

    Cues match word for word (any case): matching them on lemmas was measured
    and dropped (more false alarms on the development corpus).
    """
    cues = PhraseMatcher(nlp.vocab, attr="LOWER")
    for section, lists in language.items():
        for name, phrases in lists.items():
            cues.add(f"{section}.{name}", [nlp.make_doc(p.lower()) for p in dict.fromkeys(phrases) if p.strip()])
    return cues


OWNER_REACH = 3  # "my [little / 14 year] daughter": words from "my" to the relative it names
PAST_AGE_SUBJECTS = {"i", "he", "she", "we", "they"}  # "when I was 16", "when she was 20"
# "when I was 30 weeks" (pregnant), "when he was 3 days old": a stage, not an age in years
NOT_AN_AGE = {"weeks", "week", "wks", "wk", "months", "month", "days", "day", "hours", "minutes", "pregnant"}


def find_cues(nlp, matcher: PhraseMatcher, doc: Doc) -> Dict[str, List[Tuple[int, int]]]:
    found: Dict[str, List[Tuple[int, int]]] = {}
    for key, s, e in matcher(doc):
        found.setdefault(nlp.vocab.strings[key], []).append((s, e))
    # "in 2015", "back in 2019": a year before this one is the past, as "years ago" is
    # and "when I was 16", "when she was 20": an age in the past is the past, as "years ago" is
    this_year = date.today().year
    for tok in doc[1:]:
        if not tok.is_digit:
            continue
        if len(tok.text) == 4 and 1900 <= int(tok.text) < this_year and doc[tok.i - 1].lower_ == "in":
            found.setdefault("context.past", []).append((tok.i - 1, tok.i + 1))
        elif (tok.i >= 3 and doc[tok.i - 1].lower_ == "was" and doc[tok.i - 3].lower_ == "when"
              and doc[tok.i - 2].lower_ in PAST_AGE_SUBJECTS
              and not (tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in NOT_AN_AGE)):
            found.setdefault("context.past", []).append((tok.i - 3, tok.i + 1))
    return found


class ContextReader:
    """Decides the status of each mention: present, negated, family, past or hypothetical."""

    def __init__(self, lower: List[str], cues: Dict[str, List[Tuple[int, int]]],
                 sentence_of: List[int], clause_of: List[int], segment_of: List[int],
                 mentions: List[Mention], offsets: List[int], rules: Optional[Dict[str, CueRule]] = None):
        self.lower, self.cues = lower, cues
        self.rules = rules or {}
        self.sentence_of, self.clause_of, self.segment_of = sentence_of, clause_of, segment_of
        self.offsets = offsets  # character offset of each token
        self.mention_starts = {m.start for m in mentions}
        self.condition_starts = {m.start for m in mentions if m.kind == "C"}
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
            # "can't stand without falling", "my legs won't get me to the bathroom without hanging on to
            # the furniture": what follows the "without" happens
            and not (lower[s] == "without" and _after_inability(lower, s))
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
        self._answered_no = self._questions_answered_no()
        self._feared = [(e, self._scope_end(e, "context.feared")) for _, e in self.cues.get("context.feared", [])]
        self._read_about = [(e, self._scope_end(e, "context.read_about"))
                            for _, e in self.cues.get("context.read_about", [])]
        # words whose time, side and onset are not the present story's: a relative's history, the
        # past, hypotheticals; a relative telling today's story ("dad has a weak left leg for 2
        # days") keeps its side and time
        history = [(s, e) for s, e, kind in self._family_kinds if kind == "all"]
        self._context_tokens = set()
        for scopes in (history, self._past):
            for s, e in scopes:
                self._context_tokens.update(range(s, e))
        for i in range(self.n):
            if self.sentence_of[i] in self._hypothetical:
                self._context_tokens.add(i)

    # ------------------------------------------------------------ scopes
    def rule(self, name: str) -> CueRule:
        return self.rules.get(name, NO_RULE)

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

    def stretch(self, i: int) -> Tuple[int, int]:
        """The words around token `i` up to a comma, a clause word or a stop word ("so", "when",
        "because"...): "dad has had arthritis in his knees for ten years | so when his leg went ..."."""
        start, end = self._segment_bounds(i)
        lo = i
        while lo > start and lo - 1 not in self.stop_tokens:
            lo -= 1
        hi = i + 1
        while hi < end and hi not in self.stop_tokens:
            hi += 1
        return lo, hi

    def _family_scopes(self) -> List[Tuple[int, int]]:
        scopes = []
        self._relative_history: List[Tuple[int, int]] = []  # what a named relative has or had (not "runs in the family")
        verbs = self.cues.get("context.relative_verbs", [])
        for s, e in self.cues.get("context.relatives", []):
            reach = self.rule("context.relatives").cue_reach or 3
            verb = next(((vs, ve) for vs, ve in verbs if e <= vs <= e + reach
                         and self.clause_of[vs] == self.clause_of[s]), None)
            sentence = self.sentence_of[s]
            if verb is None or self._recent(sentence):
                continue
            said = (self.lower[i] for i in range(self.n) if self.sentence_of[i] == sentence)
            if any(w in PAST_VERBS for w in said) or self._in_sentence_with("context.past", sentence):
                scopes.append((verb[1], self._scope_end(verb[1], "context.relatives"), "all"))
                self._relative_history.append(scopes[-1][:2])
            else:
                # "my dad has MS", "mum had a stroke": family history for named conditions and
                # risk factors; "dad's had a lopsided smile": a relative telling today's story
                scopes.append((verb[1], self._scope_end(verb[1], "context.relatives"), "conditions"))
                self._relative_history.append(scopes[-1][:2])
        for s, e in self.cues.get("context.family_phrases", []):
            if not self._recent(self.sentence_of[s]):
                back = self.rule("context.family_phrases").reach_back or 0
                scopes.append((max(0, s - back), self._scope_end(e, "context.family_phrases"), "all"))
        self._family_kinds = scopes
        return [(s, e) for s, e, _ in scopes]

    def _names_condition(self, s: int, e: int) -> bool:
        """A named condition inside a relative's scope ("had a stroke with slurred speech"):
        the symptoms there describe the relative's illness."""
        return any(s <= i < e for i in self.condition_starts)

    def _recent(self, sentence: int) -> bool:
        """Does the sentence place things in the last few days ("this morning", "since lunch")?"""
        return any(self._in_sentence_with(cue, sentence)
                   for cue in ("context.recent", "context.abrupt", "timeline.today", "timeline.days"))

    def _scope_end(self, i: int, rule_name: str) -> int:
        """Where a forward scope starting at token i ends, by its rule's `ends_at` and `max_scope`."""
        rule = self.rule(rule_name)
        ends, limit = set(rule.ends_at), (i + rule.max_scope if rule.max_scope else self.n)
        seg, sent = (self.segment_of[min(i, self.n - 1)], self.sentence_of[min(i, self.n - 1)]) if self.n else (0, 0)
        while i < min(self.n, limit):
            if ("segment" in ends and self.segment_of[i] != seg) or ("sentence" in ends and self.sentence_of[i] != sent):
                break
            if "first_person" in ends and i in self.first_person:
                break
            i += 1
        return i

    def _past_scopes(self) -> List[Tuple[int, int]]:
        scopes = []
        rule = self.rule("context.past")
        unit = "segment" if "segment" in rule.ends_at else "clause" if "clause" in rule.ends_at else "sentence"
        of = {"segment": self.segment_of, "clause": self.clause_of, "sentence": self.sentence_of}[unit]
        # "have been completely fine since": an ongoing word that tells of recovery keeps nothing going
        recovery = {s for s, _ in self.cues.get("timeline.recovery", [])}
        keeps = [c for cue in rule.unless_near for c, e in self.cues.get(cue, [])
                 if not any(e <= r <= e + RECOVERY_REACH for r in recovery)]
        for s, _ in self.cues.get("context.past", []):
            members = [k for k in range(self.n) if of[k] == of[s]]
            if any(of[c] == of[s] for c in keeps):
                continue
            scopes.append((members[0], members[-1] + 1))
        return scopes

    def _next_word(self, i: int) -> int:
        while i < self.n and not self.lower[i].strip():
            i += 1
        return i

    def _questions_answered_no(self) -> Set[int]:
        """Tokens of a yes/no question answered "no" right after it (negation.answer):
        "Q: Did it start suddenly? A: no", "has her back been hurting? Sis: no she says"."""
        answers = dict(self.cues.get("negation.answer", []))
        out: Set[int] = set()
        for q, w in enumerate(self.lower):
            if w != "?":
                continue
            j = self._next_word(q + 1)
            label = next((k for k in range(j, min(self.n, j + LABEL_REACH + 1)) if self.lower[k] == ":"), None)
            if label is not None and not any(self.lower[k] in HARD_BOUNDARIES for k in range(j, label)):
                j = self._next_word(label + 1)
            if j not in answers:
                continue
            after = answers[j]
            if after < self.n and not (self.lower[after] in HARD_BOUNDARIES or not self.lower[after].strip()
                                       or self.lower[after] in ANSWER_FOLLOWERS):
                continue
            k = q - 1
            while k >= 0 and self.sentence_of[k] == self.sentence_of[q]:
                out.add(k)
                k -= 1
        return out

    def _denied_after(self, end: int) -> bool:
        """Is the item ending at token `end` answered "no" right after it, as in a checklist:
        "numbness: no", "swelling - N", "redness (n)", "fever none"?"""
        after = self.rule("negation.after")
        marks = set(after.joined_by)
        pseudo = {s for s, _ in self.cues.get("negation.pseudo", [])}
        for ts, te in self.cues.get("negation.after", []):
            if ts in pseudo:
                continue  # "legs weak - no idea why", "- not sure"
            # "numb/tingly - N", "pain, swelling: none": other items of the same line may stand between
            if end < ts <= end + ITEM_REACH and self.lower[ts - 1] in marks and all(
                    self.lower[k] in marks or self.lower[k] in ITEM_LINKS or k in self.mention_tokens
                    for k in range(end, ts)):
                return True
            if ts >= end and ts - end <= (after.max_scope or 2):
                between = self.lower[end:ts]
                # "Headache, no. Numbness, no.": an answer after a comma, and nothing more in its sentence
                if between == [","] and (te >= self.n or self.lower[te] in HARD_BOUNDARIES):
                    return True
                # "swelling none", "fever: nope": right after it, and nothing follows in that part
                # (not a bare "no": "he says yes when he means no")
                if (not between and self.lower[ts] not in ("no", "n")
                        and (te >= self.n or self.lower[te] in HARD_BOUNDARIES | {","})):
                    return True
        return False

    def _hypothetical_sentences(self) -> Set[int]:
        pseudo = self.cues.get("context.not_hypothetical", [])  # "if you get me": a saying, not an "if"
        out = {self.sentence_of[s] for s, e in self.cues.get("context.hypothetical", [])
               if not any(ps <= s and e <= pe for ps, pe in pseudo)}
        starts = self.cues.get("context.question_starts", [])
        general = self.cues.get("context.general_question_words", [])
        by_sentence: Dict[int, List[int]] = defaultdict(list)
        for i, sent in enumerate(self.sentence_of):
            by_sentence[sent].append(i)
        start_positions = {s for s, _ in starts}
        general_sentences = {self.sentence_of[s] for s, _ in general}
        relatives = {s for s, _ in self.cues.get("context.relatives", [])}
        general_q: Set[int] = set()
        for sent in sorted(by_sentence):
            toks = by_sentence[sent]
            is_question = self.lower[toks[-1]] == "?" or toks[0] in start_positions
            if not is_question:
                continue
            # "tell me about...": the "me" of the request is not a report about oneself
            in_start = {k for s, e in starts for k in range(s, e)}
            if any(i in self.first_person and i not in in_start for i in toks):
                continue
            # a general question, or a follow-on question right after one
            if sent in general_sentences or (sent - 1) in out or (sent - 1) in general_q:
                general_q.add(sent)
        # "Can a bad back stop you feeling when you need a poo? I had no idea until..." asks about
        # the writer's own case: a general question stays general only when nobody is reported on
        # (a "he"/"she" reports on someone too: "Is she breathing all right - mostly, but she says...")
        third = {k for s, e in self.cues.get("context.third_person", []) for k in range(s, e)}
        reported = any(self.sentence_of[i] not in general_q and (i in self.first_person or i in relatives or i in third)
                       for i in range(self.n))
        return out if reported else out | general_q

    def asks_in_general(self) -> bool:
        """Is the message only questions, with no word of how the body feels?

        "What exercises are good for my knees?" asks; "why do my legs feel
        funny?" reports something.
        """
        if not self.n or self.cues.get("context.sensation"):
            return False
        starts = {s for s, _ in self.cues.get("context.question_starts", [])}
        by_sentence: Dict[int, List[int]] = defaultdict(list)
        for i, sent in enumerate(self.sentence_of):
            if self.lower[i].strip():
                by_sentence[sent].append(i)
        return all(self.lower[toks[-1]] == "?" or toks[0] in starts or len(toks) == 1 and toks[0] in HARD_BOUNDARIES
                   for toks in by_sentence.values() if toks)

    def in_relative_history(self, m: Mention) -> bool:
        """Is the mention in what a named relative had ("dad had lung cancer"), not a family phrase?"""
        return any(s <= m.start < e for s, e in self._relative_history)

    def about_someone_else(self, sentences: Iterable[int]) -> bool:
        """Do these sentences (those telling the symptoms) speak of another person ("he", "her legs")
        and never of the writer ("I", "my")?"""
        wanted = set(sentences)
        if not wanted:
            return False
        third = {s for s, _ in self.cues.get("context.third_person", [])}
        relatives = {s for s, _ in self.cues.get("context.relatives", [])}
        said = [i for i in range(self.n) if self.sentence_of[i] in wanted]
        # "my daughter", "my 14 year old son": a first person that names the relative is not the writer's own story
        writer = {i for i in self.first_person if not any(i < r <= i + OWNER_REACH for r in relatives)}
        if any(i in third for i in said):
            return not any(i in writer for i in said)
        # told in note form, naming no one ("Mum has myeloma. Back worse all weekend, now both legs
        # weak."): about the relative named, when the writer never speaks of themselves
        return bool(relatives) and not writer

    # ------------------------------------------------------------ status
    def status(self, m: Mention) -> str:
        if self.sentence_of[m.start] in self._hypothetical:
            return "hypothetical"
        if m.kind in ("C", "R") and any(s <= m.start < e for s, e in self._feared):
            return "hypothetical"  # "convinced it was a stroke": feared, not had
        if any(s <= m.start < e for s, e in self._read_about):
            return "hypothetical"  # "I'd read about saddle numbness": read of, not had
        for s, e, kind in self._family_kinds:
            if s <= m.start < e and (kind == "all" or m.kind in ("C", "R") or self._names_condition(s, e)):
                return "family"
        if any(s <= m.start < e for s, e in self._past):
            return "past"
        if m.well or self._negated(m):
            return "negated"
        return "present"

    def _negated(self, m: Mention) -> bool:
        return self._denied(m) and not self._denial_undone(m)

    def _denial_undone(self, m: Mention) -> bool:
        """A hedge or a correction right after the denied words (negation.undone_after): "not short of
        breath as such", "haven't lost control of my bowels - well, I have"."""
        for s, _ in self.cues.get("negation.undone_after", []):
            if m.end <= s <= m.end + UNDO_REACH and not any(
                    self.lower[k] in HARD_BOUNDARIES - {":"} or k in self.mention_tokens for k in range(m.end, s)):
                return True
        return False

    def _denied(self, m: Mention) -> bool:
        last_part_start = m.parts[-1][0]
        before = self.rule("negation.before")
        for ts, te in self.neg_triggers:
            if self.sentence_of[ts] != self.sentence_of[m.start]:
                continue
            if te <= m.start:
                if m.start - te > (before.max_scope or 8) or not self._scope_reaches(te, m.start):
                    continue
                return True
            if m.start <= ts and te <= last_part_start and "," not in self.lower[te:last_part_start]:
                # "face is not drooping": the negation sits between the words
                # (not "my legs, which are never strong, feel weaker")
                return True
        return m.start in self._answered_no or self._denied_after(m.end)

    def _scope_reaches(self, i: int, target: int) -> bool:
        """Does a negation ending at token i still cover token `target`?

        It stops at sentence ends and words like "but". It crosses a comma
        or "and"/"or" only to carry on a list of symptoms: "no numbness,
        tingling or pain", not "not drinking much, legs feel weak".
        """
        rule = self.rule("negation.before")
        ends = set(rule.ends_at)
        saw_mention, start = False, i
        while i < target:
            w = self.lower[i]
            if (("sentence" in ends and w in HARD_BOUNDARIES) or ("stop_words" in ends and i in self.stop_tokens)
                    or ("clause" in ends and self.clause_of[i] != self.clause_of[target])):
                return False
            if i in self.mention_tokens:
                saw_mention = True
            if w in SOFT_BOUNDARIES and "comma_unless_list" in ends:
                j = i + 1
                while j < target and (j in self.link_tokens or self.lower[j] in SOFT_BOUNDARIES):
                    j += 1
                # "no chest pain or breathlessness": a short "X or Y" is a list even when X is unknown
                short_or = w in ("or", "nor") and i - start <= (rule.list_reach or 0)
                if not (saw_mention or short_or) or j not in self.mention_starts:
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
    def valid_cue(self, s: int, e: int) -> bool:
        if s in self._context_tokens or s in self._answered_no or self._denied_after(e):
            return False
        reach = self.rule("negation.before").cue_reach or 0
        for ts, te in self.neg_triggers:
            if te <= s and s - te <= reach and self._scope_reaches(te, s):
                return False
        return True
