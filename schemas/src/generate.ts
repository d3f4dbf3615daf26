// `npm run schemas:generate [-- --check]`: writes the TypeScript of schemas/, or with --check exits 1 naming
// every generated file that is out of date (CI runs it so a schema change cannot ship without its types).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { generateTypes } from './generateTypes.ts';
import { schemasRoot } from './loadSchemas.ts';

const check = process.argv.includes('--check');
const files = await generateTypes(schemasRoot);
const generatedDir = join(schemasRoot, 'src', 'generated');
const wanted = new Set(files.map((file) => file.path));
const obsolete = existsSync(generatedDir)
  ? readdirSync(generatedDir)
      .map((name) => join(generatedDir, name))
      .filter((path) => !wanted.has(path))
  : [];
const stale = files.filter((file) => !existsSync(file.path) || readFileSync(file.path, 'utf8') !== file.content);
const show = (path: string): string => relative(process.cwd(), path);

if (check) {
  for (const file of stale) console.error(`schemas: ${show(file.path)} is out of date with the .avsc files`);
  for (const path of obsolete) console.error(`schemas: ${show(path)} belongs to no schema any more`);
  if (stale.length > 0 || obsolete.length > 0) {
    console.error('schemas: run `npm run schemas:generate` and commit the result');
    process.exitCode = 1;
  } else {
    console.log(`schemas: ${files.length} generated files are up to date`);
  }
} else {
  for (const file of stale) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
    console.log(`schemas: wrote ${show(file.path)}`);
  }
  for (const path of obsolete) {
    rmSync(path);
    console.log(`schemas: removed ${show(path)}`);
  }
  if (stale.length === 0 && obsolete.length === 0) console.log(`schemas: ${files.length} generated files are up to date`);
}
