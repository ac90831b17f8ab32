"""When and where: onset, side and duration of what the person describes."""
from __future__ import annotations

import bisect
import re
from typing import Dict, List, Optional, Set, Tuple

from .context import HARD_BOUNDARIES, ContextReader

WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "few": 3, "a few": 3,
    "couple": 2, "a couple": 2, "couple of": 2, "a couple of": 2, "several": 4, "some": 3,
}
UNIT_DAYS = {
    "minute": 1 / 1440, "min": 1 / 1440, "hour": 1 / 24, "hr": 1 / 24, "h": 1 / 24, "day": 1.0,
    "night": 1.0, "week": 7.0, "wk": 7.0, "fortnight": 14.0, "month": 30.0, "year": 365.0,
    "yr": 365.0,
}
_NUM = r"(\d+(?:\.\d+)?(?:\s*(?:-|to|or)\s*\d+(?:\.\d+)?)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|(?:a )?few|(?:a )?couple(?: of)?|several|some)"
_UNIT = r"(minute|min|hour|hr|h|day|night|week|wk|fortnight|month|year|yr)s?"  # ("24h", "48 hrs")
_GAP = r"(?:(?<=\d)\s*|\s+)"  # "1hr" and "1 hr"; words need a space ("someday" is not "some day")
DURATION_PATTERNS = [
    re.compile(rf"\b(?:for|over)\s+(?:about|around|nearly|almost|over|roughly|maybe|like|the\s+(?:past|last))?\s*{_NUM}{_GAP}{_UNIT}\b"),
    # "for half an hour", "in the last half hour", "it's been half an hour"
    re.compile(r"\b(?:(?:for|in|over)\s+(?:the\s+(?:past|last)\s+)?|been\s+)(?:about\s+)?"
               r"(half an? hour|half hour|an? hour and a half)\b"),
    re.compile(rf"\b{_NUM}{_GAP}(minute|min)s?\b"),
    re.compile(rf"\b(?:the\s+)?(?:past|last)\s+{_NUM}{_GAP}{_UNIT}\b"),
    re.compile(rf"\b{_NUM}{_GAP}{_UNIT}\s+(?:ago|now|back|later)\b"),  # "still numb three hours later"
    re.compile(rf"\b(?:since|from)\s+(?:about\s+|around\s+)?{_NUM}{_GAP}{_UNIT}\b"),  # "since one hour" (other languages' way)
    re.compile(rf"\b{_NUM}{_GAP}{_UNIT}\s+of\b"),  # "two days of feeling like..."
    re.compile(rf"\b(?:all in|within|in the space of|in just|in only)\s+(?:about\s+|around\s+)?{_NUM}{_GAP}{_UNIT}\b"),
    # "the last week", "this past week", "past week" (bare "last week" is when something happened, not how long)
    re.compile(rf"\b(?:(?:the|this)\s+(?:past|last)|past)\s+{_UNIT}\b"),
    re.compile(rf"\bfor\s+(?:a|the)\s+{_UNIT}\b"),
    # "it's been about a week", "been 3 days now"
    re.compile(rf"\bbeen\s+(?:about|around|nearly|almost|over|roughly|maybe|like|going on|a good)?\s*{_NUM}{_GAP}{_UNIT}\b"),
    # "been like this about a year", "been going on for maybe six weeks"
    re.compile(rf"\bbeen\s+(?:like\s+(?:this|that)|this\s+way|that\s+way|going\s+on|happening)\s+(?:for\s+)?"
               rf"(?:about|around|nearly|almost|over|roughly|maybe|the\s+(?:past|last))?\s*{_NUM}{_GAP}{_UNIT}\b"),
    # a bare time in figures closing a short report: "pins and needles both legs, 1 week", "weak legs 3 days"
    # (hours to weeks only: "my father 78 years." is an age)
    re.compile(r"(?<!\S)(?<!\bin )(?<!\bby )(\d+(?:\s*(?:-|to)\s*\d+)?)\s*(minute|min|hour|hr|day|night|week|wk)s?"
               r"(?:\s+(?:now|so far))?\s*(?=[.!?)]|$)"),
]
SINCE_PATTERN = re.compile(
    r"\bsince\s+(yesterday|last night|this morning|this afternoon|this evening|today|tonight|"
    r"last week|last month|last year|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"the weekend|the morning|the afternoon|the evening|lunch|lunchtime|tea ?time|breakfast|dinner|supper|"
    r"christmas|new year|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|(?:my|the) (?:op|operation|surgery|fall|accident))\b")
SINCE_CLOCK = re.compile(r"\bsince\s+(?:about\s+|around\s+)?(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s*(?:am|pm|o'?clock)\b"
                         r"|\bsince\s+(?:[01]?\d|2[0-3])[:.][0-5]\d\b")
