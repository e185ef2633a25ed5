import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { CronType, ScheduleRecord } from './schedules.model.js';

type Db = Kysely<Database>;

export async function scheduleOf(db: Db, vendor: string): Promise<ScheduleRecord | undefined> {
  const row = await db
    .selectFrom('schedules')
    .selectAll()
    .where('vendor_type', '=', vendor)
    .executeTakeFirst();
  return (
    row && {
      id: Number(row.id),
      cronType: row.cron_type as CronType,
      cron: row.cron,
      parameters: row.parameters ? (JSON.parse(row.parameters) as Record<string, unknown>) : {},
      createdAt: new Date(Number(row.created_at)),
      updatedAt: new Date(Number(row.updated_at)),
    }
  );
}

/** Replaces the vendor's schedule with a new one (a new id, as Harbor's unschedule-and-schedule gives). */
export async function replaceSchedule(
  db: Db,
  vendor: string,
  schedule: { cronType: CronType; cron: string; parameters: Readonly<Record<string, unknown>> },
  now: number,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('schedules').where('vendor_type', '=', vendor).execute();
    await tx
      .insertInto('schedules')
      .values({
        vendor_type: vendor,
        cron_type: schedule.cronType,
        cron: schedule.cron,
        parameters: JSON.stringify(schedule.parameters),
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
}

/** Removes the vendor's schedule; false when there was none. */
export async function deleteSchedule(db: Db, vendor: string): Promise<boolean> {
  const result = await db.deleteFrom('schedules').where('vendor_type', '=', vendor).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
