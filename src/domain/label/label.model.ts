import type { Filters, Sort } from '../query.js';

/** `g`: a global label, usable in every project; `p`: a project's own. */
export type LabelScope = 'g' | 'p';

/** A label, as Harbor has them: global (project 0) or a project's own, unique by name in its scope. */
export interface Label {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly color: string;
  readonly scope: LabelScope;
  /** 0 for global labels. */
  readonly projectId: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a new label is made of, as the caller sent it (the service checks it). */
export interface NewLabel {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly color?: string | undefined;
  readonly scope?: string | undefined;
  /** The project of a project label; ignored for global labels. */
  readonly projectId?: number | undefined;
}

/** What an update sets: Harbor replaces all three (a field not sent becomes empty). */
export interface LabelChanges {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly color?: string | undefined;
}

/**
 * The fields a label list filters on: Harbor's label columns. `level` and `deleted` are Harbor's too;
 * every label Berth has is a user label (`u`) and not deleted.
 */
export type LabelField =
  | 'id'
  | 'name'
  | 'description'
  | 'color'
  | 'scope'
  | 'projectId'
  | 'createdAt'
  | 'updatedAt'
  | 'level'
  | 'deleted';

export interface LabelQuery {
  /** Required, as Harbor has it: `g` or `p`. */
  readonly scope: string | undefined;
  /** Required for scope `p`. */
  readonly projectId?: number | undefined;
  /** Labels whose name contains this (ignoring case); it replaces a `name` term of the filters. */
  readonly name?: string | undefined;
  readonly filters?: Filters<LabelField> | undefined;
  /** By id when empty; id breaks ties. */
  readonly sorts?: readonly Sort<LabelField>[] | undefined;
  readonly page: number;
  readonly pageSize: number;
}

export type LabelAction = 'read' | 'list' | 'create' | 'update' | 'delete';

/**
 * What the label rules need to know of the caller (the API builds it from its security context):
 * global labels are the system administrators' to change and read one by one, anyone's to list;
 * a project's labels follow the caller's permissions there, and a project the caller may not see is
 * answered as if it (and its labels) did not exist.
 */
export interface LabelCaller {
  readonly authenticated: boolean;
  readonly sysadmin: boolean;
  /** Whether project `projectId` exists and the caller may see it. */
  seesProject(projectId: number): Promise<boolean>;
  /** Whether the caller may do `action` on the labels of project `projectId` (which it sees). */
  mayInProject(projectId: number, action: LabelAction): Promise<boolean>;
}
