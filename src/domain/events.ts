/** What happened, for the audit log, webhooks and metrics: emitted by the surfaces, heard by subscribers. */
export interface DomainEvent {
  readonly operation: 'pull' | 'push' | 'delete' | 'create' | 'update' | 'login';
  readonly resourceType:
    | 'artifact'
    | 'tag'
    | 'repository'
    | 'blob'
    | 'project'
    | 'member'
    | 'robot'
    | 'user'
    | 'scanner'
    | 'label'
    | 'system_job'
    | 'configuration'
    | 'immutable_rule'
    | 'quota'
    | 'retention';
  /** e.g. `team/app:v1`, `team/app@sha256:…`, a project or user name. */
  readonly resource: string;
  /** The user or robot name; `anonymous` without credentials. */
  readonly operator: string;
  readonly success: boolean;
  readonly projectName?: string | undefined;
  /** For artifact events: the repository, the manifest digest and the tag the client named. */
  readonly repository?: string | undefined;
  readonly digest?: string | undefined;
  readonly tag?: string | undefined;
  readonly description?: string | undefined;
  /** Epoch milliseconds. */
  readonly time: number;
}

export type EventSink = (event: DomainEvent) => void;
