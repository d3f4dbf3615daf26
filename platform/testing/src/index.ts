export { uniqueName } from './uniqueName.ts';
export { waitFor } from './waitFor.ts';
