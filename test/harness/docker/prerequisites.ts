// No vitest import: probing prerequisites must work outside a test worker too.
import { accessSync, constants } from 'node:fs';

/** Programs a private dockerd needs (Debian's docker.io, containerd, runc, busybox-static). */
export const DOCKER_PROGRAMS = {
  dockerd: ['/usr/sbin/dockerd', '/usr/bin/dockerd'],
  containerd: ['/usr/bin/containerd', '/usr/sbin/containerd'],
  'containerd-shim-runc-v2': ['/usr/bin/containerd-shim-runc-v2'],
  runc: ['/usr/sbin/runc', '/usr/bin/runc'],
  busybox: ['/bin/busybox', '/usr/bin/busybox'],
  tar: ['/usr/bin/tar', '/bin/tar'],
} as const;

export type DockerProgram = keyof typeof DOCKER_PROGRAMS;

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const findProgram = (name: DockerProgram): string | undefined => DOCKER_PROGRAMS[name].find(executable);

export const requireProgram = (name: DockerProgram): string => {
  const path = findProgram(name);
  if (path === undefined) throw new Error(`Cannot find ${name} (looked in ${DOCKER_PROGRAMS[name].join(', ')})`);
  return path;
};

/** Why a private dockerd cannot run here, or undefined when it can. */
export const dockerUnavailableReason = (): string | undefined => {
  if (process.platform !== 'linux') return 'a private dockerd needs Linux';
  if (process.getuid?.() !== 0) return 'a private dockerd needs root (run the tests as root)';
  const missing = (Object.keys(DOCKER_PROGRAMS) as DockerProgram[]).filter((name) => findProgram(name) === undefined);
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (scripts/install-system-deps.sh installs docker.io and busybox-static)`;
  }
  return undefined;
};
