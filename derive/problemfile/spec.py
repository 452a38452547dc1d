"""Reading a problem file: TOML, validated strictly, into a `Spec`.

Every key is known, every value has its type and its bounds, and the first
thing wrong is reported as one line naming the file, the key and what is
wrong (`gru.toml: ask.gradients.wrt[1]: unknown name 'U_q'; …`). Nothing
here reads a formula: the formulas stay text until `derive.problemfile.build`
reads them with `derive.reading`; what is checked here is which names a
formula mentions (from the reader's own tokens), so that a quantity used
before it is defined, or a cycle, is named as such.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from derive.errors import InputError, read_text

try:  # Python ≥ 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

#: Limits on a problem file; each is named in the message that enforces it.
MAX_FILE_BYTES = 100_000
MAX_TITLE = 200
MAX_STATEMENT = 5000
MAX_NAME = 32
MAX_GIVENS = 64
MAX_QUANTITIES = 64
MAX_FORMULA = 1000
MAX_ROWS = 32
MAX_ENTRIES = 256
MAX_TOTAL_ENTRIES = 2048
MAX_ASKED = 64
MAX_MAGNITUDE = 1e6
MAX_RANDOM_SPEC = 100

TOP_KEYS = ("title", "statement", "source", "given", "quantities", "ask")
ASK_KEYS = ("values", "gradients", "step", "symbolic", "random")
GRADIENT_KEYS = ("of", "wrt")
STEP_KEYS = ("lr", "update")

#: A name: ASCII letters and digits, parts joined by `_` (W_z, h_0, xhat, mu_B).
NAME = re.compile(r"[A-Za-z]+(?:_[A-Za-z0-9]+)*")
#: Answer keys the engine makes; a name of the file may not take their form.
GRADIENT_PREFIX = "dL_d"


@dataclass
class Given:
    name: str
    value: object          # the TOML value: a number, a list, a list of rows
    shape: tuple           # () for a number, (rows, cols) otherwise


@dataclass
class Formula:
    name: str
    latex: str
    refs: tuple            # the names of the file it mentions, in order of first mention


@dataclass
class Spec:
    path: str
    title: str
    statement: str
    source: str
    givens: dict                        # name → Given, in file order
    quantities: dict                    # name → Formula, in file order
    values: tuple                       # quantities whose values are answers
    loss: str | None = None             # ask.gradients.of
    wrt: tuple = ()
    lr: object = None                   # ask.step.lr (a TOML number)
    update: tuple = ()
    symbolic: bool = False
    random: dict = field(default_factory=dict)   # given name → Draw

    def where(self, key: str) -> str:
        return f"{self.path}: {key}"

    def fail(self, key: str, what: str):
        raise InputError(f"{self.path}: {key}: {what}")

    @property
    def names(self) -> tuple:
        return tuple(self.givens) + tuple(self.quantities)


def load_spec(path: str) -> Spec:
    """The validated contents of the problem file at `path`."""
    text = read_text(path, MAX_FILE_BYTES, "a TOML problem file")
    data = parse_toml(text, path)
    return validate(data, path)


def parse_toml(text: str, path: str) -> dict:
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        raise InputError(f"{path}: reading TOML on Python 3.10 needs the package tomli (pip install tomli)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: {_decode_message(error)}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply") from None


def _decode_message(error) -> str:
    """`line 3, column 5: Expected '=' …` from tomllib's message."""
    message = str(error).splitlines()[0] if str(error) else "not valid TOML"
    line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        line, column = int(m.group(1)), int(m.group(2))
        message = message[:m.start()]
    elif re.search(r"\s*\(at end of document\)$", message):
        message = re.sub(r"\s*\(at end of document\)$", "", message)
        return f"at the end: {message}"
    if line is not None:
        return f"line {line}, column {column}: {message}"
    return message


