import { Type } from '@sinclair/typebox';
import { BerthError } from '../lib/errors.js';

/**
 * The full repository name from a path's project and repository. Harbor's clients encode a slash in
 * a repository name twice (`a%252Fb`): the router undid one layer, this undoes the other.
 */
export function repositoryName(params: { project_name: string; repository_name: string }): string {
  try {
    return `${params.project_name}/${decodeURIComponent(params.repository_name)}`;
  } catch {
    throw new BerthError('INVALID_INPUT', 'the repository name is not validly URL-encoded');
  }
}

/** A repository in a path: its project, and its name within the project (a/b is sent as a%252Fb). */
export const RepositoryParams = Type.Object({
  project_name: Type.String({ minLength: 1, maxLength: 255 }),
  repository_name: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'the repository name without the project; a/b is sent as a%252Fb',
  }),
});

/** An artifact in a path: its repository and a tag or digest. */
export const ArtifactParams = Type.Object({
  ...RepositoryParams.properties,
  reference: Type.String({ minLength: 1, maxLength: 200, description: 'a tag or a digest' }),
});
