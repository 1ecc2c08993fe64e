"""argparse in Dutch: usage, help and error texts (argparse has no Dutch catalogue).

Used by `jeugdhulp` (`batch.cli`) and `python -m addin.lite`. Pure standard library.

>>> parser = DutchArgumentParser(prog="demo")
>>> _ = parser.add_argument("pad")
>>> "gebruik: demo" in parser.format_help(), "toon deze hulp en stop" in parser.format_help()
(True, True)
>>> dutch("the following arguments are required: pad")
'deze argumenten ontbreken: pad'
"""

from __future__ import annotations

import argparse
import sys
import textwrap

#: Exit code of a wrong command (as argparse's own), see `jeugdhulp.verdict`.
EXIT_OPDRACHT = 2

#: argparse's own English phrases and their Dutch text, longest first where one contains another.
_PHRASES = (
    ("the following arguments are required", "deze argumenten ontbreken"),
    ("one of the arguments", "één van de argumenten"),
    ("is required", "is verplicht"),
    ("unrecognized arguments", "onbekende argumenten"),
    ("invalid choice", "ongeldige keuze"),
    ("choose from", "kies uit"),
    ("expected one argument", "verwacht één waarde"),
    ("expected at least one argument", "verwacht minstens één waarde"),
    ("expected at most one argument", "verwacht hooguit één waarde"),
    ("ambiguous option", "dubbelzinnige optie"),
    ("could match", "past op"),
    ("ignored explicit argument", "overbodige waarde"),
    ("not allowed with argument", "niet toegestaan samen met argument"),
    ("invalid int value", "geen geheel getal"),
    ("invalid float value", "geen getal"),
    ("invalid Path value", "ongeldig pad"),
    ("invalid", "ongeldig"),
)


def dutch(message: str) -> str:
    """argparse's English error text in Dutch (the values it quotes stay as typed)."""
    for english, text in _PHRASES:
        message = message.replace(english, text)
    return message


class DutchHelpFormatter(argparse.HelpFormatter):
    """Dutch "gebruik:"; descriptions and epilogs keep their own line breaks (lists), and each
    line is folded to the width of the terminal with its own indentation."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped:
                lines.append("")
                continue
            lead = indent + line[: len(line) - len(line.lstrip())]
            lines.append(
                textwrap.fill(stripped, width, initial_indent=lead, subsequent_indent=lead)
            )
        return "\n".join(lines)


class DutchArgumentParser(argparse.ArgumentParser):
    """argparse with Dutch usage, help and error text; a wrong command exits with 2, like
    argparse itself. `versie`: adds ``--version`` (Dutch help) showing that text."""

    def __init__(self, *args: object, versie: str | None = None, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", DutchHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")
        if versie is not None:
            self.add_argument(
                "--version", action="version", version=versie, help="toon de versie en stop"
            )

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_OPDRACHT, f"{self.prog}: fout: {dutch(message)}\n")
