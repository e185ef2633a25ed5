import type { AdapterHealth, ScannerRegistration } from '../../scan/index.js';

/** Harbor's ScannerRegistration, with what its adapter says of itself (or that it is down); never the credential. */
export function registrationResponse(registration: ScannerRegistration, health: AdapterHealth) {
  const capabilities = health.metadata?.capabilities ?? [];
  const supports = (type: string) => capabilities.some((c) => (c.type ?? 'vulnerability') === type);
  return {
    uuid: registration.uuid,
    name: registration.name,
    description: registration.description,
    url: registration.url,
    disabled: registration.disabled,
    is_default: registration.isDefault,
    auth: registration.auth,
    access_credential: '',
    skip_certVerify: registration.skipCertVerify,
    use_internal_addr: registration.useInternalAddr,
    create_time: registration.createdAt.toISOString(),
    update_time: registration.updatedAt.toISOString(),
    adapter: health.metadata?.scanner.name ?? '',
    vendor: health.metadata?.scanner.vendor ?? '',
    version: health.metadata?.scanner.version ?? '',
    health: health.healthy ? 'healthy' : 'unhealthy',
    capabilities: { support_vulnerability: supports('vulnerability'), support_sbom: supports('sbom') },
  };
}
