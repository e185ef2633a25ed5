import { createHash } from 'node:crypto';
import type { DetectedPackage } from './detect.js';
import type { OperatingSystem } from './detectors/os-release.js';

export const spdxMediaType = 'application/spdx+json';
export const cyclonedxMediaType = 'application/vnd.cyclonedx+json';

export interface SbomSubject {
  readonly repository: string;
  readonly digest: string;
  /** Epoch ms: the artifact's push time, so that the same packages always give the same document. */
  readonly created: number;
}

export interface SbomInput {
  readonly os: OperatingSystem | undefined;
  readonly packages: readonly DetectedPackage[];
}

const enc = encodeURIComponent;

/** The package URL (purl) of a detected package. */
export function purlOf(pkg: DetectedPackage, os: OperatingSystem | undefined): string {
  const version = enc(pkg.version);
  switch (pkg.type) {
    case 'os': {
      const type = os?.id === 'alpine' ? 'apk' : os?.id === 'debian' || os?.id === 'ubuntu' ? 'deb' : 'rpm';
      const distro = os ? `?distro=${enc(`${os.id}-${os.versionId}`)}` : '';
      return `pkg:${type}/${enc(os?.id ?? 'unknown')}/${enc(pkg.name)}@${version}${distro}`;
    }
    case 'npm': {
      const [scope, name] = pkg.name.startsWith('@') ? pkg.name.split('/') : [undefined, pkg.name];
      return `pkg:npm/${scope ? `${enc(scope)}/` : ''}${enc(name ?? pkg.name)}@${version}`;
    }
    case 'pypi':
      return `pkg:pypi/${enc(pkg.name.toLowerCase().replace(/[-_.]+/g, '-'))}@${version}`;
    case 'go':
      return `pkg:golang/${pkg.name.split('/').map(enc).join('/')}@${version}`;
    case 'maven': {
      const [group, artifact] = pkg.name.split(':');
      return `pkg:maven/${enc(group ?? '')}/${enc(artifact ?? '')}@${version}`;
    }
  }
}

const sorted = (packages: readonly DetectedPackage[]) =>
  [...packages].sort((a, b) =>
    a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1,
  );

/** A stable identifier derived from the content, so that equal inputs give byte-identical documents. */
const fingerprint = (subject: SbomSubject, input: SbomInput) =>
  createHash('sha256')
    .update(`${subject.repository}@${subject.digest}\n`)
    .update(
      sorted(input.packages)
        .map((p) => `${p.ecosystem} ${p.name} ${p.version}`)
        .join('\n'),
    )
    .digest('hex');

/** An SPDX 2.3 JSON document of the image and its packages. */
export function spdxDocument(subject: SbomSubject, input: SbomInput, tool: string): Record<string, unknown> {
  const packages = sorted(input.packages);
  const imageId = 'SPDXRef-Image';
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${subject.repository}@${subject.digest}`,
    documentNamespace: `https://berth.invalid/spdx/${fingerprint(subject, input)}`,
    creationInfo: { created: new Date(subject.created).toISOString(), creators: [`Tool: ${tool}`] },
    packages: [
      {
        name: subject.repository,
        SPDXID: imageId,
        versionInfo: subject.digest,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        primaryPackagePurpose: 'CONTAINER',
        ...(input.os ? { comment: `operating system: ${input.os.prettyName}` } : {}),
      },
      ...packages.map((p, i) => ({
        name: p.name,
        SPDXID: `SPDXRef-Package-${i + 1}`,
        versionInfo: p.version,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        sourceInfo: `found in ${p.location}${p.layer ? ` (layer ${p.layer})` : ''}`,
        externalRefs: [
          {
            referenceCategory: 'PACKAGE-MANAGER',
            referenceType: 'purl',
            referenceLocator: purlOf(p, input.os),
          },
        ],
      })),
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
      ...packages.map((_, i) => ({
        spdxElementId: imageId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: `SPDXRef-Package-${i + 1}`,
      })),
    ],
  };
}

/** A CycloneDX 1.5 JSON BOM of the image and its packages. */
export function cyclonedxDocument(
  subject: SbomSubject,
  input: SbomInput,
  tool: { name: string; version: string },
): Record<string, unknown> {
  const hex = fingerprint(subject, input);
  const serial = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const seen = new Set<string>();
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      timestamp: new Date(subject.created).toISOString(),
      tools: { components: [{ type: 'application', name: tool.name, version: tool.version }] },
      component: {
        type: 'container',
        name: subject.repository,
        version: subject.digest,
        'bom-ref': subject.digest,
      },
    },
    components: sorted(input.packages).flatMap((p) => {
      const purl = purlOf(p, input.os);
      if (seen.has(purl)) return [];
      seen.add(purl);
      return [
        {
          type: 'library',
          name: p.name,
          version: p.version,
          purl,
          'bom-ref': purl,
          properties: [
            { name: 'berth:location', value: p.location },
            ...(p.layer ? [{ name: 'berth:layer', value: p.layer }] : []),
          ],
        },
      ];
    }),
  };
}
