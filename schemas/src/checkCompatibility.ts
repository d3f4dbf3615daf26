import avro from 'avsc';
import type { Type } from 'avsc';
import { join, relative } from 'node:path';
import { canRead, explainIncompatibility } from './explainIncompatibility.ts';
import { loadReleased } from './loadReleased.ts';
import { loadSchemas } from './loadSchemas.ts';

/** Why a schema of schemas/ cannot ship: one line a person can act on, starting with the schema's full name. */
export type CompatibilityProblem = {
  readonly fullName: string;
  /** The released version the schema breaks with; absent when the problem is not about one version. */
  readonly version?: number;
  /** Field path, when the problem is about one field. */
  readonly field?: string;
  readonly rule: 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'SCHEMA';
  readonly message: string;
};

const parse = (schema: unknown): Type | Error => {
  try {
    return avro.Type.forSchema(schema as avro.Schema);
  } catch (error) {
    return error as Error;
  }
};

/**
 * Checks every schema under `root` against every released version of it (in `<root>/released`):
 * BACKWARD_TRANSITIVE — the new schema reads data written with each released version, decided by avsc's
 * resolver — and no field without a default in a released version may be removed (consumers still on it
 * could no longer read new events). A released schema whose file is gone is a problem too. Returns no
 * problems when the schemas may ship.
 */
export const checkCompatibility = (root: string, releasedDir: string = join(root, 'released')): CompatibilityProblem[] => {
  const current = loadSchemas(root);
  const released = loadReleased(releasedDir);
  const problems: CompatibilityProblem[] = [];

  for (const schema of current) {
    const reader = parse(schema.schema);
    if (reader instanceof Error) {
      problems.push({
        fullName: schema.fullName,
        rule: 'SCHEMA',
        message: `${schema.fullName}: not a valid Avro schema: ${reader.message}`,
      });
      continue;
    }
    for (const version of released.filter((r) => r.fullName === schema.fullName)) {
      const writer = parse(version.schema);
      if (writer instanceof Error) {
        problems.push({
          fullName: schema.fullName,
          version: version.version,
          rule: 'SCHEMA',
          message: `${version.file}: ${writer.message}`,
        });
        continue;
      }
      const backwardOk = canRead(reader, writer);
      const explained = explainIncompatibility(reader, writer, version.version).filter((i) => i.rule === 'FORWARD' || !backwardOk);
      for (const issue of explained) {
        problems.push({
          fullName: schema.fullName,
          version: version.version,
          field: issue.field,
          rule: issue.rule === 'BACKWARD' ? 'BACKWARD_TRANSITIVE' : 'FORWARD',
          message: `${schema.fullName}: ${issue.message}`,
        });
      }
      if (!backwardOk && !explained.some((issue) => issue.rule === 'BACKWARD')) {
        // avsc is the judge; when the field-level explanation finds nothing, still say what avsc said
        let reason = 'incompatible';
        try {
          reader.createResolver(writer);
        } catch (error) {
          reason = (error as Error).message;
        }
        problems.push({
          fullName: schema.fullName,
          version: version.version,
          rule: 'BACKWARD_TRANSITIVE',
          message: `${schema.fullName}: the new schema cannot read data written with version ${version.version} (BACKWARD: ${reason})`,
        });
      }
    }
  }

  const names = new Set(current.map((schema) => schema.fullName));
  for (const gone of new Set(released.map((r) => r.fullName).filter((fullName) => !names.has(fullName)))) {
    const versions = released.filter((r) => r.fullName === gone).map((r) => r.version);
    problems.push({
      fullName: gone,
      rule: 'BACKWARD_TRANSITIVE',
      message: `${gone}: released as version ${versions.join(', ')} but its schema file is gone from ${relative(process.cwd(), root) || '.'}; events written with it must stay readable`,
    });
  }
  return problems;
};
