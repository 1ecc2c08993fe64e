"""Arrangement codes and the segment-3 test (Hart van Brabant, 7-stappenplan).

Source: ../shared/seeds/zeven-stappenplan-arrangementscodes.md, steps 2, 4, 5 and 5a. Nine
arrangements (family situations) times five intensities give the code "50H" + arrangement digit +
intensity digit. Zwaar and Chronisch carry a star: step 5a asks whether the care is segment 3.

>>> arrangementscode(2, "Zwaar"), arrangementscode(9, "doorlopend"), arrangementscode(1, 1)
('50H23', '50H94', '50H11')
>>> vraagt_segment3_toets("Zwaar"), vraagt_segment3_toets("Midden")
(True, False)
>>> segment3("Zwaar", behandeluren=80)
True
>>> segment3("Zwaar", behandeluren=75, begeleidingsuren=110, groepsdagdelen=110)
False
"""

from __future__ import annotations

from decimal import Decimal

from jeugdhulp.errors import OngeldigeInvoer
from jeugdhulp.parse import fold
from jeugdhulp.profile import Profile, load_profile

INTENSITEITEN: dict[str, int] = {
    "licht": 1,
    "midden": 2,
    "zwaar": 3,
    "doorlopend": 4,
    "chronisch": 5,
}
#: Intensities marked * in the seed's code table: go to step 5a.
MET_SEGMENT3_TOETS = frozenset({3, 5})
ARRANGEMENTEN = range(1, 10)
_NAMEN = ", ".join(name.capitalize() for name in INTENSITEITEN)


def intensiteit_cijfer(intensiteit: str | int) -> int:
    """The intensity digit 1-5 of a name (any case) or of the digit itself."""
    if isinstance(intensiteit, int) and not isinstance(intensiteit, bool):
        if intensiteit in INTENSITEITEN.values():
            return intensiteit
    elif isinstance(intensiteit, str):
        key = fold(intensiteit)
        if key in INTENSITEITEN:
            return INTENSITEITEN[key]
        if key.isdigit() and int(key) in INTENSITEITEN.values():
            return int(key)
    raise OngeldigeInvoer(f"Intensiteit '{intensiteit}' bestaat niet; kies {_NAMEN} of 1-5.")


def arrangementscode(
    arrangement: int, intensiteit: str | int, profile: Profile | None = None
) -> str:
    """The arrangement code for arrangement 1-9 and an intensity (step 5)."""
    profile = profile or load_profile("hart-van-brabant")
    if isinstance(arrangement, bool) or arrangement not in ARRANGEMENTEN:
        raise OngeldigeInvoer(f"Arrangement '{arrangement}' bestaat niet; kies 1 tot en met 9.")
    prefix = profile.get("arrangementen.prefix")
    return f"{prefix}{arrangement}{intensiteit_cijfer(intensiteit)}"


def vraagt_segment3_toets(intensiteit: str | int) -> bool:
    """True for the starred intensities (Zwaar, Chronisch)."""
    return intensiteit_cijfer(intensiteit) in MET_SEGMENT3_TOETS


def segment3(
    intensiteit: str | int,
    intramuraal: bool = False,
    behandeluren: Decimal | int = 0,
    begeleidingsuren: Decimal | int = 0,
    groepsdagdelen: Decimal | int = 0,
    tarief_past_niet: bool = False,
    profile: Profile | None = None,
) -> bool:
    """Step 5a: does the care belong in segment 3 (use the segment-3 product codes)?

    Only Zwaar and Chronisch are tested; for the other intensities the answer is False. Segment 3
    when at least one holds: intramural care (day or 24/7); ambulant treatment over 75 hours;
    ambulant guidance over 110 hours (individual) or over 110 dagdelen (group); a tariff that
    does not fit segment 2 (a judgement, given as yes/no).
    """
    profile = profile or load_profile("hart-van-brabant")
    if not vraagt_segment3_toets(intensiteit):
        return False
    for label, value in (
        ("behandeluren", behandeluren),
        ("begeleidingsuren", begeleidingsuren),
        ("groepsdagdelen", groepsdagdelen),
    ):
        if Decimal(value) < 0:
            raise OngeldigeInvoer(f"{label}: {value} is negatief.")
    return (
        bool(intramuraal)
        or Decimal(behandeluren) > profile.decimal("segment3.behandeluren")
        or Decimal(begeleidingsuren) > profile.decimal("segment3.begeleidingsuren")
        or Decimal(groepsdagdelen) > profile.decimal("segment3.groepsdagdelen")
        or bool(tarief_past_niet)
    )
