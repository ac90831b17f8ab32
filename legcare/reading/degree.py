"""How complete a loss of movement is: "can't lift it off the bed at all" is no movement, not weakness.

A limb that cannot do something at all ("she can't lift it off the bed at
all", "couldn't move his leg an inch") has lost its movement: that is the
emergency "unable to move a limb" (paralysis), not the weakness of "I can't
lift my leg as high as before". A weakness mention that says what the limb
cannot do, followed closely in its sentence by a word of completeness
(``degree.complete`` in knowledge/language.yml), is read as paralysis too.
"""
from __future__ import annotations

from typing import Iterable

from .context import ContextReader, says_cannot
from .findings import Mention

LIMB_WEAKNESS = ("leg_weakness", "arm_weakness")  # the symptoms a complete loss turns into paralysis
PARALYSIS = "paralysis"
REACH = 6  # words after the mention in which the completeness word may come


def complete_loss(ctx: ContextReader, mentions: Iterable[Mention]) -> bool:
    """Does a limb's weakness, as told, leave no movement at all?"""
    complete = [s for s, _ in ctx.cues.get("degree.complete", [])]
    if not complete:
        return False
    for m in mentions:
        if m.kind != "S" or m.status != "present" or m.id not in LIMB_WEAKNESS:
            continue
        if not any(says_cannot(ctx.lower, j) for j in range(m.start, m.end)):
            continue
        if any(m.end <= s <= m.end + REACH and ctx.sentence_of[s] == ctx.sentence_of[m.start] for s in complete):
            return True
    return False
