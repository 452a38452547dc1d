"""Receptive fields of a stack of convolutions (or poolings).

For layer n with kernel k_n, stride s_n, padding p_n and dilation d_n, the
effective kernel is d_n(k_n − 1) + 1, and one unit of layer n sees

    RF_n    = RF_{n−1} + (k_n^eff − 1) · J_{n−1}      (size, RF_0 = 1)
    J_n     = J_{n−1} · s_n                          (jump, J_0 = 1)
    start_n = start_{n−1} − p_n · J_{n−1}            (first input coordinate, start_0 = 0)

because a step of one unit in layer n−1 is a step of J_{n−1} input pixels.
Solving the first recurrence by telescoping gives the closed form
RF_n = 1 + Σ_{i=1}^{n} (k_i − 1) Π_{j<i} s_j.
"""
from __future__ import annotations

import sympy

from derive.architecture.sizes import MAXIMUM
from derive.core.numbers import InputError, json_type
from derive.core.steps import Evaluation, Relation, Remark

#: field → (smallest value, default); a field with default None is required
FIELDS = {"kernel": (1, None), "stride": (1, None), "padding": (0, 0), "dilation": (1, 1)}
#: fields a layer of `conv-arithmetic` also carries; they do not change receptive fields, so one
#: stack file serves both problems
OPTIONAL = ("out_channels", "pool")

n = sympy.Symbol("n", integer=True, positive=True)
i, j = sympy.symbols("i j", integer=True, positive=True)
k = sympy.IndexedBase("k")
s = sympy.IndexedBase("s")
RF = sympy.Function("RF")
#: the closed form, with i summing over layers and j over the strides before layer i
CLOSED_FORM = 1 + sympy.Sum((k[i] - 1) * sympy.Product(s[j], (j, 1, i - 1)), (i, 1, n))
#: the seed's form: the first layer's term (k_1 − 1)·(empty product) + 1 written as k_1
SEED_FORM = k[1] + sympy.Sum((k[i] - 1) * sympy.Product(s[j], (j, 1, i - 1)), (i, 2, n))
p = sympy.IndexedBase("p")
J, START = sympy.Function("J"), sympy.Function("start")
#: the jump (effective stride) and the start of layer n's field, from their recurrences
JUMP_FORM = sympy.Product(s[j], (j, 1, n))
START_FORM = -sympy.Sum(p[i] * sympy.Product(s[j], (j, 1, i - 1)), (i, 1, n))


def read_layers(layers, where: str = "layers") -> list[dict]:
    """Validated layers with defaults filled in; errors name the layer and field."""
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{where}: expected a non-empty list of layers, got {json_type(layers)}")
    result = []
    for index, layer in enumerate(layers):
        at = f"{where}[{index}]"
        if not isinstance(layer, dict):
            raise InputError(f"{at}: expected an object with kernel and stride, got {json_type(layer)}")
        unknown = sorted(set(layer) - set(FIELDS) - set(OPTIONAL), key=str)
        if unknown:
            raise InputError(f"{at}: unknown field {unknown[0]!r}; expected {', '.join((*FIELDS, *OPTIONAL))}")
        record = {}
        for name, (least, default) in FIELDS.items():
            if name not in layer and default is None:
                raise InputError(f"{at}.{name}: missing")
            value = layer.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAXIMUM:
                shown = repr(value) if isinstance(value, (int, float)) else json_type(value)
                raise InputError(f"{at}.{name}: expected an integer from {least} to {MAXIMUM}, got {shown}")
            record[name] = value
        record.update(_optional_fields(layer, at))
        result.append(record)
    return result


