/** Harbor's project role ids. */
export const ProjectRole = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
} as const;

export const projectRoleIds: readonly number[] = Object.values(ProjectRole);

export const roleNames: Readonly<Record<number, string>> = {
  [ProjectRole.projectAdmin]: 'projectAdmin',
  [ProjectRole.developer]: 'developer',
  [ProjectRole.guest]: 'guest',
  [ProjectRole.maintainer]: 'maintainer',
  [ProjectRole.limitedGuest]: 'limitedGuest',
};
