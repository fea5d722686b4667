// oslo.config's INI syntax: every expected result below is what oslo_config.iniparser.BaseParser (with
// cfg.ConfigParser's "\n" join) gives for the same text; checked side by side with oslo.config 9.0.0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IniSyntaxError, parseIni, unescapeDollars } from '../../src/config/ini.js';

const triples = (text: string) => parseIni(text).map((a) => [a.section, a.key, a.value]);

test('assignments: either separator (the first wins), whole-value quotes, spaces, comments', () => {
  const cases: [string, string[][], string][] = [
    ['[DEFAULT]\nkey = value\n', [['DEFAULT', 'key', 'value']], 'key = value'],
    ['[s]\nk: v = w\n', [['s', 'k', 'v = w']], "':' before '=' separates"],
    ['[s]\nk = v: w\n', [['s', 'k', 'v: w']], "'=' before ':' separates"],
    ['[s]\nk="quoted"\n', [['s', 'k', 'quoted']], 'a matching pair of quotes is removed'],
    ['[s]\nk=\'a"\n', [['s', 'k', '\'a"']], 'quotes that do not match stay'],
    ['[s]\nk = \'a\' "b"\n', [['s', 'k', '\'a\' "b"']], 'quotes not around the whole value stay'],
    ["[s]\nk=''\n", [['s', 'k', '']], 'an empty quoted value'],
    ['[s]\nk = v ; not a comment # nor this\n', [['s', 'k', 'v ; not a comment # nor this']], 'no inline comments'],
    ['[s]\n; c\n# c\nk = v\n', [['s', 'k', 'v']], 'comment lines'],
    ['[s]\nk = v   \t\n', [['s', 'k', 'v']], 'trailing spaces'],
    ['[s]\nk = \u3000v\u3000\n', [['s', 'k', 'v']], "Python's whitespace, ideographic space included"],
    ['[s]\nk = v\u0085\n', [['s', 'k', 'v']], 'NEL is whitespace to Python'],
    ['[s]\nk\u001c= v\n', [['s', 'k', 'v']], 'so is the file separator \\x1c'],
    ['[ s ]\nk = v\n', [[' s ', 'k', 'v']], 'a section name keeps its spaces'],
    ['[S]\nK = V\n', [['S', 'K', 'V']], 'case is kept (groups are compared later)'],
    [
      '[s]\nk = v\n[t]\nk = w\n[s]\nk = x\n',
      [
        ['s', 'k', 'v'],
        ['t', 'k', 'w'],
        ['s', 'k', 'x'],
      ],
      'repeats kept',
    ],
  ];
  for (const [text, expected, why] of cases) assert.deepEqual(triples(text), expected, why);
});

test('multi-line values: indented lines continue, a blank line ends, "\\n" joins', () => {
  assert.deepEqual(
    triples('[s]\nk = a,\n  b,\n\tc\n\nother = 1\n'),
    [
      ['s', 'k', 'a,\nb,\nc'],
      ['s', 'other', '1'],
    ],
    'spaces and tabs continue; the blank line ends the value',
  );
  assert.deepEqual(triples('[s]\nk =\n  a\n  b\n'), [['s', 'k', '\na\nb']], 'an empty first line is kept');
  assert.deepEqual(triples('[s]\n   \nk = v\n'), [['s', 'k', 'v']], 'a line of spaces is blank');
  assert.deepEqual(triples('[s]\r\nk = v\r\n  w\r\n'), [['s', 'k', 'v\nw']], 'CRLF');
  assert.deepEqual(triples('[s]\rk = v\r'), [['s', 'k', 'v']], 'old Mac CR');
});

test('line numbers are the key line', () => {
  const [first, second] = parseIni('# c\n[s]\n\nk = a\n  b\nm = c\n');
  assert.equal(first?.line, 4, 'k on line 4');
  assert.equal(second?.line, 6, 'm on line 6');
});

test("the lines oslo.config refuses are refused, at oslo's line, without repeating the line", () => {
  const cases: [string, number, RegExp][] = [
    ['[s]\nk = a\n# comment\n  b\n', 4, /unexpected continuation line/],
    ['[s]\n  k = v\n', 2, /unexpected continuation line/],
    ['k = v\n', 1, /section must be started before assignment/],
    ['[s\nk = v\n', 1, /invalid section \(must end with \]\)/],
    ['[]\n', 1, /empty section name/],
    ['[s]\n= v\n', 2, /key cannot be empty/],
    ['[s]\npassword hunter2\n', 2, /no ':' or '=' found in assignment/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parseIni(text),
      (err: unknown) => {
        assert.ok(err instanceof IniSyntaxError, `an IniSyntaxError for ${JSON.stringify(text)}`);
        assert.equal(err.line, line, `line of ${JSON.stringify(text)}`);
        assert.match(err.message, message, `message for ${JSON.stringify(text)}`);
        assert.ok(!err.message.includes('hunter2'), 'the line itself (a password?) is never repeated');
        return true;
      },
      `${JSON.stringify(text)} is refused as oslo.config refuses it`,
    );
  }
});

test("$: oslo.config's escapes are read, its substitutions refused (string.Template's rules)", () => {
  const read: [string, string][] = [
    ['plain', 'plain'],
    ['p@$$w0rd', 'p@$w0rd'],
    ['a\\$b', 'a$b'],
    ['$5', '$5'],
    ['end$', 'end$'],
    ['${1}', '${1}'],
    ['$.x', '$.x'],
    ['${x', '${x'],
    ['${}', '${}'],
    ['\\\\$', '\\$'],
    ['$$$', '$$'],
    ['$$$$x', '$$x'],
    ['\\$\\$', '$$'],
  ];
  for (const [value, expected] of read)
    assert.equal(unescapeDollars(value), expected, `${value} reads as oslo reads it`);
  for (const value of ['$x', '${x.y}', '$_', '${a}b', 'pa$Sword', '$\u0131x', '$\\$x', '\\$$x'])
    assert.equal(unescapeDollars(value), undefined, `${value} is a substitution in oslo.config`);
});
