"""The grammar of formulas, over the tokenizer's tokens (Lark, LALR(1)).

LALR parses in time linear in the tokens and never backtracks, so no input
can make it slow. Juxtaposition is one rule (`juxt`): whether `σ(z)` or
`f(x)` is an application or a product is decided when the tree is built,
from what the names are (`derive.reading.build`), not by the grammar.
"""
from __future__ import annotations

from functools import lru_cache

from lark import Lark
from lark.lexer import Lexer, Token as LarkToken

GRAMMAR = r"""
start: chain

chain: expr (REL expr)*

?expr: sum
     | sum (COMMA sum)+                 -> tuple

?sum: term
    | sum PLUS term                     -> add
    | sum MINUS term                    -> sub

?term: signed
     | term TIMES signed                -> times
     | term DIV signed                  -> divide
     | term ODOT signed                 -> hadamard

?signed: juxt
       | MINUS signed                   -> neg
       | PLUS signed                    -> pos
       | SUM limits signed              -> sum_over
       | PROD limits signed             -> product_over

limits: UNDERSCORE script (CARET script)?
      |                                  -> no_limits

?juxt: postfix
     | juxt postfix                     -> juxt
     | juxt SUM limits signed           -> scaled_sum
     | juxt PROD limits signed          -> scaled_product

?postfix: atom
        | postfix CARET script          -> power
        | postfix TRANSPOSE             -> transpose
        | postfix BANG                  -> factorial
        | postfix UNDERSCORE script     -> subscript

?script: group | NUMBER -> number | NAME -> name

?atom: NUMBER                           -> number
     | NAME                             -> name
     | group
     | LPAR expr RPAR                   -> paren
     | LSQ expr RSQ                     -> bracket
     | LPAR sum MID sum RPAR            -> conditional
     | LPAR sum PARALLEL sum RPAR       -> divergence
     | LSQ sum MID sum RSQ              -> conditional
     | LBAR expr RBAR                   -> absolute
     | LNORM expr RNORM                 -> norm
     | FRAC group group                 -> fraction
     | SQRT group                       -> sqrt
     | SQRT LSQ expr RSQ group          -> root
     | FUNC atom                        -> call
     | FUNC CARET script atom           -> call_power
     | BEGINM rows ENDM                 -> matrix
     | PARTIAL                          -> partial
     | NABLA                            -> nabla

group: LBRACE expr RBRACE
     | LBRACE sum REL sum RBRACE        -> range_group

rows: row (ROWSEP row)* ROWSEP?
row: expr (AMP expr)*

%declare NUMBER NAME FUNC PLUS MINUS TIMES DIV ODOT CARET TRANSPOSE BANG UNDERSCORE COMMA SEMI
%declare LPAR RPAR LSQ RSQ LBRACE RBRACE LBAR RBAR LNORM RNORM MID PARALLEL FRAC SQRT SUM PROD
%declare BEGINM ENDM AMP ROWSEP REL PARTIAL NABLA PRIME
"""


class TokenStream(Lexer):
    """Hands the tokenizer's tokens to Lark unchanged."""

    def __init__(self, lexer_conf):
        pass

    def lex(self, tokens, *args):
        for token in tokens:
            yield LarkToken(token.type, token.value, start_pos=token.column, line=1, column=token.column + 1)


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer=TokenStream, maybe_placeholders=False)
