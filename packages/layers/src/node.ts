/**
 * `@convkit/layers/node`: node-only helpers (files on disk). Browser bundles import
 * `@convkit/layers` instead, which never pulls in node modules.
 */
export * from './io/node';
