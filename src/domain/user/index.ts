export { assertPasswordPolicy, generatePassword, type NewUser, UserService } from './user.service.js';
