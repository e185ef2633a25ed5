import type { SystemRun } from '../../jobs/index.js';

/** What a garbage-collection run does (Harbor's GC parameters; the window is Berth's, in minutes). */
export interface GcParameters {
  /** Also delete top-level manifests that no tag names (Harbor's `delete_untagged`). */
  readonly deleteUntagged: boolean;
  /** Report what would be freed, delete nothing. */
  readonly dryRun: boolean;
  /** Deletions run at once (1–5, as Harbor). */
  readonly workers: number;
  /** Blobs touched and manifests pushed within this many minutes are kept. */
  readonly timeWindowMinutes: number;
}

/** A GC run (Harbor's GC execution). */
export type GcRun = SystemRun<GcParameters, GcResult>;

/** What a run has freed (or, in a dry run, would free) so far, in Harbor's words. */
export interface GcResult {
  readonly purged_blobs: number;
  readonly purged_manifests: number;
  readonly freed_space: number;
}
