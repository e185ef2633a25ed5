export type { ActiveSession, NewSession, SessionOptions } from './session.model.js';
export { csrfMatches, SessionService } from './session.service.js';
