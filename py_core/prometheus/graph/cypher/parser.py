"""Recursive-descent parser from tokens to the syntax tree in `ast.py`."""

from __future__ import annotations

from ..errors import CypherSyntaxError
from . import ast as A
from .lexer import EOF, FLOAT, IDENT, INT, OP, PARAM, STRING, tokenize

_CLAUSE_STARTS = {
    "MATCH",
    "OPTIONAL",
    "RETURN",
    "WITH",
    "UNWIND",
    "CREATE",
    "MERGE",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "CALL",
    "UNION",
    "WHERE",
    "ORDER",
    "SKIP",
    "LIMIT",
    "ON",
    "YIELD",
}
_RESERVED = {
    "MATCH",
    "OPTIONAL",
    "RETURN",
    "WITH",
    "UNWIND",
    "CREATE",
    "MERGE",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "CALL",
    "UNION",
    "WHERE",
    "ORDER",
    "SKIP",
    "LIMIT",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "IN",
    "IS",
    "AS",
    "BY",
    "DISTINCT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "STARTS",
    "ENDS",
    "CONTAINS",
    "ASC",
    "DESC",
    "ASCENDING",
    "DESCENDING",
    "YIELD",
    "ON",
    "TRUE",
    "FALSE",
    "NULL",
}

MAX_INT = 2**63 - 1


class Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0

    # ---------------------------------------------------------------- helpers
    @property
    def tok(self):
        return self.tokens[self.i]

    def peek(self, k=1):
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def error(self, message, detail="UnexpectedSyntax", pos=None):
        return CypherSyntaxError(
            message, detail, query=self.query, position=self.tok.pos if pos is None else pos
        )

    def is_kw(self, *words, tok=None):
        tok = tok or self.tok
        return tok.kind == IDENT and not tok.quoted and tok.value.upper() in words

    def accept_kw(self, *words):
        if self.is_kw(*words):
            tok = self.tok
            self.i += 1
            return tok
        return None

    def expect_kw(self, word):
        if not self.is_kw(word):
            raise self.error(f"expected {word}, found {self._found()}")
        self.i += 1

    def is_op(self, *ops, tok=None):
        tok = tok or self.tok
        return tok.kind == OP and tok.value in ops

    def accept_op(self, *ops):
        if self.is_op(*ops):
            tok = self.tok
            self.i += 1
            return tok
        return None

    def expect_op(self, op):
        if not self.is_op(op):
            raise self.error(f"expected '{op}', found {self._found()}")
        tok = self.tok
        self.i += 1
        return tok

    def _found(self):
        tok = self.tok
        return "end of input" if tok.kind == EOF else repr(tok.text)

    def ident(self, what="a name"):
        tok = self.tok
        if tok.kind != IDENT:
            raise self.error(f"expected {what}, found {self._found()}")
        self.i += 1
        return tok.value

    def variable(self):
        tok = self.tok
        if tok.kind != IDENT or (
            not tok.quoted and tok.value.upper() in _RESERVED and tok.value.upper() not in ("COUNT",)
        ):
            raise self.error(f"expected a variable, found {self._found()}")
        self.i += 1
        return tok.value

    def text_from(self, start_tok_index):
        start = self.tokens[start_tok_index].pos
        end_tok = self.tokens[self.i - 1]
        return self.query[start : end_tok.pos + len(end_tok.text)]

    # ---------------------------------------------------------------- queries
    def parse(self):
        query = self.parse_union()
        self.accept_op(";")
        if self.tok.kind != EOF:
            raise self.error(f"unexpected {self._found()}")
        return query

    def parse_union(self):
        queries = [self.single_query()]
        flags = []
        while self.accept_kw("UNION"):
            flags.append(bool(self.accept_kw("ALL")))
            queries.append(self.single_query())
        if len(queries) == 1:
            return queries[0]
        return A.UnionQuery(queries, flags)

    def single_query(self, subquery=False):
        clauses = []
        start = self.tok.pos
        while True:
            tok = self.tok
            if tok.kind == EOF or self.is_op(";") or self.is_kw("UNION") or (subquery and self.is_op("}")):
                break
            clauses.append(self.clause())
        if not clauses:
            raise self.error("expected a clause", pos=start)
        return A.SingleQuery(clauses)

    def clause(self):
        tok = self.tok
        pos = tok.pos
        if self.accept_kw("MATCH"):
            return self.match_rest(False, pos)
        if self.accept_kw("OPTIONAL"):
            self.expect_kw("MATCH")
            return self.match_rest(True, pos)
        if self.accept_kw("UNWIND"):
            expr = self.expression()
            self.expect_kw("AS")
            var = self.variable()
            return A.Unwind(expr, var, pos=pos)
        if self.accept_kw("WITH"):
            return self.projection("WITH", pos)
        if self.accept_kw("RETURN"):
            return self.projection("RETURN", pos)
        if self.accept_kw("CREATE"):
            return A.Create(self.pattern(), pos=pos)
        if self.accept_kw("MERGE"):
            part = self.pattern_part()
            on_create, on_match = [], []
            while self.is_kw("ON"):
                self.i += 1
                if self.accept_kw("CREATE"):
                    self.expect_kw("SET")
                    on_create.extend(self.set_items())
                elif self.accept_kw("MATCH"):
                    self.expect_kw("SET")
                    on_match.extend(self.set_items())
                else:
                    raise self.error(f"expected CREATE or MATCH after ON, found {self._found()}")
            return A.Merge(part, on_create, on_match, pos=pos)
        if self.accept_kw("SET"):
            return A.SetClause(self.set_items(), pos=pos)
        if self.accept_kw("REMOVE"):
            items = []
            while True:
                ipos = self.tok.pos
                var_tok = self.i
                target = self.postfix_no_labels()
                if self.is_op(":"):
                    labels = self.label_list()
                    items.append(A.RemoveItem("labels", target, labels, pos=ipos))
                elif isinstance(target, A.Prop):
                    items.append(A.RemoveItem("prop", target, None, pos=ipos))
                else:
                    self.i = var_tok
                    raise self.error("expected a property or labels to REMOVE")
                if not self.accept_op(","):
                    break
            return A.Remove(items, pos=pos)
        if self.accept_kw("DETACH"):
            self.expect_kw("DELETE")
            return A.Delete(self.expression_list(), True, pos=pos)
        if self.accept_kw("DELETE"):
            return A.Delete(self.expression_list(), False, pos=pos)
        if self.accept_kw("CALL"):
            return self.call_rest(pos)
        raise self.error(f"expected a clause, found {self._found()}")

    def match_rest(self, optional, pos):
        patterns = self.pattern()
        where = self.expression() if self.accept_kw("WHERE") else None
        return A.Match(optional, patterns, where, pos=pos)

    def call_rest(self, pos):
        name = [self.ident("a procedure name")]
        while self.accept_op("."):
            name.append(self.ident("a procedure name"))
        args = None
        if self.accept_op("("):
            args = []
            if not self.is_op(")"):
                args = self.expression_list()
            self.expect_op(")")
        yields, star, where = None, False, None
        if self.accept_kw("YIELD"):
            if self.accept_op("*"):
                star = True
            else:
                yields = []
                while True:
                    ypos = self.tok.pos
                    field = self.ident("a yield column")
                    alias = self.variable() if self.accept_kw("AS") else field
                    yields.append((field, alias, ypos))
                    if not self.accept_op(","):
                        break
            if self.accept_kw("WHERE"):
                where = self.expression()
        return A.CallClause(".".join(name), args, yields, star, where, pos=pos)

    def set_items(self):
        items = []
        while True:
            pos = self.tok.pos
            target = self.postfix_no_labels()
            if self.is_op(":"):
                if not isinstance(target, A.Var):
                    raise self.error("labels can only be set on a variable")
                items.append(A.SetItem("labels", target, self.label_list(), pos=pos))
            elif self.accept_op("="):
                kind = "prop" if isinstance(target, A.Prop) else "replace"
                if kind == "replace" and not isinstance(target, A.Var):
                    raise self.error("SET needs a property or a variable on the left", pos=pos)
                items.append(A.SetItem(kind, target, self.expression(), pos=pos))
            elif self.accept_op("+="):
                if not isinstance(target, A.Var):
                    raise self.error("+= needs a variable on the left", pos=pos)
                items.append(A.SetItem("merge", target, self.expression(), pos=pos))
            else:
                raise self.error(f"expected '=', '+=' or labels in SET, found {self._found()}")
            if not self.accept_op(","):
                break
        return items

    def label_list(self):
        labels = []
        while self.accept_op(":"):
            labels.append(self.ident("a label"))
        return labels

    def projection(self, kind, pos):
        distinct = bool(self.accept_kw("DISTINCT"))
        star = False
        items = []
        if self.accept_op("*"):
            star = True
            if self.accept_op(","):
                items = self.return_items()
        else:
            items = self.return_items()
        order = skip = limit = where = None
        if self.is_kw("ORDER"):
            self.i += 1
            self.expect_kw("BY")
            order = []
            while True:
                expr = self.expression()
                desc = False
                if self.accept_kw("DESC", "DESCENDING"):
                    desc = True
                else:
                    self.accept_kw("ASC", "ASCENDING")
                order.append(A.SortItem(expr, desc))
                if not self.accept_op(","):
                    break
        if self.accept_kw("SKIP"):
            skip = self.expression()
        if self.accept_kw("LIMIT"):
            limit = self.expression()
        if kind == "WITH" and self.accept_kw("WHERE"):
            where = self.expression()
        return A.Projection(kind, distinct, star, items, order, skip, limit, where, pos=pos)

    def return_items(self):
        items = []
        while True:
            start = self.i
            pos = self.tok.pos
            expr = self.expression()
            text = self.text_from(start)
            alias = None
            if self.accept_kw("AS"):
                alias = self.variable()
            items.append(A.ReturnItem(expr, alias, pos=pos, text=text))
            if not self.accept_op(","):
                break
        return items

    def expression_list(self):
        items = [self.expression()]
        while self.accept_op(","):
            items.append(self.expression())
        return items

    # --------------------------------------------------------------- patterns
    def pattern(self):
        parts = [self.pattern_part()]
        while self.accept_op(","):
            parts.append(self.pattern_part())
        return parts

    def pattern_part(self):
        pos = self.tok.pos
        var = None
        if self.tok.kind == IDENT and self.is_op("=", tok=self.peek()):
            var = self.variable()
            self.i += 1
        if self.is_kw("SHORTESTPATH", "ALLSHORTESTPATHS") and self.is_op("(", tok=self.peek()):
            kind = "shortest" if self.tok.value.upper() == "SHORTESTPATH" else "all"
            self.i += 2
            inner = self.pattern_element()
            self.expect_op(")")
            return A.PatternPart(var, inner, kind, pos=pos)
        return A.PatternPart(var, self.pattern_element(), None, pos=pos)

    def pattern_element(self):
        if self.is_op("(") and self._parenthesized_pattern():
            self.i += 1
            inner = self.pattern_element()
            self.expect_op(")")
            return inner
        elements = [self.node_pattern()]
        while self.is_op("-", "<-"):
            elements.append(self.rel_pattern())
            elements.append(self.node_pattern())
        return elements

    def _parenthesized_pattern(self):
        # '((' starts a parenthesised pattern element
        return self.is_op("(", tok=self.peek())

    def node_pattern(self):
        pos = self.expect_op("(").pos
        var = None
        if self.tok.kind == IDENT:
            var = self.variable()
        labels = self.label_list() if self.is_op(":") else []
        props = None
        if self.is_op("{"):
            props = self.map_literal()
        elif self.tok.kind == PARAM:
            tok = self.tok
            self.i += 1
            props = A.Param(tok.value, pos=tok.pos, text=tok.text)
        self.expect_op(")")
        return A.NodePattern(var, labels, props, pos=pos)

    def rel_pattern(self):
        pos = self.tok.pos
        left = bool(self.accept_op("<-"))
        if not left:
            self.expect_op("-")
        var, types, props, length = None, [], None, None
        if self.accept_op("["):
            if self.tok.kind == IDENT:
                var = self.variable()
            if self.accept_op(":"):
                types.append(self.ident("a relationship type"))
                while self.accept_op("|"):
                    self.accept_op(":")
                    types.append(self.ident("a relationship type"))
            if self.accept_op("*"):
                low = high = None
                if self.tok.kind == INT:
                    low = self.tok.value
                    self.i += 1
                if self.accept_op(".."):
                    if self.tok.kind == INT:
                        high = self.tok.value
                        self.i += 1
                elif low is not None:
                    high = low
                length = (low, high)
            if self.is_op("{"):
                props = self.map_literal()
            elif self.tok.kind == PARAM:
                tok = self.tok
                self.i += 1
                props = A.Param(tok.value, pos=tok.pos, text=tok.text)
            self.expect_op("]")
        right = False
        if self.accept_op("->"):
            right = True
        else:
            self.expect_op("-")
        if left and right:
            direction = "both"
        else:
            direction = "in" if left else "out" if right else "both"
        return A.RelPattern(var, types, props, direction, length, pos=pos)

    def map_literal(self):
        pos = self.expect_op("{").pos
        items: list[tuple] = []
        if not self.is_op("}"):
            while True:
                key = self.ident("a map key")
                self.expect_op(":")
                items.append((key, self.expression()))
                if not self.accept_op(","):
                    break
        self.expect_op("}")
        return A.MapLit(items, pos=pos)

    # ------------------------------------------------------------ expressions
    def expression(self):
        start = self.i
        expr = self.or_expr()
        if not expr.text:
            expr.text = self.text_from(start)
        return expr

    def _wrap(self, node, start):
        node.text = self.text_from(start)
        return node

    def _left_associative(self, keyword, node_class, operand):
        """`operand (keyword operand)*`, folded to the left: a OR b OR c = (a OR b) OR c."""
        start = self.i
        left = operand()
        while self.is_kw(keyword):
            pos = self.tok.pos
            self.i += 1
            left = self._wrap(node_class(left, operand(), pos=pos), start)
        return left

    def or_expr(self):
        return self._left_associative("OR", A.Or, self.xor_expr)

    def xor_expr(self):
        return self._left_associative("XOR", A.Xor, self.and_expr)

    def and_expr(self):
        return self._left_associative("AND", A.And, self.not_expr)

    def not_expr(self):
        start = self.i
        if self.is_kw("NOT"):
            pos = self.tok.pos
            self.i += 1
            return self._wrap(A.Not(self.not_expr(), pos=pos), start)
        return self.comparison()

    def comparison(self):
        start = self.i
        first = self.predicate_expr()
        ops, operands = [], [first]
        while True:
            if self.is_op("=", "<>", "!=", "<", ">", "<=", ">="):
                op = self.tok.value
                if op == "!=":
                    raise self.error("unknown operator '!=' (use '<>')")
                self.i += 1
                ops.append(op)
                operands.append(self.predicate_expr())
            elif self.is_op("<-"):
                # 'a<-1' lexes as '<-'; it means a < -1
                tok = self.tok
                self.i += 1
                ops.append("<")
                operand = self.predicate_expr()
                operands.append(A.Unary("-", operand, pos=tok.pos + 1, text="-" + operand.text))
            else:
                break
        if not ops:
            return first
        return self._wrap(A.Compare(ops, operands, pos=first.pos), start)

    def predicate_expr(self):
        start = self.i
        left = self.additive()
        while True:
            pos = self.tok.pos
            if self.is_kw("IS"):
                self.i += 1
                negated = bool(self.accept_kw("NOT"))
                self.expect_kw("NULL")
                left = self._wrap(A.IsNull(left, negated, pos=pos), start)
            elif self.is_kw("IN"):
                self.i += 1
                left = self._wrap(A.In(left, self.additive(), pos=pos), start)
            elif self.is_kw("STARTS") and self.is_kw("WITH", tok=self.peek()):
                self.i += 2
                left = self._wrap(A.StrOp("STARTS WITH", left, self.additive(), pos=pos), start)
            elif self.is_kw("ENDS") and self.is_kw("WITH", tok=self.peek()):
                self.i += 2
                left = self._wrap(A.StrOp("ENDS WITH", left, self.additive(), pos=pos), start)
            elif self.is_kw("CONTAINS"):
                self.i += 1
                left = self._wrap(A.StrOp("CONTAINS", left, self.additive(), pos=pos), start)
            elif self.is_op("=~"):
                self.i += 1
                left = self._wrap(A.StrOp("=~", left, self.additive(), pos=pos), start)
            else:
                return left

    def additive(self):
        start = self.i
        left = self.multiplicative()
        while self.is_op("+", "-"):
            tok = self.tok
            self.i += 1
            left = self._wrap(A.Binary(tok.value, left, self.multiplicative(), pos=tok.pos), start)
        return left

    def multiplicative(self):
        start = self.i
        left = self.power()
        while self.is_op("*", "/", "%"):
            tok = self.tok
            self.i += 1
            left = self._wrap(A.Binary(tok.value, left, self.power(), pos=tok.pos), start)
        return left

    def power(self):
        start = self.i
        left = self.unary()
        while self.is_op("^"):
            tok = self.tok
            self.i += 1
            left = self._wrap(A.Binary("^", left, self.unary(), pos=tok.pos), start)
        return left

    def unary(self):
        start = self.i
        if self.is_op("-", "+"):
            tok = self.tok
            self.i += 1
            nxt = self.tok
            if tok.value == "-" and nxt.kind == INT and not self._postfix_follows():
                self.i += 1
                value = -nxt.value
                if value < -MAX_INT - 1:
                    raise self.error(
                        f"integer literal -{nxt.text} is too large", "IntegerOverflow", pos=tok.pos
                    )
                return self._wrap(A.Literal(value, pos=tok.pos), start)
            operand = self.unary()
            return self._wrap(A.Unary(tok.value, operand, pos=tok.pos), start)
        return self.postfix()

    def _postfix_follows(self):
        nxt = self.peek()
        return nxt.kind == OP and nxt.value in (".", "[", "^")

    def postfix_no_labels(self):
        return self.postfix(labels=False)

    def postfix(self, labels=True):
        start = self.i
        expr = self.atom()
        while True:
            tok = self.tok
            if self.is_op("."):
                self.i += 1
                key = self.ident("a property name")
                expr = self._wrap(A.Prop(expr, key, pos=tok.pos), start)
            elif self.is_op("["):
                self.i += 1
                lo = hi = None
                if self.accept_op(".."):
                    if not self.is_op("]"):
                        hi = self.expression()
                    self.expect_op("]")
                    expr = self._wrap(A.Slice(expr, None, hi, pos=tok.pos), start)
                    continue
                lo = self.expression()
                if self.accept_op(".."):
                    if not self.is_op("]"):
                        hi = self.expression()
                    self.expect_op("]")
                    expr = self._wrap(A.Slice(expr, lo, hi, pos=tok.pos), start)
                    continue
                self.expect_op("]")
                expr = self._wrap(A.Index(expr, lo, pos=tok.pos), start)
            elif labels and self.is_op(":") and self.peek().kind == IDENT:
                names = self.label_list()
                expr = self._wrap(A.HasLabels(expr, names, pos=tok.pos), start)
            else:
                return expr

    def atom(self):
        tok = self.tok
        start = self.i
        pos = tok.pos
        if tok.kind == INT:
            self.i += 1
            if tok.value > MAX_INT:
                raise self.error(f"integer literal {tok.text} is too large", "IntegerOverflow")
            return A.Literal(tok.value, pos=pos, text=tok.text)
        if tok.kind == FLOAT:
            self.i += 1
            return A.Literal(tok.value, pos=pos, text=tok.text)
        if tok.kind == "badnum":
            raise self.error(f"invalid number literal {tok.text!r}", "InvalidNumberLiteral")
        if tok.kind == STRING:
            self.i += 1
            return A.Literal(tok.value, pos=pos, text=tok.text)
        if tok.kind == PARAM:
            self.i += 1
            return A.Param(tok.value, pos=pos, text=tok.text)
        if self.is_op("["):
            return self._wrap(self.list_or_comprehension(), start)
        if self.is_op("{"):
            return self._wrap(self.map_literal(), start)
        if self.is_op("("):
            pattern = self.try_pattern()
            if pattern is not None:
                return self._wrap(A.PatternPred(pattern, pos=pos), start)
            self.i += 1
            expr = self.expression()
            self.expect_op(")")
            return expr
        if tok.kind == IDENT:
            word = tok.value.upper() if not tok.quoted else None
            if word == "TRUE":
                self.i += 1
                return A.Literal(True, pos=pos, text=tok.text)
            if word == "FALSE":
                self.i += 1
                return A.Literal(False, pos=pos, text=tok.text)
            if word == "NULL":
                self.i += 1
                return A.Literal(None, pos=pos, text=tok.text)
            if word == "CASE":
                return self._wrap(self.case_expr(), start)
            if (
                word in ("ALL", "ANY", "NONE", "SINGLE")
                and self.is_op("(", tok=self.peek())
                and self.peek(2).kind == IDENT
                and self.is_kw("IN", tok=self.peek(3))
            ):
                self.i += 2
                var = self.variable()
                self.expect_kw("IN")
                source = self.expression()
                where = self.expression() if self.accept_kw("WHERE") else None
                self.expect_op(")")
                return self._wrap(A.Quantifier(word.lower(), var, source, where, pos=pos), start)
            if word == "REDUCE" and self.is_op("(", tok=self.peek()):
                self.i += 2
                acc = self.variable()
                self.expect_op("=")
                init = self.expression()
                self.expect_op(",")
                var = self.variable()
                self.expect_kw("IN")
                source = self.expression()
                self.expect_op("|")
                expr = self.expression()
                self.expect_op(")")
                return self._wrap(A.Reduce(acc, init, var, source, expr, pos=pos), start)
            if word in ("EXISTS", "COUNT") and self.is_op("{", tok=self.peek()):
                self.i += 2
                node = self.exists_subquery(pos)
                if word == "COUNT":
                    node = A.CountSub(node.query, node.patterns, node.where, pos=pos)
                return self._wrap(node, start)
            if word in ("SHORTESTPATH", "ALLSHORTESTPATHS") and self.is_op("(", tok=self.peek()):
                part = self.pattern_part()
                return self._wrap(A.ShortestPathExpr(part, pos=pos), start)
            if (
                word == "COUNT"
                and self.is_op("(", tok=self.peek())
                and self.is_op("*", tok=self.peek(2))
                and self.is_op(")", tok=self.peek(3))
            ):
                self.i += 4
                return self._wrap(A.CountStar(pos=pos), start)
            # function call: name(.name)* (
            j = self.i
            names = [tok.value]
            k = j + 1
            while self.is_op(".", tok=self.tokens[k]) and self.tokens[k + 1].kind == IDENT:
                names.append(self.tokens[k + 1].value)
                k += 2
            if self.is_op("(", tok=self.tokens[k]):
                self.i = k + 1
                distinct = bool(self.accept_kw("DISTINCT"))
                args = []
                if not self.is_op(")"):
                    args = self.expression_list()
                self.expect_op(")")
                return self._wrap(A.Call(".".join(names).lower(), args, distinct, pos=pos), start)
            if self.is_op("{", tok=self.peek()):
                name = self.variable()
                return self._wrap(self.map_projection(name, pos), start)
            name = self.variable()
            return A.Var(name, pos=pos, text=tok.text)
        raise self.error(f"unexpected {self._found()}")

    def exists_subquery(self, pos):
        # EXISTS { pattern [WHERE ...] }  or  EXISTS { MATCH ... [RETURN ...] }
        if self.is_kw("MATCH", "OPTIONAL", "WITH", "UNWIND", "CALL", "RETURN"):
            query = self.single_query(subquery=True)
            self.expect_op("}")
            return A.ExistsSub(query, None, None, pos=pos)
        patterns = self.pattern()
        where = self.expression() if self.accept_kw("WHERE") else None
        self.expect_op("}")
        return A.ExistsSub(None, patterns, where, pos=pos)

    def map_projection(self, name, pos):
        self.expect_op("{")
        items: list[tuple] = []
        if not self.is_op("}"):
            while True:
                if self.accept_op("."):
                    if self.accept_op("*"):
                        items.append(("all",))
                    else:
                        items.append(("prop", self.ident("a property name")))
                elif self.tok.kind == IDENT and self.is_op(":", tok=self.peek()):
                    key = self.ident()
                    self.i += 1
                    items.append(("expr", key, self.expression()))
                else:
                    items.append(("var", self.variable()))
                if not self.accept_op(","):
                    break
        self.expect_op("}")
        return A.MapProjection(name, items, pos=pos)

    def try_pattern(self):
        """A relationship pattern used as an expression, e.g. WHERE (a)-->(b); else None."""
        save = self.i
        try:
            element = self.pattern_element()
        except CypherSyntaxError:
            self.i = save
            return None
        if len(element) < 3:
            self.i = save
            return None
        return A.PatternPart(None, element, None, pos=self.tokens[save].pos)

    def case_expr(self):
        pos = self.tok.pos
        self.i += 1
        test = None
        if not self.is_kw("WHEN"):
            test = self.expression()
        whens = []
        while self.accept_kw("WHEN"):
            when = self.expression()
            self.expect_kw("THEN")
            whens.append((when, self.expression()))
        if not whens:
            raise self.error("CASE needs at least one WHEN")
        default = self.expression() if self.accept_kw("ELSE") else None
        self.expect_kw("END")
        return A.Case(test, whens, default, pos=pos)

    def list_or_comprehension(self):
        pos = self.expect_op("[").pos
        # list comprehension: [x IN list WHERE .. | ..]
        if self.tok.kind == IDENT and self.is_kw("IN", tok=self.peek()):
            var = self.variable()
            self.i += 1
            source = self.expression()
            where = self.expression() if self.accept_kw("WHERE") else None
            proj = self.expression() if self.accept_op("|") else None
            self.expect_op("]")
            return A.ListComp(var, source, where, proj, pos=pos)
        # pattern comprehension: [p = (a)-->(b) WHERE .. | expr]
        save = self.i
        path_var = None
        if self.tok.kind == IDENT and self.is_op("=", tok=self.peek()) and self.is_op("(", tok=self.peek(2)):
            path_var = self.tok.value
            self.i += 2
        if self.is_op("("):
            pattern = self.try_pattern()
            if pattern is not None and (self.is_kw("WHERE") or self.is_op("|")):
                where = self.expression() if self.accept_kw("WHERE") else None
                self.expect_op("|")
                proj = self.expression()
                self.expect_op("]")
                pattern.var = path_var
                return A.PatternComp(path_var, pattern, where, proj, pos=pos)
        self.i = save
        items = []
        if not self.is_op("]"):
            items = self.expression_list()
        self.expect_op("]")
        return A.ListLit(items, pos=pos)


def parse(query: str):
    return Parser(query).parse()
