/** One problem in a definition, as Conductor's ErrorResponse lists it in `validationErrors`. */
export type ValidationProblem = { readonly path: string; readonly message: string; readonly invalidValue?: unknown };

/** A definition waggle cannot run says so with this prefix: it is refused, never half-run. */
export const unsupported = 'not supported by waggle: ';