def validate(data: dict, path: str) -> Spec:
    def fail(key, what):
        raise InputError(f"{path}: {key}: {what}")

    _known_keys(data, "", TOP_KEYS, fail, hint={"step": "ask.step", "symbolic": "ask.symbolic",
                                                 "random": "ask.random", "values": "ask.values",
                                                 "gradients": "ask.gradients"})
    title = _text(data, "title", MAX_TITLE, fail, default="")
    statement = _text(data, "statement", MAX_STATEMENT, fail, default="")
    source = _text(data, "source", MAX_TITLE, fail, default="")
    for key in ("given", "quantities"):
        if key not in data:
            fail(key, f"missing; a problem file has a [{key}] table")
        if not isinstance(data[key], dict):
            fail(key, f"expected a table [{key}], got {_type(data[key])}")
    givens = _givens(data["given"], fail)
    quantities = _quantities(data["quantities"], givens, fail)
    ask = data.get("ask", {})
    if not isinstance(ask, dict):
        fail("ask", f"expected a table [ask], got {_type(ask)}")
    _known_keys(ask, "ask", ASK_KEYS, fail)
    spec = Spec(path, title, statement, source, givens, quantities, values=tuple(quantities))
    if "values" in ask:
        spec.values = _names(ask, "values", "ask.values", fail, allowed=quantities, what="quantity",
                             others=givens, other_what="a given: its value is in the statement")
    if "gradients" in ask:
        _gradients(spec, ask["gradients"], fail)
    if "step" in ask:
        _step(spec, ask["step"], fail)
    if "symbolic" in ask:
        if not isinstance(ask["symbolic"], bool):
            fail("ask.symbolic", f"expected true or false, got {_type(ask['symbolic'])}")
        spec.symbolic = ask["symbolic"]
        if spec.symbolic and spec.loss is None:
            fail("ask.symbolic", "closed forms are of gradients: add gradients = { of = …, wrt = […] }")
    if "random" in ask:
        _random(spec, ask["random"], fail)
    _answer_keys(spec, fail)
    return spec


# --- the sections ---------------------------------------------------------------

def _givens(table: dict, fail) -> dict:
    if len(table) > MAX_GIVENS:
        fail("given", f"{len(table)} givens; at most {MAX_GIVENS} are accepted")
    givens, total = {}, 0
    for name, value in table.items():
        key = f"given.{name}"
        _check_name(name, key, fail)
        shape = shape_of_value(value, key, fail)
        total += math.prod(shape) if shape else 1
        if total > MAX_TOTAL_ENTRIES:
            fail(key, f"the givens have more than {MAX_TOTAL_ENTRIES} numbers in all; "
                      "a problem file is for an instance small enough to work by hand")
        givens[name] = Given(name, value, shape)
    return givens


def shape_of_value(value, key: str, fail) -> tuple:
    """() for a number, (n, 1) for a list of numbers, (rows, cols) for a list of rows."""
    if _is_number(value):
        _check_number(value, key, fail)
        return ()
    if not isinstance(value, list):
        fail(key, f"expected a number, a list of numbers (a column vector) or a list of rows (a matrix), "
                  f"got {_type(value)}")
    if not value:
        fail(key, "an empty list; a vector has at least one entry")
    if len(value) > MAX_ROWS:
        fail(key, f"{len(value)} entries; at most {MAX_ROWS} rows are accepted")
    if all(not isinstance(v, list) for v in value):
        for i, v in enumerate(value):
            if not _is_number(v):
                fail(f"{key}[{i}]", f"expected a number, got {_type(v)}")
            _check_number(v, f"{key}[{i}]", fail)
        return (len(value), 1)
    width = None
    for i, row in enumerate(value):
        if not isinstance(row, list):
            fail(f"{key}[{i}]", f"expected a row (a list of numbers) like the other rows, got {_type(row)}")
        if not row:
            fail(f"{key}[{i}]", "an empty row")
        if width is None:
            width = len(row)
        elif len(row) != width:
            fail(f"{key}[{i}]", f"{len(row)} entries, but row 0 has {width}")
        if len(row) > MAX_ROWS:
            fail(f"{key}[{i}]", f"{len(row)} entries; at most {MAX_ROWS} columns are accepted")
        for j, v in enumerate(row):
            if not _is_number(v):
                fail(f"{key}[{i}][{j}]", f"expected a number, got {_type(v)}")
            _check_number(v, f"{key}[{i}][{j}]", fail)
    if len(value) * width > MAX_ENTRIES:
        fail(key, f"{len(value)}×{width} = {len(value) * width} entries; at most {MAX_ENTRIES} are accepted")
    return (len(value), width)


