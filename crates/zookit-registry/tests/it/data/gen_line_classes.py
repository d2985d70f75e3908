# Generates line_classes.jsonl: how zc.zk 2.1.0's parse_tree classifies
# stripped lines, using its four regular expressions (under Python 3, so
# \s and \S follow str.isspace). Run with python3 from this directory.
import json
import random
import re

_text_is_node = re.compile(r'/(?P<name>\S+)' r'(\s*:\s*(?P<type>\S.*))?' '$').match
_text_is_property = re.compile(r'(?P<name>\S+)' r'\s*=\s*' r'(?P<expr>\S.*)' '$').match
_text_is_link = re.compile(r'(?P<name>\S+)' r'\s*->\s*' r'(?P<target>\S+)' '$').match
_text_is_plink = re.compile(
    r'(?P<name>\S+)' r'\s*=>\s*' r'(?P<target>\S+(\s+\S+)?)' r'(\s+(?P<pname>/\S+))?' '$').match


def classify(stripped):
    m = _text_is_plink(stripped)
    if m:
        return ['plink', m.group('name'), m.group('target')]
    m = _text_is_property(stripped)
    if m:
        return ['property', m.group('name'), m.group('expr')]
    m = _text_is_link(stripped)
    if m:
        return ['link', m.group('name'), m.group('target')]
    m = _text_is_node(stripped)
    if m:
        return ['node', m.group('name'), m.group('type')]
    return None


random.seed(7)
pieces = ['a', 'bc', '/', '/a', ' ', ' ', '  ', '\t', '=', '=>', '->', '-', '>', ':', "'x'", '1',
          '.', '\u00a0', '\x1c', 'é', ' : ', ' = ', ' -> ', ' => ']
lines = set()
while len(lines) < 3000:
    line = ''.join(random.choice(pieces) for _ in range(random.randint(1, 7))).strip()
    if line and not line.startswith('#'):
        lines.add(line)
with open('line_classes.jsonl', 'w') as f:
    for line in sorted(lines):
        f.write(json.dumps([line, classify(line)]) + '\n')