SINCE_DAYS = {
    "yesterday": 1, "last night": 1, "this morning": 0.3, "this afternoon": 0.2, "this evening": 0.1,
    "today": 0.3, "tonight": 0.1, "last week": 7, "last month": 30, "last year": 365,
    "the weekend": 3, "christmas": 60, "new year": 60,
    # a time of day said without "this": today's
    "the morning": 0.3, "the afternoon": 0.2, "the evening": 0.1, "breakfast": 0.3, "lunch": 0.2, "lunchtime": 0.2,
    "teatime": 0.1, "tea time": 0.1, "dinner": 0.1, "supper": 0.1,
}
VAGUE_DURATIONS = [
    # "creeping up since about the spring": months ("since the fall" is an accident, read above)
    (re.compile(r"\bsince\s+(?:about\s+|around\s+|roughly\s+)?(?:the\s+|last\s+)?(?:spring|summer|autumn|winter|easter)\b"),
     120.0),
    (re.compile(r"\b(?:it's|its|it has|has|have|they've|it's already) been months\b|\bmonths now\b"), 90.0),
    (re.compile(r"\b(?:it's|its|it has|has|have|they've|it's already) been weeks\b|\bweeks now\b"), 21.0),
    # a slow course over the year: "slowly getting weaker this year"
    (re.compile(r"\b(?:slowly|gradually|steadily|bit by bit|little by little)\b[^.!?\n]{0,40}?"
                r"\b(?:this|over the|the past|this past|over the past|over this) year\b"), 180.0),
    (re.compile(r"\bfor (?:ages|a long time|a while now|years and years|as long as i can remember)\b"), 180.0),
    (re.compile(r"\b(?:for|been|it's been|its been) (?:years|decades)\b|\byears now\b"), 730.0),
    (re.compile(r"\bfor (?:months)\b"), 90.0),
    (re.compile(r"\bfor (?:weeks)\b"), 21.0),
    (re.compile(r"\bfor (?:days)\b"), 4.0),
    (re.compile(r"\b(?:this|earlier this) month\b"), 14.0),  # "the second time this month"
    # "for most of this year", "on and off all year": months
    (re.compile(r"\b(?:for )?(?:most of|much of|all|the whole of) (?:this|the|last) year\b"), 180.0),
    # a vague time said with a slow course: "slowly getting worse for a while" is months, not minutes
    (re.compile(r"\b(?:slowly|gradually|steadily|bit by bit|little by little)\b[^.!?\n]{0,40}?\bfor (?:a while|some time)\b"),
     60.0),
    (re.compile(r"\b(?:all day|all morning|since i woke up|since waking)\b"), 0.4),
    # "a stroke years ago ... weaker ever since": the years are how long it has been so
    (re.compile(r"\b(?:years|decades) ago\b[^.!?\n]*\b(?:ever since|since then)\b"
                r"|\bever since\b[^.!?\n]*\b(?:years|decades) ago\b"), 730.0),
]


# How long things take, in days
RECENT_DAYS = 0.5   # "this morning", "since lunch", "last night": within about a day
NEW_DAYS = 2.0      # a time this recent tells something new
BACKGROUND_DAYS = 42.0  # "for years", "for six weeks": a long-standing background
STORY_DAYS = 4.0    # "on Sunday", "over the weekend": a few days
SHORT_STORY = 14.0  # longer than this is not "over hours or days"
RAPID_DAYS = 7.0    # "slowly" over a few days is still worsening over days
EPISODE_DAYS = 1 / 24  # an attack that lasted up to about an hour and passed
ATTACK_RECALL_DAYS = 14.0  # such an attack in the last two weeks still needs a same-day check
# ... and one in the last two days is treated as one that just passed: the risk of a stroke after a
# mini-stroke is highest in the first two days (clinical:TIA; stroke services see such people at once)
ATTACK_RECENT_DAYS = 2.0

ACTIVITY_REACH = 6  # words from "sat", "drove"... to the time said of it
PACE_REACH = 8  # words from "walk", "drove"... to a "slowly" that closes the clause
ACTIVITY_MAX_DAYS = 1.0  # a spell of sitting or driving; "sitting at a desk for years" is a way of life
LONG_SPELL = ("for ages", "for a long time")  # of sitting: an hour or two; of a complaint: months
# "ten minutes", "a couple of minutes" said bare: how long something lasts or takes ("can walk ten minutes
# before his legs go heavy"), not when it began ("ten minutes ago", "for the last ten minutes")
BARE_LENGTH = re.compile(rf"{_NUM}{_GAP}(?:minute|min)s?(?:\s+of)?")
POINT_IN_TIME = re.compile(r"\b(?:ago|back)\b")
LASTED = re.compile(r"^(?:for|been|it's been|its been|the (?:past|last)|past)\b")  # "for years": a length, not a when
MINUTES = re.compile(r"\b(?:minute|min)s?\b")
ANCHORED = re.compile(r"\b(?:ago|last|past|since|now|been|in the)\b")


def after_an_activity(ctx: ContextReader, token: int, cue: str = "timeline.activity_times") -> bool:
    """`token` is a few words after "sat", "knelt", "drove", "slept"... in its sentence (timeline.activity_times;
    or another list of activity words, such as timeline.effort_times: "walk", "on my feet")."""
    return any(e <= token and token - e <= ACTIVITY_REACH and ctx.sentence_of[s] == ctx.sentence_of[token]
               for s, e in ctx.cues.get(cue, []))


