import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, databaseUrl, filesystemRoot, loadConfig, redacted } from './index.js';

function yamlFile(text: string): string {
  const file = path.join(tmpdir(), `berth-config-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('has defaults for one machine: port 5000, SQLite and a folder under ./data', () => {
    const config = loadConfig();
    expect(config.port).toBe(5000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.storage.driver).toBe('filesystem');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(databaseUrl(config)).toBe(`sqlite:${path.resolve('data/berth.db')}`);
    expect(filesystemRoot(config)).toBe(path.resolve('data/storage'));
    expect(config.registry.manifestMaxBytes).toBe(4 * 1024 * 1024);
  });

  it('hides every secret when printed', () => {
    const config = loadConfig({
      env: {
        BERTH_ADMIN_PASSWORD: 'first-admin-secret',
        BERTH_S3_SECRET_ACCESS_KEY: 'store-secret',
        BERTH_DATABASE_URL: 'postgres://berth:db-secret@db/berth',
      },
    });
    const printed = JSON.stringify(redacted(config));
    for (const secret of ['first-admin-secret', 'store-secret', 'db-secret'])
      expect(printed).not.toContain(secret);
    expect(config.auth.adminPassword).toBe('first-admin-secret');
  });

  it('reads comma-separated lists from the environment', () => {
    const config = loadConfig({
      env: { BERTH_ADMISSION_REGISTRY_HOSTS: 'registry.example.com, mirror:5000,' },
    });
    expect(config.admission.registryHosts).toEqual(['registry.example.com', 'mirror:5000']);
  });

  it('layers defaults < YAML file < BERTH_* environment', () => {
    const file = yamlFile(
      'port: 6000\nlog:\n  level: debug\nstorage:\n  driver: s3\n  s3:\n    bucket: from-file\n    region: eu-west-1\n',
    );
    const config = loadConfig({
      file,
      env: {
        BERTH_PORT: '7000',
        BERTH_S3_BUCKET: 'from-env',
        BERTH_S3_FORCE_PATH_STYLE: 'true',
        HOME: '/root',
      },
    });
    expect(config.port).toBe(7000);
    expect(config.log.level).toBe('debug');
    expect(config.storage.s3).toMatchObject({
      bucket: 'from-env',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
  });

  it('reads every documented environment variable', () => {
    const config = loadConfig({
      env: {
        BERTH_HOST: '0.0.0.0',
        BERTH_DATA_DIR: '/var/lib/berth',
        BERTH_DATABASE_URL: 'postgres://u:p@db/berth',
        BERTH_STORAGE: 's3',
        BERTH_S3_BUCKET: 'b',
        BERTH_S3_REGION: 'r',
        BERTH_S3_ENDPOINT: 'http://minio:9000',
        BERTH_S3_ACCESS_KEY_ID: 'id',
        BERTH_S3_SECRET_ACCESS_KEY: 'secret',
        BERTH_LOG_LEVEL: 'warn',
      },
    });
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/var/lib/berth');
    expect(databaseUrl(config)).toBe('postgres://u:p@db/berth');
    expect(config.storage).toMatchObject({
      driver: 's3',
      s3: {
        bucket: 'b',
        region: 'r',
        endpoint: 'http://minio:9000',
        accessKeyId: 'id',
        secretAccessKey: 'secret',
      },
    });
    expect(config.log.level).toBe('warn');
  });

  it.each([
    [{ env: { BERTH_PORT: 'eighty' } }, /BERTH_PORT: expected an integer/],
    [{ env: { BERTH_PORT: '70000' } }, /port:/],
    [{ env: { BERTH_STORAGE: 'ftp' } }, /storage\.driver/],
    [{ env: { BERTH_S3_FORCE_PATH_STYLE: 'maybe' } }, /BERTH_S3_FORCE_PATH_STYLE: expected true or false/],
    [{ env: { BERTH_STORAGE: 's3' } }, /storage\.s3\.bucket: required/],
    [{ env: { BERTH_LOG_LEVEL: 'loud' } }, /log\.level/],
    [{ file: yamlFile('prot: 5000\n') }, /prot: unknown key/],
    [{ file: yamlFile('storage:\n  s3:\n    buckett: x\n') }, /storage\.s3\.buckett: unknown key/],
    [{ file: yamlFile('port: [1\n') }, /not valid YAML/],
    [{ file: yamlFile('- a\n- b\n') }, /must hold a mapping/],
    [{ file: '/nonexistent/berth.yaml' }, /cannot read config file/],
  ])('refuses bad settings with the key named: %j', (options, message) => {
    expect(() => loadConfig(options)).toThrow(ConfigError);
    expect(() => loadConfig(options)).toThrow(message);
  });
});
