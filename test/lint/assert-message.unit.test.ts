// The local rule eslint-rules/assert-message.js, proven with ESLint's RuleTester: every node:assert call
// without its message is reported, every call with one (or that is not node:assert's) is not.
import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
// @ts-expect-error: plain JS rule module without types
import { assertMessage } from '../../eslint-rules/assert-message.js';

// RuleTester reports through describe/it globals; node:test's are the ones this suite runs under.
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } });
const strict = "import assert from 'node:assert/strict';\n";

const missing = (method: string) => ({ messageId: 'missing', data: { method } });

tester.run('assert-message', assertMessage, {
  valid: [
    strict + "assert(ok, 'the flag is set');",
    strict + "assert.ok(ok, 'the flag is set');",
    strict + "assert.equal(status, 401, 'a garbage token is refused');",
    strict + 'assert.deepEqual(names, [], `no names for ${user}`);',
    strict + "assert.match(body, /x/, 'the body names x');",
    strict + "assert.throws(() => parse(''), /empty/, 'an empty value is refused');",
    strict + "assert.throws(() => parse(''), 'an empty value is refused');",
    strict + "await assert.rejects(p, TypeError, 'the promise rejects with a TypeError');",
    strict + "assert.doesNotThrow(() => parse('1'), 'one parses');",
    strict + "assert.fail('unreachable: the request must have failed');",
    strict + 'assert.ifError(err);',
    strict + "assert.strict.equal(a, b, 'same');",
    strict + 'assert.equal(...args);',
    "import * as assert from 'node:assert';\nassert.equal(a, b, 'same');",
    "import { equal, ok } from 'node:assert/strict';\nequal(a, b, 'same'); ok(x, 'set');",
    "import { strict as assert } from 'node:assert';\nassert.equal(a, b, 'same');",
    // Not node:assert: another library's assert, or a local function that shadows it.
    "import assert from 'chai';\nassert.equal(a, b);",
    'function assert(x) {}\nassert(x);',
    strict + 'function f(assert) { assert.equal(a, b); }',
    strict + 'const o = { equal() {} }; o.equal(a, b);',
  ],
  invalid: [
    { code: strict + 'assert(ok);', errors: [missing('ok')] },
    { code: strict + 'assert.ok(ok);', errors: [missing('ok')] },
    { code: strict + 'assert.equal(status, 401);', errors: [missing('equal')] },
    { code: strict + 'assert.strictEqual(status, 401);', errors: [missing('strictEqual')] },
    { code: strict + 'assert.notEqual(a, b);', errors: [missing('notEqual')] },
    { code: strict + 'assert.deepEqual(a, b);', errors: [missing('deepEqual')] },
    { code: strict + 'assert.notDeepEqual(a, b);', errors: [missing('notDeepEqual')] },
    { code: strict + 'assert.deepStrictEqual(a, b);', errors: [missing('deepStrictEqual')] },
    { code: strict + 'assert.match(body, /x/);', errors: [missing('match')] },
    { code: strict + 'assert.doesNotMatch(body, /x/);', errors: [missing('doesNotMatch')] },
    { code: strict + 'assert.throws(() => f());', errors: [missing('throws')] },
    { code: strict + 'assert.throws(() => f(), /bad/);', errors: [missing('throws')] },
    { code: strict + 'assert.throws(() => f(), { name: "E" });', errors: [missing('throws')] },
    { code: strict + 'await assert.rejects(p, TypeError);', errors: [missing('rejects')] },
    { code: strict + 'assert.doesNotThrow(() => f());', errors: [missing('doesNotThrow')] },
    { code: strict + 'await assert.doesNotReject(p);', errors: [missing('doesNotReject')] },
    { code: strict + 'assert.fail();', errors: [missing('fail')] },
    { code: strict + 'assert.equal(a, b, undefined);', errors: [missing('equal')] },
    { code: strict + 'assert.strict.equal(a, b);', errors: [missing('equal')] },
    { code: "import assert from 'node:assert';\nassert(x);", errors: [missing('ok')] },
    { code: "import assert from 'assert';\nassert.ok(x);", errors: [missing('ok')] },
    { code: "import * as assert from 'node:assert/strict';\nassert.equal(a, b);", errors: [missing('equal')] },
    { code: "import { equal as eq } from 'node:assert/strict';\neq(a, b);", errors: [missing('equal')] },
    { code: "import { strict as assert } from 'node:assert';\nassert.ok(x);", errors: [missing('ok')] },
    { code: "import { strict } from 'node:assert';\nstrict(x);", errors: [missing('ok')] },
    {
      code: strict + 'function check() { assert.ok(a); assert.equal(b, c, "fine"); assert.equal(d, e); }',
      errors: [missing('ok'), missing('equal')],
    },
  ],
});
