"""Rewriting hand-written LaTeX into the dialect latex2sympy2_extended reads.

Two things are lifted out of the text before parsing, so that nothing of
the author's is lost in SymPy's number handling:

- decimal literals become placeholders `\\mathit{numlit}_{k}`: the checker
  needs the digits the author wrote (0.7685 carries four decimals), which a
  binary Float forgets;
- matrices become placeholders `\\mathit{matlit}_{k}`, their entries parsed
  one by one, so that `[1 \\ 2][1; 0] + 0.5` (a 1×1 product plus a scalar,
  as courses write it) parses at all.

Names with decorations (`x^{(i)}`, `W^{new}`, `w^*`, `V^T`) become one
subscripted name; the evaluator reads a trailing `^T` as a transpose.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Caps on one side of an equation (untrusted input).
MAX_SIDE = 2000
MAX_DEPTH = 40
LITERAL = "numlit"
MATRIX = "matlit"
ARGUMENT = "arglit"
CASES = "caselit"
RESERVED = (LITERAL, MATRIX, ARGUMENT, CASES)
#: relations a case's condition may use, longest first
CONDITIONS = (r"\geq", r"\leq", r"\ge", r"\le", r"\neq", r"\ne", ">=", "<=", ">", "<", "=")


class NormaliseError(ValueError):
    """The side cannot be read; the message says why."""


@dataclass
class Normalised:
    latex: str
    #: placeholder index → the literal as written ("0.7685")
    literals: list[str] = field(default_factory=list)
    #: placeholder index → rows of entry LaTeX (each entry normalised separately)
    matrices: list[list[list["Normalised"]]] = field(default_factory=list)
    #: placeholder index → a function's argument, normalised on its own
    arguments: list["Normalised"] = field(default_factory=list)
    #: placeholder index → rows (value, condition) of a \\begin{cases}; a
    #: condition is (relation, left, right), or None for "otherwise"
    cases: list[list[tuple["Normalised", tuple | None]]] = field(default_factory=list)


FUNCTION_NAMES = {
    r"\mathrm{dsigmoid}": "dsigmoid", r"\mathrm{dtanh}": "dtanh",
    r"\sigma": "sigmoid", r"\mathrm{sigmoid}": "sigmoid", r"\text{sigmoid}": "sigmoid",
    r"\mathrm{ReLU}": "relu", r"\text{ReLU}": "relu", r"\operatorname{ReLU}": "relu", r"\mathrm{relu}": "relu",
    r"\mathrm{softplus}": "softplus", r"\text{softplus}": "softplus", r"\operatorname{softplus}": "softplus",
}
DECORATION = r"(?:\{\s*(?:\\mathrm\{new\}|\\text\{new\}|new|old|\\mathrm\{old\}|\(\w+\)|\[\w+\]|\*|\\top|T|\\intercal|\\prime|')\s*\}|\*|\\top|T(?![a-zA-Z])|\\intercal|')"


def _joined(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _in_formula(m) -> bool:
    """\\text{Input channels} between operators, or standing alone as a side,
    is a quantity named in words; \\text{Assume } before a formula is prose."""
    before, after = m.string[:m.start()].rstrip(), m.string[m.end():].lstrip()
    operator = re.compile(r"(\\times|\\cdot|[-+*/()=])$")
    next_operator = re.compile(r"^(\\times|\\cdot|[-+*/()=]|$)")
    if not _joined(m.group(1)):
        return False
    return bool((not before or operator.search(before)) and next_operator.match(after))


def is_name(text: str) -> bool:
    """\\text{MSE}, \\text{Loss}, \\text{ReLU} are names; \\text{Assume } is prose."""
    word = text.strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word):
        return False
    return len(word) <= 4 or any(c.isupper() for c in word[1:]) or word.lower() in KNOWN_WORDS


KNOWN_WORDS = {"sigmoid", "softplus", "relu", "tanh", "sign", "softmax", "loss", "new", "old"}


def depth_of(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
    return deepest


def normalise(text: str, functions: tuple[str, ...] = ()) -> Normalised:
    if len(text) > MAX_SIDE:
        raise NormaliseError(f"side longer than {MAX_SIDE} characters")
    if depth_of(text) > MAX_DEPTH:
        raise NormaliseError(f"nested deeper than {MAX_DEPTH} levels")
    if any(word in text for word in RESERVED):
        raise NormaliseError("uses a name the checker reserves")
    result = Normalised("")
    text = _cosmetics(text)
    text = _integrals(_names(text))
    text = _arguments(text, result, ("\\mathrm{sigmoid}", "\\mathrm{relu}", "\\mathrm{softplus}",
                                     "\\mathrm{dsigmoid}", "\\mathrm{dtanh}") + functions,
                      functions)
    text = _cases(text, result, functions)
    text = _matrices(text, result, functions)
    text = _literals(text, result)
    result.latex = re.sub(r"\s+", " ", text).strip()
    return result


def spelling(text: str) -> str:
    """A side as normalised, but with nothing lifted out: for matching whole
    sides against a problem's aliases."""
    return _names(_cosmetics(text))