def _a_length(span: "TimeSpan") -> bool:
    """Minutes said as how long something lasted ("ten minutes", "stiff for some minutes in the morning"),
    not as when it began ("ten minutes ago", "for the last ten minutes", "since 10 minutes")."""
    phrase = span[1]
    return bool(MINUTES.search(phrase)) and not ANCHORED.search(phrase)


def said_of_an_activity(ctx: ContextReader, span: "TimeSpan") -> bool:
    """A time that says how long someone sat, knelt, drove or slept at one go ("sat cross-legged on the
    floor for ages", "drove for 8 hours"), or how far they get on foot ("walk about ten minutes before his
    legs go heavy", "tired walking more than 15 minutes"), not how long the complaint has lasted."""
    days, phrase, token = span
    if (days <= ACTIVITY_MAX_DAYS or phrase in LONG_SPELL) and after_an_activity(ctx, token):
        return True
    return bool(BARE_LENGTH.fullmatch(phrase)) and after_an_activity(ctx, token, "timeline.effort_times")


def illness_course(ctx: ContextReader, mentions, spans: List["TimeSpan"]) -> Set[int]:
    """Tokens that tell the long course of a named illness, not what is happening today.

    "Dad has had arthritis in his knees for ten years, so when his right leg
    went numb this afternoon ...": the stretch around the illness's name (up to a
    comma or a word such as "so", "because": ContextReader.stretch) gives a
    long time (six weeks or more) and tells no symptom beside what the name
    itself carries (as "sciatica" carries leg pain), while another stretch
    tells a symptom with a time of today ("this afternoon", "an hour ago");
    the ten years are the arthritis's. Without a time of today the illness may be the
    complaint itself ("sciatica for ten days, now my foot is numb").
    """
    named = [m for m in mentions if m.kind == "C"]
    if not named:
        return set()
    of_a_name: Set[int] = set()
    for m in named:
        of_a_name.update(range(m.start, m.end))
    told = [m for m in mentions if m.kind == "S" and m.status == "present"
            and not set(range(m.start, m.end)) <= of_a_name]
    course: Set[int] = set()
    for m in named:
        lo, hi = ctx.stretch(m.start)
        if any(lo <= sp[2] < hi and sp[0] >= BACKGROUND_DAYS for sp in spans) \
                and not any(lo <= t.start < hi for t in told):
            course.update(range(lo, hi))
    if not course:
        return course
    today = [s for s, _ in _valid(ctx, "timeline.today")] + [sp[2] for sp in spans if sp[0] <= RECENT_DAYS]
    sentences = {ctx.sentence_of[t.start] for t in told if t.start not in course}
    if not any(t not in course and ctx.sentence_of[t] in sentences for t in today):
        return set()
    return course


def onset(ctx: ContextReader, background: Set[int] = frozenset(), not_gradual: Set[int] = frozenset(),
          course: Set[int] = frozenset()) -> Optional[str]:
    """Sudden, rapid or gradual, from the onset words (not those in `background` sentences; no slow-onset
    word in a `not_gradual` sentence, in an illness's `course` (illness_course), or a few words after
    "sat", "drove"... : "sat cross-legged for ages" says how long someone sat; none undone by its
    `not_<level>_after`/`_before` words: "slowly improving" is recovery, "walking slowly" a pace)."""
    for level in ("sudden", "rapid", "gradual"):
        if any(ctx.sentence_of[s] not in background
               and not (level == "gradual" and (ctx.sentence_of[s] in not_gradual or s in course
                                                or after_an_activity(ctx, s) or _a_pace(ctx, s, e)))
               for s, e in _valid(ctx, f"onset.{level}")):
            return level
    return None


def _a_pace(ctx: ContextReader, s: int, e: int) -> bool:
    """A slow-onset word that closes its sentence or clause a few words after a movement word says how
    someone moved: "could still walk the 400m to the bus stop, slowly"."""
    if e < ctx.n and ctx.lower[e] not in HARD_BOUNDARIES | {","}:
        return False
    return any(pe <= s and s - pe <= PACE_REACH and ctx.sentence_of[ps] == ctx.sentence_of[s]
               for ps, pe in ctx.cues.get("onset.not_gradual_before", []))

