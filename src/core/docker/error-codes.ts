/** Codes of the Docker Engine API and daemon.json. */
export const DockerErrorCode = {
  /** The daemon's API version is older than we speak. */
  apiVersion: 'api-version',
  /** The daemon's socket cannot be reached. */
  daemonUnreachable: 'daemon-unreachable',
  /** The Engine API answered with an error status. */
  dockerApi: 'docker-api',
  /** An Engine API answer larger than any we expect. */
  dockerResponseTooLarge: 'docker-response-too-large',
  /** SIGHUP could not be delivered to dockerd. */
  reloadFailed: 'reload-failed',
  /** daemon.json is not a regular file. */
  daemonJsonNotFile: 'daemon-json-not-file',
  /** daemon.json is larger than any real one. */
  daemonJsonTooLarge: 'daemon-json-too-large',
  /** daemon.json changed while we edited it. */
  fileChanged: 'file-changed',
  /** daemon.json's owner could not be kept. */
  ownerNotKept: 'owner-not-kept',
  /** daemon.json is not UTF-8. */
  invalidEncoding: 'invalid-encoding',
  /** daemon.json starts with a byte-order mark dockerd refuses. */
  byteOrderMark: 'byte-order-mark',
  /** daemon.json is empty. */
  emptyFile: 'empty-file',
  /** daemon.json is not JSON. */
  invalidJson: 'invalid-json',
  /** daemon.json is not a JSON object. */
  notAnObject: 'not-an-object',
  /** A key dockerd does not know. */
  unknownKey: 'unknown-key',
  /** A key given twice. */
  duplicateKey: 'duplicate-key',
  /** A value that must be true or false. */
  notABoolean: 'not-a-boolean',
} as const;
export type DockerErrorCode = (typeof DockerErrorCode)[keyof typeof DockerErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    docker: typeof DockerErrorCode;
  }
}
