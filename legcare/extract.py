"""Read symptoms, side, onset, duration and risk factors from free text.

The reading runs the modules of :mod:`legcare.reading` in order: normalise
the text, tokenise it (blank English spaCy), fix typos, find mentions
(phrases and near rules from ``knowledge/``), decide each mention's context
(present, negated, family, past, hypothetical; cues in
``knowledge/language.yml``), then read side, onset, duration and age.
"""
from __future__ import annotations

import re
from typing import Dict, List, Set, Tuple

from .knowledge import Knowledge
from .reading import degree, measures, person, timeline
from .reading.context import ContextReader, cue_matcher, find_cues, segments
from .reading.findings import Findings, Mention  # noqa: F401  (re-exported)
from .reading.mentions import MentionFinder
from .reading.nlp import blank_english
from .reading.normalize import MAX_CHARS, calm_shouting, normalize_text, unquote  # noqa: F401  (re-exported)
from .reading.shorthand import Shorthand
from .reading.spelling import Speller, is_english, language_of
from .reading.translate import Translator

WORDS = re.compile(r"[^\W\d_]+")


class Extractor:
    """Turns text into :class:`Findings`. Build once, call :meth:`extract` many times."""

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.nlp = blank_english()
        self.lang = kb.language
        self.speller = Speller()
        self.mentions = MentionFinder(kb, self.nlp, self.speller)
        self.cue_matcher = cue_matcher(self.nlp, self.lang)
        self.translator = Translator(kb.translations)
        self.shorthand = Shorthand(kb.shorthand, known=self.speller.vocab)  # the lexicon's words stay

    def _english(self, word: str) -> bool:
        """An English word, or one of the lexicon's ("wee", "tingly")."""
        return is_english(word) or word in self.speller.vocab

    def extract(self, text: object) -> Findings:
        clean = calm_shouting(normalize_text(text))
        truncated = len(clean) > MAX_CHARS
        if truncated:
            clean = clean[:MAX_CHARS]
        findings = Findings(truncated=truncated)
        if not clean:
            return findings
        translation = mixed = None
        if language_of(WORDS.findall(clean.lower()), self.speller.vocab) == "other":
            translation = self.translator.translate(clean)
            if translation is not None:  # read the rough English; the reply still carries the language note
                clean = translation.text
        if translation is None:  # English with words of another language mixed in ("his fakhd are swollen")
            mixed = self.translator.translate_mixed(clean, self._english)
            if mixed is not None:
                clean = mixed.text
        # "cant fel my rite leg": the words meant; "his leg 'gave up'": the quoted words as words
        expanded = unquote(self.shorthand.expand(clean))
        rewritten, clean = expanded != clean, expanded
        doc = self.nlp.make_doc(clean)
        fixed = self.speller.correct(self.nlp, doc)
        lower = [t.lower_ for t in doc]
        cues = find_cues(self.nlp, self.cue_matcher, doc)
        sentence_of, clause_of, segment_of = segments(lower)
        weather = [s for s, _ in cues.get("reference.weather", [])]
        well = [s for s, _ in cues.get("negation.body_well", [])]
        mentions = self.mentions.find(doc, fixed, clause_of, sentence_of, weather, well)
        ctx = ContextReader(lower, cues, sentence_of, clause_of, segment_of, mentions, [t.idx for t in doc],
                            self.kb.cue_rules)
        for m in mentions:
            m.status = ctx.status(m)
        # A part said to be well outweighs a symptom read only from a whole side ("the left side
        # won't go up when she smiles ... her arms and legs are fine"), and nothing more: it is no
        # denial to report, since people who play things down say "my legs are fine" and then tell
        # of legs that give way, and the interview must still ask.
        well = {m.id for m in mentions if m.well and m.status == "negated"}
        mentions = [m for m in mentions if not m.well
                    and not (m.via_side and m.id in well and m.status == "present")]

        present: Dict[str, List[str]] = {}
        char_spans: Dict[str, List[Tuple[int, int]]] = {}
        negated: Set[str] = set()
        context: Dict[Tuple[str, str], None] = {}
        risks: List[str] = []
        neg_risks: Set[str] = set()
        asked_risks: List[str] = []
        conds: Dict[str, str] = {}
        family_mentions = False
        # a story told of someone else: what that relative "had" is their own history, not the family's
        told_sentences = {sentence_of[m.start] for m in mentions if m.kind == "S" and m.status == "present"}
        of_other = ctx.about_someone_else(told_sentences)
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
                lifelong = m.status == "past" and self.kb.risk_factors[m.id].history_counts
                theirs = m.status == "family" and of_other and ctx.in_relative_history(m)
                if m.status == "present" or lifelong or theirs:  # "breast cancer 5 years ago" still counts
                    if m.id not in risks:
                        risks.append(m.id)
                elif m.status == "negated":
                    neg_risks.add(m.id)
                elif m.status == "family":
                    family_mentions = True
                elif m.status == "hypothetical" and m.id not in asked_risks:
                    asked_risks.append(m.id)  # "if you've had prostate cancer and your back starts hurting..."
            else:
                status = m.status
                if status == "family" and of_other and ctx.in_relative_history(m):
                    status = "present"  # "my daughter had a panic attack": hers, in her own story
                if status == "family":
                    family_mentions = True
                if m.id not in conds or status == "present":
                    conds[m.id] = status
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
        findings.asked_risk_factors = [r for r in asked_risks if r not in risks]
        findings.conditions_mentioned = [{"id": c, "status": st} for c, st in conds.items()]

        present_clauses = {clause_of[m.start] for m in mentions if m.status == "present"}
        quiet = set(sentence_of) - {sentence_of[m.start] for m in mentions}
        follow_up = {s for s in quiet if s - 1 in told_sentences}  # "Mine is both legs."
        findings.side = timeline.side(ctx, self.lang["side"], present_clauses, follow_up)
        told: Dict[int, Set[str]] = {}
        for m in mentions:
            if m.kind == "S" and m.status == "present":
                told.setdefault(sentence_of[m.start], set()).add(m.id)
        # every time the person gives, read once; not the course of an illness named beside it
        spans = timeline.time_spans(ctx, clean)
        course = timeline.illness_course(ctx, mentions, spans)
        spans = [sp for sp in spans if sp[2] not in course]
        # "I have RA and AF (on and off with my blood thinner)": a slow-course word in a sentence
        # about an illness or a medicine, telling no symptom, is that illness's course
        of_illness = {sentence_of[m.start] for m in mentions if m.kind in ("C", "R")} - set(told)
        episode = timeline.current_episode(ctx, spans, told)
        if episode is not None:  # something new against a long-standing background
            findings.duration, background = episode
            findings.onset = timeline.onset(ctx, background, of_illness, course)
            findings.timeline.append("new_on_background")
        else:
            findings.onset = timeline.onset(ctx, not_gradual=of_illness, course=course)
            # how long someone sat, knelt or drove at a time is not how long the complaint has lasted
            complaint = [sp for sp in spans if not timeline.said_of_an_activity(ctx, sp)]
            findings.duration = (timeline.duration(ctx, complaint, told) or timeline.recent_start(ctx)
                                 or timeline.any_duration(complaint))
            if course:  # the illness's long course is the background of today's complaint
                findings.timeline.append("new_on_background")
        if not (episode is not None and findings.onset == "gradual" and timeline.slow_background(ctx, spans)):
            findings.onset = timeline.speed(findings.onset, findings.duration_days, ctx)
        # an episode told as long past and over ("This was three years ago ... never happened again")
        # is not a passed attack of today, whose minutes the story also gives
        if timeline.passed_long_ago(ctx, spans, told):
            findings.timeline.append("passed_long_ago")
        else:
            attack = timeline.passed_attack(ctx, spans, findings.symptoms, findings.onset,
                                            findings.duration_days, findings.side)
            if attack == "passed_attack":
                findings.onset = "sudden"
            if attack:
                findings.timeline.append(attack)
        exertion = bool(set(findings.risk_factors) & timeline.EXERTION)
        # hard exercise explains sore, tired legs over the days after it; not when an infection came
        # before, as the nerves' weakness after one does ("a cold last week, a hockey match on Saturday, unable to climb the stairs today")
        story = timeline.progression(ctx, findings.symptoms, findings.onset, findings.duration_days,
                                     exertion=exertion and "recent_infection" not in findings.risk_factors)
        if not story and findings.onset != "rapid" and timeline.worse_lately(ctx, spans, findings.symptoms, exertion):
            story = "rapid"  # weak for years, much worse since yesterday
        if story:
            findings.onset = story
            findings.timeline.append("worsening")
        findings.timeline.extend(timeline.stories_said(ctx))  # recovering, recurring, eases_at_rest
        if "ascending_weakness" not in findings.symptoms and timeline.spreading_upwards(
                ctx, self.lang["body_heights"], findings.symptoms, findings.onset, findings.duration_days):
            findings.symptoms.append("ascending_weakness")
            findings.timeline.append("spreading_upwards")
        if degree.PARALYSIS not in findings.symptoms and degree.complete_loss(ctx, mentions):
            findings.symptoms.append(degree.PARALYSIS)  # "can't lift it off the bed at all": no movement left
        findings.age = person.age(clean.lower())
        if "fever" not in findings.symptoms and "fever" not in findings.negated and measures.has_fever(clean):
            findings.symptoms.append("fever")
        # symptoms (in any context) or parts of the body; a condition's name alone is a topic, not a report
        findings.about_body = any(m.kind == "S" for m in mentions) or self.mentions.has_body_words(fixed)
        # ("can a trapped nerve make your whole side go numb all at once?" tells of a sudden event: not general)
        findings.general_question = (ctx.asks_in_general() and not findings.symptoms
                                     and not cues.get("onset.sudden"))
        findings.language = language_of(lower, self.speller.vocab)
        if translation is not None:
            findings.language = "other"
            findings.translated_from = translation.language
            findings.spans = {}  # offsets in the English text are not the person's words
            findings.evidence = {}
        elif rewritten or mixed is not None:
            findings.spans = {}  # offsets in the rewritten text are not the person's
            if mixed is not None:
                findings.translated_from = mixed.language
        if findings.age is not None:  # "I'm 72": older age; "my son (8)": a child (`ages` in risk_factors.yml)
            risks.extend(r.id for r in self.kb.risk_factors.values()
                         if r.ages and r.ages[0] <= findings.age <= r.ages[1] and r.id not in risks)
        return findings