def side(ctx: ContextReader, lang: Dict[str, Tuple[str, ...]], clauses: Set[int],
         follow_up: Set[int] = frozenset()) -> Optional[str]:
    """Left, right, one or both, from the side words in `clauses` (those that tell a symptom).

    `follow_up`: sentences right after one that tells a symptom that tell none
    themselves ("Is back pain with leg numbness serious? Mine is both legs."):
    their "both" counts, and so does their left or right when the sentence
    starts by pointing back (``side.follow_up_starts``: "mine", "it's", "only").
    """
    if not clauses:
        return None
    pointing = set(lang["follow_up_starts"])
    # the first word of each follow-up sentence ("Mine is the left one"), read only when there is one
    first_of: Dict[int, int] = {}
    if follow_up:
        for i in range(ctx.n):
            first_of.setdefault(ctx.sentence_of[i], i)

    def counts(s: int, kind: str) -> bool:
        if ctx.clause_of[s] in clauses:
            return True
        sent = ctx.sentence_of[s]
        if sent not in follow_up:
            return False
        return kind == "both" or ctx.lower[first_of[sent]] in pointing
    body = set(lang["singular_body"]) | set(lang["plural_body"]) | {"side", "body", "half"}
    not_after = set(lang["not_side_after"])
    compared = set(lang["compared_with"])
    in_use = set(lang["in_use"])
    arms, legs = set(lang["arm_words"]), set(lang["leg_words"])
    head = set(lang["head_words"])
    limbs = (body | arms | legs | set(lang["whole_body"])) - {"side", "sides", "half"}  # ("left side of my head")
    found: Set[str] = set()
    for kind in ("both", "one"):
        for s, e in ctx.cues.get(f"side.{kind}", []):
            if not counts(s, kind) or not ctx.valid_cue(s, e) or _said_of_the_head(ctx, s, e, head, limbs):
                continue
            before = set(ctx.lower[max(0, s - 4):s])
            if kind == "both" and ctx.lower[s] == "both" and before & arms and before & legs:
                continue  # "arm and leg both heavy": the two limbs of one side
            found.add(kind)
    for kind in ("left", "right"):
        for s, _ in ctx.cues.get(f"side.{kind}", []):
            if not counts(s, kind) or not ctx.valid_cue(s, s + 1) or _said_of_the_head(ctx, s, s + 1, head, limbs):
                continue
            nxt = ctx.lower[s + 1] if s + 1 < ctx.n else ""
            prev = ctx.lower[s - 1] if s > 0 else ""
            preceding = " " + " ".join(ctx.lower[max(0, s - 3):s]) + " "
            if any(f" {c} " in preceding for c in compared):
                continue  # "weaker than the right", "swollen next to the right one": the side it is compared with
            if any(f" {u} " in " " + " ".join(ctx.lower[max(0, s - 5):s]) + " " for u in in_use):
                continue  # "typing with my right hand": the side that still works
            near_body = any(ctx.lower[j] in body for j in range(s + 1, min(ctx.n, s + 4)))
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
    if any(ctx.lower[i] in plural and ctx.clause_of[i] in clauses and i not in ctx._context_tokens
           for i in range(ctx.n)):
        return "both"
    return None

STRETCH_ENDS = {",", ".", ";", ":", "!", "?", "\n"}
SIDE_REACH = 4  # words either side of a side word to the body part it is said of


def _said_of_the_head(ctx: ContextReader, s: int, e: int, head: Set[str], limbs: Set[str]) -> bool:
    """The side word is said of the head ("a pounding headache on one side", "the left side of my head"):
    a head word is nearer to it than any limb or other part of the body, within its stretch of words
    (a comma or a full stop ends it: "headache on one side, legs heavy")."""
    def nearest(words: Set[str]) -> int:
        best = SIDE_REACH + 1
        for step, edge in ((-1, s), (1, e - 1)):  # outwards from each end of the side words
            j = edge + step
            while 0 <= j < ctx.n and abs(j - edge) <= SIDE_REACH and ctx.lower[j] not in STRETCH_ENDS:
                if ctx.lower[j] in words:
                    best = min(best, abs(j - edge))
                    break
                j += step
        return best
    to_head = nearest(head)
    return to_head <= SIDE_REACH and to_head < nearest(limbs - head)


TimeSpan = Tuple[float, str, int]  # days, the words, the token it starts at


def time_spans(ctx: ContextReader, text: str) -> List[TimeSpan]:
    """Every "for 3 days", "2 hours ago", "since Monday", "for years" in the text (not in a relative's story)."""
    low = text.lower()
    spans = []
    for pat in DURATION_PATTERNS:
        for m in pat.finditer(low):
            groups = [g for g in m.groups() if g]
            if groups and "half" in groups[-1]:  # "in the last half hour"
                spans.append((m.start(), m.group(0), (1.5 if "and a half" in groups[-1] else 0.5) / 24))
                continue
            unit = groups[-1].rstrip("s") if groups else ""
            if unit not in UNIT_DAYS:
                continue
            qty = 1.0
            if len(groups) >= 2:
                raw = groups[-2].strip()
                numbers = re.findall(r"\d+(?:\.\d+)?", raw)  # "2-3 hours": the longer end
                qty = max(float(n) for n in numbers) if numbers else WORD_NUMBERS.get(raw, 1)
            spans.append((m.start(), m.group(0), qty * UNIT_DAYS[unit]))
    for m in SINCE_PATTERN.finditer(low):
        spans.append((m.start(), m.group(0), float(SINCE_DAYS.get(m.group(1), 3))))
    for m in SINCE_CLOCK.finditer(low):  # "since 3am", "since 10:30": within today
        spans.append((m.start(), m.group(0), RECENT_DAYS))
    for pat, days in VAGUE_DURATIONS:
        for m in pat.finditer(low):
            spans.append((m.start(), m.group(0), days))
    out: List[TimeSpan] = []
    for start, phrase, days in spans:
        tok = bisect.bisect_left(ctx.offsets, start)  # tokens that start before the match
        if tok not in ctx._context_tokens:
            out.append((days, phrase, min(tok, ctx.n - 1)))
    return out


