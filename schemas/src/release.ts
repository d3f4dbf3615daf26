// `npm run schemas:release`: records the current version of every changed schema in schemas/released/, to
// commit with the change; from then on schemas:check holds every later change to it.
import { relative } from 'node:path';
import { releaseSchemas } from './releaseSchemas.ts';
import { schemasRoot } from './loadSchemas.ts';

try {
  const releases = await releaseSchemas(schemasRoot);
  for (const release of releases)
    console.log(`schemas: released ${release.fullName} v${release.version} (${relative(process.cwd(), release.file)})`);
  if (releases.length === 0) console.log('schemas: nothing changed since the last release');
} catch (error) {
  console.error(`schemas: ${(error as Error).message}`);
  process.exitCode = 1;
}