def _optional_fields(layer: dict, at: str) -> dict:
    record = {}
    if "out_channels" in layer:
        value = layer["out_channels"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            shown = repr(value) if isinstance(value, (int, float)) else json_type(value)
            raise InputError(f"{at}.out_channels: expected an integer ≥ 1, got {shown}")
        record["out_channels"] = value
    if "pool" in layer:
        if not isinstance(layer["pool"], bool):
            raise InputError(f"{at}.pool: expected true or false, got {layer['pool']!r}")
        record["pool"] = layer["pool"]
    return record


def receptive_field(layers, where: str = "layers") -> list[dict]:
    """One record per layer: size, jump (= stride, the effective stride in
    input pixels), start and the effective kernel; the last is the network's."""
    size, jump, start = 1, 1, 0
    records = []
    for layer in read_layers(layers, where):
        effective = layer["dilation"] * (layer["kernel"] - 1) + 1
        # start and size use the jump *before* this layer: its units are J_{n−1} pixels apart.
        start -= layer["padding"] * jump
        size += (effective - 1) * jump
        jump *= layer["stride"]
        # "stride" repeats the jump, as DESIGN.md's contract names it; the layer's own sizes are under "layer".
        records.append({"size": size, "jump": jump, "stride": jump, "start": start,
                        "effective_kernel": effective, "layer": layer})
    return records


def closed_form_steps() -> list:
    """Solve the recurrence to the closed form and show it equals the seed's."""
    step = (k[n] - 1) * sympy.Product(s[j], (j, 1, n - 1))
    recurrence = sympy.Eq(RF(n), RF(n - 1) + step)
    telescoped = sympy.Sum(RF(i) - RF(i - 1), (i, 1, n))
    _require(telescoped.doit() == RF(n) - RF(0), "SymPy did not sum the telescoping series")
    steps = [
        Remark("Layer 0 is the input: one pixel sees itself, so RF_0 = 1. A unit of layer n sees k_n units "
               "of layer n−1, and neighbouring units of layer n−1 are Π_{i<n} s_i input pixels apart."),
        Relation((recurrence.lhs, recurrence.rhs), reason="the recurrence"),
        Relation((RF(n) - RF(0), telescoped, sympy.Sum(step.subs(n, i), (i, 1, n))),
                 reason="telescoping: sum RF_i − RF_{i−1} over i = 1…n and use the recurrence"),
        Relation((RF(n), CLOSED_FORM), reason="with RF_0 = 1"),
    ]
    first = (CLOSED_FORM - 1).function.subs(i, 1).doit()
    _require(first == k[1] - 1, "the empty product Π_{j=1}^{0} s_j is not 1")
    rest = SEED_FORM - k[1]
    steps.append(Relation((CLOSED_FORM, sympy.Add(1, first, rest, evaluate=False), SEED_FORM),
                          reason="split off the term i = 1, whose product of strides is empty (= 1)"))
    for m in range(1, 6):
        unrolled = sympy.Integer(1)
        for layer in range(1, m + 1):
            unrolled += (k[layer] - 1) * sympy.Mul(*[s[q] for q in range(1, layer)])
        _require(sympy.expand(CLOSED_FORM.subs(n, m).doit() - unrolled) == 0, f"closed form ≠ recurrence, n = {m}")
        _require(sympy.expand(SEED_FORM.subs(n, m).doit() - unrolled) == 0, f"seed's form ≠ recurrence, n = {m}")
    steps.append(Remark("Checked symbolically for n = 1…5: unrolling the recurrence, the closed form and the "
                        "seed's k_1 + Σ_{i≥2} (k_i − 1) Π_{j<i} s_j expand to the same polynomial."))
    steps.append(Remark("With dilation d_i, replace k_i by the effective kernel d_i(k_i − 1) + 1."))
    return steps + jump_and_start_steps()


def jump_and_start_steps() -> list:
    """J_n = J_(n−1) s_n and start_n = start_(n−1) − p_n J_(n−1), unrolled to closed forms and checked."""
    jump, start = sympy.Integer(1), sympy.Integer(0)
    for m in range(1, 6):
        jump, start = jump * s[m], start - p[m] * jump
        _require(sympy.expand(JUMP_FORM.subs(n, m).doit() - jump) == 0, f"jump closed form wrong at n = {m}")
        _require(sympy.expand(START_FORM.subs(n, m).doit() - start) == 0, f"start closed form wrong at n = {m}")
    previous_jump = sympy.Product(s[j], (j, 1, n - 1))
    return [
        Relation((J(n), J(n - 1) * s[n], JUMP_FORM), reason="the jump: one step in layer n is s_n steps in layer "
                                                             "n−1; unrolled from J_0 = 1"),
        Relation((START(n), START(n - 1) - p[n] * previous_jump, START_FORM),
                 reason="padding p_n shifts the first window p_n units of layer n−1 (each J_(n−1) pixels) to the "
                        "left; unrolled from start_0 = 0"),
        Remark("Both checked for n = 1…5 against unrolling their recurrences. Padding moves where the field "
               "starts, not its size."),
    ]


def closed_form_check_steps(records) -> list:
    """For every layer, RF, J and start from the closed forms, equal to the recurrences' values."""
    steps = []
    for m, record in enumerate(records, start=1):
        values = {}
        for q, r in enumerate(records[:m], start=1):
            values.update({k[q]: r["effective_kernel"], s[q]: r["layer"]["stride"], p[q]: r["layer"]["padding"]})
        for name, form, key in (("RF", CLOSED_FORM, "size"), ("J", JUMP_FORM, "jump"), ("start", START_FORM, "start")):
            expanded = form.subs(n, m).doit()
            value = expanded.xreplace(values)
            _require(value == record[key], f"layer {m}: the closed form of {name} gives {value}, "
                                           f"the recurrence {record[key]}")
            steps.append(Relation((sympy.Symbol(f"{name}_{m}"), expanded, value),
                                  reason="closed form, equal to the recurrence" if m == 1 and name == "RF" else ""))
    return steps


def _require(condition: bool, message: str):
    """A derivation step that must hold; never silently skipped (unlike assert under -O)."""
    if not condition:
        raise ArithmeticError(message)


#: the symbols of the per-layer table, and how they print: name → (text, LaTeX)
TABLE_SYMBOLS = sympy.symbols("RF_prev J_prev start_prev keff_n s_n p_n", integer=True)
NOTATION = {"RF_prev": ("RF_(n−1)", "RF_{n-1}"), "J_prev": ("J_(n−1)", "J_{n-1}"),
            "start_prev": ("start_(n−1)", r"\mathrm{start}_{n-1}"), "keff_n": ("k_n^eff", r"k^{\mathrm{eff}}_{n}"),
            "s_n": ("s_n", "s_{n}"), "p_n": ("p_n", "p_{n}")}


def table_steps(records) -> list:
    """Per layer: the three recurrences with this stack's numbers substituted."""
    RF_prev, J_prev, start_prev, K, S, P = TABLE_SYMBOLS
    steps = []
    before = {RF_prev: 1, J_prev: 1, start_prev: 0}
    for number, record in enumerate(records, start=1):
        layer = record["layer"]
        values = {**before, K: record["effective_kernel"], S: layer["stride"], P: layer["padding"]}
        note = (f"layer {number}: k = {layer['kernel']}, s = {layer['stride']}, p = {layer['padding']}, "
                f"d = {layer['dilation']}")
        for name, formula, key in ((f"RF_{number}", RF_prev + (K - 1) * J_prev, "size"),
                                   (f"J_{number}", J_prev * S, "jump"),
                                   (f"start_{number}", start_prev - P * J_prev, "start")):
            used = {sym: sympy.Integer(v) for sym, v in values.items() if sym in formula.free_symbols}
            steps.append(Evaluation(sympy.Symbol(name), formula, used, sympy.Integer(record[key]), note=note))
            note = ""
        before = {RF_prev: record["size"], J_prev: record["jump"], start_prev: record["start"]}
    return steps
