"""Take out the personal details a parent may type, before a question is stored.

`scrub(text)` replaces what can be recognised by its shape with a placeholder
and leaves every other character exactly as it was, so a question without
personal details comes back identical:

    [email]  [phone]  [postcode]  [date]  [NHS number]  [NI number]  [name]

Names have no shape of their own, so only names in the places parents put
them are caught: after "called", "named", "name is", "my son"/"my daughter"
(a capitalised word that is not an ordinary word), a title ("Mrs Patel"),
"I'm" + first and last name, and a sign-off ("Thanks, Sarah") at the end.
A name anywhere else ("Jack has ADHD") is not caught. School and
organisation names are kept: a school is not a person.

Every pattern is linear (no nested repetition): a 10,000-character question
takes milliseconds, and about a tenth of a second at worst (a page of
"called called called ..."). `scrub` is idempotent: scrub(scrub(x)) == scrub(x).
"""
from __future__ import annotations

import bisect
import re
from typing import Callable, Iterator

EMAIL, PHONE, POSTCODE, DATE = "[email]", "[phone]", "[postcode]", "[date]"
NHS, NI, NAME = "[NHS number]", "[NI number]", "[name]"
PLACEHOLDERS = (EMAIL, PHONE, POSTCODE, DATE, NHS, NI, NAME)

_Span = tuple[int, int, str]
# Each pass only turns details into placeholders, which no pattern matches, so
# passes stop changing anything quickly; the cap is a guard, never reached in practice.
_MAX_PASSES = 8

# --- emails, numbers and postcodes ------------------------------------------

# Starting only at the edge of a token keeps the search linear on a long run
# of letters with no "@" in it.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_SEP = r"[ -]?"
_PHONE = re.compile(rf"""(?<![\w+])
    (?:(?:\+|00)44{_SEP}(?:\(0\){_SEP})? | \(?0)      # +44 (0)20..., 0044..., (0161)..., 07...
    (?: [0-9]{{2}}\)?{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}  # 020 7946 0958
      | [0-9]{{2}}\)?{_SEP}[0-9]{{8}}                  # 020 79460958
      | [0-9]{{3}}\)?{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3,4}} # 0161 234 5678, 0800 123 4567
      | [0-9]{{3}}\)?{_SEP}[0-9]{{6,7}}                # 0161 2345678
      | [0-9]{{4}}\)?{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3}}  # 07700 900 123
      | [0-9]{{4}}\)?{_SEP}[0-9]{{5,6}}                # 07700 900123, 01234 56789
      | [0-9]{{9,10}}                                 # 07700900123
    )(?![0-9])""", re.X)

# Any ten digits, alone or grouped 3-3-4; not part of a longer number or sum of money.
_NHS = re.compile(r"(?<![\w£$.,])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9]|[.,][0-9])")

_NI = re.compile(r"(?<!\w)([A-Za-z]{2}) ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d](?!\w)")

# The UK's postcode areas: "ST4 1AB" is a postcode; "KS2 1ST" (no area KS) is not.
_AREAS = ("AB AL BA BB BD BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
          "EC EH EN EX FK FY GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY LA LD LE LL LN "
          "LS LU ME MK ML NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM SA SE SG SK SL SM SN SO SP "
          "SR SS ST SW SY TA TD TF TN TQ TR TS TW UB WA WC WD WF WN WR WS WV YO ZE B E G L M N S W").split()
_POSTCODE = re.compile(rf"(?<!\w)(?:{'|'.join(_AREAS)})[0-9][A-Z0-9]? ?[0-9]([ABD-HJLNP-UW-Z]{{2}})(?!\w)", re.I)
_ORDINAL = {"st", "nd", "rd", "th"}  # "b1 1st" typed in lowercase is more likely a list than a postcode

