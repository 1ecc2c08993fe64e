"""Region profiles: the figures and switches a region supplies, as data.

A profile is a TOML file. The shipped ones (`jeugdhulp/profielen/*.toml`) hold exactly the
figures the seed documents give, each with its source; anything else is the region's to add, in
its own TOML file (pass its path wherever a profile name is accepted). A calculation that needs a
figure the profile lacks raises `OntbrekendeInstelling` naming the setting.

>>> p = load_profile("ijsselland-2023")
>>> p.naam, [b.bedrag for b in p.standaardbudgetten][:3]
('IJsselland 2023', [Decimal('1000'), Decimal('2000'), Decimal('3000')])
>>> p.decimal("groepstarieven.middel")
Traceback (most recent call last):
...
jeugdhulp.errors.OntbrekendeInstelling: De instelling 'groepstarieven.middel' ontbreekt in regioprofiel 'ijsselland-2023'. Vul deze aan in het profiel (bron: de regio); de rekenhulp raadt geen tarieven.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jeugdhulp.errors import OnbekendProfiel, OntbrekendeInstelling

DEFAULT_PROFILE = "ijsselland-2023"

_MISSING = object()


@dataclass(frozen=True, slots=True)
class StandaardBudget:
    nummer: int
    bedrag: Decimal
    medisch: bool


@dataclass(frozen=True)
class Profile:
    sleutel: str
    naam: str
    bron: str
    data: dict[str, Any] = field(repr=False)

    # -- generic access -------------------------------------------------------------------
    def get(self, path: str, default: Any = _MISSING) -> Any:
        """The setting at a dotted path (`"vervoer.drempel"`); raises when absent without default."""
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is _MISSING:
                    raise OntbrekendeInstelling(path, self.sleutel)
                return default
            node = node[part]
        return node

    def decimal(self, path: str) -> Decimal:
        value = self.get(path)
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise OntbrekendeInstelling(path, self.sleutel) from None

    # -- typed views used by the calculations ----------------------------------------------
    @property
    def standaardbudgetten(self) -> tuple[StandaardBudget, ...]:
        rows = self.get("standaardbudgetten")
        budgets = tuple(
            StandaardBudget(int(r["nummer"]), Decimal(str(r["bedrag"])), bool(r["medisch"]))
            for r in rows
        )
        return tuple(sorted(budgets, key=lambda b: b.bedrag))

    def check_enabled(self, check_id: str) -> bool:
        return check_id not in self.get("controles.uit", [])

    def producten(self) -> list[dict[str, Any]]:
        """Product codes the profile itself knows (from the seeds), including generated arrangement codes."""
        rows = [dict(r) for r in self.get("producten", [])]
        prefix = self.get("arrangementen.prefix", None)
        if prefix:
            categorie = str(self.get("arrangementen.productcategorie"))
            rows += [
                {
                    "productcategorie": categorie,
                    "productcode": f"{prefix}{arr}{intensiteit}",
                    "omschrijving": f"Arrangement {arr}, intensiteit {intensiteit}",
                    "binnen_arrangement": True,
                }
                for arr in range(1, 10)
                for intensiteit in range(1, 6)
            ]
        return rows


def shipped_profiles() -> list[str]:
    """Keys of the profiles shipped with the package."""
    folder = resources.files("jeugdhulp") / "profielen"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@cache
def load_profile(name_or_path: str | None = None) -> Profile:
    """A shipped profile by key (case-insensitive), or a region's own TOML file by path."""
    name = (name_or_path or DEFAULT_PROFILE).strip()
    candidate = Path(name)
    if candidate.suffix.lower() == ".toml" and candidate.is_file():
        text = candidate.read_text(encoding="utf-8")
    else:
        key = name.lower().replace(" ", "-")
        resource = resources.files("jeugdhulp") / "profielen" / f"{key}.toml"
        if not resource.is_file():
            raise OnbekendProfiel(
                f"Onbekend regioprofiel '{name}'. Beschikbaar: {', '.join(shipped_profiles())}, "
                "of het pad naar een eigen .toml-bestand."
            )
        text = resource.read_text(encoding="utf-8")
    return profile_from_text(text, name)


def profile_from_text(text: str, origin: str = "") -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OnbekendProfiel(f"Regioprofiel '{origin}' is geen geldige TOML: {exc}") from None
    key = str(data.get("sleutel", origin))
    return Profile(
        sleutel=key, naam=str(data.get("naam", key)), bron=str(data.get("bron", "")), data=data
    )
