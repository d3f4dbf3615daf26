import type { Type, types } from 'avsc';

/** Where a value breaks its schema: a field path such as `passengers[1].lastName`, and what is wrong there. */
export type SchemaViolation = { readonly path: string; readonly message: string };

const toPath = (segments: readonly string[]): string =>
  segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`), '');

const describe = (type: Type): string =>
  type.typeName.startsWith('union') ? (type as types.UnwrappedUnionType).types.map(describe).join(' | ') : (type.name ?? type.typeName);

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Every place where `value` does not match `type`, found with avsc's `isValid` error hook; fields the schema
 * does not declare count too, since encoding would silently drop them. Empty when the value can be encoded.
 */
export const findSchemaViolations = (type: Type, value: unknown): SchemaViolation[] => {
  const violations: SchemaViolation[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, expected: Type) => {
      violations.push({
        path: toPath(path),
        message: found === undefined ? `missing, expected ${describe(expected)}` : `expected ${describe(expected)}, got ${show(found)}`,
      });
    },
  });
  if (violations.length > 0) return violations;
  // a second pass, since avsc stops at the first record with an undeclared field instead of going deeper
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path: string[], found: unknown, expected: Type) => {
      if (expected.typeName !== 'record' || typeof found !== 'object' || found === null) return;
      const declared = new Set((expected as types.RecordType).fields.map((field) => field.name));
      for (const key of Object.keys(found).filter((name) => !declared.has(name))) {
        violations.push({ path: toPath([...path, key]), message: `not declared in ${expected.name ?? 'the schema'}` });
      }
    },
  });
  return violations;
};
