"""`derive export prairielearn NAME -o DIR`: a PrairieLearn question.

The folder holds `info.json` (its uuid made from the problem's name, so
exporting again keeps the question's identity), `question.html` (the
statement and a number input per numeric answer, by part) and `server.py`.

All the SymPy work happens here, at export: the problem is solved for
`--variants` variants (its own givens, then seeds 1, 2, …), and the
statements and answers are written into server.py as data. On
PrairieLearn, `generate(data)` only picks one of them with the variant's
seed (`data["variant_seed"]`) and stores its answers in
`data["correct_answers"]`; `grade(data)` only compares numbers, so it
needs nothing but the standard library and takes microseconds.

Grading is at the precision the student wrote, as `derive check` judges a
hand derivation: an answer is right when the true value rounds to it at
its own last digit (0.586 for 0.585868; not 0.585), and it has at least
DIGITS significant digits unless it is exact (96, 0.5). Each part counts
equally; within a part each answer, and within a vector or matrix each
entry, shares the credit — partial credit per part.
"""
from __future__ import annotations

import html
import json
import os
import uuid

from derive.errors import InputError

#: Significant digits an answer needs, unless exact.
DIGITS = 3
#: The namespace of the questions' uuids (uuid5 of the problem's name in it).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "derive/prairielearn")


