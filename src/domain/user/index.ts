export {
  type Actor,
  firstAdministratorId,
  type NewUser,
  type User,
  type UserField,
  type UserProfile,
} from './user.model.js';
export type { UserListQuery } from './user.repo.js';
export { assertPasswordPolicy, generatePassword, UserService } from './user.service.js';
