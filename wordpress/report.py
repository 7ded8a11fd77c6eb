"""What a WordPress import did, or a dry run would do: a ``Tally`` per kind of record
and a ``ReportLine`` for each record skipped, drafted, flagged or noted, gathered in a
``Report`` that the command prints and an import run stores (``as_json``/``from_json``).
"""

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

KINDS = ("posts", "pages", "topics", "comments", "images")

COLUMNS = ("created", "updated", "unchanged", "skipped", "drafted")
OUTCOME_HEADINGS = (
    ("skipped", _lazy("Skipped")),
    ("drafted", _lazy("Imported as drafts")),
    ("urgent", _lazy("Urgent comments (crisis language): for a moderator to read first")),
    ("alt", _lazy("Featured images waiting for a description")),
    ("picture", _lazy("Pictures left out")),
    ("note", _lazy("Notes")),
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    drafted: int = 0


@dataclass
class ReportLine:
    kind: str  # post, page, comment, term...
    wp_id: int | None
    line: int | None
    outcome: str  # skipped, drafted, urgent, alt, picture, note
    reason: str

    def __str__(self):
        where = f"{self.kind} {self.wp_id}" if self.wp_id is not None else self.kind
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.reason}"


@dataclass
class Report:
    """What an import did (or a dry run would do): a table per kind, and the reasons."""

    base_url: str = ""
    dry_run: bool = False
    tallies: dict = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    lines: list = field(default_factory=list)

    def add(self, kind, record, outcome, reason):
        self.lines.append(
            ReportLine(
                kind, getattr(record, "wp_id", None), getattr(record, "line", None), outcome, reason
            )
        )

    def skip(self, tally, kind, record, reason):
        """Count ``record`` as skipped under ``tally`` and say why."""
        self.tallies[tally].skipped += 1
        self.add(kind, record, "skipped", reason)

    def of(self, outcome):
        return [line for line in self.lines if line.outcome == outcome]

    @property
    def title(self):
        title = _("WordPress import from %(site)s") % {"site": self.base_url or "?"}
        if self.dry_run:
            title += " " + _("(dry run: nothing was written)")
        return title

    @property
    def columns(self):
        """The table's column names, translated."""
        return [_(name) for name in COLUMNS]

    def rows(self):
        """The table: (kind, [created, updated, unchanged, skipped, drafted]) per kind."""
        return [
            (_(kind), [getattr(tally, name) for name in COLUMNS])
            for kind, tally in self.tallies.items()
        ]

    def groups(self):
        """The reasons: (heading, lines) for each outcome that has lines."""
        return [
            (heading, lines) for outcome, heading in OUTCOME_HEADINGS if (lines := self.of(outcome))
        ]

    def as_text(self):
        """The table, then the reasons: what the command prints."""
        rows = [self.title, "", f"{'':10}" + "".join(f"{name:>11}" for name in self.columns)]
        for kind, values in self.rows():
            rows.append(f"{kind:10}" + "".join(f"{value:>11}" for value in values))
        for heading, lines in self.groups():
            rows += ["", heading + ":"]
            rows += [f"  {line}" for line in lines]
        return "\n".join(rows) + "\n"

    def as_json(self):
        """The report as plain data, to store (``Report.from_json`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(
            base_url=data["base_url"],
            dry_run=data["dry_run"],
            # In KINDS' order: PostgreSQL's jsonb keeps an object's keys in its own.
            tallies={kind: Tally(**data["tallies"].get(kind, {})) for kind in KINDS},
            lines=[ReportLine(**line) for line in data["lines"]],
        )
