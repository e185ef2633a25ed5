export type { ImmutableRule, NewImmutableRule, Selector } from './immutable.model.js';
export { type ImmutableMatcher, ImmutableRules } from './immutable.service.js';
