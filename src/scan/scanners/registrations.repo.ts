import { type Kysely, sql } from 'kysely';
import {
  builtInScannerId,
  type Database,
  type ScannerRegistration as RegistrationRow,
} from '../../db/index.js';
import { countAndPage, type Listed } from '../../domain/pagination.js';
import { type Field, filterConditions } from '../../domain/query.js';
import type { RegistrationField, RegistrationQuery, ScannerRegistration } from './registration.model.js';

export { builtInScannerId };

type Db = Kysely<Database>;

const toRegistration = (row: RegistrationRow): ScannerRegistration => ({
  uuid: row.uuid,
  name: row.name,
  description: row.description,
  url: row.url,
  auth: row.auth,
  accessCredential: row.access_credential,
  skipCertVerify: Number(row.skip_cert_verify) === 1,
  useInternalAddr: Number(row.use_internal_addr) === 1,
  disabled: Number(row.disabled) === 1,
  isDefault: Number(row.is_default) === 1,
  immutable: Number(row.immutable) === 1,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

const fields: Record<RegistrationField, Field> = {
  uuid: { column: 'uuid', type: 'text' },
  name: { column: 'name', type: 'text' },
  description: { column: 'description', type: 'text' },
  url: { column: 'url', type: 'text' },
  auth: { column: 'auth', type: 'text' },
  disabled: { column: 'disabled', type: 'flag' },
  isDefault: { column: 'is_default', type: 'flag' },
  skipCertVerify: { column: 'skip_cert_verify', type: 'flag' },
  useInternalAddr: { column: 'use_internal_addr', type: 'flag' },
  immutable: { column: 'immutable', type: 'flag' },
  createdAt: { column: 'created_at', type: 'time' },
  updatedAt: { column: 'updated_at', type: 'time' },
};

/** The settings a registration is written with. */
export interface RegistrationValues {
  readonly name: string;
  readonly description: string;
  readonly url: string;
  readonly auth: string;
  readonly accessCredential: string;
  readonly skipCertVerify: boolean;
  readonly useInternalAddr: boolean;
  readonly disabled: boolean;
}

const columnsOf = (v: RegistrationValues) => ({
  name: v.name,
  description: v.description,
  url: v.url,
  auth: v.auth,
  access_credential: v.accessCredential,
  skip_cert_verify: v.skipCertVerify ? 1 : 0,
  use_internal_addr: v.useInternalAddr ? 1 : 0,
  disabled: v.disabled ? 1 : 0,
});

/** One page of the registrations (a handful: the table is read whole). */
export async function listRegistrations(
  db: Db,
  query: RegistrationQuery,
): Promise<Listed<ScannerRegistration>> {
  let base = db.selectFrom('scanner_registrations');
  for (const condition of filterConditions(query.filters, fields)) base = base.where(condition);
  const sorts =
    query.sorts.length > 0
      ? query.sorts
      : [
          { field: 'isDefault' as const, desc: true },
          { field: 'createdAt' as const, desc: true },
        ];
  return countAndPage(base, query, async (q) => {
    let ordered = q.selectAll();
    for (const sort of sorts)
      ordered = ordered.orderBy(sql.ref(fields[sort.field].column), sort.desc ? 'desc' : 'asc');
    return (await ordered.orderBy('uuid').execute()).map(toRegistration);
  });
}

export async function registrationById(db: Db, uuid: string): Promise<ScannerRegistration | undefined> {
  const row = await db
    .selectFrom('scanner_registrations')
    .selectAll()
    .where('uuid', '=', uuid)
    .executeTakeFirst();
  return row && toRegistration(row);
}

/** The registration marked as the system default, if one is. */
export async function defaultRegistration(db: Db): Promise<ScannerRegistration | undefined> {
  const row = await db
    .selectFrom('scanner_registrations')
    .selectAll()
    .where('is_default', '=', 1)
    .executeTakeFirst();
  return row && toRegistration(row);
}

/** The registration the project chose, if it chose one. */
export async function projectRegistration(
  db: Db,
  projectId: number,
): Promise<ScannerRegistration | undefined> {
  const row = await db
    .selectFrom('project_scanners as p')
    .innerJoin('scanner_registrations as s', 's.uuid', 'p.scanner_uuid')
    .selectAll('s')
    .where('p.project_id', '=', projectId)
    .executeTakeFirst();
  return row && toRegistration(row);
}

export async function insertRegistration(
  db: Db,
  uuid: string,
  values: RegistrationValues,
  now: number,
): Promise<ScannerRegistration> {
  const row = await db
    .insertInto('scanner_registrations')
    .values({
      uuid,
      ...columnsOf(values),
      is_default: 0,
      immutable: 0,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRegistration(row);
}

export async function updateRegistration(
  db: Db,
  uuid: string,
  values: RegistrationValues,
  now: number,
): Promise<ScannerRegistration> {
  const row = await db
    .updateTable('scanner_registrations')
    .set({ ...columnsOf(values), updated_at: now })
    .where('uuid', '=', uuid)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRegistration(row);
}

export async function deleteRegistration(db: Db, uuid: string): Promise<void> {
  await db.deleteFrom('scanner_registrations').where('uuid', '=', uuid).execute();
}

/** Makes the registration the only default, in one transaction. */
export async function makeDefault(db: Db, uuid: string, now: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('scanner_registrations')
      .set({ is_default: 0 })
      .where('is_default', '=', 1)
      .where('uuid', '!=', uuid)
      .execute();
    await tx
      .updateTable('scanner_registrations')
      .set({ is_default: 1, updated_at: now })
      .where('uuid', '=', uuid)
      .execute();
  });
}

export async function setProjectRegistration(db: Db, projectId: number, uuid: string): Promise<void> {
  await db
    .insertInto('project_scanners')
    .values({ project_id: projectId, scanner_uuid: uuid })
    .onConflict((oc) => oc.column('project_id').doUpdateSet({ scanner_uuid: uuid }))
    .execute();
}

/** The name or URL another registration (not `except`) already has. */
export async function clashingRegistration(
  db: Db,
  name: string,
  url: string,
  except: string | undefined,
): Promise<{ name: string; url: string } | undefined> {
  return db
    .selectFrom('scanner_registrations')
    .select(['name', 'url'])
    .where((eb) => eb.or([eb('name', '=', name), eb('url', '=', url)]))
    .$if(except !== undefined, (q) => q.where('uuid', '!=', except as string))
    .executeTakeFirst();
}