# --- dates: a day and a year ------------------------------------------------

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:[0-9]{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:[0-9]{4}|['’][0-9]{2})(?![0-9])"
_DATE_WORDS = re.compile(rf"(?<![\w])(?:{_DAY}(?:\s+of)?\s+{_MONTH},?\s+{_YEAR}"
                         rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR})", re.I)
_DATE_NUMS = re.compile(r"(?<![\w/.:-])([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?![\w/]|[.-][0-9])")
_DATE_ISO = re.compile(r"(?<![\w/.-])[0-9]{4}([/-])[0-9]{1,2}\1[0-9]{1,2}(?![\w/-])")

# --- names ------------------------------------------------------------------

_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_NEXT_WORD = re.compile(rf"(\s*[,(]\s*|\s+)({_WORD})")
# "named Oakwood School", "called St Mary's": a place, not a person.
_PLACE_AFTER = set("""school academy primary secondary college nursery infants infant junior juniors high grammar
trust centre center hospital council clinic church road street lane avenue park house unit federation campus
preschool pre-school""".split())
_AND = re.compile(r"\s+(?:and|&)\s+")

# Words never a name here, whatever their case: grammar, school and SEN words,
# months and days, titles, services.
_STOP = set("""
a an the and or but nor so yet for of to in on at by with from into onto about as than then if when while
because since until after before like just also too very really still only even not no yes please thanks
i me my mine we us our you your he him his she her hers they them their it its this that these those who whom
whose which what where why how there here all any some each every both either neither other another
is am are was were be been being has have had having do does did doing done can could will would shall
should may might must can't cannot won't wouldn't don't doesn't didn't isn't aren't wasn't weren't hasn't
haven't hadn't couldn't shouldn't i'm i've i'd i'll he's she's it's they're we're you're that's there's
mr mrs ms miss mx dr sir madam mum mom dad mother father parent parents carer son daughter child children
boy girl kid kids baby family year years month months week weeks day days term age aged old new
reception nursery preschool pre-school primary secondary school schools academy college sixth form class
teacher teachers head headteacher senco sendco ta tas lsa hlta senior leader support staff
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday
sen send ehcp ehc ehcps ihp iep sen-support adhd add asd asc autism autistic asperger's aspergers dyslexia
dyslexic dyspraxia dyspraxic dyscalculia pda odd ocd spld mld sld pmld semh slcn slt salt ot ep camhs gp
nhs la lea council county borough city local authority authorities ofsted dfe government tribunal sendist
ipsea sendiass iass wiass sendias contact mencap barnardos nas national autistic society citizens advice
social services service care health education psychologist psychology paediatrician therapist therapy
speech language occupational physio physiotherapy cahms ehe eotas pru ap awpu element key stage ks ks1 ks2
ks3 ks4 gcse gcses sats code practice act plan plans section appendix annex chapter part page
christmas easter summer autumn spring winter half holiday holidays
england wales scotland britain uk london men st saint
inclusion manager coordinator co-ordinator officer worker caseworker keyworker passport profile pastoral
""".split())

# Words that follow "my son"/"my daughter" and are not names: what a parent
# types next, sometimes with a stray capital ("my son Has autism").
_COMMON = _STOP | set("""
goes go going went attends attend attending needs need needed gets get got getting keeps keep kept
struggles struggle struggling struggled loves love loved hates hate hated refuses refused refusing
started starts start starting finished finishing left leaving moved moving joined joins joining
currently recently now soon already always never often sometimes usually again later today yesterday
tomorrow tonight last next first second third fourth fifth sixth seventh eighth ninth tenth eleventh
twelfth one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty
diagnosed diagnosis assessed assessment waiting wait needs-assessment excluded exclusion suspended
bullied bullying bully absent attendance home-schooled homeschooled anxious anxiety worried upset scared
struggles finds found feels felt seems seemed said says told tells asked asks wants wanted
cant wont dont doesnt didnt isnt wasnt hasnt havent im ive
has-been being-assessed who's what's how's
little big eldest oldest youngest younger older twin twins middle only
sorry hi hello hey help question query urgent advice worried concerned confused desperate
transition transfer moving mainstream special specialist independent state private free
however unfortunately sadly basically anyway apparently obviously luckily hopefully therefore although
though whilst meanwhile plus finally honestly
down up out off over under listed included missing spelt spelled wrong correct right written mentioned
put added removed given taken shown recorded known called named
childline samaritans nspcc kooth youngminds scope parentkind
regards wishes cheers best kind many protection guides scouts brownies cubs name names
""".split())

# A school, charity or condition "called X" is not a person: kept.
_THING_BEFORE = re.compile(
    r"\b(?:school|academy|college|nursery|unit|charity|group|organi[sz]ation|service|services|team|app|website|"
    r"site|programme|program|course|scheme|club|centre|center|trust|council|authority|hospital|clinic|place|"
    r"setting|provision|base|document|report|plan|book|policy|intervention|therapy|test|assessment|condition|"
    r"syndrome|disorder|thing|something|company|provider|tribunal|panel|meeting|process|law|act|form|"
    r"road|street|town|village|area|city|county)(?:['’]s?)?\s+(?:(?:that|which)\s+)?(?:(?:is|was|are|were|['’]s)"
    r"\s+)?(?:also\s+|actually\s+|now\s+)?$"
    # "(sometimes called Inclusion Manager)": a term being defined
    r"|\b(?:sometimes|also|often|usually|formerly|previously|officially|commonly|generally|what\s+is|what['’]s)\s+$",
    re.I)
_THING_WINDOW = 60

_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|MR|MRS|MS|MISS|DR)\.?(?=\s)")
_CALLED = re.compile(r"\b(?:(?:call(?:ed|s)?|name(?:d|s)?)\s+(?:him|her|them)|called|named|known\s+as|goes\s+by)\b",
                     re.I)
