import { truncate } from './digest.js';
import { BerthError } from './errors.js';

// OCI distribution-spec grammar for repository names and tags.
const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const repositoryPattern = new RegExp(`^${component}(?:/${component})*$`);
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const maxRepositoryNameLength = 255;

export function assertRepositoryName(name: string): void {
  if (name.length === 0 || name.length > maxRepositoryNameLength || !repositoryPattern.test(name)) {
    throw new BerthError('NAME_INVALID', `invalid repository name "${truncate(name)}"`);
  }
}

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

export function assertTag(tag: string): void {
  if (!isValidTag(tag)) throw new BerthError('TAG_INVALID', `invalid tag "${truncate(tag)}"`);
}
