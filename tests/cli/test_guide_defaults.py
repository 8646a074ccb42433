"""The user guide's option tables say what ``napari-symseg segment --help`` says (tester
newuser10: the guide gave ``--reference-frames`` the default ``[0]``; the CLI's is ``auto``)."""

import argparse
import re
from pathlib import Path

from napari_symseg.cli.args import build_parser

GUIDE = Path(__file__).parents[2] / "docs" / "user-guide.md"


def _segment_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return subparsers.choices["segment"]


def _normal(text: str) -> str:
    text = {"True": "on", "False": "off"}.get(text, text)
    return re.sub(r"^(\d+)\.0$", r"\1", text)


def help_defaults() -> dict[str, str]:
    """``{flag: default}`` as ``segment --help`` prints it (the help's last ``[...]``)."""
    parser = _segment_parser()
    formatter = parser._get_formatter()
    found = {}
    for action in parser._actions:
        if not action.help or not action.option_strings:
            continue
        match = re.search(r"\[([^\[\]]*)\]\s*$", formatter._expand_help(action))
        if match:
            long = [s for s in action.option_strings
                    if s.startswith("--") and not s.startswith("--no-")]
            found[long[0]] = _normal(match.group(1))
    return found


def guide_defaults() -> dict[str, str]:
    """``{flag: default}`` of the guide's option tables (``| `--flag N` | ... [default] |``)."""
    found = {}
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `-"):
            continue
        first = line.split("|")[1]
        flags = [f for f in re.findall(r"`(--[a-z-]+)", first) if not f.startswith("--no-")]
        match = re.search(r"\[([^\[\]]*)\] \|\s*$", line)
        if not match or not flags:
            continue
        values = match.group(1).split(", ")
        for flag, value in zip(flags, values if len(values) == len(flags) else values[:1],
                               strict=False):
            found[flag] = _normal(value)
    return found


def test_the_guide_gives_the_defaults_the_help_gives():
    guide, cli = guide_defaults(), help_defaults()
    assert guide["--reference-frames"] == "auto"
    differ = {flag: (value, cli.get(flag)) for flag, value in guide.items()
              if cli.get(flag) != value}
    assert differ == {}, "guide vs --help: " + str(differ)
    # every default --help prints is in the guide (an option given with another: None)
    missing = {flag: value for flag, value in cli.items()
               if flag not in guide and value != "None"}
    assert missing == {}, missing


def test_every_option_of_segment_is_in_the_guide():
    text = GUIDE.read_text(encoding="utf-8")
    flags = [s for a in _segment_parser()._actions for s in a.option_strings
             if s.startswith("--") and s != "--help"]
    assert [f for f in flags if f"`{f}" not in text and f" {f}" not in text] == []