#: 418\,716 or 1{,}000: digits grouped by threes are one number.
THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:(?:\\,|\{,\}|\\ )\d{3})+)(?![\d.])")


def thousands(text: str) -> str:
    """Digit groups joined: `418\\,716` → `418716` (before `\\,` becomes a space)."""
    return THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), text)


def _cosmetics(text: str) -> str:
    text = thousands(text)
    text = re.sub(r"\\(left|right|big|Big|bigg|Bigg)([lr]?)\s*(\\[{}]|\\langle|\\rangle|[()\[\]|.])",
                  lambda m: "" if m.group(3) == "." else m.group(3), text)
    text = re.sub(r"\\textcircled\{[^{}]*\}|\\therefore|\\displaystyle|\\limits", " ", text)
    # \{ … \} written as brackets around a factor
    text = text.replace(r"\{", "(").replace(r"\}", ")")
    text = re.sub(r"\\[,;!:]|~", " ", text)
    text = text.replace(r"\%", r"\cdot \frac{1}{100}").replace(r"\odot", r"\cdot").replace(r"\ast", r"\cdot")
    text = re.sub(r"\\(mathbf|boldsymbol|bm|mathit|mathrm|textrm|operatorname\*?|mathsf)\{", r"\\mathrm{", text)
    # \text{...}: prose (words with spaces) is dropped; one word is a name.
    text = re.sub(r"\\text\{([^{}]*)\}", lambda m: f" \\mathrm{{{_joined(m.group(1))}}} "
                  if is_name(m.group(1)) or _in_formula(m) else " ", text)
    text = re.sub(r"\\log(?![a-zA-Z_])", r"\\ln", text)
    # σ'(z), tanh'(z): the derivatives of the activations, as functions
    text = re.sub(r"\\(sigma|tanh)\s*(?:'|\^\s*\{?\\prime\}?)\s*(?=\()",
                  lambda m: {"sigma": r"\mathrm{dsigmoid}", "tanh": r"\mathrm{dtanh}"}[m.group(1)], text)
    # ∇h_{t+1} is one name: the gradient with respect to h_{t+1}
    text = re.sub(r"\\nabla\s*((?:\\[a-zA-Z]+|[A-Za-z])(?:_\{[^{}]*\}|_[A-Za-z0-9])?(?:\^\{[^{}]*\}|\^[A-Za-z0-9])?)",
                  lambda m: r"\mathrm{nabla}_{" + m.group(1) + "}", text)
    # a row written with spaces or commas inside square brackets: [1 \ 2]
    text = re.sub(r"\[([^\[\]{}]*?(?<!\\)\\ [^\[\]{}]*?)\]",
                  lambda m: r"\begin{bmatrix}" + " & ".join(m.group(1).split("\\ ")) + r"\end{bmatrix}", text)
    text = re.sub(r"\[\s*(-?[0-9.]+)\s*\]", r"(\1)", text)
    # a vector written as a list: [0.1, 0.2, 0.3] is a row, [0.1, 0.2]^T a column
    text = re.sub(r"\[\s*(-?[0-9.]+(?:\s*,\s*-?[0-9.]+)+)\s*,?\s*\](\s*\^\s*(?:\{\s*T\s*\}|T|\\top|\{\\top\}))?",
                  _list_vector, text)
    text = re.sub(r"\(\s*(-?[0-9.]+(?:\s*,\s*-?[0-9.]+)+)\s*\)(\s*\^\s*(?:\{\s*T\s*\}|T|\\top|\{\\top\}))",
                  _list_vector, text)
    text = re.sub(r"(?<!\\)\\\s", " ", text)
    # ∂A/∂B is a name (a quantity the problem may know), not a derivative
    text = re.sub(r"\\frac\{\s*\\partial\s*([^{}]+|[^{}]*\{[^{}]*\}[^{}]*)\}\{\s*\\partial\s*([^{}]+|[^{}]*\{[^{}]*\}[^{}]*)\}",
                  lambda m: rf"D_{{{m.group(1).strip()}/{m.group(2).strip()}}}", text)
    return text


