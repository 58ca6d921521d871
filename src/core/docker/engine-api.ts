import type { EngineClient } from './engine-client.js';

/** The parts of GET /info that live restore depends on. */
export interface DockerInfo {
  readonly ID?: string;
  readonly Name?: string;
  readonly ServerVersion: string;
  readonly OSType?: string;
  readonly Driver?: string;
  readonly DockerRootDir?: string;
  readonly LiveRestoreEnabled?: boolean;
  readonly ContainersRunning?: number;
  readonly Containers?: number;
  readonly SecurityOptions?: readonly string[];
  readonly Swarm?: { readonly LocalNodeState?: string; readonly NodeID?: string; readonly ControlAvailable?: boolean };
  readonly ContainerdCommit?: { readonly ID?: string };
}

export interface DockerVersion {
  readonly Version: string;
  readonly ApiVersion: string;
  readonly MinAPIVersion?: string;
  readonly Os?: string;
  readonly Arch?: string;
  readonly KernelVersion?: string;
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly Image: string;
  readonly State: string;
  readonly Status: string;
}

export const getInfo = (client: EngineClient): Promise<DockerInfo> => client.getJson<DockerInfo>('/info');

export const getVersion = (client: EngineClient): Promise<DockerVersion> => client.getJson<DockerVersion>('/version');

/** Running containers (GET /containers/json, what `docker ps` lists). */
export const listRunningContainers = (client: EngineClient): Promise<ContainerSummary[]> =>
  client.getJson<ContainerSummary[]>('/containers/json');

/** `Swarm.LocalNodeState`: "inactive" unless the node is (joining) a swarm. */
export const swarmState = (info: DockerInfo): string => info.Swarm?.LocalNodeState ?? 'inactive';
