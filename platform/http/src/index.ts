export { createHttpApp } from './createHttpApp.ts';
export type { HttpAppOptions } from './createHttpApp.ts';
export { defineRoute } from './defineRoute.ts';
export type { Route, RouteRequest, RouteResponse } from './defineRoute.ts';
export { openApiDocument } from './openApiDocument.ts';
export { problemDetailsMiddleware, problemSchema, RequestValidationError } from './problemDetails.ts';
export type { ProblemDetails } from './problemDetails.ts';
export { startHttpServer } from './startHttpServer.ts';
export type { HttpServer } from './startHttpServer.ts';