def _integrals(text: str) -> str:
    """`\\int f dx + \\int g dx`: each integral in parentheses, so that the
    grammar does not take the second as part of the first's integrand."""
    out, i = [], 0
    while True:
        start = text.find(r"\int", i)
        if start < 0 or text[start + 4:start + 5].isalpha():
            out.append(text[i:])
            return "".join(out)
        m = re.compile(r"\bd[a-z]\b").search(text, start + 4)
        if m is None:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:start] + "(" + text[start:m.end()] + ")")
        i = m.end()


def _list_vector(m) -> str:
    entries = [entry.strip() for entry in m.group(1).split(",")]
    joiner = r" \\ " if m.group(2) else " & "
    return r"\begin{bmatrix}" + joiner.join(entries) + r"\end{bmatrix}"


def _names(text: str) -> str:
    for written, name in FUNCTION_NAMES.items():
        text = re.sub(re.escape(written) + r"(?![a-zA-Z_])\s*(?=\()", rf"\\mathrm{{{name}}}", text)
    # multi-letter capitals used as names: RF_n, KL(q, p)
    text = re.sub(r"(?<![\\a-zA-Z{])([A-Z]{2,})(?=\s*[_(])", r"\\mathrm{\1}", text)
    # decorations become part of the name's subscript
    pattern = re.compile(r"(_\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|_\\?[A-Za-z0-9]|(?<=[A-Za-z}])(?<!\\mathrm\{new\})(?<!matrix\}))\s*\^\s*(" + DECORATION + ")")

    def merge(m):
        subscript, decoration = m.group(1), m.group(2).strip("{} ")
        decoration = {"\\top": "T", "\\intercal": "T", "\\prime": "'", "\\mathrm{new}": "new",
                      "\\text{new}": "new", "\\mathrm{old}": "old"}.get(decoration, decoration)
        if subscript.startswith("_{"):
            return "_{" + subscript[2:-1] + "^" + decoration + "}"
        if subscript.startswith("_"):
            return "_{" + subscript[1:] + "^" + decoration + "}"
        return "_{^" + decoration + "}"
    return pattern.sub(merge, text)


NUMBER = re.compile(r"(?<![_^\w.])(\d+\.\d*|\.\d+)")


def _literals(text: str, result: Normalised) -> str:
    def replace(m):
        result.literals.append(m.group(1))
        return rf" \mathrm{{{LITERAL}}}_{{{len(result.literals) - 1}}} "
    return NUMBER.sub(replace, text)


MATRIX_BEGIN = re.compile(r"\\begin\{(bmatrix|pmatrix|matrix|Bmatrix|array)\}(\{[^{}]*\})?")


def _arguments(text: str, result: Normalised, names, functions) -> str:
    """`name(argument)` for a known function: the argument is parsed on its
    own, because the grammar reads `f(a b)` as a product."""
    # a name is matched as the text spells it after the cosmetics (p_{\text{data}} → p_{ \mathrm{data} })
    spelled = sorted({" ".join(_names(_cosmetics(name)).split()) for name in names}, key=len, reverse=True)
    pattern = re.compile("(" + "|".join(r"\s*".join(map(re.escape, name.split(" "))) for name in spelled)
                         + r")(?![a-zA-Z_])\s*\(")
    start = 0
    while True:
        m = pattern.search(text, start)
        if m is None:
            return text
        close = _matching(text, m.end() - 1)
        if close < 0:
            raise NormaliseError(f"unbalanced parenthesis after {m.group(1)}")
        pieces = [piece for piece in _split_commas(text[m.end():close])]
        placeholders = []
        for piece in pieces:
            result.arguments.append(normalise(piece, functions))
            placeholders.append(rf"\mathrm{{{ARGUMENT}}}_{{{len(result.arguments) - 1}}}")
        # a subscript in \mathrm (p_{\mathrm{data}}) is spelled plainly: the grammar reads
        # p_{data}(x) as an application, but p_{\mathrm{data}}(x) as a product
        name = m.group(1)
        if "_" in name:
            name = re.sub(r"\s+", "", re.sub(r"\\mathrm\{([^{}]*)\}", r"\1", name))
        replacement = name + "(" + ", ".join(placeholders) + ")"
        text = text[:m.start()] + replacement + text[close + 1:]
        start = m.start() + len(replacement)


def _matching(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] in "({[":
            depth += 1
        elif text[i] in ")}]":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_commas(text: str) -> list[str]:
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return pieces