def duration(ctx: ContextReader, spans: List[TimeSpan], told: Dict[int, Set[str]]) -> Optional[Dict[str, object]]:
    """How long it has been going on: the longest time the person gives (`spans` from time_spans).

    Only times given in sentences about the complaint (that tell a symptom,
    or follow one that does: "It's been 20 mins", or say it is the same
    complaint: "been like this for two years"); see `any_duration` for a
    time said of something else ("I stopped my blood thinner two weeks ago"),
    which counts only when nothing else places the complaint in time.
    """
    same = {ctx.sentence_of[s] for s, _ in _valid(ctx, "timeline.same_complaint")}  # "been like this for years"
    # a sentence that tells how the complaint came on tells its time too: "it's been creeping on for a year"
    same |= {ctx.sentence_of[s] for level in ("gradual", "rapid") for s, _ in _valid(ctx, f"onset.{level}")}
    about = [sp for sp in spans if told.get(ctx.sentence_of[sp[2]]) or told.get(ctx.sentence_of[sp[2]] - 1)
             or ctx.sentence_of[sp[2]] in same]
    return any_duration(about)


def any_duration(spans: List[TimeSpan]) -> Optional[Dict[str, object]]:
    """The longest time given anywhere in the message."""
    if not spans:
        return None
    days, phrase, _ = max(spans, key=lambda sp: sp[0])
    return {"text": phrase, "days": round(days, 3)}


def current_episode(ctx: ContextReader, spans: List[TimeSpan], told: Dict[int, Set[str]]
                    ) -> Optional[Tuple[Dict[str, object], Set[int]]]:
    """Something new told against a long-standing background: its time, and the background's sentences.

    "Neuropathy in both feet for years ... Tonight my mouth started
    dribbling": the years are the background, tonight is what is happening.
    `told` maps each sentence to the symptoms it tells (present ones).
    When the longest time given is a long-standing one (six weeks or more),
    not said of the complaint itself ("been like this for months"), and a
    recent time (within the last two days: "tonight", "2 hours ago"; or a
    day of this week: "Monday I was fine") stands in another sentence that
    tells (or is just before one that tells) a symptom the background does
    not have, or something is set against the background ("this time is
    different"), the recent time is the duration; the background's words
    ("for years", "gradually") then say nothing about how this began.
    """
    long = [sp for sp in spans if sp[0] >= BACKGROUND_DAYS]
    if not long:
        return None
    background = _background_sentences(ctx, long)
    old = set().union(*(told.get(b, set()) for b in background))
    points = all(POINT_IN_TIME.search(phrase) for _, phrase, _ in long)  # "the same thing 2 years back": an old episode
    if not old and not points and any(ctx.sentence_of[s] in background
                                      for s, _ in _valid(ctx, "timeline.same_complaint")):
        return None  # "been like this for two months": the complaint's own time
    contrast = bool(_valid(ctx, "timeline.contrast"))
    # minutes said as a length ("ten minutes", "stiff for some minutes") do not tell that something is new;
    # once something is, they are how long the new attack lasted ("this afternoon ... for ten minutes")
    short = [sp for sp in spans if sp[0] <= NEW_DAYS and not said_of_an_activity(ctx, sp)]
    lengths = [sp for sp in short if _a_length(sp)]
    recent = [sp for sp in short if not _a_length(sp)]
    recent += [(RECENT_DAYS, " ".join(ctx.lower[s:e]), s) for s, e in _valid(ctx, "timeline.today")]
    recent += [(STORY_DAYS, " ".join(ctx.lower[s:e]), s) for s, e in _day_words(ctx)]
    recent = [sp for sp in recent if ctx.sentence_of[sp[2]] not in background]

    def tells_new(sentence: int) -> bool:
        now = told.get(sentence, set()) | told.get(sentence + 1, set())
        return bool(now - old) or (bool(now) and contrast)

    if not any(tells_new(ctx.sentence_of[sp[2]]) for sp in recent):
        return None
    lengths = [sp for sp in lengths if ctx.sentence_of[sp[2]] not in background]
    days, phrase, _ = min(recent + lengths, key=lambda sp: sp[0])
    return {"text": phrase, "days": round(days, 3)}, background - set(told)


# ------------------------------------------------------------------ the story over time
MOTOR_SENSORY = {"leg_weakness", "general_weakness", "arm_weakness", "paralysis", "difficulty_walking",
                 "difficulty_standing_up", "falls", "numbness", "tingling", "balance_problems"}
