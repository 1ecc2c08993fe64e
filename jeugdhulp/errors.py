"""Errors of the calculation core, each with a Dutch message the user can act on.

The shells turn them into what their medium needs: an Excel error value with the message
(`addin`), a finding or a one-line message per file (`batch`).
"""


class JeugdhulpError(ValueError):
    """Base of every error the core raises on bad input; `str(error)` is the Dutch message."""


class OngeldigeInvoer(JeugdhulpError):
    """An argument has a value the rule cannot use (text where a number is needed, 10 as arrangement)."""


class OntbrekendeInvoer(JeugdhulpError):
    """A required argument is empty."""


class OntbrekendeInstelling(JeugdhulpError):
    """The region profile lacks a figure the calculation needs.

    The message names the setting (`groepstarieven.middel` in profile `ijsselland-2023`), so the
    region can add it; the core never guesses a tariff.
    """

    def __init__(self, instelling: str, profiel: str) -> None:
        self.instelling = instelling
        self.profiel = profiel
        super().__init__(
            f"De instelling '{instelling}' ontbreekt in regioprofiel '{profiel}'. "
            "Vul deze aan in het profiel (bron: de regio); de rekenhulp raadt geen tarieven."
        )


class OnbekendProfiel(JeugdhulpError):
    """No region profile by that name."""


class OngeldigProfiel(JeugdhulpError):
    """A region profile that cannot be used: TOML syntax, an unknown setting or check id."""
