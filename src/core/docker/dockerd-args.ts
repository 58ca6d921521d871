/**
 * dockerd's command line (from /proc/<pid>/cmdline) read the way its flag parser (pflag)
 * reads it, and the directives it sets that daemon.json must not set again: dockerd refuses
 * to start (and to reload) when "the following directives are specified both as a flag and in
 * the configuration file".
 */
export interface DockerdFlag {
  /** Long name without dashes (`live-restore`), short flags mapped to theirs. */
  readonly name: string;
  /** The value, or true for a boolean flag given bare. */
  readonly value: string | true;
}

export interface DockerdCommandLine {
  readonly argv: readonly string[];
  readonly flags: readonly DockerdFlag[];
}

const shortFlags: Readonly<Record<string, string>> = {
  b: 'bridge',
  D: 'debug',
  G: 'group',
  H: 'host',
  l: 'log-level',
  p: 'pidfile',
  s: 'storage-driver',
  g: 'graph',
  v: 'version',
  h: 'help',
};

/** Flags that take no separate value (`--live-restore`, `--live-restore=false`). */
const booleanFlags: ReadonlySet<string> = new Set([
  'allow-direct-routing', 'cri-containerd', 'debug', 'experimental', 'help', 'icc', 'init',
  'ip-forward', 'ip-forward-no-drop', 'ip-masq', 'ip6tables', 'iptables', 'ipv6', 'live-restore',
  'no-new-privileges', 'raw-logs', 'rootless', 'selinux-enabled', 'tls', 'tlsverify',
  'userland-proxy', 'validate', 'version',
]);

/**
 * List flags whose daemon.json key is a different ("named") word. dockerd compares a set
 * flag with that key only, so `--label` conflicts with "labels" but not with "label".
 */
export const namedFlagKeys: Readonly<Record<string, string>> = {
  host: 'hosts',
  label: 'labels',
  'dns-opt': 'dns-opts',
  'exec-opt': 'exec-opts',
  'storage-opt': 'storage-opts',
  'insecure-registry': 'insecure-registries',
  'registry-mirror': 'registry-mirrors',
  'authorization-plugin': 'authorization-plugins',
  'log-opt': 'log-opts',
  'default-ulimit': 'default-ulimits',
  'add-runtime': 'runtimes',
  'node-generic-resource': 'node-generic-resources',
  'default-address-pool': 'default-address-pools',
  'cluster-store-opt': 'cluster-store-opts',
  'default-network-opt': 'default-network-opts',
  'cdi-spec-dir': 'cdi-spec-dirs',
};

export const parseDockerdCommandLine = (argv: readonly string[]): DockerdCommandLine => {
  const flags: DockerdFlag[] = [];
  // argv[0] is the program; dockerd takes no positional arguments.
  for (let i = 1; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) flags.push({ name, value: arg.slice(eq + 1) });
      else if (booleanFlags.has(name)) flags.push({ name, value: true });
      else {
        flags.push({ name, value: argv[i + 1] ?? '' });
        i += 1;
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      i = parseShortCluster(argv, i, flags);
    }
  }
  return { argv, flags };
};

/** `-D`, `-H unix://x`, `-Hunix://x`, `-H=unix://x`, `-Dl debug`. Returns the last index used. */
const parseShortCluster = (argv: readonly string[], index: number, flags: DockerdFlag[]): number => {
  const arg = argv[index] ?? '';
  for (let j = 1; j < arg.length; j += 1) {
    const letter = arg[j] ?? '';
    const name = shortFlags[letter] ?? letter;
    if (booleanFlags.has(name)) {
      if (arg[j + 1] === '=') {
        flags.push({ name, value: arg.slice(j + 2) });
        return index;
      }
      flags.push({ name, value: true });
      continue;
    }
    const rest = arg.slice(j + 1).replace(/^=/, '');
    if (rest !== '') {
      flags.push({ name, value: rest });
      return index;
    }
    flags.push({ name, value: argv[index + 1] ?? '' });
    return index + 1;
  }
  return index;
};

export const flagValues = (line: DockerdCommandLine, name: string): string[] =>
  line.flags.filter((f) => f.name === name).map((f) => (f.value === true ? 'true' : f.value));

export const lastFlagValue = (line: DockerdCommandLine, name: string): string | undefined => flagValues(line, name).at(-1);

/** A boolean flag's value: true, false, or undefined when the flag is not on the line. */
export const booleanFlag = (line: DockerdCommandLine, name: string): boolean | undefined => {
  const value = lastFlagValue(line, name);
  if (value === undefined) return undefined;
  return !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value);
};

export interface FlagFileConflict {
  readonly flag: string;
  readonly key: string;
  readonly flagValue: string;
}

/**
 * Directives set both on the command line and in the (flattened) daemon.json keys, which
 * makes dockerd refuse to start and to reload.
 */
export const findFlagFileConflicts = (line: DockerdCommandLine, fileKeys: Iterable<string>): FlagFileConflict[] => {
  const keys = new Set(fileKeys);
  const seen = new Set<string>();
  const conflicts: FlagFileConflict[] = [];
  for (const flag of line.flags) {
    const key = namedFlagKeys[flag.name] ?? flag.name;
    if (!keys.has(key) || seen.has(key)) continue;
    seen.add(key);
    conflicts.push({ flag: `--${flag.name}`, key, flagValue: flagValues(line, flag.name).join(',') });
  }
  return conflicts;
};
