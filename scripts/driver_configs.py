#!/usr/bin/env python3
"""Writes the two driver configs from their one template.

driver_configs.py [--check]

config/driver.template.toml holds both: `{{a|b}}` is `a` in config/driver.toml (what `make run`
serves) and `b` in config/driver-bdd.toml (the cucumber tests' own accounts, port and state);
lines starting with `#:` are the template's own comments. --check fails when a config file no
longer matches the template (edit the template, then run this script).
"""

import pathlib
import re
import sys

CONFIG = pathlib.Path(__file__).resolve().parent.parent / "config"
TEMPLATE = CONFIG / "driver.template.toml"
TARGETS = {1: CONFIG / "driver.toml", 2: CONFIG / "driver-bdd.toml"}
CHOICE = re.compile(r"\{\{([^|}]*)\|([^}]*)\}\}")


def render(template: str, variant: int) -> str:
    lines = [l for l in template.split("\n") if not l.startswith("#:")]
    return CHOICE.sub(lambda m: m.group(variant), "\n".join(lines))


def main() -> None:
    check = "--check" in sys.argv[1:]
    template = TEMPLATE.read_text()
    stale = []
    for variant, path in TARGETS.items():
        text = render(template, variant)
        if check:
            if path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        sys.exit(f"driver_configs: {', '.join(stale)} differ from {TEMPLATE.name}; run scripts/driver_configs.py")
    print(f"driver_configs: {'checked' if check else 'wrote'} {', '.join(p.name for p in TARGETS.values())}")


if __name__ == "__main__":
    main()