def export(arguments) -> int:
    from derive.files import write_text
    question = build(arguments.name, arguments.variants)
    folder = arguments.output
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InputError(f"-o {folder}: exists and is not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise InputError(f"-o {folder}: cannot make the folder: {error.strerror}") from None
    for name, text in files(question).items():
        write_text(os.path.join(folder, name), text)
    return 0


def build(name: str, variants: int = 20) -> dict:
    """The question as data: each variant's statement, parts, inputs and answers."""
    from derive.catalog import find
    problem = find(name)
    if not 1 <= variants <= 1000:
        raise InputError(f"--variants: expected 1 to 1000, got {variants}")
    count = variants if problem.has_variants else 1
    bank, seen = [], set()
    for seed in [None] + list(range(1, count)):
        solution = problem.solve(seed=seed)
        inputs = _inputs(solution)
        values = {entry["name"]: value for entry, value in zip(inputs, _values(solution, inputs) or [])}
        if not inputs or len(values) != len(inputs):
            continue
        key = json.dumps(values, sort_keys=True)
        if key in seen:  # the same numbers again
            continue
        seen.add(key)
        bank.append({"statement": solution.statement, "seed": seed,
                     "parts": [{"id": part.id, "question": part.question,
                                "inputs": [{"name": e["name"], "label": f"${e['label']} =$"}
                                           for e in inputs if e["part"] == part.id]}
                               for part in solution.parts if any(e["part"] == part.id for e in inputs)],
                     "inputs": inputs, "values": values})
    if not bank:
        raise InputError(f"problem {name} has no numeric answer to ask for in PrairieLearn")
    # a problem file is known by its file's name (the same file exported from elsewhere keeps its
    # uuid), apart from the catalog's names
    known_as = "file:" + os.path.splitext(os.path.basename(name))[0] if os.path.isfile(name) else name
    return {"problem": known_as, "title": problem.title, "family": problem.family, "digits": DIGITS,
            "variants": bank}


def _entries(value, prefix=()):
    """(index, number) of every entry of a number, vector or matrix; None when not numeric."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return [(prefix, float(value))]
    if isinstance(value, list) and value:
        found = []
        for i, item in enumerate(value):
            inner = _entries(item, prefix + (i,))
            if inner is None:
                return None
            found += inner
        return found
    return None


def _inputs(solution) -> list[dict]:
    inputs = []
    for part in solution.parts:
        for key, answer in part.answers.items():
            try:
                entries = _entries(answer.value)
            except Exception:
                entries = None
            if not entries:
                continue
            for index, _ in entries:
                suffix = "".join(f"_{i + 1}" for i in index)
                label = answer.latex if not index else \
                    rf"\left({answer.latex}\right)_{{{','.join(str(i + 1) for i in index)}}}"
                inputs.append({"name": f"{key}{'__' + suffix[1:] if suffix else ''}", "key": key,
                               "index": list(index), "part": part.id, "label": label})
    return inputs


def _values(solution, inputs) -> list[float] | None:
    answers = solution.answers
    values = []
    for entry in inputs:
        answer = answers.get(entry["key"])
        if answer is None:
            return None
        try:
            value = answer.value
            for i in entry["index"]:
                value = value[i]
        except (IndexError, TypeError):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        values.append(float(value))
    return values


def files(question: dict) -> dict[str, str]:
    return {"info.json": info_json(question), "question.html": question_html(question),
            "server.py": server_py(question)}


def info_json(question: dict) -> str:
    info = {"uuid": str(uuid.uuid5(NAMESPACE, question["problem"])), "title": question["title"],
            "topic": question["family"] or "Deep learning",
            "tags": ["derive", question["problem"].removeprefix("file:")],
            "type": "v3", "partialCredit": True, "singleVariant": len(question["variants"]) == 1}
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def _static(text: str) -> str:
    """Text for the template: HTML-escaped, and no `{{` for Mustache to read."""
    escaped = html.escape(text, quote=True)
    while "{{" in escaped or "}}" in escaped:
        escaped = escaped.replace("{{", "{ {").replace("}}", "} }")
    return escaped


def question_html(question: dict) -> str:
    """The template: the variant's statement, then per part its question and
    a number input per entry of each numeric answer (the parts and inputs
    are the variant's, in `params`, since variants may differ in shape)."""
    return "\n".join([
        f"<!-- {_static(question['problem'])}: made by derive export prairielearn; "
        f"the variants and their answers are in server.py -->",
        "<pl-question-panel>", "  <p>{{params.statement}}</p>", "</pl-question-panel>", "",
        "{{#params.parts}}",
        '<div class="card my-2">', '  <div class="card-body">',
        "    <p><strong>({{id}})</strong> {{question}}</p>",
        "    {{#inputs}}",
        f'    <pl-number-input answers-name="{{{{name}}}}" label="{{{{label}}}}" comparison="sigfig" '
        f'digits="{question["digits"]}"></pl-number-input>',
        "    {{/inputs}}",
        "  </div>", "</div>",
        "{{/params.parts}}", ""])


SERVER = '''"""PrairieLearn server code for {problem}, written by `derive export prairielearn`.

The variants were solved when the question was exported; generate() picks
one with the variant's seed and grade() compares numbers at the precision
the student wrote (standard library only, no SymPy here).
"""
import json
import random
import zlib
from decimal import Decimal, InvalidOperation
from fractions import Fraction

QUESTION = json.loads({data!r})


def _variant_index(data):
    seed = data.get("variant_seed", 0)
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        seed = zlib.crc32(str(seed).encode("utf-8"))
    return random.Random(seed).randrange(len(QUESTION["variants"]))


def generate(data):
    index = _variant_index(data)
    variant = QUESTION["variants"][index]
    data["params"]["variant"] = index
    data["params"]["statement"] = variant["statement"]
    data["params"]["parts"] = variant["parts"]
    for name, value in variant["values"].items():
        data["correct_answers"][name] = value


def judge(submitted, true, digits=QUESTION["digits"]):
    """(score, feedback) of one submitted number against the true value."""
    if submitted is None or str(submitted).strip() == "":
        return 0.0, "no answer"
    text = str(submitted).strip().replace("\\u2212", "-").replace(" ", "")
    exact = Decimal(repr(float(true)))
    try:
        value = Decimal(text)
        if not value.is_finite():
            return 0.0, "not a number"
        half = Decimal(5).scaleb(value.as_tuple().exponent - 1)
        significant = len(value.as_tuple().digits) - _leading_zeros(value)
    except InvalidOperation:
        try:
            fraction = Fraction(text)
        except (ValueError, ZeroDivisionError):
            return 0.0, "not a number"
        value = Decimal(fraction.numerator) / Decimal(fraction.denominator)
        half, significant = Decimal(0), 99
    difference = abs(value - exact)
    tiny = Decimal("1e-9") * max(Decimal(1), abs(exact))
    if difference <= tiny:
        return 1.0, "correct"
    if difference <= half + tiny:
        if significant >= digits:
            return 1.0, "correct"
        return 0.0, "give at least %d significant digits" % digits
    return 0.0, "incorrect"


def _leading_zeros(value):
    digits = value.as_tuple().digits
    count = 0
    for digit in digits[:-1]:
        if digit != 0:
            break
        count += 1
    return count


def grade(data):
    variant = QUESTION["variants"][int(data["params"]["variant"])]
    raw = data.get("raw_submitted_answers") or {{}}
    parsed = data.get("submitted_answers") or {{}}
    answers = {{}}
    for entry in variant["inputs"]:
        name = entry["name"]
        true = variant["values"][name]
        submitted = raw.get(name, parsed.get(name))
        score, feedback = judge(submitted, true)
        data["partial_scores"][name] = {{"score": score, "weight": 1, "feedback": feedback}}
        data["feedback"][name] = feedback
        answers.setdefault(entry["part"], {{}}).setdefault(entry["key"], []).append(score)
    parts = []
    for part in variant["parts"]:
        keys = answers.get(part["id"], {{}})
        if keys:
            parts.append(sum(sum(scores) / len(scores) for scores in keys.values()) / len(keys))
    data["score"] = sum(parts) / len(parts) if parts else 0.0
'''


def server_py(question: dict) -> str:
    data = json.dumps(question, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return SERVER.format(problem=question["problem"], data=data)
