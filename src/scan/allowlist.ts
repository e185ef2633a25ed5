import type { ServiceContext } from '../domain/context.js';
import { BerthError } from '../lib/errors.js';
import type { CveAllowlist } from './allowlist.model.js';
import { allowlistOf, storeAllowlist } from './allowlist.repo.js';

export type { CveAllowlist };

const cvePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$/;

/** The system allowlist (project 0) and the projects' own. */
export class AllowlistService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  get(projectId: number): Promise<CveAllowlist> {
    return allowlistOf(this.ctx.db, projectId);
  }

  /** Replaces the list; `expiresAt` is epoch seconds as Harbor sends it (undefined, or 0, for never). */
  async set(projectId: number, items: readonly string[], expiresAt: number | undefined): Promise<void> {
    for (const item of items)
      if (!cvePattern.test(item))
        throw new BerthError('INVALID_INPUT', `"${item.slice(0, 70)}" is not a vulnerability id`);
    if (expiresAt !== undefined && (!Number.isInteger(expiresAt) || expiresAt < 0))
      throw new BerthError('INVALID_INPUT', 'expires_at is epoch seconds, or null for never');
    // 0 reads as "never", as null does: no list is meant to have expired in 1970.
    await storeAllowlist(this.ctx.db, projectId, [...new Set(items)], expiresAt || null, this.ctx.now());
  }

  /** The ids that count as allowed now for a project (its own list, or the system's when it reuses that). */
  async effective(projectId: number, reuseSystem: boolean): Promise<Set<string>> {
    const list = await this.get(reuseSystem ? 0 : projectId);
    if (list.expiresAt !== undefined && list.expiresAt.getTime() <= this.ctx.now()) return new Set();
    return new Set(list.items);
  }
}
