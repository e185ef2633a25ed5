/** Harbor's CVEAllowlist: CVE ids that do not count against the vulnerability policy, until expires_at. */
export interface CveAllowlist {
  readonly projectId: number;
  /** Undefined: never expires. Harbor keeps it to the second. */
  readonly expiresAt: Date | undefined;
  readonly items: string[];
  /** Undefined for a list never stored (an empty one). */
  readonly createdAt: Date | undefined;
  readonly updatedAt: Date | undefined;
}