_NAME_IS = re.compile(r"\bnames?(?:\s+is|['’]s|\s+was|\s+are)\b", re.I)
_RELATIVE = re.compile(r"\b(?:my|our|his|her|their|a)\s+(?:[\w'’-]+\s+){0,3}?"
                       r"(?:son|daughter|child|boy|girl|kid|grandson|granddaughter|grandchild|stepson|stepdaughter|"
                       r"nephew|niece|sons|daughters|children|boys|girls|kids|twins|ds|dd|brother|sister|husband|"
                       r"wife|partner|friend)\b(?!['’])", re.I)
_I_AM = re.compile(r"\b(?:i\s+am|i['’]?m|this\s+is|my\s+name\s+is)\b", re.I)
_MUM_AFTER = re.compile(r",?\s+(?:a\s+|the\s+)?(?:mum|mom|mother|dad|father|parent|carer|foster|grandma|grandmother|"
                        r"nan|nana|gran|grandad|grandfather|grandparent|aunt|auntie|uncle|guardian|single)\b", re.I)
_SIGN_OFF = re.compile(r"\b(?:(?:many\s+)?thanks|thank\s+you)(?:\s+(?:in\s+advance|so\s+much|for\s+any\s+help))?"
                       r"\s*[,!.-]?\s+|\b(?:kind\s+regards|regards|best\s+wishes|cheers)\s*[,!.-]?\s+", re.I)
_END = re.compile(r"[\s.!x]*\Z")


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def _base(word: str) -> tuple[str, int]:
    """The word without a possessive "'s", and how long that is."""
    if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":
        return word[:-2], len(word) - 2
    return word, len(word)


def _names_from(text: str, pos: int, first_ok: Callable[[str], bool], max_words: int = 3,
                allow_comma: bool = False) -> list[tuple[int, int]]:
    """Spans of the name that starts at `pos` (after a trigger): a first word
    that passes `first_ok`, up to `max_words` capitalised words in all, and
    one "and <Name>" after them ("my sons Jack and Harry")."""
    spans: list[tuple[int, int]] = []
    m = _NEXT_WORD.match(text, pos)
    if not m or (m.group(1).strip() and not allow_comma):
        return spans
    word, length = _base(m.group(2))
    if not first_ok(word):
        return spans
    start, end = m.start(2), m.start(2) + length
    lowercase = not word[0].isupper()
    words = 1
    while words < max_words and length == len(m.group(2)):
        m = _NEXT_WORD.match(text, end)
        if not m or m.group(1).strip() or "\n" in m.group(1):
            break
        word, length = _base(m.group(2))
        ok = word.lower() not in _STOP and (word[0].islower() if lowercase else _capitalised(word))
        if not ok or (lowercase and word.lower() in _COMMON):
            break
        end = m.start(2) + length
        words += 1
    after = _NEXT_WORD.match(text, end)
    if after and not after.group(1).strip() and after.group(2).lower() in _PLACE_AFTER:
        return spans
    spans.append((start, end))
    a = _AND.match(text, end)
    if a and not lowercase:
        m = _NEXT_WORD.match(text, a.end() - 1)
        word, length = _base(m.group(2)) if m else ("", 0)
        if word and _capitalised(word) and word.lower() not in _COMMON:
            spans.append((m.start(2), m.start(2) + length))
    return spans


