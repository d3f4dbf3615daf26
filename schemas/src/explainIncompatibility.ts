import type { Type, types } from 'avsc';

/** One reason a new schema cannot replace a released one, at a field path (`passengers[].firstName`). */
export type Incompatibility = {
  readonly field: string;
  /** BACKWARD: the new schema cannot read old data. FORWARD: a consumer on the old schema cannot read new data. */
  readonly rule: 'BACKWARD' | 'FORWARD';
  readonly message: string;
};

/** Whether a reader with `reader` can read data written with `writer` (Avro schema resolution, decided by avsc). */
export const canRead = (reader: Type, writer: Type): boolean => {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
};

const isRecord = (type: Type): type is types.RecordType => type.typeName === 'record' || type.typeName === 'error';
const isUnion = (type: Type): type is types.UnwrappedUnionType => type.typeName.startsWith('union');

/** A type as people write it: `string`, `waggle.bookings.Passenger`, `array<string>`, `null | string`. */
export const describeType = (type: Type): string => {
  if (isUnion(type)) return type.types.map(describeType).join(' | ');
  switch (type.typeName) {
    case 'array':
      return `array<${describeType((type as types.ArrayType).itemsType)}>`;
    case 'map':
      return `map<${describeType((type as types.MapType).valuesType as Type)}>`;
    default:
      return type.name ?? type.typeName;
  }
};

const matches = (field: types.Field, name: string): boolean => field.name === name || (field.aliases ?? []).includes(name);

/**
 * Explains, field by field, why data written with `writer` (released version `version`) cannot be read with
 * `reader` (the new schema) — and which fields the new schema removed although they had no default in the
 * released version, which breaks consumers still on that version. Only explains: whether the schemas are
 * BACKWARD compatible is decided by avsc's resolver ({@link canRead}).
 */
export const explainIncompatibility = (reader: Type, writer: Type, version: number): Incompatibility[] => {
  const backward = (field: string, what: string): Incompatibility => ({
    field,
    rule: 'BACKWARD',
    message: `field "${field}" ${what} (BACKWARD: a reader with the new schema cannot read data written with version ${version})`,
  });

  const compare = (r: Type, w: Type, at: string): Incompatibility[] => {
    if (isRecord(r) && isRecord(w)) {
      const prefix = at === '' ? '' : `${at}.`;
      const issues: Incompatibility[] = [];
      if (at !== '' && r.name !== w.name && !(r.aliases ?? []).includes(w.name ?? '') && !canRead(r, w))
        issues.push(backward(at, `changed record name from ${w.name} to ${r.name}`));
      for (const field of r.fields) {
        const old = w.fields.find((candidate) => matches(field, candidate.name));
        if (old === undefined) {
          if (field.defaultValue() === undefined) issues.push(backward(`${prefix}${field.name}`, 'added without a default'));
        } else {
          issues.push(...compare(field.type, old.type, `${prefix}${field.name}`));
        }
      }
      for (const old of w.fields) {
        if (r.fields.some((field) => matches(field, old.name)) || old.defaultValue() !== undefined) continue;
        const field = `${prefix}${old.name}`;
        issues.push({
          field,
          rule: 'FORWARD',
          message: `field "${field}" was removed but has no default in version ${version} (FORWARD: a consumer still reading with version ${version} cannot read data written with the new schema)`,
        });
      }
      return issues;
    }
    if (r.typeName === 'array' && w.typeName === 'array')
      return compare((r as types.ArrayType).itemsType, (w as types.ArrayType).itemsType, `${at}[]`);
    if (r.typeName === 'map' && w.typeName === 'map')
      return compare((r as types.MapType).valuesType as Type, (w as types.MapType).valuesType as Type, `${at}{}`);
    if (r.typeName === 'enum' && w.typeName === 'enum' && !canRead(r, w)) {
      const symbols = (r as types.EnumType).symbols;
      const removed = (w as types.EnumType).symbols.filter((symbol) => !symbols.includes(symbol));
      return [
        backward(
          at,
          `lost enum symbol${removed.length === 1 ? '' : 's'} ${removed.map((s) => `"${s}"`).join(', ')} and has no enum default`,
        ),
      ];
    }
    if (isUnion(r) || isUnion(w)) {
      // compare branch by branch so a change inside a nullable record is explained at its field
      const readerBranches = isUnion(r) ? r.types : [r];
      const writerBranches = isUnion(w) ? w.types : [w];
      return writerBranches.flatMap((branch) => {
        const same = readerBranches.find((candidate) => candidate.branchName === branch.branchName);
        if (same !== undefined) return compare(same, branch, at);
        return canRead(r, branch) ? [] : [backward(at, `changed type from ${describeType(w)} to ${describeType(r)}`)];
      });
    }
    return canRead(r, w) ? [] : [backward(at, `changed type from ${describeType(w)} to ${describeType(r)}`)];
  };

  return compare(reader, writer, '');
};
