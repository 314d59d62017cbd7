/** Catalog data: alias tables (and, later, built-in definitions, initiatives, recommendations). */
export { AliasCatalog, aliasPathFor } from './aliases.js';
export type { AliasEntry, AliasBinding, AliasPathVersion, TypeCapabilities } from './aliases.js';
