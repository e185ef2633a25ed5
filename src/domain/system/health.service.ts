import type { ServiceContext } from '../context.js';
import { pingDatabase } from './health.repo.js';
import type { ComponentHealth, HealthReport } from './system.model.js';

/** Whether the database and the store answer (`GET /health`): each asked once, at the same time. */
export class HealthService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'storage'>) {}

  async check(): Promise<HealthReport> {
    const probe = async (name: string, ask: () => Promise<unknown>): Promise<ComponentHealth> => {
      try {
        await ask();
        return { name, healthy: true };
      } catch (error) {
        return { name, healthy: false, error: error instanceof Error ? error.message : String(error) };
      }
    };
    const components = await Promise.all([
      probe('database', () => pingDatabase(this.ctx.db)),
      probe('storage', () => this.ctx.storage.stat('health-probe')),
    ]);
    return { healthy: components.every((c) => c.healthy), components };
  }
}
