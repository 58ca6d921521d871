import type { JsonMember, JsonObjectNode } from './json-positions.js';
import { compareMajorMinor, type MajorMinor } from '../version-rule.js';

/**
 * The keys dockerd accepts in daemon.json. dockerd decides it the same way in every release
 * since 1.13: a key is known when it is the long name of one of its flags, the "named"
 * plural of a list flag (`labels` for `--label`), or one of a few keys exempt from the check.
 * An object value whose key is not a "flat" option is flattened first: its members are
 * checked instead of the key itself (that is how `{"tls": ...}`-style nesting passes).
 *
 * The 20.10 list was probed against Debian's dockerd 20.10.24 (each key alone in a file);
 * keys added or removed later carry the release that changed them.
 */
const flagKeys2010 = [
  'add-runtime', 'allow-nondistributable-artifacts', 'api-cors-header', 'authorization-plugin',
  'bip', 'bridge', 'cgroup-parent', 'config-file', 'containerd', 'containerd-namespace',
  'containerd-plugins-namespace', 'cpu-rt-period', 'cpu-rt-runtime', 'cri-containerd', 'data-root',
  'debug', 'default-address-pool', 'default-cgroupns-mode', 'default-gateway', 'default-gateway-v6',
  'default-ipc-mode', 'default-runtime', 'default-shm-size', 'default-ulimit', 'dns', 'dns-opt',
  'dns-search', 'exec-opt', 'exec-root', 'experimental', 'fixed-cidr', 'fixed-cidr-v6', 'group',
  'help', 'host', 'host-gateway-ip', 'icc', 'init', 'init-path', 'insecure-registry', 'ip',
  'ip-forward', 'ip-masq', 'ip6tables', 'iptables', 'ipv6', 'label', 'live-restore', 'log-driver',
  'log-level', 'log-opt', 'max-concurrent-downloads', 'max-concurrent-uploads',
  'max-download-attempts', 'metrics-addr', 'mtu', 'network-control-plane-mtu', 'no-new-privileges',
  'node-generic-resource', 'oom-score-adjust', 'pidfile', 'raw-logs', 'registry-mirror', 'rootless',
  'seccomp-profile', 'selinux-enabled', 'shutdown-timeout', 'storage-driver', 'storage-opt',
  'swarm-default-advertise-addr', 'tls', 'tlscacert', 'tlscert', 'tlskey', 'tlsverify',
  'userland-proxy', 'userland-proxy-path', 'userns-remap', 'version',
  // Hidden (deprecated) flags of 20.10 that still count as known keys.
  'graph', 'restart', 'cluster-store', 'cluster-store-opt', 'cluster-advertise', 'network-diagnostic-port',
] as const;

const namedKeys2010 = [
  'hosts', 'labels', 'dns-opts', 'exec-opts', 'storage-opts', 'insecure-registries',
  'registry-mirrors', 'authorization-plugins', 'log-opts', 'default-ulimits', 'runtimes',
  'node-generic-resources', 'default-address-pools', 'cluster-store-opts',
] as const;

/** Exempt from the unknown-key check. */
const skippedKeys = ['features', 'builder', 'deprecated-key-path'] as const;

/** Never flattened even when their value is an object. */
export const flatKeys: ReadonlySet<string> = new Set([
  'cluster-store-opts', 'log-opts', 'runtimes', 'default-ulimits', 'features', 'builder',
  'default-network-opts',
]);

interface Change {
  readonly since?: MajorMinor;
  readonly until?: MajorMinor;
}

/** Keys whose validity depends on the daemon's release (`until`: first release without it). */
const versionedKeys: Readonly<Record<string, Change>> = {
  'http-proxy': { since: { major: 23, minor: 0 } },
  'https-proxy': { since: { major: 23, minor: 0 } },
  'no-proxy': { since: { major: 23, minor: 0 } },
  validate: { since: { major: 23, minor: 0 } },
  'default-network-opt': { since: { major: 24, minor: 0 } },
  'default-network-opts': { since: { major: 24, minor: 0 } },
  'cdi-spec-dir': { since: { major: 25, minor: 0 } },
  'cdi-spec-dirs': { since: { major: 25, minor: 0 } },
  'log-format': { since: { major: 25, minor: 0 } },
  feature: { since: { major: 27, minor: 0 } },
  'ip-forward-no-drop': { since: { major: 27, minor: 0 } },
  'host-gateway-ips': { since: { major: 28, minor: 0 } },
  'bridge-accept-fwmark': { since: { major: 28, minor: 0 } },
  'allow-direct-routing': { since: { major: 28, minor: 0 } },
  'firewall-backend': { since: { major: 28, minor: 0 } },
  graph: { until: { major: 23, minor: 0 } },
  restart: { until: { major: 23, minor: 0 } },
  'cluster-store': { until: { major: 23, minor: 0 } },
  'cluster-store-opt': { until: { major: 23, minor: 0 } },
  'cluster-store-opts': { until: { major: 23, minor: 0 } },
  'cluster-advertise': { until: { major: 23, minor: 0 } },
};

const alwaysKnown: ReadonlySet<string> = new Set<string>([...flagKeys2010, ...namedKeys2010, ...skippedKeys]);

/** Whether dockerd of `version` (any release we know when undefined) accepts `key`. */
export const isKnownDaemonKey = (key: string, version?: MajorMinor): boolean => {
  const change = versionedKeys[key];
  if (change === undefined) return alwaysKnown.has(key);
  if (version === undefined) return true;
  if (change.since !== undefined && compareMajorMinor(version, change.since) < 0) return false;
  if (change.until !== undefined && compareMajorMinor(version, change.until) >= 0) return false;
  return true;
};

/** The members dockerd would reject as "don't match any configuration option". */
export const findUnknownKeys = (root: JsonObjectNode, version?: MajorMinor): JsonMember[] => {
  const unknown: JsonMember[] = [];
  for (const member of root.members) {
    if (member.value.kind === 'object' && !flatKeys.has(member.key)) {
      for (const child of member.value.members) {
        if (!isKnownDaemonKey(child.key, version)) unknown.push(child);
      }
    } else if (!isKnownDaemonKey(member.key, version)) {
      unknown.push(member);
    }
  }
  return unknown;
};

/** The keys dockerd compares with its flags: the top level, with non-flat objects flattened. */
export const flattenedKeys = (root: JsonObjectNode | undefined): string[] => {
  const keys: string[] = [];
  for (const member of root?.members ?? []) {
    if (member.value.kind === 'object' && !flatKeys.has(member.key)) keys.push(...member.value.members.map((m) => m.key));
    else keys.push(member.key);
  }
  return [...new Set(keys)];
};
