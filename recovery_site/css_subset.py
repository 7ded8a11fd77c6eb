"""Trim Bootstrap's CSS (from the XStatic-Bootstrap package) to the rules the site uses.

Readers are often on phones and slow networks; Bootstrap's full stylesheet is 230 KB
(about 30 KB compressed) and the site uses a few dozen of its classes: reboot
(element selectors), the form controls crispy-forms renders, and a handful of
utilities. This keeps every rule whose class names all appear in our templates or
in crispy-forms' output, drops the dark theme, and keeps only the CSS custom
properties the remaining rules refer to.

Run ``python -m recovery_site.css_subset`` (``make`` does it before serving or
testing); it writes ``build/static/vendor/bootstrap-subset.css`` (git-ignored).
"""

import re
import sys
from pathlib import Path

import tinycss2

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = BASE_DIR / "templates"
OUTPUT = BASE_DIR / "build" / "static" / "vendor" / "bootstrap-subset.css"

# Classes crispy-forms' bootstrap5 pack puts on the fields our forms use (text,
# email, url, textarea, checkbox, hidden) and on their errors.
CRISPY_CLASSES = {
    "alert",
    "alert-block",
    "alert-danger",
    "asteriskField",
    "form-check",
    "form-check-input",
    "form-check-label",
    "form-control",
    "form-label",
    "form-text",
    "invalid-feedback",
    "is-invalid",
    "m-0",
    "mb-3",
    "requiredField",
}
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
CLASS_IN_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
VARIABLE_USE = re.compile(r"var\(\s*(--[\w-]+)")
ANIMATION_NAME = re.compile(r"animation(?:-name)?\s*:\s*([\w-]+)")


def bootstrap_css_path():
    import xstatic.pkg.bootstrap

    return Path(xstatic.pkg.bootstrap.BASE_DIR) / "css" / "bootstrap.min.css"


def classes_in_templates(folder=TEMPLATES_DIR):
    """Every class name written literally in a class="..." attribute of our templates."""
    used = set()
    for template in folder.rglob("*.html"):
        for value in CLASS_ATTRIBUTE.findall(template.read_text(encoding="utf-8")):
            # Drop template tags and variables; keep the literal words.
            literal = re.sub(r"{[{%].*?[%}]}", " ", value)
            used.update(word for word in literal.split() if re.fullmatch(r"[\w-]+", word))
    return used


def _selector_is_used(selector, used):
    if "data-bs-theme=dark" in selector.replace('"', "").replace(" ", ""):
        return False
    return all(name in used for name in CLASS_IN_SELECTOR.findall(selector))


def _filter_rules(rules, used):
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            chosen = [s for s in selectors if _selector_is_used(s, used)]
            if chosen:
                kept.append((",".join(chosen), tinycss2.serialize(rule.content).strip()))
        elif rule.type == "at-rule" and rule.lower_at_keyword in {"media", "supports"}:
            inner = _filter_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                used,
            )
            if inner:
                prelude = tinycss2.serialize(rule.prelude).strip()
                kept.append((f"@{rule.lower_at_keyword} {prelude}", inner))
        elif rule.type == "at-rule" and rule.lower_at_keyword == "keyframes":
            name = tinycss2.serialize(rule.prelude).strip()
            kept.append((f"@keyframes {name}", tinycss2.serialize(rule.content).strip()))
    return kept


def _flatten_text(kept):
    for head, body in kept:
        if isinstance(body, list):
            yield from _flatten_text(body)
        elif not head.startswith("@keyframes"):
            yield head, body


def _declarations(body):
    return [part for part in re.split(r";(?![^(]*\))", body) if part.strip()]


def _prune(kept, used_variables, used_animations):
    """Drop custom properties nobody reads, unused keyframes and emptied rules."""
    pruned = []
    for head, body in kept:
        if isinstance(body, list):
            inner = _prune(body, used_variables, used_animations)
            if inner:
                pruned.append((head, inner))
        elif head.startswith("@keyframes"):
            if head.split()[-1] in used_animations:
                pruned.append((head, body))
        else:
            declarations = [
                declaration
                for declaration in _declarations(body)
                if not declaration.strip().startswith("--")
                or declaration.split(":", 1)[0].strip() in used_variables
            ]
            if declarations:
                pruned.append((head, ";".join(declarations)))
    return pruned


def _used_variables(kept):
    definitions, reads = {}, set()
    for _head, body in _flatten_text(kept):
        for declaration in _declarations(body):
            name, _sep, value = declaration.partition(":")
            name = name.strip()
            if name.startswith("--"):
                definitions.setdefault(name, []).append(value)
            else:
                reads.update(VARIABLE_USE.findall(value))
    # Variables may be defined in terms of other variables.
    pending = list(reads)
    while pending:
        for value in definitions.get(pending.pop(), []):
            for name in VARIABLE_USE.findall(value):
                if name not in reads:
                    reads.add(name)
                    pending.append(name)
    return reads


def _serialise(kept):
    out = []
    for head, body in kept:
        if isinstance(body, list):
            out.append(f"{head}{{{_serialise(body)}}}")
        else:
            out.append(f"{head}{{{body}}}")
    return "".join(out)


def build_subset(css_text, used_classes):
    """Return the part of ``css_text`` that styles ``used_classes`` (plus elements)."""
    rules = tinycss2.parse_stylesheet(css_text, skip_comments=True, skip_whitespace=True)
    kept = _filter_rules(rules, used_classes)
    animations = {
        name for _head, body in _flatten_text(kept) for name in ANIMATION_NAME.findall(body)
    }
    return _serialise(_prune(kept, _used_variables(kept), animations))


def write_subset(output=OUTPUT):
    """Build the subset from the installed Bootstrap and our templates; return its size."""
    source = bootstrap_css_path().read_text(encoding="utf-8")
    css = build_subset(source, classes_in_templates() | CRISPY_CLASSES)
    header = "/* Bootstrap v5.3 (MIT licence), trimmed to the rules this site uses. */\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + css + "\n", encoding="utf-8")
    return len(source), output.stat().st_size


if __name__ == "__main__":
    full, subset = write_subset()
    sys.stdout.write(f"Wrote {OUTPUT.relative_to(BASE_DIR)}: {subset:,} bytes (from {full:,}).\n")
