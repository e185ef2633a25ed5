/** A project's storage quota: its limit (`hard`, -1 for none) and what it holds (`used`), in bytes. */
export interface Quota {
  readonly id: number;
  readonly projectId: number;
  readonly projectName: string;
  readonly ownerName: string;
  readonly hard: number;
  readonly used: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
