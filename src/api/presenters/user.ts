import type { User } from '../../domain/user/index.js';

/** Harbor's UserResp. */
export function userResponse(user: User) {
  return {
    user_id: user.id,
    username: user.username,
    email: user.email ?? '',
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin,
    // Granted by a directory (LDAP admin group); Berth's users are local.
    admin_role_in_auth: false,
    creation_time: user.createdAt.toISOString(),
    update_time: user.updatedAt.toISOString(),
  };
}

/** Harbor's UserSearchRespItem: the id and the name, nothing more (anyone signed in may search). */
export function userSearchItem(user: User) {
  return { user_id: user.id, username: user.username };
}