def _cases(text: str, result: Normalised, functions=()) -> str:
    """\\begin{cases} v_1 & c_1 \\\\ v_2 & \\text{otherwise} \\end{cases} → a placeholder."""
    while True:
        begin = text.find(r"\begin{cases}")
        if begin < 0:
            return text
        end = text.find(r"\end{cases}", begin)
        if end < 0:
            raise NormaliseError(r"\begin{cases} without \end{cases}")
        inner = text[begin + len(r"\begin{cases}"):end]
        rows = []
        for row in (row for row in re.split(r"\\\\", inner) if row.strip()):
            value, _, condition = row.partition("&")
            rows.append((normalise(value, functions), _condition(condition, functions)))
        result.cases.append(rows)
        text = text[:begin] + rf" \mathrm{{{CASES}}}_{{{len(result.cases) - 1}}} " + text[end + len(r"\end{cases}"):]


def _condition(text: str, functions) -> tuple | None:
    text = re.sub(r"\\(text|mathrm)\{\s*(if|when|for)\s*\}|\\(?:q?quad)|,", " ", text).strip()
    if not text or re.fullmatch(r"(\\(text|mathrm)\{)?\s*(otherwise|else|sonst)\s*\}?\.?", text):
        return None
    for relation in CONDITIONS:
        left, found, right = text.partition(relation)
        if found and left.strip() and right.strip():
            return relation.lstrip("\\"), normalise(left, functions), normalise(right, functions)
    raise NormaliseError(f"a case condition without a relation: {text[:40]!r}")


def _matrices(text: str, result: Normalised, functions=()) -> str:
    """Replace matrix environments (innermost first) by placeholders."""
    while True:
        begins = list(MATRIX_BEGIN.finditer(text))
        if not begins:
            return text
        for begin in reversed(begins):
            env = begin.group(1)
            end = text.find(rf"\end{{{env}}}", begin.end())
            inner = text[begin.end():end]
            if end < 0:
                raise NormaliseError(f"\\begin{{{env}}} without \\end{{{env}}}")
            if r"\begin{" in inner:
                continue
            rows = [row for row in re.split(r"\\\\", inner) if row.strip()]
            cells = [[normalise(cell, functions) for cell in row.split("&")] for row in rows]
            if not cells or any(len(row) != len(cells[0]) for row in cells):
                raise NormaliseError("a matrix whose rows differ in length")
            after = text[end + len(rf"\end{{{env}}}"):]
            transpose = re.match(r"\s*\^\s*(\{\s*T\s*\}|T(?![A-Za-z])|\\top|\{\\top\}|\\intercal)", after)
            if transpose:
                cells = [list(column) for column in zip(*cells)]
                after = after[transpose.end():]
            result.matrices.append(cells)
            text = text[:begin.start()] + rf" \mathrm{{{MATRIX}}}_{{{len(result.matrices) - 1}}} " + after
            break


ATOM = r"(?:\d+(?:\.\d+)?|\\[a-zA-Z]+|[a-zA-Z])(?:_\{[^{}]*\}|_[a-zA-Z0-9])?(?:\^\{[^{}]*\}|\^[a-zA-Z0-9])?"


def readings(text: str) -> list[str]:
    """Other readings a person would give a side written loosely: `a/2\\sigma^2`
    as a/(2σ²), and `\\log 2\\pi\\sigma^2` or `\\log \\frac{1}{s} e^{y}` as the
    logarithm of the whole product. Empty when there is nothing loose."""
    found = []
    grouped = re.sub(r"/\s*(" + ATOM + r"(?:\s*" + ATOM + r")+)", r"/(\1)", text)
    if grouped != text:
        found.append(grouped)
    for base in ([grouped] if grouped != text else []) + [text]:
        widened = _widen_logs(base)
        if widened != base and widened not in found:
            found.append(widened)
    return found


def _widen_logs(text: str) -> str:
    """`\\log X Y` (no parenthesis) → `\\log(X Y)`, up to the next top-level
    + or −, a `dx`, or the end."""
    out, i = [], 0
    while i < len(text):
        m = re.compile(r"\\(log|ln)(?![a-zA-Z_])\s*").search(text, i)
        if m is None:
            out.append(text[i:])
            break
        out.append(text[i:m.end()])
        rest = m.end()
        if text.startswith("(", rest) or text.startswith(r"\left", rest):
            i = rest
            continue
        depth, j = 0, rest
        while j < len(text):
            char = text[j]
            if char in "{([":
                depth += 1
            elif char in "})]":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (char in "+-=" and j > rest or text.startswith(" d", j) and
                                 re.match(r" d[a-z]\b", text[j:])):
                break
            j += 1
        out.append("(" + text[rest:j].strip() + ")")
        i = j
    return "".join(out)
