import type { ServiceContext } from '../domain/context.js';
import { BerthError } from '../lib/errors.js';

/** Harbor's CVEAllowlist: CVE ids that do not count against the vulnerability policy, until expires_at. */
export interface CveAllowlist {
  readonly projectId: number;
  /** Epoch seconds; undefined: never expires. */
  readonly expiresAt: number | undefined;
  readonly items: string[];
  readonly createdAt: number | undefined;
  readonly updatedAt: number | undefined;
}

const cvePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$/;

/** The system allowlist (project 0) and the projects' own. */
export class AllowlistService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  async get(projectId: number): Promise<CveAllowlist> {
    const row = await this.ctx.db
      .selectFrom('cve_allowlists')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return {
      projectId,
      expiresAt: row?.expires_at ?? undefined,
      items: row ? (JSON.parse(row.items) as string[]) : [],
      createdAt: row?.created_at,
      updatedAt: row?.updated_at,
    };
  }

  async set(projectId: number, items: readonly string[], expiresAt: number | undefined): Promise<void> {
    for (const item of items)
      if (!cvePattern.test(item))
        throw new BerthError('INVALID_INPUT', `"${item.slice(0, 70)}" is not a vulnerability id`);
    if (expiresAt !== undefined && (!Number.isInteger(expiresAt) || expiresAt < 0))
      throw new BerthError('INVALID_INPUT', 'expires_at is epoch seconds, or null for never');
    const now = this.ctx.now();
    const values = {
      // 0 reads as "never", as null does: no list is meant to have expired in 1970.
      expires_at: expiresAt || null,
      items: JSON.stringify([...new Set(items)]),
      updated_at: now,
    };
    await this.ctx.db
      .insertInto('cve_allowlists')
      .values({ project_id: projectId, created_at: now, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .execute();
  }

  /** The ids that count as allowed now for a project (its own list, or the system's when it reuses that). */
  async effective(projectId: number, reuseSystem: boolean): Promise<Set<string>> {
    const list = await this.get(reuseSystem ? 0 : projectId);
    if (list.expiresAt !== undefined && list.expiresAt * 1000 <= this.ctx.now()) return new Set();
    return new Set(list.items);
  }
}
