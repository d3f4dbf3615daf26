// `npm run schemas:check`: exits 1, one line per problem, when schemas/ is not BACKWARD_TRANSITIVE-compatible
// with every released version (CI runs it, so an incompatible change cannot merge).
import { checkCompatibility } from './checkCompatibility.ts';
import { loadSchemas, schemasRoot } from './loadSchemas.ts';

const problems = checkCompatibility(schemasRoot);
for (const problem of problems) console.error(problem.message);
if (problems.length > 0) {
  console.error(`schemas: ${problems.length} compatibility problem${problems.length === 1 ? '' : 's'}`);
  process.exitCode = 1;
} else {
  console.log(`schemas: ${loadSchemas(schemasRoot).length} schemas are compatible with every released version`);
}
