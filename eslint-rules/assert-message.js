// A local ESLint rule: every node:assert call carries its message. A bare `assert.ok(x)` that fails under
// load prints only `false == true`; with a message the failure says what was expected and why.
// test/lint/assert-message.unit.test.ts proves it with RuleTester.

const MODULES = new Set(['assert', 'assert/strict', 'node:assert', 'node:assert/strict']);

/** method -> how many arguments a call has once its message is there. */
const ARITY = {
  ok: 2,
  equal: 3,
  notEqual: 3,
  strictEqual: 3,
  notStrictEqual: 3,
  deepEqual: 3,
  notDeepEqual: 3,
  deepStrictEqual: 3,
  notDeepStrictEqual: 3,
  partialDeepStrictEqual: 3,
  match: 3,
  doesNotMatch: 3,
  throws: 3,
  doesNotThrow: 3,
  rejects: 3,
  doesNotReject: 3,
  fail: 1,
};

// throws(fn, 'message') is valid node:assert: a string in the second place is the message, not the error.
const STRING_SECOND = new Set(['throws', 'doesNotThrow', 'rejects', 'doesNotReject']);

/** @param {import('estree').Node | undefined} node */
function isString(node) {
  return node?.type === 'TemplateLiteral' || (node?.type === 'Literal' && typeof node.value === 'string');
}

/** @param {import('estree').Node | undefined} node */
function isMissing(node) {
  return node === undefined || (node.type === 'Identifier' && node.name === 'undefined');
}

/**
 * @param {import('estree').CallExpression} call
 * @param {string} method
 */
function lacksMessage(call, method) {
  const args = call.arguments;
  if (args.some((a) => a.type === 'SpreadElement')) return false;
  const arity = ARITY[method];
  if (arity === undefined) return false;
  if (STRING_SECOND.has(method) && args.length === 2 && isString(args[1])) return false;
  return isMissing(args[arity - 1]);
}

/**
 * `node` as the callee of a call: that call and the method it stands for.
 * @param {any} node
 * @param {string} method
 * @returns {{ call: import('estree').CallExpression, method: string } | undefined}
 */
function callWith(node, method) {
  const parent = node.parent;
  return parent?.type === 'CallExpression' && parent.callee === node ? { call: parent, method } : undefined;
}

/**
 * `node.name` (not computed): the member expression and the name.
 * @param {any} node
 * @returns {{ node: any, name: string } | undefined}
 */
function memberOf(node) {
  const parent = node.parent;
  if (parent?.type !== 'MemberExpression' || parent.object !== node || parent.computed) return undefined;
  return parent.property.type === 'Identifier' ? { node: parent, name: parent.property.name } : undefined;
}

/**
 * The call a reference to an imported binding makes, and its method: `assert(x)` (ok), `assert.equal()`,
 * `assert.strict.equal()`, or a named import such as `equal()`.
 * @param {any} id the referencing identifier
 * @param {string | null} named the export a named import stands for; null for the module object
 */
function callOf(id, named) {
  if (named !== null && named !== 'strict') return callWith(id, named);
  let node = id;
  const strict = memberOf(node);
  if (strict?.name === 'strict') node = strict.node;
  const member = memberOf(node);
  return member ? callWith(member.node, member.name) : callWith(node, 'ok');
}

/** @type {import('eslint').Rule.RuleModule} */
export const assertMessage = {
  meta: {
    type: 'suggestion',
    docs: { description: 'require the message argument of every node:assert call' },
    schema: [],
    messages: {
      missing:
        "assert.{{method}}() without a message: say what was expected and why, e.g. assert.equal(status, 401, 'a garbage token is refused').",
    },
  },
  create(context) {
    return {
      ImportDeclaration(node) {
        if (typeof node.source.value !== 'string' || !MODULES.has(node.source.value)) return;
        for (const spec of node.specifiers) {
          const named =
            spec.type === 'ImportSpecifier'
              ? spec.imported.type === 'Identifier'
                ? spec.imported.name
                : String(spec.imported.value)
              : null;
          const [variable] = context.sourceCode.getDeclaredVariables(spec);
          for (const ref of variable?.references ?? []) {
            const found = callOf(/** @type {any} */ (ref.identifier), named === 'default' ? null : named);
            if (found && lacksMessage(found.call, found.method)) {
              context.report({ node: found.call, messageId: 'missing', data: { method: found.method } });
            }
          }
        }
      },
    };
  },
};

export default { rules: { 'assert-message': assertMessage } };
