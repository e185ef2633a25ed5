import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './support/process.js';
import { tempDir } from './support/services.js';

const run = promisify(execFile);
const depcruise = path.join(projectRoot, 'node_modules/.bin/depcruise');

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], { cwd });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('the layer rule (STYLE.md), enforced by dependency-cruiser', () => {
  it('holds for the project and actually cruises its modules', async () => {
    const { code, output } = await cruise(projectRoot);
    expect(output).toMatch(/no dependency violations found \((\d{2,}) modules/);
    expect(code).toBe(0);
  });

  it('fails on a planted violation (lib importing registry, registry importing api)', async () => {
    const { dir, remove } = await tempDir('berth-layers-');
    try {
      await copyFile(
        path.join(projectRoot, '.dependency-cruiser.cjs'),
        path.join(dir, '.dependency-cruiser.cjs'),
      );
      await writeFile(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
        }),
      );
      for (const folder of ['lib', 'registry', 'api'])
        await mkdir(path.join(dir, 'src', folder), { recursive: true });
      await writeFile(
        path.join(dir, 'src/lib/util.ts'),
        "import { route } from '../registry/route.js';\nexport const util = route;\n",
      );
      await writeFile(
        path.join(dir, 'src/registry/route.ts'),
        "import { api } from '../api/api.js';\nexport const route = api;\n",
      );
      await writeFile(path.join(dir, 'src/api/api.ts'), 'export const api = 1;\n');
      const { code, output } = await cruise(dir);
      expect(code).not.toBe(0);
      expect(output).toContain('layer-lib');
      expect(output).toContain('layer-registry');
    } finally {
      await remove();
    }
  });
});