# (falls on two days are a same-day check, not by themselves worsening: "fell yesterday and again today")
LOST_FUNCTION = {"difficulty_walking", "difficulty_standing_up", "paralysis"}
NERVE_SYMPTOMS = {"numbness", "tingling", "ascending_weakness"}  # (burning thighs after skiing are muscles)
WEAKNESS = {"leg_weakness", "general_weakness", "arm_weakness", "paralysis", "leg_heaviness"} | LOST_FUNCTION
EXERTION = {"heavy_exercise", "unusual_exertion"}  # risk factors that explain sore, tired legs
EPISODE_SYMPTOMS = {"leg_weakness", "arm_weakness", "numbness", "paralysis", "leg_heaviness"}
STROKE_SIGNS = {"slurred_speech", "facial_droop", "vision_problems"}
SPREADING = {"numbness", "tingling", "leg_weakness", "general_weakness", "arm_weakness", "burning_sensation"}


def _slow_words(ctx: ContextReader) -> List[Tuple[int, int]]:
    """The slow-course words said ("slowly", "gradually", "bit by bit"), not the times among the
    slow-onset cues ("for years", "for months"): those say how long, not how it came."""
    return [(s, e) for s, e in _valid(ctx, "onset.gradual")
            if not any(w.rstrip("s") in UNIT_DAYS or w in ("ages", "age") for w in ctx.lower[s:e])]


def _background_sentences(ctx: ContextReader, spans: List["TimeSpan"]) -> Set[int]:
    """The sentences that give a long-standing time (six weeks or more: "for years", "for six weeks")."""
    return {ctx.sentence_of[tok] for days, _, tok in spans if days >= BACKGROUND_DAYS}


def slow_background(ctx: ContextReader, spans: List["TimeSpan"]) -> bool:
    """Is every slow-course word in a sentence that gives a long-standing time? "Her legs have been
    slowly getting weaker over the past year. Tues: fell. Sat: fell again": the slowness is the long
    background's, not the days' new episode's."""
    words = _slow_words(ctx)
    background = _background_sentences(ctx, spans)
    return bool(words) and all(ctx.sentence_of[s] in background for s, _ in words)


def speed(onset_now: Optional[str], duration_days: Optional[float], ctx: Optional[ContextReader] = None
          ) -> Optional[str]:
    """The time scale decides: "gradually" within a week is worsening over days ("rapid").

    Unless the person says it has stopped getting worse, days ago ("pins and
    needles on and off since Monday last week ... hasn't got any worse since";
    "came on over a couple of days and no worse since"): then it is not
    worsening now, and a coming-on over days is no longer known to be fast
    (None: the screen asks).
    """
    if (ctx is not None and onset_now in ("gradual", "rapid") and duration_days is not None
            and duration_days >= NEW_DAYS and _valid(ctx, "timeline.stable")):
        return None if onset_now == "rapid" else onset_now
    if onset_now == "gradual" and duration_days is not None and duration_days <= RAPID_DAYS:
        return "rapid"
    return onset_now


def passed_attack(ctx: ContextReader, spans: List[TimeSpan], symptoms, onset_now: Optional[str],
                  duration_days: Optional[float], side_now: Optional[str]) -> Optional[str]:
    """A stroke-like attack that lasted minutes and passed: a possible mini-stroke.

    "passed_attack" when it happened within about the last hour or the
    whole story is that short (sudden by nature), or within the last two
    days ("about 30 hours ago his left arm and leg went numb for a quarter of
    an hour"); "passed_attack_days_ago" when it was longer ago ("last
    Thursday my arm went heavy for 20 minutes, fine since"): the attack's own
    length is the shortest time given, the time since it the longest, up to
    two weeks.
    Stroke-like means one-sided weakness or numbness, or the face, speech or
    sight; jelly legs on both sides in a panic are not.
    """
    present = set(symptoms)
    stroke_like = present & STROKE_SIGNS or (present & EPISODE_SYMPTOMS and side_now in ("left", "right", "one"))
    if not stroke_like or not _valid(ctx, "timeline.recovery") or onset_now == "gradual":
        return None
    lengths = [days for days, _, _ in spans if days <= EPISODE_DAYS]
    since = [d for d in (duration_days,) if d is not None and d > EPISODE_DAYS]
    if not any(d > 1.0 for d in since):  # "last Friday", "on Tuesday": a few days, unless the time since is given
        since += [STORY_DAYS for _ in _day_words(ctx)[:1]]
    if since and max(since) > ATTACK_RECENT_DAYS:
        if lengths and max(since) <= ATTACK_RECALL_DAYS:
            return "passed_attack_days_ago"
        return None
    if since and max(since) > 1.0:
        return "passed_attack" if lengths else None  # a day or two ago, and it lasted minutes
    if onset_now is None and duration_days is not None and duration_days <= EPISODE_DAYS:
        return "passed_attack"
    if onset_now is None and duration_days is None and not spans:
        # "my left leg went weak and numb, it has passed now": no time at all, so it may have been minutes ago
        return "passed_attack"
    return None


