#!/usr/bin/env python3
"""Rewrite the folded legacy exception-handling form of the testsuite's `legacy/*.wast`,
`(try $l? BT (do I*) (catch $t I*)* (catch_all I*)?)` and `(try $l? BT (do I*) (delegate L))`,
into the flat form `try $l? BT I* catch $t I* ... end` / `... delegate L`, which the text
parser of the `wast` crate reads (it dropped the folded form). Everything else is copied as it
is. Usage: unfold.py IN.wast > OUT.wast"""
import sys


def skip_string(s, i):
    i += 1
    while s[i] != '"':
        i += 2 if s[i] == '\\' else 1
    return i + 1


def skip_block_comment(s, i):
    depth, i = 1, i + 2
    while depth:
        if s.startswith('(;', i):
            depth, i = depth + 1, i + 2
        elif s.startswith(';)', i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def matching(s, i):
    """Index just past the parenthesis opened at s[i]."""
    depth = 0
    while True:
        c = s[i]
        if c == '"':
            i = skip_string(s, i)
            continue
        if s.startswith(';;', i):
            i = s.index('\n', i)
            continue
        if s.startswith('(;', i):
            i = skip_block_comment(s, i)
            continue
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def items(body):
    """Split the inside of a form into top-level items (atoms and parenthesised forms)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c.isspace():
            i += 1
        elif body.startswith(';;', i):
            i = body.find('\n', i)
            i = len(body) if i < 0 else i
        elif body.startswith('(;', i):
            i = skip_block_comment(body, i)
        elif c == '(':
            end = matching(body, i)
            out.append(body[i:end])
            i = end
        elif c == '"':
            end = skip_string(body, i)
            out.append(body[i:end])
            i = end
        else:
            j = i
            while j < len(body) and not body[j].isspace() and body[j] not in '()':
                j += 1
            out.append(body[i:j])
            i = j
    return out


def head(form):
    return form[1:].split(None, 1)[0].rstrip(')') if form.startswith('(') else None


def unfold_try(form):
    parts = items(form[len('(try'):-1])
    out = ['try']
    rest = []
    for k, p in enumerate(parts):
        if p.startswith('(') and head(p) in ('do', 'catch', 'catch_all', 'delegate'):
            rest = parts[k:]
            break
        out.append(p)
    ended = False
    for clause in rest:
        name = head(clause)
        inner = items(clause[1 + len(name):-1])
        if name == 'do':
            out += [convert(x) for x in inner]
        elif name == 'catch':
            out += ['catch', inner[0]] + [convert(x) for x in inner[1:]]
        elif name == 'catch_all':
            out += ['catch_all'] + [convert(x) for x in inner]
        elif name == 'delegate':
            out += ['delegate', inner[0]]
            ended = True
    if not ended:
        out.append('end')
    return ' '.join(out)


def convert(text):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            end = skip_string(text, i)
        elif text.startswith(';;', i):
            end = text.find('\n', i)
            end = len(text) if end < 0 else end
        elif text.startswith('(;', i):
            end = skip_block_comment(text, i)
        elif c == '(' and head(text[i:i + 6] + ' ') == 'try':
            end = matching(text, i)
            out.append(unfold_try(text[i:end]))
            i = end
            continue
        else:
            end = i + 1
        out.append(text[i:end])
        i = end
    return ''.join(out)


if __name__ == '__main__':
    sys.stdout.write(convert(open(sys.argv[1]).read()))
