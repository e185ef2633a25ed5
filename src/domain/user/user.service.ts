import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { User } from '../../db/index.js';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { countAndPage, type Listed } from '../pagination.js';
import { matchesText, type TextFilter } from '../query.js';
import { countUsers, userById, userByName } from './user.repo.js';

export interface NewUser {
  readonly username: string;
  readonly password?: string | undefined;
  readonly email?: string | undefined;
  readonly realname?: string | undefined;
  readonly comment?: string | undefined;
  readonly sysadmin?: boolean | undefined;
}

// Harbor's rules: no spaces or ,"~#$% in names; passwords of 8 to 128 characters with an upper-case
// letter, a lower-case letter and a digit.
const usernamePattern = /^[^\s,"~#$%]{1,255}$/;

export function assertPasswordPolicy(password: string): void {
  if (
    password.length < 8 ||
    password.length > 128 ||
    !/[A-Z]/.test(password) ||
    !/[a-z]/.test(password) ||
    !/\d/.test(password)
  ) {
    throw new BerthError(
      'INVALID_INPUT',
      'the password must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit',
    );
  }
}

/** A password that meets the policy, for a generated first administrator password. */
export function generatePassword(): string {
  return `Bx7${randomBytes(18).toString('base64url')}`;
}

/** Local users: argon2id password hashes, verified in constant time whether or not the user exists. */
export class UserService {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'now' | 'signals'>) {}

  async create(input: NewUser): Promise<User> {
    if (!usernamePattern.test(input.username)) {
      throw new BerthError(
        'INVALID_INPUT',
        'the username must be 1 to 255 characters without spaces or any of ,"~#$%',
      );
    }
    if (input.password !== undefined) assertPasswordPolicy(input.password);
    if (input.email !== undefined && input.email !== '' && !/^[^\s@]+@[^\s@]+$/.test(input.email)) {
      throw new BerthError('INVALID_INPUT', `invalid email address "${input.email.slice(0, 100)}"`);
    }
    const now = this.ctx.now();
    const passwordHash = input.password === undefined ? null : await hash(input.password);
    const existing = await this.ctx.db
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) =>
        eb.or([eb('username', '=', input.username), ...(input.email ? [eb('email', '=', input.email)] : [])]),
      )
      .executeTakeFirst();
    if (existing) {
      const what =
        existing.username === input.username ? `username ${input.username}` : `email ${input.email}`;
      throw new BerthError('CONFLICT', `the ${what} is already taken`);
    }
    const row = await this.ctx.db
      .insertInto('users')
      .values({
        username: input.username,
        email: input.email || null,
        realname: input.realname ?? '',
        comment: input.comment ?? '',
        password_hash: passwordHash,
        sysadmin: input.sysadmin ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  /** The user whose password this is, or undefined; takes the same time for unknown users. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const user = await userByName(this.ctx.db, username);
    if (!user?.password_hash) {
      this.dummyHash ??= hash(generatePassword());
      await verify(await this.dummyHash, password).catch(() => false);
      return undefined;
    }
    return (await verify(user.password_hash, password).catch(() => false)) ? user : undefined;
  }

  async get(id: number): Promise<User> {
    const user = await userById(this.ctx.db, id);
    if (!user) throw new BerthError('NOT_FOUND', `user ${id} not found`);
    return user;
  }

  async findByName(username: string): Promise<User | undefined> {
    return userByName(this.ctx.db, username);
  }

  async list(query: {
    page: number;
    pageSize: number;
    username?: TextFilter | undefined;
    email?: TextFilter | undefined;
    sort?: { column: 'username' | 'created_at' | 'id'; desc: boolean } | undefined;
  }): Promise<Listed<User>> {
    let base = this.ctx.db.selectFrom('users');
    if (query.username) base = base.where(matchesText('username', query.username));
    if (query.email) base = base.where(matchesText('email', query.email));
    const sort = query.sort ?? { column: 'id', desc: false };
    return countAndPage(base, query, (q) =>
      q
        .selectAll()
        .orderBy(sort.column, sort.desc ? 'desc' : 'asc')
        .orderBy('id')
        .execute(),
    );
  }

  async updateProfile(
    id: number,
    profile: { email?: string | undefined; realname?: string | undefined; comment?: string | undefined },
  ): Promise<void> {
    await this.get(id);
    if (profile.email !== undefined && profile.email !== '' && !/^[^\s@]+@[^\s@]+$/.test(profile.email)) {
      throw new BerthError('INVALID_INPUT', `invalid email address "${profile.email.slice(0, 100)}"`);
    }
    if (profile.email) {
      const taken = await this.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', profile.email)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (taken) throw new BerthError('CONFLICT', `the email ${profile.email} is already taken`);
    }
    await this.ctx.db
      .updateTable('users')
      .set({
        ...(profile.email !== undefined ? { email: profile.email || null } : {}),
        ...(profile.realname !== undefined ? { realname: profile.realname } : {}),
        ...(profile.comment !== undefined ? { comment: profile.comment } : {}),
        updated_at: this.ctx.now(),
      })
      .where('id', '=', id)
      .execute();
  }

  async setSysadmin(id: number, sysadmin: boolean): Promise<void> {
    await this.get(id);
    await this.ctx.db
      .updateTable('users')
      .set((eb) => ({
        sysadmin: sysadmin ? 1 : 0,
        credential_version: eb('credential_version', '+', 1),
        updated_at: this.ctx.now(),
      }))
      .where('id', '=', id)
      .execute();
    await this.ctx.signals.raise('credentials');
  }

  /** Deletes a user and their memberships; one who still owns projects is refused (PRECONDITION_FAILED). */
  async delete(id: number): Promise<void> {
    const user = await this.get(id);
    const owned = await this.ctx.db
      .selectFrom('projects')
      .select('name')
      .where('owner_id', '=', id)
      .executeTakeFirst();
    if (owned)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `${user.username} owns project ${owned.name}; delete it or change its owner first`,
      );
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom('project_members')
        .where('entity_type', '=', 'u')
        .where('entity_id', '=', id)
        .execute();
      await tx.deleteFrom('users').where('id', '=', id).execute();
    });
    await this.ctx.signals.raise('credentials');
  }

  async changePassword(id: number, newPassword: string, oldPassword?: string): Promise<void> {
    const user = await this.get(id);
    if (oldPassword !== undefined) {
      const ok =
        user.password_hash !== null && (await verify(user.password_hash, oldPassword).catch(() => false));
      if (!ok) throw new BerthError('FORBIDDEN', 'the old password is wrong');
    }
    assertPasswordPolicy(newPassword);
    const passwordHash = await hash(newPassword);
    // A new password ends every portal session and every token issued before it (they name the
    // credential version it raises), on every replica.
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set((eb) => ({
          password_hash: passwordHash,
          credential_version: eb('credential_version', '+', 1),
          updated_at: this.ctx.now(),
        }))
        .where('id', '=', id)
        .execute();
      await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
    });
    await this.ctx.signals.raise('credentials');
  }

  /**
   * On first start, the system administrator `admin`: with the configured password, or a generated
   * one that the caller shows once. Returns undefined when users exist already.
   */
  async bootstrapAdmin(configured: string): Promise<{ user: User; generatedPassword?: string } | undefined> {
    if ((await countUsers(this.ctx.db)) > 0) return undefined;
    const generated = configured === '' ? generatePassword() : undefined;
    const user = await this.create({
      username: 'admin',
      password: configured || generated,
      realname: 'system admin',
      comment: 'created on first start',
      sysadmin: true,
    }).catch((error: unknown) => {
      if (error instanceof BerthError && error.code === 'CONFLICT') return undefined;
      throw error;
    });
    if (!user) return undefined;
    return generated ? { user, generatedPassword: generated } : { user };
  }
}
