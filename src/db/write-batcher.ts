import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './tables.js';

export type TransactionWork<T> = (tx: Transaction<Database>) => Promise<T>;

interface Unit {
  readonly work: TransactionWork<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite, whose one connection runs every transaction in turn anyway: units of work
 * that arrive while a transaction runs are run together in the next one, each inside its own
 * savepoint, so a unit that fails is undone alone while the others commit, and a burst of pushes
 * pays for one commit instead of one each. A unit's promise settles after its transaction commits
 * (a failed commit fails every unit of it). Units must only use the transaction they are given.
 * Elsewhere (PostgreSQL's pool runs transactions side by side) every unit is its own transaction.
 */
export class WriteBatcher {
  private readonly queue: Unit[] = [];
  private draining = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { readonly combine: boolean; readonly maxUnits: number },
  ) {}

  run<T>(work: TransactionWork<T>): Promise<T> {
    if (!this.options.combine) return this.db.transaction().execute(work);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // SQLite runs a transaction in one go of microtasks: give the event loop one turn first so
        // that requests whose bytes have arrived can join this commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const units = this.queue.splice(0, this.options.maxUnits);
        if (units.length === 1) {
          const [unit] = units as [Unit];
          await this.db.transaction().execute(unit.work).then(unit.resolve, unit.reject);
          continue;
        }
        await this.together(units);
      }
    } finally {
      this.draining = false;
    }
  }

  private async together(units: readonly Unit[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const unit of units) {
          await sql`savepoint berth_unit`.execute(tx);
          try {
            const value = await unit.work(tx);
            await sql`release savepoint berth_unit`.execute(tx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to savepoint berth_unit`.execute(tx);
            await sql`release savepoint berth_unit`.execute(tx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const unit of units) unit.reject(error);
      return;
    }
    units.forEach((unit, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) unit.resolve(outcome.value);
      else unit.reject(outcome?.error);
    });
  }
}
