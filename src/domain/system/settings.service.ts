import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { allSettings, putSetting } from './settings.repo.js';

/** The run-time settings and their values. */
export interface RuntimeSettings {
  /** Harbor's `read_only`: every write is refused while reads go on. */
  readonly readOnly: boolean;
}

const defaults: RuntimeSettings = { readOnly: false };

/**
 * Settings that change while Berth runs, stored in the database so that every replica follows a
 * change: this process keeps them in memory, reads them at start, and reads them again when the
 * `settings` cache topic moves (a change anywhere raises it; every process polls the topics each
 * `database.cacheSyncMs`, so a change reaches every replica within about a second, this one at once).
 */
export class SettingsService {
  private current: RuntimeSettings = defaults;
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals' | 'logger'>) {
    ctx.signals.on('settings', () => void this.load());
  }

  /** What this process knows of the settings (read at start, and after every change). */
  get values(): RuntimeSettings {
    return this.current;
  }

  /**
   * Reads the settings from the database (at start, and when a process changed them); reads run one
   * after another, so the last one, begun after the last change, is what stays.
   */
  load(): Promise<void> {
    this.loading = this.loading.then(async () => {
      try {
        const stored = await allSettings(this.ctx.db);
        this.current = { readOnly: stored.get('read_only') === true };
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'failed to read the run-time settings');
      }
    });
    return this.loading;
  }

  /** Refuses a write while the registry is read-only (Harbor's words). */
  assertWritable(): void {
    if (this.current.readOnly)
      throw new BerthError('READ_ONLY', 'The system is in read only mode. Any modification is prohibited.');
  }

  async update(change: Partial<RuntimeSettings>): Promise<void> {
    if (change.readOnly !== undefined)
      await putSetting(this.ctx.db, 'read_only', change.readOnly, this.ctx.now());
    await this.ctx.signals.raise('settings');
    await this.load();
  }
}