def _quantities(table: dict, givens: dict, fail) -> dict:
    if not table:
        fail("quantities", "empty; define at least one quantity, as name = 'LaTeX formula'")
    if len(table) > MAX_QUANTITIES:
        fail("quantities", f"{len(table)} quantities; at most {MAX_QUANTITIES} are accepted")
    order = list(table)
    known = {canonical_name(s): n for n in [*givens, *order] for s in spellings(n)}
    formulas = {}
    for name, latex in table.items():
        key = f"quantities.{name}"
        _check_name(name, key, fail)
        if name in givens:
            fail(key, f"{name} is also a given; a name is defined once")
        if not isinstance(latex, str):
            fail(key, f"expected a LaTeX formula in quotes, got {_type(latex)}")
        if not latex.strip():
            fail(key, "an empty formula")
        if len(latex) > MAX_FORMULA:
            fail(key, f"a formula of {len(latex)} characters; at most {MAX_FORMULA} are accepted")
        formulas[name] = Formula(name, latex, references(latex, known, key, fail))
    for position, (name, formula) in enumerate(formulas.items()):
        for ref in formula.refs:
            if ref == name:
                fail(f"quantities.{name}", f"a cycle: {name} is defined in terms of itself")
            if ref in formulas and order.index(ref) > position:
                cycle = _path_back(formulas, ref, name)
                if cycle:
                    fail(f"quantities.{name}", "a cycle: " + " → ".join([name] + cycle) + " (each uses the next)")
                fail(f"quantities.{name}", f"uses {ref}, which is defined after it; "
                                           "quantities are defined in order: move it down")
    return formulas


def _path_back(formulas, start: str, target: str, seen=None) -> list | None:
    """The names from `start` to `target` along uses, if `start` uses `target`."""
    seen = seen if seen is not None else set()
    if start in seen:
        return None
    seen.add(start)
    for ref in formulas[start].refs:
        if ref == target:
            return [start, target]
        if ref in formulas:
            rest = _path_back(formulas, ref, target, seen)
            if rest:
                return [start] + rest
    return None


def references(latex: str, known: dict, key: str, fail) -> tuple:
    """The names of the file a formula mentions, from the reader's tokens.

    `known` maps canonical spellings to names; an entry such as x_2 of a
    vector x mentions x. Unknown names are left to the reader, which reports
    them with their column."""
    from derive.reading import ReadError
    from derive.reading.tokens import tokenize
    try:
        tokens = tokenize(latex)
    except ReadError as error:
        fail(key, str(error))
    found = []
    for token in tokens:
        if token.type != "NAME":
            continue
        spelled = token.value  # the tokenizer gives names in canonical spelling already
        name = known.get(spelled)
        if name is None:
            base = spelled.rpartition("_")[0]
            while base and name is None:
                name = known.get(base)
                base = base.rpartition("_")[0]
        if name is not None and name not in found:
            found.append(name)
    return tuple(found)


