import type { Project } from '../domain/project/index.js';
import { BerthError } from '../lib/errors.js';
import type { AllowlistService } from './allowlist.js';
import type { ScanService } from './scan.service.js';
import type { ScannerRegistrations } from './scanners/registrations.js';
import { type Severity, severities } from './vulndb/cvss.js';

export interface PolicyVerdict {
  readonly allowed: boolean;
  /** Why a pull is refused, in words for the client and the audit log. */
  readonly reason?: string;
}

const thresholdOf: Record<string, Severity> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  none: 'None',
};

/** Whether a finding of severity `s` is at or above the threshold (Unknown counts only at `none`). */
function reaches(s: Severity, threshold: Severity): boolean {
  if (threshold === 'None') return true;
  if (s === 'Unknown' || s === 'None') return false;
  return severities.indexOf(s) <= severities.indexOf(threshold);
}

/**
 * The project's "prevent vulnerable images from running" policy: when `prevent_vul` is on, a pull of a
 * manifest whose scan found vulnerabilities at or above `severity` (those on the CVE allowlist
 * aside) is refused; with `prevent_unscanned` on, so is a pull of one not successfully scanned yet.
 */
export class VulnerabilityPolicy {
  constructor(
    private readonly scans: ScanService,
    private readonly allowlists: AllowlistService,
    private readonly registrations: ScannerRegistrations,
  ) {}

  async verdict(project: Project, digest: string): Promise<PolicyVerdict> {
    const meta = project.metadata;
    if (meta.prevent_vul !== 'true') return { allowed: true };
    const threshold = thresholdOf[meta.severity ?? 'low'] ?? 'Low';
    // The last successful report of the scanner the project uses now (one stands while a rescan runs).
    const scanner = (await this.registrations.forProject(project.id)).uuid;
    const details = await this.scans.storedDetails(digest, scanner);
    if (!details) {
      return meta.prevent_unscanned === 'true'
        ? {
            allowed: false,
            reason: `the image has not been scanned yet and the project's policy refuses unscanned images; scan it first`,
          }
        : { allowed: true };
    }
    const allowed = await this.allowlists.effective(project.id, meta.reuse_sys_cve_allowlist === 'true');
    const blocking = details.findings.filter(
      (f) => reaches(f.severity, threshold) && !allowed.has(f.id) && !f.osvIds.some((id) => allowed.has(id)),
    );
    if (blocking.length === 0) return { allowed: true };
    return {
      allowed: false,
      reason:
        `current image with ${blocking.length} vulnerabilities cannot be pulled due to configured policy in ` +
        `'Prevent images with vulnerability severity of "${threshold}" or higher from running.' To continue with ` +
        'pull, please contact your project administrator to exempt matched vulnerabilities through configuring ' +
        'the CVE allowlist.',
    };
  }

  /** Throws PRECONDITION_FAILED (412 DENIED on /v2) when the policy refuses the pull. */
  async check(project: Project, digest: string): Promise<void> {
    const verdict = await this.verdict(project, digest);
    if (!verdict.allowed) throw new BerthError('PRECONDITION_FAILED', verdict.reason ?? 'refused by policy');
  }
}
