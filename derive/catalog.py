"""The problem protocol, and the catalog of problems that can be solved.

A problem is one declared `Problem`: its name, title and source, its default
givens (if it takes any), a statement written from the givens, a builder
that fills a `Solution`, optionally a way to draw a variant, and the names
students use for its quantities. The engine never imports a problem
package: packages register themselves under the entry-point group
`derive.problems` (this repository's `problems/` does so in
`pyproject.toml`), each entry a callable returning its problems in order.

Imports stay light (no SymPy) so that `derive list` starts quickly; solving
imports what the builder needs.
"""
from __future__ import annotations

import copy
import difflib
import random
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Callable, Mapping

from derive.errors import InputError

#: The entry-point group through which problem packages register.
GROUP = "derive.problems"
#: The entry-point group of problem-file loaders, by file suffix.
LOADERS = "derive.loaders"


class UnknownProblem(InputError):
    pass


@dataclass(frozen=True)
class Problem:
    """One problem: what the catalog lists, and how to solve it.

    - `build(solution, given)` fills `solution` (parts, steps, answers and the
      graphs it built, `solution.keep(graph)`); `given` is the dictionary of
      givens, or None for a problem that takes none.
    - `statement` is the text of the question, or a function of the givens
      that writes it (so no number of the givens is typed twice); when it is
      empty, `build` writes `solution.statement`.
    - `given` is the default givens (or a function that makes them, when
      that takes work); a problem without them takes no `--given` file.
      `random_given(rng)` draws a variant's givens.
    - `names`: LaTeX as students write it → the quantity it names, for
      `derive check` (a mapping, or a function making it when first needed).
      Every answer is bound under its key and its LaTeX already; a value is
      "KEY" (an answer), ("answer", KEY, i, j) (an entry), ("transpose", KEY),
      ("given", path, …) (a given by its path), ("same", NAME) (another name),
      ("choose", KEY, …) (whichever answer the line fits), ("expression",
      builder) or ("sequence", builder) (engine-made SymPy expressions); the
      key "FUNCTIONS" maps to a function giving {name: ("function", builder)}
      for functions the author applies, such as f_1(x).
    """

    name: str
    title: str
    source: str
    build: Callable
    family: str | None = None
    given: Mapping | Callable[[], Mapping] | None = None
    statement: Callable[[Mapping | None], str] | str = ""
    random_given: Callable[[random.Random], dict] | None = None
    names: Mapping | Callable[[], Mapping] = field(default_factory=dict)
    #: the layout convention of the problem's matrix derivatives, when one applies
    convention: str = ""
    #: the title of a variant (other givens, or a seed), which the named
    #: problem's own title may no longer describe: its family's title, or a
    #: function of the givens that describes them (the network, the shapes)
    variant_title: str | Callable[[Mapping], str] = ""

    @property
    def takes_given(self) -> bool:
        return self.given is not None

    @property
    def has_variants(self) -> bool:
        return self.random_given is not None

    def instance(self, name: str, title: str, source: str, **changes) -> "Problem":
        """A named problem that is an instance of this family."""
        changes.setdefault("variant_title", self.variant_title or self.title)
        return replace(self, name=name, title=title, source=source, family=self.family or self.name, **changes)

    def as_json(self) -> dict:
        return {"name": self.name, "title": self.title, "source": self.source, "family": self.family}

    def default_given(self) -> dict | None:
        """A fresh copy of the problem's own givens (None if it takes none)."""
        if self.given is None:
            return None
        return copy.deepcopy(dict(self.given() if callable(self.given) else self.given))

    def statement_for(self, given) -> str:
        return self.statement(given) if callable(self.statement) else self.statement

    def variant_title_for(self, given) -> str:
        """The title of a variant with these givens (what they describe)."""
        if callable(self.variant_title):
            return self.variant_title(given)
        return self.variant_title or self.title

    def student_names(self) -> Mapping:
        return self.names() if callable(self.names) else self.names

    def givens_for(self, given=None, seed: int | None = None):
        """The givens a solve uses, and how they differ from the problem's own
        ("" for its own, else "seed N" or "given")."""
        if given is not None and seed is not None:
            raise InputError("--given and --seed exclude each other: a seed draws its own givens")
        if seed is not None:
            if not self.has_variants:
                raise InputError(f"problem {self.name!r} has no random variants")
            return self.random_given(random.Random(seed)), f"seed {seed}"
        if given is not None:
            if not self.takes_given:
                raise InputError(f"problem {self.name!r} takes no givens")
            if not isinstance(given, dict):
                raise InputError(f"givens of {self.name!r} must be a JSON object")
            return given, ("" if given == self.default_given() else "given")
        return self.default_given(), ""

    def solve(self, given=None, seed: int | None = None):
        from derive.core.document import Solution
        given, variant = self.givens_for(given, seed)
        title, source = self.title, self.source
        if variant and self.family == self.name:
            title = f"{self.title} ({variant})"
        elif variant:
            which = variant if seed is not None else "other givens"
            title = f"{self.variant_title_for(given)}: a variant of {self.name} ({which})"
            source = f"a variant of {self.source} ({which})"
        solution = Solution(self.name, title, source, self.statement_for(given), given=given,
                            convention=self.convention, variant=variant)
        self.build(solution, given)  # a family whose statement follows from its solving writes it there
        return solution


@lru_cache(maxsize=1)
def _registered() -> tuple[Problem, ...]:
    found: list[Problem] = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        found += list(point.load()())
    return tuple(found)


@lru_cache(maxsize=1)
def _loaders() -> dict[str, Callable[[str], Problem]]:
    """File suffix → the function that loads a problem file of that kind,
    registered under the entry-point group `derive.loaders` (as problems
    are), so the catalog does not import the loaders it serves."""
    return {entry.name: entry.load() for entry in entry_points(group=LOADERS)}


def entries() -> list[Problem]:
    """Every registered problem, in its package's order."""
    problems = list(_registered())
    if not problems:
        raise InputError(f"no problems are installed (no entry point in group {GROUP!r}); "
                         "install the package: pip install -e .")
    return problems


def find(name: str) -> Problem:
    suffix = name.rpartition(".")[2] if "." in name else ""
    if suffix in _loaders():  # a problem file (FILE.toml → derive.problemfile): every command takes one
        return _loaders()[suffix](name)
    known = entries()
    for problem in known:
        if problem.name == name:
            return problem
    names = [p.name for p in known]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `derive list` shows them all"
    shown = name if len(name) <= 60 else name[:57] + "…"
    raise UnknownProblem(f"unknown problem {shown!r}{hint}")


def solve(name: str, given: dict | None = None, seed: int | None = None):
    """Solve the named problem, with its own givens, `given`, or a variant."""
    return find(name).solve(given=given, seed=seed)