def _gradients(spec: Spec, value, fail):
    key = "ask.gradients"
    if not isinstance(value, dict):
        fail(key, f"expected a table {{ of = \"L\", wrt = [\"W\", …] }}, got {_type(value)}")
    _known_keys(value, key, GRADIENT_KEYS, fail)
    if "of" not in value:
        fail(f"{key}.of", "missing: the scalar quantity to differentiate (the loss)")
    of = value["of"]
    if not isinstance(of, str):
        fail(f"{key}.of", f"expected the name of a quantity, got {_type(of)}")
    if of not in spec.quantities:
        fail(f"{key}.of", _unknown(of, spec, "a quantity") if of not in spec.givens
             else f"{of} is a given; the gradients are of a quantity (the loss)")
    if "wrt" not in value:
        fail(f"{key}.wrt", "missing: the names to differentiate with respect to")
    wrt = _names(value, "wrt", f"{key}.wrt", fail, allowed={**spec.givens, **spec.quantities}, what="name")
    if not wrt:
        fail(f"{key}.wrt", "empty; name at least one given or quantity")
    if of in wrt:
        fail(f"{key}.wrt", f"{of} is the quantity differentiated; ∂{of}/∂{of} = 1")
    spec.loss, spec.wrt = of, wrt


def check_dependencies(spec: Spec):
    """What the asks need of the formulas (after they have been read, so that
    a formula's own mistake is reported first)."""
    if spec.loss is None:
        return
    depends = ancestors(spec, spec.loss)
    for i, name in enumerate(spec.wrt):
        if name not in depends:
            spec.fail(f"ask.gradients.wrt[{i}]", f"{spec.loss} does not depend on {name}")
    for i, name in enumerate(spec.update):
        if name not in depends:
            spec.fail(f"ask.step.update[{i}]", f"{spec.loss} does not depend on {name}; its step would be zero")


def ancestors(spec: Spec, name: str) -> set:
    """Every name that `name`'s formula depends on, directly or not."""
    seen, stack = set(), [name]
    while stack:
        current = stack.pop()
        for ref in (spec.quantities[current].refs if current in spec.quantities else ()):
            if ref not in seen:
                seen.add(ref)
                stack.append(ref)
    return seen


def _step(spec: Spec, value, fail):
    key = "ask.step"
    if not isinstance(value, dict):
        fail(key, f"expected a table {{ lr = 0.1, update = [\"W\", …] }}, got {_type(value)}")
    _known_keys(value, key, STEP_KEYS, fail)
    if spec.loss is None:
        fail(key, "a gradient step needs the gradients: add gradients = { of = …, wrt = […] } to [ask]")
    if "lr" not in value:
        fail(f"{key}.lr", "missing: the learning rate")
    lr = value["lr"]
    if not _is_number(lr):
        fail(f"{key}.lr", f"expected a number, got {_type(lr)}")
    _check_number(lr, f"{key}.lr", fail)
    if not lr > 0:
        fail(f"{key}.lr", f"expected a positive learning rate, got {lr}")
    if "update" not in value:
        fail(f"{key}.update", "missing: the givens the step updates")
    update = _names(value, "update", f"{key}.update", fail, allowed=spec.givens, what="given",
                    others=spec.quantities, other_what="a quantity; a step updates givens (the parameters)")
    if not update:
        fail(f"{key}.update", "empty; name at least one given")
    spec.lr, spec.update = lr, update


def _random(spec: Spec, value, fail):
    from derive.problemfile.variants import read_draw
    key = "ask.random"
    if not isinstance(value, dict):
        fail(key, f"expected a table {{ W = \"uniform(-1, 1)\", … }}, got {_type(value)}")
    if not value:
        fail(key, "empty; name the givens to draw and how, as W = \"uniform(-1, 1)\"")
    for name, text in value.items():
        where = f"{key}.{name}"
        if name not in spec.givens:
            fail(where, _unknown(name, spec, "a given") if name not in spec.quantities
                 else f"{name} is a quantity; only givens are drawn")
        if not isinstance(text, str):
            fail(where, f"expected a string such as \"uniform(-1, 1)\", got {_type(text)}")
        spec.random[name] = read_draw(text, spec.where(where))