def passed_long_ago(ctx: ContextReader, spans: List[TimeSpan], told: Dict[int, Set[str]]) -> bool:
    """An episode that passed long ago: "Dad collapsed four years ago, his legs went from under him. It was a
    faint and it has never happened again".

    Recovery words, every time given beyond the two weeks in which a passed
    attack still needs a same-day check (the attack's own minutes aside),
    nothing placed in the last days ("today", "on Monday"), and every
    sentence that tells a symptom lies between the first long-ago time and
    the last recovery words, so that a new event told after them ("it passed.
    Now my arm has gone weak") is not made old.
    """
    recovery = _valid(ctx, "timeline.recovery")
    if not recovery or _valid(ctx, "timeline.today") or _day_words(ctx):
        return False
    # (how long something has gone on, "headaches on and off for years", places no episode long ago)
    times = [sp for sp in spans if sp[0] > EPISODE_DAYS and not LASTED.search(sp[1])]
    # a time in the past's own words ("This was three years ago", "in 2016") counts, though it is no
    # duration of the present complaint
    long_ago = [s for s, _ in ctx.cues.get("context.past", [])]
    if (not times and not long_ago) or (times and min(days for days, _, _ in times) <= ATTACK_RECALL_DAYS):
        return False
    first = min([ctx.sentence_of[tok] for _, _, tok in times] + [ctx.sentence_of[s] for s in long_ago])
    last = max(ctx.sentence_of[s] for s, _ in recovery)
    return all(first <= sentence <= last for sentence, symptoms in told.items() if symptoms)


def _valid(ctx: ContextReader, cue: str):
    """The cue's matches that count: not negated, not in a relative's story, not followed by
    a word of its `not_<name>_after` list ("now I can barely": no recovery; "weaker than": a comparison),
    not right after one of its `not_<name>_before` list ("it still hasn't come back": no recovery)."""
    found = [(s, e) for s, e in ctx.cues.get(cue, []) if ctx.valid_cue(s, e)]
    section, _, name = cue.partition(".")
    not_after = {s for s, _ in ctx.cues.get(f"{section}.not_{name}_after", [])}
    not_before = {e for _, e in ctx.cues.get(f"{section}.not_{name}_before", [])}
    return [(s, e) for s, e in found if e not in not_after and s not in not_before]


def _day_words(ctx: ContextReader):
    """The days a story is told by: "on Sunday", "the next day", and the short names that are also
    words ("Sat", "Sun", "Wed") when one starts a sentence and another day is named in the message."""
    days = _valid(ctx, "timeline.days")
    short = [(s, e) for s, e in _valid(ctx, "timeline.days_short")
             if s == 0 or ctx.sentence_of[s - 1] != ctx.sentence_of[s]]
    named = {" ".join(ctx.lower[s:e]) for s, e in days + short}
    return days + short if short and len(named) >= 2 else days


def _distinct_spans(spans):
    """Spans that do not overlap a longer one ("since sunday" counts once, not also "sunday")."""
    out = []
    for s, e in sorted(spans, key=lambda se: (-(se[1] - se[0]), se[0])):
        if not any(s < oe and os < e for os, oe in out):
            out.append((s, e))
    return out


CLOCK = re.compile(r"^(?:[01]?\d|2[0-3])(?::[0-5]\d)?(?:am|pm|h)?$|^(?:[01]?\d|2[0-3])[:.][0-5]\d$")


def _clock_times(ctx: ContextReader):
    """'at 4pm', 'by 10:30', "it's 4pm now": a time of day places the story within today."""
    out = []
    for i, w in enumerate(ctx.lower):
        nxt = ctx.lower[i + 1] if i + 1 < ctx.n else ""
        is_time = (CLOCK.match(w) and (w[-2:] in ("am", "pm") or ":" in w or nxt in ("am", "pm", "o'clock", "oclock")))
        if is_time and ctx.valid_cue(i, i + 1):
            out.append((i, i + 1))
    return out


def recent_start(ctx: ContextReader) -> Optional[Dict[str, object]]:
    """A duration from when-words alone ("since breakfast", "on Sunday"), when none was given."""
    for found, days in ((_valid(ctx, "timeline.today"), RECENT_DAYS), (_day_words(ctx), STORY_DAYS)):
        if found:
            s, e = found[0]
            return {"text": " ".join(ctx.lower[s:e]), "days": days}
    return None


def _short(duration_days: Optional[float]) -> bool:
    return duration_days is None or duration_days <= SHORT_STORY


