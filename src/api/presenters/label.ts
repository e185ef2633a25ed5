import type { Label } from '../../domain/label/index.js';

/**
 * Harbor's Label. go-swagger leaves out empty strings and zeros of fields without x-omitempty:
 * an empty description or colour, and a global label's project_id 0, are not sent.
 */
export function labelResponse(label: Label) {
  return {
    id: label.id,
    name: label.name,
    ...(label.description === '' ? {} : { description: label.description }),
    ...(label.color === '' ? {} : { color: label.color }),
    scope: label.scope,
    ...(label.projectId === 0 ? {} : { project_id: label.projectId }),
    creation_time: label.createdAt.toISOString(),
    update_time: label.updatedAt.toISOString(),
  };
}
