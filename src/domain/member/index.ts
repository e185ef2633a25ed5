export type { Member, MemberEntityType, NewMember } from './member.model.js';
export { MemberService } from './member.service.js';