def progression(ctx: ContextReader, symptoms, onset_now: Optional[str],
                duration_days: Optional[float], exertion: bool = False) -> Optional[str]:
    """'rapid' when weakness or numbness is told as getting worse over hours or days.

    Either a worsening word ("weaker", "spreading", "can't anymore") with a
    short time frame, or a day-by-day story (two or more when-words such as
    "on Sunday ... this morning") that ends in lost function (cannot walk or
    stand, falls, cannot move). Never for a long-standing or gradual problem.
    """
    present = set(symptoms)
    if onset_now in ("sudden", "rapid", "gradual") or not present & MOTOR_SENSORY:
        return None
    if _valid(ctx, "timeline.recovery") or _valid(ctx, "timeline.stable"):
        return None  # "Monday I couldn't do stairs, Wednesday nearly normal": getting better; "the same each day"
    anchors = _distinct_spans(_valid(ctx, "timeline.today") + _day_words(ctx) + _clock_times(ctx))
    # a long duration elsewhere ("a chest infection three weeks ago") does not hide a story told day by day
    if not (_short(duration_days) or len(anchors) >= 2):
        return None
    if _valid(ctx, "timeline.worsening_fast"):
        return "rapid"  # "weaker every day", "worse by the hour": the time scale is in the words
    # ("her legs have been slowly getting weaker this year": a slow course, whatever else the days tell)
    # ("weak legs for years, much worse since yesterday" is worsening: a time is no slow word)
    slow = {ctx.sentence_of[s] for s, _ in _slow_words(ctx)}
    worsening = [(s, e) for s, e in _valid(ctx, "timeline.worsening") if ctx.sentence_of[s] not in slow]
    if worsening and (anchors or duration_days is not None):
        return "rapid"
    # a day-by-day story ending in lost function; after unusual effort, sore muscles explain
    # it unless the nerves are involved (tingling, numbness)
    nerves = present & NERVE_SYMPTOMS
    # (effort explains tired legs, not weak hands)
    if len(anchors) >= 2 and present & LOST_FUNCTION and (nerves or "arm_weakness" in present or not exertion):
        return "rapid"
    # a story told over three days or more, with a different complaint at each step
    if len(anchors) >= 3 and len(present & MOTOR_SENSORY) >= 2 and _short(duration_days) and not exertion:
        return "rapid"
    # tingling or numbness, then weakness, told over a few days: how nerve weakness climbs
    if len(anchors) >= 2 and nerves and present & WEAKNESS and _short(duration_days):
        return "rapid"
    return None


def worse_lately(ctx: ContextReader, spans: List[TimeSpan], symptoms, exertion: bool = False) -> bool:
    """A long-standing weakness said to have got worse within the last two days: "my legs have been
    weak for years but they've got much worse since yesterday and now I can't stand".

    A worsening word in the same clause as a time of the last two days ("since yesterday", "this
    morning") and no long time ("for a few months"), with weakness or lost function present; not
    when the person says it is steady or passing, nor after hard effort with nothing of the nerves
    (sore, tired legs)."""
    present = set(symptoms)
    if not present & WEAKNESS or _valid(ctx, "timeline.recovery") or _valid(ctx, "timeline.stable"):
        return False
    if exertion and not present & NERVE_SYMPTOMS:
        return False
    recent = {ctx.clause_of[sp[2]] for sp in spans if sp[0] <= NEW_DAYS and not _a_length(sp)}
    recent |= {ctx.clause_of[s] for s, _ in _valid(ctx, "timeline.today")}
    # ("getting weaker for a few months ... and today I fell": the worsening is the months')
    recent -= {ctx.clause_of[sp[2]] for sp in spans if sp[0] >= BACKGROUND_DAYS / 2}
    slow = {ctx.sentence_of[s] for s, _ in _slow_words(ctx)}
    return any(ctx.clause_of[s] in recent and ctx.sentence_of[s] not in slow
               for s, _ in _valid(ctx, "timeline.worsening") + _valid(ctx, "timeline.worsening_fast"))


def spreading_upwards(ctx: ContextReader, heights: Dict[str, Tuple[str, ...]], symptoms,
                      onset_now: Optional[str], duration_days: Optional[float]) -> bool:
    """Weakness, numbness or tingling said to move from a lower to a higher part of the body.

    A spread word ("creeping up", "now in my", "reached") must stand near the
    higher part, which comes after the lower one; the body parts and their
    order are ``body_heights`` in knowledge/language.yml.
    """
    # ("it's creeping up. Toes, now knees": the feeling need not be named when the body parts climb)
    if (symptoms and not set(symptoms) & SPREADING) or onset_now == "gradual" or _valid(ctx, "timeline.recovery"):
        return False
    if not _short(duration_days) and not _day_words(ctx):
        return False
    order = {name: i for i, name in enumerate(heights)}
    parts = sorted((s, order[cue.split(".", 1)[1]]) for cue, spans in ctx.cues.items()
                   if cue.startswith("body_heights.") for s, e in spans if ctx.valid_cue(s, e))
    spreads = [s for s, e in _valid(ctx, "timeline.spread")]
    if len(parts) < 2 or not spreads:
        return False
    for i, (pos_low, low) in enumerate(parts):
        for pos_high, high in parts[i + 1:]:
            if high > low and any(pos_low < sp <= pos_high + 3 and pos_high - sp <= 6 for sp in spreads):
                return True
    return False


# Stories a cue list tells on its own, because the person says so (knowledge/language.yml `timeline`):
STORY_CUES = {
    "recovering": "timeline.recovery",  # passing or passed: "easing as I move", "back to normal"
    # again and again ("given way twice this week", "keeps going from under me"): episodes, each sudden,
    # not one new sudden loss
    "recurring": "timeline.repeated",
    # pain on walking that goes within minutes of stopping ("ease when I stop"): how narrowed arteries or a
    # narrowed spine show, not soreness after effort
    "eases_at_rest": "timeline.eases_at_rest",
}


def stories_said(ctx: ContextReader) -> List[str]:
    """The stories of STORY_CUES whose words the person used (a valid cue: not negated, not undone)."""
    return [story for story, cue in STORY_CUES.items() if _valid(ctx, cue)]
