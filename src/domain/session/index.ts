export {
  type ActiveSession,
  csrfMatches,
  type NewSession,
  type SessionOptions,
  SessionService,
} from './session.service.js';
