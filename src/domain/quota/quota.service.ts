import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Quota } from './quota.model.js';
import { listQuotas, type QuotaSort, quotaById, quotaOfProject, setHard } from './quota.repo.js';

/** Harbor's rule for a storage limit: -1 (none) or a positive number of bytes. */
export function assertStorageLimit(hard: number): void {
  if (!Number.isSafeInteger(hard) || (hard <= 0 && hard !== -1))
    throw new BerthError('INVALID_INPUT', 'invalid value for resource storage');
}

/**
 * Storage quotas, one per project (Harbor's `/quotas`). Usage is kept exact by the database itself
 * (triggers on blob links and manifests count each digest once per project), and a push that would
 * pass a project's limit is refused where it links (see assertRoom).
 */
export class QuotaService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now'>) {}

  list(query: {
    projectId?: number | undefined;
    sort?: { key: QuotaSort; desc: boolean } | undefined;
    offset: number;
    limit: number;
  }): Promise<{ total: number; items: Quota[] }> {
    return listQuotas(this.ctx.db, query);
  }

  async get(id: number): Promise<Quota> {
    const quota = await quotaById(this.ctx.db, id);
    if (!quota) throw new BerthError('NOT_FOUND', `quota ${id} not found`);
    return quota;
  }

  async ofProject(projectId: number): Promise<Quota> {
    const quota = await quotaOfProject(this.ctx.db, projectId);
    if (!quota) throw new BerthError('NOT_FOUND', `the quota of project ${projectId} not found`);
    return quota;
  }

  /** Sets the limit; one below the usage is allowed (as Harbor): pushes that add bytes are refused then. */
  async update(id: number, hard: number): Promise<Quota> {
    assertStorageLimit(hard);
    const quota = await setHard(this.ctx.db, id, hard, this.ctx.now());
    if (!quota) throw new BerthError('NOT_FOUND', `quota ${id} not found`);
    return quota;
  }
}
