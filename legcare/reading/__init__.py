"""How LegCare reads a message, one concept per module.

- ``normalize``: Unicode clean-up (format characters, quotes, control characters).
- ``spelling``: typo correction against the lexicon, guarded by an English word-frequency list.
- ``findings``: the data the reader produces (mentions, findings).
- ``mentions``: symptoms, risk factors and conditions found by phrase, lemma and "near" rules,
  including loss of function ("could not get out of bed").
- ``context``: whether a mention is the person's present state, negated, family history,
  a long-past episode or a hypothetical question (typed cue rules in ``knowledge/language.yml``).
- ``timeline``: side, onset, duration and how things developed over time.
- ``person``, ``measures``: who it happens to (age) and numbers given (a temperature reading).
- ``detector``: a statistical second opinion on possible red flags.

``legcare.extract.Extractor`` runs them in that order.
"""
