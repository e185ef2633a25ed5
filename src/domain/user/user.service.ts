import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { BerthError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import type { Listed } from '../pagination.js';
import { type Actor, firstAdministratorId, type NewUser, type User, type UserProfile } from './user.model.js';
import {
  countUsers,
  credentialsOf,
  deleteUser,
  insertUser,
  listUsers,
  ownedProject,
  setPassword,
  setSysadmin,
  takenBy,
  type UserListQuery,
  updateProfile,
  userById,
  userByName,
} from './user.repo.js';

// Harbor's rules: no spaces or ,"~#$% in names; passwords of 8 to 128 characters with an upper-case
// letter, a lower-case letter and a digit; Harbor's address pattern; no ,~#$% in real names; comments
// of at most 30 characters.
const usernamePattern = /^[^\s,"~#$%]{1,255}$/;
const emailPattern =
  /^(([^<>()[\]\\.,;:\s@"]+(\.[^<>()[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$/;

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

function assertProfile(profile: UserProfile): void {
  if (profile.email !== undefined && profile.email !== '' && !emailPattern.test(profile.email))
    throw new BerthError('INVALID_INPUT', `email with illegal format: "${profile.email.slice(0, 100)}"`);
  if (profile.realname !== undefined) {
    if (profile.realname.length > 255)
      throw new BerthError('INVALID_INPUT', 'realname with illegal length (at most 255 characters)');
    if (/[,~#$%]/.test(profile.realname))
      throw new BerthError('INVALID_INPUT', 'realname contains illegal characters (any of ,~#$%)');
  }
  if (profile.comment !== undefined && profile.comment.length > 30)
    throw new BerthError('INVALID_INPUT', 'comment with illegal length (at most 30 characters)');
}

const takenError = (what: 'username' | 'email', input: { username?: string; email?: string | undefined }) =>
  new BerthError(
    'CONFLICT',
    what === 'username'
      ? `the username ${input.username} is already taken`
      : `the email ${input.email} is already taken`,
  );

/**
 * Local users: argon2id password hashes, verified in constant time whether or not the user exists,
 * and the rules of who may change what of whom (nobody deletes themself or changes their own
 * administrator flag; a user changing their own password proves the old one unless an administrator).
 */
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
    assertProfile(input);
    const taken = await takenBy(this.ctx.db, input.username, input.email);
    if (taken) throw takenError(taken, input);
    const user = await insertUser(this.ctx.db, {
      username: input.username,
      email: input.email || null,
      realname: input.realname ?? '',
      comment: input.comment ?? '',
      passwordHash: input.password === undefined ? null : await hash(input.password),
      sysadmin: input.sysadmin ?? false,
      now: this.ctx.now(),
    });
    // Another request took the name or the address meanwhile.
    if (!user)
      throw takenError((await takenBy(this.ctx.db, input.username, input.email)) ?? 'username', input);
    return user;
  }

  /** The user whose password this is, or undefined; takes the same time for unknown users. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const found = await credentialsOf(this.ctx.db, { username });
    if (!found?.passwordHash) {
      this.dummyHash ??= hash(generatePassword());
      await verify(await this.dummyHash, password).catch(() => false);
      return undefined;
    }
    return (await verify(found.passwordHash, password).catch(() => false)) ? found.user : undefined;
  }

  async get(id: number): Promise<User> {
    const user = await userById(this.ctx.db, id);
    if (!user) throw new BerthError('NOT_FOUND', `user ${id} not found`);
    return user;
  }

  async find(id: number): Promise<User | undefined> {
    return userById(this.ctx.db, id);
  }

  async findByName(username: string): Promise<User | undefined> {
    return userByName(this.ctx.db, username);
  }

  /** A page of users matching Harbor's `q` filters, by user name unless sorted otherwise. */
  async list(query: UserListQuery): Promise<Listed<User>> {
    return listUsers(this.ctx.db, query);
  }

  /** Users whose name contains the text, by name: what anyone signed in may look up (to add a member). */
  async search(username: string, page: { page: number; pageSize: number }): Promise<Listed<User>> {
    return listUsers(this.ctx.db, {
      ...page,
      filters: { username: { kind: 'fuzzy', value: username } },
      sorts: [],
    });
  }

  async updateProfile(id: number, profile: UserProfile): Promise<void> {
    await this.get(id);
    assertProfile(profile);
    const taken = profile.email ? await takenBy(this.ctx.db, undefined, profile.email, id) : undefined;
    if (taken) throw takenError(taken, profile);
    await updateProfile(
      this.ctx.db,
      id,
      { ...profile, ...(profile.email !== undefined ? { email: profile.email || null } : {}) },
      this.ctx.now(),
    );
  }

  /** Grants or revokes system administration; nobody changes their own flag (they could lock everyone out). */
  async setSysadmin(actor: Actor, id: number, sysadmin: boolean): Promise<void> {
    if (actor.userId === id)
      throw new BerthError('FORBIDDEN', 'you may not change your own administrator flag');
    await this.get(id);
    await setSysadmin(this.ctx.db, id, sysadmin, this.ctx.now());
    await this.ctx.signals.raise('credentials');
  }

  /**
   * Deletes a user and their memberships. Nobody deletes themself, the first administrator is never
   * deleted (as Harbor's user 1), and one who still owns projects is refused (PRECONDITION_FAILED).
   */
  async delete(actor: Actor, id: number): Promise<void> {
    if (actor.userId === id) throw new BerthError('FORBIDDEN', 'you may not delete yourself');
    if (id === firstAdministratorId)
      throw new BerthError('FORBIDDEN', `user ${id}, the first administrator, cannot be deleted`);
    const user = await this.get(id);
    const owned = await ownedProject(this.ctx.db, id);
    if (owned)
      throw new BerthError(
        'PRECONDITION_FAILED',
        `${user.username} owns project ${owned}; delete it or change its owner first`,
      );
    await deleteUser(this.ctx.db, id);
    await this.ctx.signals.raise('credentials');
  }

  /**
   * Sets a new password. A user changing their own proves the old one (an administrator may leave it
   * out, and is checked when they give it) and must choose another. Every portal session and every
   * token issued before it ends, on every replica.
   */
  async changePassword(actor: Actor, id: number, newPassword: string, oldPassword?: string): Promise<void> {
    const found = await credentialsOf(this.ctx.db, { id });
    if (!found) throw new BerthError('NOT_FOUND', `user ${id} not found`);
    const self = actor.userId === id;
    if (self && oldPassword === undefined && !actor.sysadmin)
      throw new BerthError('INVALID_INPUT', 'old_password is required to change your own password');
    const matches = async (password: string) =>
      found.passwordHash !== null && (await verify(found.passwordHash, password).catch(() => false));
    if (self && oldPassword !== undefined && !(await matches(oldPassword)))
      throw new BerthError('FORBIDDEN', 'the current password is incorrect');
    assertPasswordPolicy(newPassword);
    // Someone changing their own password means to change it; an administrator may set the same one
    // again (which still ends every session and token of the user).
    if (self && (await matches(newPassword)))
      throw new BerthError('INVALID_INPUT', 'the new password is identical to the old one');
    await setPassword(this.ctx.db, id, await hash(newPassword), this.ctx.now());
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
