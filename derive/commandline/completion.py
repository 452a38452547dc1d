"""`derive completion bash|zsh`: a completion script written from the
command line's own parser, so every subcommand and option is in it, with
the catalog's problem names for NAME arguments and files for FILE ones.

    eval "$(derive completion bash)"     # ~/.bashrc
    eval "$(derive completion zsh)"      # ~/.zshrc, after compinit
"""
from __future__ import annotations

import argparse
import re

#: Arguments completed with problem names: by destination.
PROBLEM_ARGUMENTS = ("name", "names", "problem")


def _subparsers(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_of(top, name: str) -> str:
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name:
                    return choice.help or ""
    return ""


def _kind(action) -> str:
    """What a value of `action` is: 'problem', 'file', 'choice:a b', 'value' or 'flag'."""
    if action.nargs == 0:
        return "flag"
    if action.choices:
        return "choice:" + " ".join(str(c) for c in action.choices)
    if action.dest in PROBLEM_ARGUMENTS:
        return "problem"
    metavar = str(action.metavar or "")
    if "FILE" in metavar or "DIR" in metavar or action.dest in ("file", "files", "output", "given"):
        return "file"
    return "value"


def _model():
    """(global options, {command: (help, options, positionals)}, problem names)."""
    from derive.catalog import entries
    from derive.cli import parser
    top = parser()
    def options(p):
        return [(a.option_strings, _kind(a), a.help or "") for a in p._actions
                if a.option_strings and a.help != argparse.SUPPRESS]
    commands = {}
    for name, sub in _subparsers(top).items():
        positionals = [(_kind(a), a.nargs, a.help or "") for a in sub._actions if not a.option_strings]
        commands[name] = (_help_of(top, name), options(sub), positionals)
    return options(top), commands, [entry.name for entry in entries()]


def bash() -> str:
    top_options, commands, problems = _model()
    value_cases, lines = {}, []
    for _, options, _ in commands.values():
        for strings, kind, _ in options:
            if kind != "flag":
                for string in strings:
                    value_cases.setdefault(string, kind)
    for strings, kind, _ in top_options:
        if kind != "flag":
            for string in strings:
                value_cases.setdefault(string, kind)

    def reply(kind: str) -> str:
        if kind == "problem":
            return 'COMPREPLY=($(compgen -W "$problems" -- "$cur"))'
        if kind == "file":
            return 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null'
        if kind.startswith("choice:"):
            return f'COMPREPLY=($(compgen -W "{kind[7:]}" -- "$cur"))'
        return "COMPREPLY=()"

    lines += ["# bash completion for derive (derive completion bash)", "_derive() {",
              '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
              f'    local problems="{" ".join(problems)}"',
              f'    local commands="{" ".join(commands)}"',
              '    local command="" i word positional=0',
              "    for ((i = 1; i < COMP_CWORD; i++)); do",
              '        word="${COMP_WORDS[i]}"',
              '        case "$word" in',
              f'            {"|".join(sorted(value_cases))}) ((i++)); continue ;;',
              "            -*) continue ;;",
              "        esac",
              '        if [[ -z "$command" ]]; then command="$word"; else ((positional++)); fi',
              "    done",
              '    case "$prev" in']
    for string in sorted(value_cases):
        lines.append(f"        {string}) {reply(value_cases[string])}; return ;;")
    lines += ["    esac",
              '    case "$command" in',
              f'        "") COMPREPLY=($(compgen -W "$commands {" ".join(s for o in top_options for s in o[0])}" '
              '-- "$cur")); return ;;']
    for name, (_, options, positionals) in commands.items():
        flags = " ".join(s for o in options for s in o[0])
        lines.append(f"        {name})")
        lines.append(f'            if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "{flags}" -- "$cur")); '
                     "return; fi")
        for index, (kind, nargs, _) in enumerate(positionals):
            many = nargs in ("*", "+", argparse.REMAINDER)
            test = f"$positional -ge {index}" if many else f"$positional -eq {index}"
            lines.append(f"            if [[ {test} ]]; then {reply(kind)}; return; fi")
        lines.append("            ;;")
    lines += ["    esac", "}", "complete -o default -F _derive derive", ""]
    return "\n".join(lines)


def _zsh_text(text: str) -> str:
    """Help text inside an _arguments spec: no brackets, colons or quotes."""
    text = re.sub(r"[\[\]]", "", text).replace(":", " -").replace("'", "").replace("`", "")
    return " ".join(text.split())[:120]


def zsh() -> str:
    top_options, commands, problems = _model()

    def action(kind: str) -> str:
        if kind == "problem":
            return "($problems)"
        if kind == "file":
            return "_files"
        if kind.startswith("choice:"):
            return f"({kind[7:]})"
        return " "

    def specs(options) -> list[str]:
        out = []
        for strings, kind, help_text in options:
            tail = f"[{_zsh_text(help_text)}]" + (f":{kind.split(':')[0]}:{action(kind)}" if kind != "flag" else "")
            if len(strings) == 1:
                out.append(f"'{strings[0]}{tail}'")
            else:  # '(-o --output)'{-o,--output}'[help]:file:_files'
                out.append(f"'({' '.join(strings)})'{{{','.join(strings)}}}'{tail}'")
        return out

    lines = ["#compdef derive", "# zsh completion for derive (derive completion zsh)", "_derive() {",
             "    local -a problems commands",
             f"    problems=({' '.join(problems)})",
             "    commands=(" + " ".join(f"'{name}:{_zsh_text(help_text)}'"
                                       for name, (help_text, _, _) in commands.items()) + ")",
             "    local curcontext=\"$curcontext\" state line",
             "    _arguments -C " + " ".join(specs(top_options)) + " '1: :->command' '*:: :->arguments'",
             "    case $state in",
             "        command) _describe -t commands 'derive command' commands ;;",
             "        arguments)",
             "            case $words[1] in"]
    for name, (_, options, positionals) in commands.items():
        spec = specs(options)
        for index, (kind, nargs, help_text) in enumerate(positionals):
            many = nargs in ("*", "+", argparse.REMAINDER)
            spec.append(f"'{'*' if many else index + 1}:{_zsh_text(help_text) or kind}:{action(kind)}'")
        lines.append(f"                {name}) _arguments {' '.join(spec)} ;;")
    lines += ["            esac ;;", "    esac", "}",
              'if (( $+functions[compdef] )); then compdef _derive derive; fi', ""]
    return "\n".join(lines)


def command(arguments) -> int:
    from derive.files import write_output
    write_output(bash() if arguments.shell == "bash" else zsh())
    return 0