def _answer_keys(spec: Spec, fail):
    """The keys the engine makes must not be names of the file."""
    made = {}
    if spec.loss is not None:
        made.update({f"{GRADIENT_PREFIX}{n}": "a gradient" for n in spec.names})
    if spec.update:
        made.update({f"{n}_new": "a result of the step" for n in spec.names})
    if spec.symbolic:
        made.update({f"{GRADIENT_PREFIX}{n}_rule": "a closed form" for n in spec.wrt})
    for name in spec.names:
        if name in made:
            section = "given" if name in spec.givens else "quantities"
            fail(f"{section}.{name}", f"the name {name} is taken by {made[name]}; choose another")


# --- small readers ------------------------------------------------------------------

def spellings(name: str) -> tuple:
    from derive.problemfile.names import spellings as written
    return written(name)


def canonical_name(written: str) -> str:
    """A name as the reader compares it (so W_{z} meets W_z)."""
    from derive.reading import canonical
    return canonical(written)


def _check_name(name: str, key: str, fail):
    if re.fullmatch(r"[A-Za-z]+[0-9]+", name):
        subscripted = re.sub(r"([0-9]+)$", r"_\1", name)
        fail(key, f"digits go in a subscript, as a formula writes them: {subscripted}")
    if not NAME.fullmatch(name):
        fail(key, "a name is ASCII letters, then parts joined by _ (W_z, h_0, xhat, mu_B)")
    if len(name) > MAX_NAME:
        fail(key, f"a name of {len(name)} characters; at most {MAX_NAME} are accepted")
    if name.startswith(GRADIENT_PREFIX):
        fail(key, f"names beginning {GRADIENT_PREFIX} are the gradients' answer keys; choose another")
    from derive.reading.names import function_spellings
    head = name.split("_")[0]
    if head.lower() in function_spellings():
        fail(key, f"{head} is the name of a function; choose another")


def _known_keys(table: dict, where: str, allowed: tuple, fail, hint=None):
    for key in table:
        if key not in allowed:
            full = f"{where}.{key}" if where else key
            moved = (hint or {}).get(key)
            tip = f"; {key} belongs in [ask] ({moved})" if moved else ""
            fail(full, f"unknown key; expected {', '.join(allowed)}{tip}")


def _text(data, key, limit, fail, default):
    if key not in data:
        return default
    value = data[key]
    if not isinstance(value, str):
        fail(key, f"expected a string, got {_type(value)}")
    if len(value) > limit:
        fail(key, f"{len(value)} characters; at most {limit} are accepted")
    return " ".join(value.split()) if key != "statement" else value.strip()


def _names(table, key, where, fail, allowed, what, others=None, other_what=""):
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        fail(where, f"expected a list of names, got {_type(value)}")
    if len(value) > MAX_ASKED:
        fail(where, f"{len(value)} names; at most {MAX_ASKED} are accepted")
    names = []
    for i, name in enumerate(value):
        if not isinstance(name, str):
            fail(f"{where}[{i}]", f"expected a name in quotes, got {_type(name)}")
        if name not in allowed:
            if others is not None and name in others:
                fail(f"{where}[{i}]", f"{name} is {other_what}")
            known = ", ".join(allowed) or "none"
            fail(f"{where}[{i}]", f"unknown {what} {name!r}; the file's are {known}")
        if name in names:
            fail(f"{where}[{i}]", f"{name} is named twice")
        names.append(name)
    return tuple(names)


def _unknown(name, spec: Spec, what: str) -> str:
    return f"unknown name {name!r}; it is not {what} of the file"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_number(value, key, fail):
    if isinstance(value, float) and not math.isfinite(value):
        fail(key, f"expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        fail(key, f"{value:.3g} is larger than {MAX_MAGNITUDE:.0e} in magnitude")


def _type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {str: "a string", dict: "a table", list: "a list", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
