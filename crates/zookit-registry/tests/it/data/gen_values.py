# Generates the value test vectors from Python 3 (3.11 here): float_reprs.txt,
# str_reprs.jsonl, value_reprs.jsonl and literals.jsonl. Run with python3
# from this directory.
import json
import random
import struct

random.seed(20240611)

# --- float_reprs.txt: f64 bits and repr()
floats = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5,
          0.00012345, 1.5e-7, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
          123456789.123, 1e22, 1e23, float(2**53), float(2**63), float(2**64), 0.3, 2 / 3,
          100.0, 1e100, -1e-100, 12345678901234567890.0]
for _ in range(150):
    while True:
        f = struct.unpack('<d', struct.pack('<Q', random.getrandbits(64)))[0]
        if f == f and abs(f) != float('inf'):
            break
    floats.append(f)
for _ in range(150):
    floats.append(round(random.uniform(-1000, 1000), random.randint(0, 8))
                  * 10 ** random.randint(-20, 20))
with open('float_reprs.txt', 'w') as f:
    f.write("# Python 3.11: the bits of an f64 (hex) and repr() of it, one per line.\n")
    for x in floats:
        assert isinstance(x, float)
        f.write("%016x %s\n" % (struct.unpack('<Q', struct.pack('<d', x))[0], repr(x)))

# --- str_reprs.jsonl: [str, repr(str), json.dumps(str)]
strs = ["", "plain", "it's", 'say "hi"', 'both \' and "', "back\\slash", "tab\there",
        "nl\nnl", "cr\rcr", "\x00\x01\x1f\x7f", "\x80\x9f\xa0\xad\xff", "café", "日本語",
        "\u2028\u2029", "\u200b\u200e\ufeff", "\ue000", "\U0001f600", "\U000e0001",
        "\U0010ffff", "\u0378", "a'b\"c", "'", '"', "\\'", "\u3000", "\u00a0x", "\ufffd",
        "\U0001d400", "\u0300combining", "\x0b\x0c\x08\x07", "\u0085\u1680\u180e",
        "\U0001fbf0\U0001faf8\U00031350"]
with open('str_reprs.jsonl', 'w') as f:
    for s in strs:
        f.write(json.dumps([s, repr(s), json.dumps(s)]) + "\n")

# --- value_reprs.jsonl: [json, repr, compact json.dumps, default json.dumps]
values = [None, True, False, 0, -1, 2**63 - 1, -2**63, 2**64 - 1, 1.0, [], {},
          [1, 'a', None, [True]], {'a': 1, 'b': [1.5, {'c': "it's"}]}, {'z': 1, 'a': 2},
          {'é': 'ü'}, [1e16, -0.0, 1e-05]]
with open('value_reprs.jsonl', 'w') as f:
    for v in values:
        f.write(json.dumps([json.dumps(v), repr(v), json.dumps(v, separators=(',', ':')),
                            json.dumps(v)]) + "\n")

# --- literals.jsonl: [literal, json.dumps(eval(literal))]
literals = [
    "'1.2.3.4:80'", "u'1234'", 'U"x"', "r'\\d+\\n'", "R'\\''", "'a' \"b\" u'c'", "'''tri'ple'''",
    '"""x"y"""', "'\\x41\\u00e9\\U0001F600\\101\\0\\7\\777'",
    "'\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"'", "'\\d\\q'", "3", "-3", "+3", "--3", "- 3", "-+-3", "0",
    "00", "0_0", "1_000_000", "0x1F", "0X_ff", "0o17", "0b101", "9223372036854775807",
    "-9223372036854775808", "18446744073709551615", "1.0", "1.", ".5", "1e5", "1E-5", "-0.5",
    "-0.0", "1_0.2_5e1_0", "01.5", "0e0", "1.7976931348623157e308", "5e-324", "2.5e-3", "True",
    "False", "None", "true", "false", "null", "-True", "+False", "[]", "[1]", "[1,]",
    "[1, 'a', [None]]", "()", "(1)", "(1,)", "(1, 2)", "((1, 2), [3])", "1,", "1, 2",
    "'a', 'b',", "{}", "{'a': 1}", "{'a': 1,}", "{'a': 1, 'a': 2, 'b': 3}",
    "{1: 'x', 2.5: 'y', True: 'z', None: 'n', 'k': {}}", "{'b': 1, 'a': {'d': [1, 2], 'c': None}}",
    "3 # a comment", "'#not a comment' # but this is", "\t[ 1 ,\t2 ]",
    "{0: 'a', False: 'b', 0.0: 'c', -0.0: 'd', 1.5: 'e', '0': 'f'}", "{2**0: 1}".replace('2**0', '1'),
]
with open('literals.jsonl', 'w') as f:
    f.write("# [Python literal, json.dumps(eval(literal))] (true, false and null bound to JSON's meaning)\n")
    for e in literals:
        v = eval(e, {'true': True, 'false': False, 'null': None})
        f.write(json.dumps([e, json.dumps(v)]) + "\n")