def _is_thing(text: str, at: int) -> bool:
    return bool(_THING_BEFORE.search(text, max(0, at - _THING_WINDOW), at))


def _find_names(text: str) -> Iterator[tuple[int, int]]:
    def any_capitalised(w: str) -> bool:
        return _capitalised(w) and w.lower() not in _STOP

    def uncommon_capitalised(w: str) -> bool:
        return _capitalised(w) and w.lower() not in _COMMON

    def uncommon(w: str) -> bool:  # after "name is" a lowercase name is still a name
        return (_capitalised(w) or w.islower()) and w.lower() not in _COMMON

    for m in _TITLE.finditer(text):
        yield from _names_from(text, m.end(), any_capitalised, 2)
    for m in _CALLED.finditer(text):
        if not _is_thing(text, m.start()):
            yield from _names_from(text, m.end(), any_capitalised, allow_comma=False)
    for m in _NAME_IS.finditer(text):
        if not _is_thing(text, m.start()):
            yield from _names_from(text, m.end(), uncommon)
    for m in _RELATIVE.finditer(text):
        yield from _names_from(text, m.end(), uncommon_capitalised, allow_comma=True)
    for m in _I_AM.finditer(text):
        found = _names_from(text, m.end(), uncommon_capitalised, 2)
        if found and (" " in text[found[0][0]:found[0][1]].strip() or _MUM_AFTER.match(text, found[0][1])):
            yield found[0]
    for m in _SIGN_OFF.finditer(text):
        found = _names_from(text, m.end() - 1, uncommon_capitalised, 2)
        if found and _END.match(text, found[-1][1]):
            yield from found


# --- putting it together ----------------------------------------------------

def _dates(text: str) -> Iterator[tuple[int, int]]:
    for m in _DATE_WORDS.finditer(text):
        day = re.search(r"[0-9]{1,2}", m.group())
        if day and 1 <= int(day.group()) <= 31:
            yield m.span()
    for m in _DATE_NUMS.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        if (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31):
            yield m.span()
    for m in _DATE_ISO.finditer(text):
        yield m.span()


def _postcodes(text: str) -> Iterator[tuple[int, int]]:
    for m in _POSTCODE.finditer(text):
        inward = m.group(1)
        if not (inward.islower() and inward in _ORDINAL):
            yield m.span()


def _ni_numbers(text: str) -> Iterator[tuple[int, int]]:
    for m in _NI.finditer(text):
        # "is 12 34 56 a" is not an NI number; "ab123456c" typed on a phone is.
        if " " in m.group() and not m.group(1).isupper():
            continue
        yield m.span()


def _spans(text: str) -> list[_Span]:
    """Every detail found, earlier finders winning where two overlap."""
    finders: list[tuple[str, Callable[[str], Iterator[tuple[int, int]]]]] = [
        (EMAIL, lambda t: (m.span() for m in _EMAIL.finditer(t))),
        (PHONE, lambda t: (m.span() for m in _PHONE.finditer(t))),
        (NHS, lambda t: (m.span() for m in _NHS.finditer(t))),
        (NI, _ni_numbers),
        (DATE, _dates),
        (POSTCODE, _postcodes),
        (NAME, _find_names),
    ]
    taken: list[_Span] = []  # kept sorted and without overlaps, so one look to each side is enough
    for placeholder, find in finders:
        for start, end in find(text):
            i = bisect.bisect_left(taken, (start,))
            if end > start and (i == 0 or taken[i - 1][1] <= start) and (i == len(taken) or taken[i][0] >= end):
                taken.insert(i, (start, end, placeholder))
    return taken


def _scrub_once(text: str) -> str:
    out, last = [], 0
    for start, end, placeholder in _spans(text):
        out += [text[last:start], placeholder]
        last = end
    out.append(text[last:])
    return "".join(out)


def scrub(text: str) -> str:
    """The text with emails, phone numbers, postcodes, dates, NHS and NI
    numbers and recognisable names replaced by placeholders ("[email]",
    "[phone]", "[postcode]", "[date]", "[NHS number]", "[NI number]",
    "[name]"); every other character is left exactly as it was."""
    for _ in range(_MAX_PASSES):
        scrubbed = _scrub_once(text)
        if scrubbed == text:
            break
        text = scrubbed
    return text
